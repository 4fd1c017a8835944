// The shop's secret for visitor keys (passkoop::visitor_key): 32 random bytes in a 0600 file
// beside the database.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>

namespace passkoop::server {

// Made on first use (atomically: a crash never leaves a short secret, and a secret another process
// just made is never replaced), read afterwards. Throws std::runtime_error for a file that is not
// exactly 32 bytes.
[[nodiscard]] std::array<std::uint8_t, 32> load_or_create_secret(const std::filesystem::path& path);

}  // namespace passkoop::server

// A coop's revocation list (DESIGN §5): its complete current list of revoked pass ids.
#pragma once

#include <passkoop/bytes.hpp>

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace passkoop {

struct RevocationEntry {
    std::uint64_t pass_id = 0;  // the 8 bytes of the pass id, big-endian
    std::int64_t until = 0;     // pass day: the pass's own expiry, after which it may be pruned
};

struct RevocationList {
    std::uint16_t coop = 0;
    std::int64_t sequence = 0;
    std::int64_t issued_at = 0;  // Unix seconds
    std::vector<RevocationEntry> entries;
};

std::string pass_id_hex(std::uint64_t id);
[[nodiscard]] std::expected<std::uint64_t, std::string> parse_pass_id(std::string_view hex);

[[nodiscard]] std::expected<RevocationList, std::string> parse_revocations_payload(
    std::string_view bytes);
std::string revocations_payload(const RevocationList& list);

}  // namespace passkoop

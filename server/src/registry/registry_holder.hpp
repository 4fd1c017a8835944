// The registry in use by the server: loaded and verified at start, replaced only by a bundle
// that verifies against it (never an older version), readable from any thread.
#pragma once

#include <passkoop/bundle.hpp>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace passkoop::server {

class StateStore;

struct LoadedRegistry {
    TrustedBundle bundle;
    std::string bytes;  // the bundle file as served by /v1/bundle
    std::string etag;   // strong ETag of `bytes`
    std::int64_t loaded_at = 0;
};

class RegistryHolder {
public:
    // Trust starts from the state the store recorded last time (registry and revocation lists),
    // else from `pin` (a registry envelope or a saved trust state), else from the first bundle
    // itself (its own admin threshold); the state in use is recorded at each update.
    RegistryHolder(std::filesystem::path bundle_file, std::optional<std::filesystem::path> pin, StateStore& state);

    [[nodiscard]] std::shared_ptr<const LoadedRegistry> current() const { return std::atomic_load(&current_); }

    enum class Reload { unchanged, updated, refused };
    struct ReloadResult {
        Reload outcome;
        std::string detail;
    };
    // Re-reads the bundle file; keeps the current registry if the new one fails verification.
    [[nodiscard]] ReloadResult reload_file();
    // Offers bundle bytes from elsewhere (a pull from a URL).
    [[nodiscard]] ReloadResult offer(std::string bytes);

private:
    ReloadResult accept(std::string bytes);

    std::filesystem::path file_;
    StateStore& state_;
    std::mutex reload_mutex_;
    std::optional<TrustState> initial_state_;
    std::shared_ptr<const LoadedRegistry> current_;
};

}  // namespace passkoop::server

// API tokens (DESIGN §9): random 32 bytes shown once, stored only as BLAKE2b-256 hashes.
#pragma once

#include "store/store.hpp"

#include <passkoop/bytes.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace passkoop::server {

enum class Role { cashier, manager };
[[nodiscard]] std::string_view to_string(Role role);
[[nodiscard]] std::optional<Role> role_from_string(std::string_view text);

// A token's name goes into every row its till records and onto screens: 1 to 64 bytes of
// valid UTF-8 without control characters.
inline constexpr std::size_t kMaxTokenNameBytes = 64;
[[nodiscard]] bool is_valid_token_name(std::string_view name);

struct TokenInfo {
    std::int64_t id = 0;
    std::string name;
    Role role = Role::cashier;
    std::int64_t created_at = 0;
    std::optional<std::int64_t> revoked_at;
};

class TokenStore {
public:
    // Owned by the Store, over its side connection.
    explicit TokenStore(Connection& connection) : connection_(connection) {}

    // Creates a token and returns its text ("pkt_" + 64 hex); only its hash is kept. Throws
    // std::invalid_argument for a name that is not is_valid_token_name.
    std::string create(Role role, const std::string& name);
    // Tokens as stored; names read back are made printable whatever an older version stored.
    [[nodiscard]] std::vector<TokenInfo> list() const;
    // False if no such active token.
    [[nodiscard]] bool revoke(std::int64_t id);
    // The active token matching `presented`, if any. Compares hashes in constant time.
    [[nodiscard]] std::optional<TokenInfo> authenticate(std::string_view presented) const;

private:
    Connection& connection_;
    // Tokens already looked up. Dropped when the database changed (PRAGMA data_version moves when
    // another connection, such as `passkoopd token revoke`, commits), which is asked at most once
    // a second: a revocation from the command line takes effect within a second. Guarded by the
    // connection's mutex.
    mutable std::map<Hash256, TokenInfo> cache_;
    mutable std::int64_t cache_version_ = -1;
    mutable std::chrono::steady_clock::time_point cache_checked_{};
};

}  // namespace passkoop::server

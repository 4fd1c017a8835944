#include "store/tokens.hpp"

#include <passkoop/dates.hpp>
#include <passkoop/text.hpp>

#include <sodium.h>

#include <stdexcept>

namespace passkoop::server {

namespace {
constexpr std::string_view kPrefix = "pkt_";
constexpr std::size_t kTokenTextSize = 4 + 64;

TokenInfo read_token(const Statement& s) {
    TokenInfo t;
    t.id = s.integer(0);
    // Stored by an older version without checks, a name could break every answer of its till.
    t.name = printable(s.text(1), kMaxTokenNameBytes);
    t.role = role_from_string(s.text(2)).value_or(Role::cashier);
    t.created_at = s.integer(3);
    if (!s.is_null(4)) t.revoked_at = s.integer(4);
    return t;
}
}  // namespace

std::string_view to_string(Role role) { return role == Role::manager ? "manager" : "cashier"; }

std::optional<Role> role_from_string(std::string_view text) {
    if (text == "cashier") return Role::cashier;
    if (text == "manager") return Role::manager;
    return std::nullopt;
}

bool is_valid_token_name(std::string_view name) {
    return !name.empty() && name.size() <= kMaxTokenNameBytes && is_printable_text(name) &&
           name.find_first_not_of(' ') != std::string_view::npos;
}

std::string TokenStore::create(Role role, const std::string& name) {
    if (!is_valid_token_name(name)) throw std::invalid_argument("token name: 1 to 64 bytes of printable UTF-8 expected");
    std::array<std::uint8_t, 32> secret{};
    randombytes_buf(secret.data(), secret.size());
    std::string token = std::string(kPrefix) + to_hex(secret);
    sodium_memzero(secret.data(), secret.size());
    const Hash256 hash = blake2b256(as_bytes(token));
    std::lock_guard lock(connection_.mutex);
    auto s = connection_.db.prepare(
        "INSERT INTO tokens (name, role, token_hash, created_at) VALUES (?1, ?2, ?3, ?4)");
    s.bind(1, name).bind(2, to_string(role)).bind_blob(3, hash.data(), hash.size()).bind(4, unix_now());
    s.step();
    cache_.clear();  // our own commits do not move data_version
    return token;
}

std::vector<TokenInfo> TokenStore::list() const {
    std::lock_guard lock(connection_.mutex);
    auto s = connection_.db.prepare("SELECT id, name, role, created_at, revoked_at FROM tokens ORDER BY id");
    std::vector<TokenInfo> out;
    while (s.step()) out.push_back(read_token(s));
    return out;
}

bool TokenStore::revoke(std::int64_t id) {
    std::lock_guard lock(connection_.mutex);
    auto s = connection_.db.prepare("UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL");
    s.bind(1, id).bind(2, unix_now());
    s.step();
    cache_.clear();  // our own commits do not move data_version
    return connection_.db.changes() > 0;
}

std::optional<TokenInfo> TokenStore::authenticate(std::string_view presented) const {
    if (presented.size() != kTokenTextSize || !presented.starts_with(kPrefix)) return std::nullopt;
    // Looked up by hash, so the stored secret never meets the presented text; the hash
    // comparison itself is constant time.
    const Hash256 hash = blake2b256(as_bytes(presented));
    std::lock_guard lock(connection_.mutex);
    Database& db = connection_.db;
    if (const auto now = std::chrono::steady_clock::now(); now - cache_checked_ >= std::chrono::seconds(1)) {
        cache_checked_ = now;
        auto version = db.cached("PRAGMA data_version");
        version->step();
        if (version->integer(0) != cache_version_) {
            cache_.clear();
            cache_version_ = version->integer(0);
        }
    }
    if (const auto it = cache_.find(hash); it != cache_.end() && equal_constant_time(it->first, hash)) return it->second;
    auto s = db.cached("SELECT id, name, role, created_at, revoked_at, token_hash FROM tokens WHERE token_hash = ?1");
    s->bind_blob(1, hash.data(), hash.size());
    if (!s->step()) return std::nullopt;
    const auto stored = s->blob(5);
    if (!equal_constant_time(stored, hash) || !s->is_null(4)) return std::nullopt;
    // Bounded: only tokens that exist are kept, and a shop has a handful.
    return cache_[hash] = read_token(*s);
}

}  // namespace passkoop::server

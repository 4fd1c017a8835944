// The registry payload (DESIGN §5): coops, their keys and visitor policies, and the admin set.
// Parsing is strict and reports the JSON path of the first problem.
#pragma once

#include <passkoop/bytes.hpp>
// slugify() lives in slug.hpp; included for code that found it here.
#include <passkoop/slug.hpp>

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace passkoop {

inline constexpr std::size_t kMaxAdmins = 64;
inline constexpr std::size_t kMaxCoops = 65535;
inline constexpr std::size_t kMaxKeysPerCoop = 255;
inline constexpr std::int64_t kDefaultMaxPassDays = 730;
// A new registry version is valid this many days unless its admins choose otherwise (DESIGN §5).
inline constexpr std::int64_t kDefaultRegistryValidityDays = 180;
// Tools warn from this many days before a registry's expires_at, while there is time to renew.
inline constexpr std::int64_t kRegistryRenewalWarningDays = 30;

enum class KeyStatus { active, retired, compromised };
std::string_view to_string(KeyStatus status);

struct CoopKey {
    std::uint8_t number = 0;
    PublicKey public_key{};
    std::int64_t not_before = 0;  // pass day, inclusive
    std::int64_t not_after = 0;   // pass day, inclusive
    KeyStatus status = KeyStatus::active;
};

struct VisitorPolicy {
    bool welcomes_visitors = true;
    std::int64_t max_visits = 0;   // 0 = unlimited
    std::int64_t window_days = 0;  // 0 = forever
    std::string conditions = "members";  // "members" or "surcharge"
    std::int64_t surcharge_percent = 0;
    bool accepts_all_coops = true;
    std::vector<std::uint16_t> accepted_coops;  // when !accepts_all_coops
    std::string note;
    // A pass whose expiry is later than its key's not_after plus this many days is refused, so a
    // leaked retired key cannot mint passes valid for decades. Written only when set.
    std::optional<std::int64_t> max_pass_days;
    std::int64_t pass_days_limit() const { return max_pass_days.value_or(kDefaultMaxPassDays); }
};

struct Coop {
    std::uint16_t number = 0;
    std::string slug, name, city, department, country;
    std::int64_t stage = 1;  // 1 idea .. 5 supermarket open
    std::string website;
    std::optional<std::int64_t> latitude_e6, longitude_e6;
    VisitorPolicy policy;
    std::vector<CoopKey> keys;

    const CoopKey* find_key(std::uint8_t number) const;
};

struct Admin {
    std::string name;
    std::uint16_t coop = 0;
    PublicKey public_key{};
};

struct AdminSet {
    std::int64_t threshold = 1;
    std::vector<Admin> keys;

    std::vector<PublicKey> public_keys() const;
    // Same threshold and same set of public keys (names do not matter to trust).
    [[nodiscard]] bool same_trust_as(const AdminSet& other) const;
};

struct Registry {
    std::int64_t version = 1;
    std::optional<Hash256> previous;
    std::int64_t issued_at = 0;   // Unix seconds
    std::int64_t expires_at = 0;  // Unix seconds
    AdminSet admins;
    std::vector<Coop> coops;  // sorted by number

    const Coop* find_coop(std::uint16_t number) const;
    Coop* find_coop(std::uint16_t number);
};

// Parses verified payload bytes. Rejects floats, integers beyond ±2^53, unknown enum values,
// duplicate coop or key numbers, a threshold outside 1..admins, and wrong types.
[[nodiscard]] std::expected<Registry, std::string> parse_registry_payload(std::string_view bytes);
// Deterministic payload bytes (sorted keys, compact) for a registry being drafted.
std::string registry_payload(const Registry& registry);

// Shared by every payload parser: true if `json` holds only strings, integers with |n| < 2^53,
// booleans, null, arrays and objects, nested at most kMaxJsonDepth deep. `where` receives the path of the first offender relative
// to `json`, then its reason: ".coops[0].latitude_e6 : <reason>" (" : <reason>" at the root).
[[nodiscard]] bool has_only_exact_values(const nlohmann::json& json, std::string& where);

}  // namespace passkoop

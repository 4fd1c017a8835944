// The benchmarks' network: the 130 coops of tools/data/coops-directory.json (numbers 1..130, one
// active key each, key_named("coop-<n>")), three admins with threshold 2, and 100,000 revoked pass
// ids as one revocation list per coop (769 or 770 entries), each signed by that coop's key.
#pragma once

#include "support.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cmath>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace pk_test {

inline constexpr std::size_t kRevokedTotal = 100'000;

struct LargeNetwork {
    std::vector<SigningKey> coop_keys;  // coop n uses coop_keys[n - 1]
    SigningKey admin_a = key_named("admin-a"), admin_b = key_named("admin-b"), admin_c = key_named("admin-c");
    Registry registry;
    std::string bundle_text;
    std::size_t revoked_entries = 0;

    // The registry is valid [issued_at, expires_at]; the lists are issued at `lists_issued_at` and
    // their entries end on days drawn from [first_until, last_until] (pass days).
    LargeNetwork(std::int64_t issued_at, std::int64_t expires_at, std::int64_t lists_issued_at, std::int64_t first_until,
                 std::int64_t last_until) {
        const std::string path = std::string(PASSKOOP_SOURCE_DIR) + "/tools/data/coops-directory.json";
        const nlohmann::json directory = nlohmann::json::parse(read_file(path));
        if (!directory.is_array() || directory.size() != 130) throw std::runtime_error("expected 130 coops in " + path);

        registry.version = 1;
        registry.issued_at = issued_at;
        registry.expires_at = expires_at;
        registry.admins.threshold = 2;
        registry.admins.keys = {admin_of(admin_a, "Alice", 12), admin_of(admin_b, "Bruno", 7), admin_of(admin_c, "Chloé", 3)};

        auto text_or_empty = [](const nlohmann::json& obj, const char* name) {
            const auto it = obj.find(name);
            return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
        };
        auto micro_degrees = [](const nlohmann::json& value) {
            return static_cast<std::int64_t>(std::llround(value.get<double>() * 1e6));
        };
        coop_keys.reserve(directory.size());
        for (std::size_t i = 0; i < directory.size(); ++i) {
            const auto number = static_cast<std::uint16_t>(i + 1);
            const nlohmann::json& entry = directory[i];
            coop_keys.push_back(key_named("coop-" + std::to_string(number)));
            Coop coop = coop_with_key(number, entry.at("name").get<std::string>(), coop_keys.back());
            coop.city = text_or_empty(entry, "city");
            coop.department = text_or_empty(entry, "department");
            // The directory's "department" holds a country code for coops outside France.
            const bool french = !coop.department.empty() && std::isdigit(static_cast<unsigned char>(coop.department[0]));
            coop.country = french || coop.department.size() != 2 ? "FR" : coop.department;
            coop.website = text_or_empty(entry, "website");
            coop.stage = entry.at("stage").get<std::int64_t>();
            coop.latitude_e6 = micro_degrees(entry.at("latitude"));
            coop.longitude_e6 = micro_degrees(entry.at("longitude"));
            registry.coops.push_back(std::move(coop));
        }
        const Envelope registry_envelope = sign_registry(registry, {&admin_a, &admin_b});

        std::mt19937_64 random(20261121);
        std::uniform_int_distribution<std::int64_t> until_day(first_until, last_until);
        std::vector<Envelope> revocations;
        const std::size_t coops = registry.coops.size();
        for (std::size_t i = 0; i < coops; ++i) {
            RevocationList list;
            list.coop = registry.coops[i].number;
            list.sequence = 1;
            list.issued_at = lists_issued_at;
            const std::size_t count = kRevokedTotal / coops + (i < kRevokedTotal % coops ? 1 : 0);
            list.entries.reserve(count);
            for (std::size_t j = 0; j < count; ++j) list.entries.push_back({random(), until_day(random)});
            revoked_entries += count;
            revocations.push_back(sign_revocations(list, {&coop_keys[i]}));
        }
        bundle_text = bundle_to_string(registry_envelope, {}, revocations);
    }

    // Loads the bundle as a till would, refusing any warning or a wrong revocation count.
    TrustedBundle load() const {
        auto loaded = load_bundle(bundle_text, nullptr);
        if (!loaded) throw std::runtime_error("bundle refused: " + loaded.error().detail);
        if (!loaded->warnings.empty()) throw std::runtime_error("bundle warning: " + loaded->warnings.front());
        if (loaded->revoked.size() != kRevokedTotal)
            throw std::runtime_error("expected 100000 revoked ids, got " + std::to_string(loaded->revoked.size()));
        return std::move(*loaded);
    }
};

}  // namespace pk_test

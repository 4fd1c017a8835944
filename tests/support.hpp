// Shared fixtures for the tests and benchmarks: deterministic keys from labels, a small
// signed network (admins, coops, keys), passes and revocation lists.
#pragma once

#include <passkoop/bundle.hpp>
#include <passkoop/dates.hpp>
#include <passkoop/pass.hpp>
#include <passkoop/registry.hpp>
#include <passkoop/revocations.hpp>
#include <passkoop/verifier.hpp>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <random>
#include <sstream>
#include <string>

namespace pk_test {

using namespace passkoop;

// A deterministic key per label: the seed is BLAKE2b-256 of the label.
inline SigningKey key_named(std::string_view label) {
    ensure_sodium();
    return SigningKey::from_seed(blake2b256(as_bytes(label)));
}

inline std::int64_t day(std::string_view ymd) { return parse_day(ymd).value(); }
inline std::int64_t instant(std::string_view iso) { return parse_instant(iso).value(); }

inline Admin admin_of(const SigningKey& key, std::string name, std::uint16_t coop) {
    return Admin{std::move(name), coop, key.public_key()};
}

inline Coop coop_with_key(std::uint16_t number, std::string name, const SigningKey& key, std::uint8_t key_number = 1,
                          KeyStatus status = KeyStatus::active) {
    Coop c;
    c.number = number;
    c.name = std::move(name);
    c.slug = "coop-" + std::to_string(number);
    c.city = "Montpellier";
    c.department = "34";
    c.country = "FR";
    c.stage = 5;
    c.keys.push_back(CoopKey{key_number, key.public_key(), day("2024-01-01"), day("2029-12-31"), status});
    return c;
}

inline Envelope sign_registry(const Registry& reg, std::initializer_list<const SigningKey*> signers) {
    Envelope env{std::string(kRegistryPayloadType), registry_payload(reg), {}};
    for (const SigningKey* k : signers) env.sign(*k);
    return env;
}

inline Envelope sign_revocations(const RevocationList& list, std::initializer_list<const SigningKey*> signers) {
    Envelope env{std::string(kRevocationsPayloadType), revocations_payload(list), {}};
    for (const SigningKey* k : signers) env.sign(*k);
    return env;
}

inline Pass make_pass(std::uint16_t coop, std::uint8_t key_number, std::uint64_t member, std::string_view issued,
                      std::string_view expiry, std::string name = "Camille D.") {
    Pass p;
    p.coop = coop;
    p.key_number = key_number;
    p.member = member;
    p.issued_day = static_cast<std::uint16_t>(day(issued));
    p.expiry_day = static_cast<std::uint16_t>(day(expiry));
    p.name = std::move(name);
    return p;
}

inline std::string signed_text(Pass pass, const SigningKey& key) {
    sign_pass(pass, key);
    return encode_text(pass.to_binary());
}

// A small network: three admins (threshold 2) and three coops.
//   12 La Cagette: key 1 active;  7 La Louve: key 1 active, key 2 compromised;
//   3 Coopalim: key 1 retired (valid 2024-01-01..2025-12-31), key 2 active.
struct Network {
    SigningKey admin_a = key_named("admin-a"), admin_b = key_named("admin-b"), admin_c = key_named("admin-c");
    SigningKey cagette = key_named("coop-12-key-1");
    SigningKey louve = key_named("coop-7-key-1"), louve_stolen = key_named("coop-7-key-2");
    SigningKey coopalim_old = key_named("coop-3-key-1"), coopalim = key_named("coop-3-key-2");
    Registry registry;

    Network() {
        registry.version = 1;
        registry.issued_at = instant("2026-11-01T10:00:00Z");
        registry.expires_at = instant("2027-02-01T10:00:00Z");
        registry.admins.threshold = 2;
        registry.admins.keys = {admin_of(admin_a, "Alice", 12), admin_of(admin_b, "Bruno", 7),
                                admin_of(admin_c, "Chloé", 3)};
        Coop coopalim_coop = coop_with_key(3, "Coopalim", coopalim_old, 1, KeyStatus::retired);
        coopalim_coop.keys[0].not_after = day("2025-12-31");
        coopalim_coop.keys.push_back(CoopKey{2, coopalim.public_key(), day("2026-01-01"), day("2029-12-31"), KeyStatus::active});
        coopalim_coop.policy.max_visits = 3;
        Coop louve_coop = coop_with_key(7, "La Louve", louve);
        louve_coop.city = "Paris";
        louve_coop.keys.push_back(CoopKey{2, louve_stolen.public_key(), day("2024-01-01"), day("2029-12-31"), KeyStatus::compromised});
        registry.coops = {coopalim_coop, louve_coop, coop_with_key(12, "La Cagette", cagette)};
    }

    Envelope signed_registry() const { return sign_registry(registry, {&admin_a, &admin_b}); }

    std::string bundle(const std::vector<Envelope>& revocations = {}) const {
        return bundle_to_string(signed_registry(), {}, revocations);
    }

    TrustedBundle trusted(const std::vector<Envelope>& revocations = {}) const {
        auto loaded = load_bundle(bundle(revocations), nullptr);
        if (!loaded) throw std::runtime_error(loaded.error().detail);
        return std::move(*loaded);
    }
};

// A directory removed with its contents at the end of the scope.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::random_device rd;
        path = std::filesystem::temp_directory_path() / ("passkoop-test-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::filesystem::path operator/(std::string_view name) const { return path / name; }
};

inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

inline void write_file(const std::filesystem::path& path, std::string_view content) {
    std::ofstream(path, std::ios::binary) << content;
}

}  // namespace pk_test

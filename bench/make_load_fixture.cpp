// Writes the fixture of the server load benchmark (bench/load.sh) into a directory:
//
//   bundle.json     the 130 coops of tools/data/coops-directory.json (numbers 1..130, one active key
//                   each, key_named("coop-<n>")), three admins with threshold 2, and 100,000 revoked
//                   pass ids as one revocation list per coop, each signed by that coop's key —
//                   the same network as bench/verify_bench.cpp.
//   coop-12.pub     the public key of coop 12, standard base64 (for the bare baseline server).
//   pass.txt        a valid pass text of coop 12 (member 4012345678901), for host coop 7.
//   passes.txt      one valid coop-12 pass text per line for N distinct members (--members N,
//                   default 1000), to spread the visits over many visitors as a real shop does.
//
// Usage: passkoop-load-fixture DIR [--members N]
// The cashier token is made by load.sh with `passkoopd token create`.

#include "support.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace pk_test;

constexpr std::size_t kRevokedTotal = 100'000;
constexpr std::uint16_t kPassCoop = 12;
constexpr std::uint16_t kHostCoop = 7;

std::string text_or_empty(const nlohmann::json& obj, const char* name) {
    const auto it = obj.find(name);
    return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::int64_t micro_degrees(const nlohmann::json& value) {
    return static_cast<std::int64_t>(std::llround(value.get<double>() * 1e6));
}

int make(const std::filesystem::path& dir, std::size_t members) {
    std::filesystem::create_directories(dir);
    const std::string path = std::string(PASSKOOP_SOURCE_DIR) + "/tools/data/coops-directory.json";
    const nlohmann::json directory = nlohmann::json::parse(read_file(path));
    if (!directory.is_array() || directory.size() != 130) throw std::runtime_error("expected 130 coops in " + path);

    const SigningKey admin_a = key_named("admin-a"), admin_b = key_named("admin-b"), admin_c = key_named("admin-c");
    // The registry must be current for a server started now: issued a few days ago, valid 90 days.
    const std::int64_t now = unix_now();
    Registry registry;
    registry.version = 1;
    registry.issued_at = now - 3 * 86400;
    registry.expires_at = now + 90 * 86400;
    registry.admins.threshold = 2;
    registry.admins.keys = {admin_of(admin_a, "Alice", 12), admin_of(admin_b, "Bruno", 7), admin_of(admin_c, "Chloé", 3)};

    std::vector<SigningKey> coop_keys;  // coop n uses coop_keys[n - 1]
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

    // 100,000 revoked pass ids: 769 or 770 per coop, one list per coop signed by its own key.
    std::mt19937_64 random(20261121);
    const std::int64_t today = day_of(now);
    std::uniform_int_distribution<std::int64_t> until_day(today + 40, today + 770);
    std::vector<Envelope> revocations;
    const std::size_t coops = registry.coops.size();
    std::size_t revoked = 0;
    for (std::size_t i = 0; i < coops; ++i) {
        RevocationList list;
        list.coop = registry.coops[i].number;
        list.sequence = 1;
        list.issued_at = now - 86400;
        const std::size_t count = kRevokedTotal / coops + (i < kRevokedTotal % coops ? 1 : 0);
        list.entries.reserve(count);
        for (std::size_t j = 0; j < count; ++j) list.entries.push_back({random(), until_day(random)});
        revoked += count;
        revocations.push_back(sign_revocations(list, {&coop_keys[i]}));
    }
    const std::string bundle_text = bundle_to_string(registry_envelope, {}, revocations);

    // Check it the way passkoopd will before writing anything.
    auto loaded = load_bundle(bundle_text, nullptr);
    if (!loaded) throw std::runtime_error("bundle refused: " + loaded.error().detail);
    if (!loaded->warnings.empty()) throw std::runtime_error("bundle warning: " + loaded->warnings.front());
    if (loaded->revoked.size() != kRevokedTotal)
        throw std::runtime_error("expected 100000 revoked ids, got " + std::to_string(loaded->revoked.size()));

    const std::string issued = format_day(today - 60), expiry = format_day(today + 300);
    auto pass_of = [&](std::uint64_t member) {
        Pass pass = make_pass(kPassCoop, 1, member, issued, expiry, "Camille D.");
        return signed_text(std::move(pass), coop_keys[kPassCoop - 1]);
    };
    const std::string pass_text = pass_of(4'012'345'678'901ULL);
    const Verification check = verify_pass(pass_text, *loaded, now);
    if (!check.valid()) throw std::runtime_error("the fixture pass is not valid: " + std::string(to_string(check.code)));

    std::string passes;
    for (std::size_t m = 0; m < members; ++m) passes += pass_of(5'000'000'000'000ULL + m) + "\n";

    write_file(dir / "bundle.json", bundle_text);
    write_file(dir / "coop-12.pub", to_base64(coop_keys[kPassCoop - 1].public_key()) + "\n");
    write_file(dir / "pass.txt", pass_text + "\n");
    write_file(dir / "passes.txt", passes);
    std::printf("fixture in %s: %zu coops, %zu revoked ids, bundle %zu bytes, pass of coop %u for host coop %u, %zu member passes\n",
                dir.c_str(), coops, revoked, bundle_text.size(), unsigned{kPassCoop}, unsigned{kHostCoop}, members);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || argv[1][0] == '-') {
        std::fprintf(stderr, "usage: %s DIR [--members N]\n", argv[0]);
        return 2;
    }
    std::size_t members = 1000;
    for (int i = 2; i < argc; ++i) {
        if (std::string(argv[i]) == "--members" && i + 1 < argc) {
            members = static_cast<std::size_t>(std::strtoul(argv[++i], nullptr, 10));
        } else {
            std::fprintf(stderr, "%s: unexpected argument %s\n", argv[0], argv[i]);
            return 2;
        }
    }
    try {
        return make(argv[1], members);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
        return 1;
    }
}

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

#include "large_network.hpp"

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

constexpr std::uint16_t kPassCoop = 12;
constexpr std::uint16_t kHostCoop = 7;

int make(const std::filesystem::path& dir, std::size_t members) {
    std::filesystem::create_directories(dir);
    // The registry must be current for a server started now: issued a few days ago, valid 90 days.
    const std::int64_t now = unix_now();
    const std::int64_t today = day_of(now);
    const LargeNetwork net(now - 3 * 86400, now + 90 * 86400, now - 86400, today + 40, today + 770);
    const TrustedBundle loaded = net.load();
    const std::vector<SigningKey>& coop_keys = net.coop_keys;
    const std::string& bundle_text = net.bundle_text;

    const std::string issued = format_day(today - 60), expiry = format_day(today + 300);
    auto pass_of = [&](std::uint64_t member) {
        Pass pass = make_pass(kPassCoop, 1, member, issued, expiry, "Camille D.");
        return signed_text(std::move(pass), coop_keys[kPassCoop - 1]);
    };
    const std::string pass_text = pass_of(4'012'345'678'901ULL);
    const Verification check = verify_pass(pass_text, loaded, now);
    if (!check.valid()) throw std::runtime_error("the fixture pass is not valid: " + std::string(to_string(check.code)));

    std::string passes;
    for (std::size_t m = 0; m < members; ++m) passes += pass_of(5'000'000'000'000ULL + m) + "\n";

    write_file(dir / "bundle.json", bundle_text);
    write_file(dir / "coop-12.pub", to_base64(coop_keys[kPassCoop - 1].public_key()) + "\n");
    write_file(dir / "pass.txt", pass_text + "\n");
    write_file(dir / "passes.txt", passes);
    std::printf("fixture in %s: %zu coops, %zu revoked ids, bundle %zu bytes, pass of coop %u for host coop %u, %zu member passes\n",
                dir.c_str(), net.registry.coops.size(), net.revoked_entries, bundle_text.size(), unsigned{kPassCoop}, unsigned{kHostCoop}, members);
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

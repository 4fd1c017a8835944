// Writes one of each JSON document Pass'Koop produces, using the library's own writers, into the
// directory given as argv[1]; validate.py then checks them against schemas/. The documents come
// from the shared test network (support.hpp) with an admin-set change, so the bundle carries
// an admin history and revocation lists signed both ways (coop key, admin threshold).
#include "support.hpp"

#include <passkoop/keyfile.hpp>

#include <nlohmann/json.hpp>
#include <sodium.h>

#include <cstdlib>
#include <iostream>

using namespace pk_test;
namespace fs = std::filesystem;

namespace {

Hash256 hash_of(const Envelope& env) { return env.payload_hash(); }

void write_json(const fs::path& path, const std::string& text) {
    write_file(path, text);
    std::cout << "wrote " << path.string() << '\n';
}

[[noreturn]] void die(const std::string& what) {
    std::cerr << "write_documents: " << what << '\n';
    std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: passkoop-schema-docs OUTPUT_DIR\n";
        return 2;
    }
    const fs::path out = argv[1];
    fs::create_directories(out);

    Network net;
    // Fill every optional field somewhere, and leave some null elsewhere (Coopalim, La Louve).
    Coop& cagette = *net.registry.find_coop(12);
    cagette.website = "https://lacagette-coop.fr";
    cagette.latitude_e6 = 43610769;
    cagette.longitude_e6 = 3876716;
    cagette.policy.conditions = "surcharge";
    cagette.policy.surcharge_percent = 10;
    cagette.policy.accepts_all_coops = false;
    cagette.policy.accepted_coops = {3, 7};
    cagette.policy.max_visits = 4;
    cagette.policy.window_days = 60;
    cagette.policy.note = "Visiteurs bienvenus le samedi.";
    net.registry.find_coop(7)->latitude_e6 = -1;  // south of the equator is fine too
    net.registry.find_coop(7)->longitude_e6 = -180000000;

    // Version 1, then version 2 adds an admin (signed by a threshold of both sets), then version 3.
    const Registry v1 = net.registry;
    const Envelope env1 = sign_registry(v1, {&net.admin_a, &net.admin_b});

    const SigningKey admin_d = key_named("admin-d");
    Registry v2 = v1;
    v2.version = 2;
    v2.previous = hash_of(env1);
    v2.issued_at = instant("2026-11-15T09:30:00Z");
    v2.expires_at = instant("2027-02-15T09:30:00Z");
    v2.admins.keys.push_back(admin_of(admin_d, "Dominique", 12));
    const Envelope env2 = sign_registry(v2, {&net.admin_a, &net.admin_b, &admin_d});

    Registry v3 = v2;
    v3.version = 3;
    v3.previous = hash_of(env2);
    v3.issued_at = instant("2026-11-21T10:00:00Z");
    v3.expires_at = instant("2027-02-19T10:00:00Z");
    v3.find_coop(3)->policy.welcomes_visitors = false;
    const Envelope env3 = sign_registry(v3, {&net.admin_c, &admin_d});

    // A lost card of La Cagette, revoked by the coop itself; La Louve's list signed by admins.
    Pass lost = make_pass(12, 1, 4200123, "2026-03-01", "2027-03-01");
    sign_pass(lost, net.cagette);
    const std::string lost_text = encode_text(lost.to_binary());
    RevocationList rev12{12, 2, instant("2026-11-20T18:00:00Z"), {{pass_id_value(lost.signed_bytes()), lost.expiry_day}}};
    RevocationList rev7{7, 1, instant("2026-11-19T08:00:00Z"), {}};
    const Envelope rev12_env = sign_revocations(rev12, {&net.cagette});
    const Envelope rev7_env = sign_revocations(rev7, {&net.admin_a, &admin_d});
    const std::string bundle = bundle_to_string(env3, {env2}, {rev12_env, rev7_env});

    // The bundle must be one the library itself accepts, from a verifier that trusts version 1.
    const auto v1_parsed = parse_registry_payload(env1.payload);
    if (!v1_parsed) die("version 1 does not parse: " + v1_parsed.error());
    const TrustAnchor anchor{*v1_parsed, hash_of(env1)};
    const auto loaded = load_bundle(bundle, &anchor);
    if (!loaded) die("the bundle is refused: " + loaded.error().detail);
    if (!loaded->warnings.empty()) die("the bundle loads with warnings: " + loaded->warnings.front());
    if (verify_pass(lost_text, *loaded, instant("2026-12-01T12:00:00Z")).code != ResultCode::revoked)
        die("the revoked pass is not reported revoked");

    write_json(out / "registry.payload.json", env3.payload);
    write_json(out / "registry-v1.payload.json", env1.payload);
    write_json(out / "revocations.payload.json", rev12_env.payload);
    write_json(out / "registry.envelope.json", envelope_to_json(env3).dump(2) + "\n");
    write_json(out / "revocations.envelope.json", envelope_to_json(rev7_env).dump(2) + "\n");
    write_json(out / "bundle.json", bundle);

    // Key files, as `passkoop keygen` writes them.
    const SigningKey key = key_named("schema-test-key");
    KeyFileOptions options;
    options.force = true;
    write_key_file(out / "key.plain.json", key, nullptr, options);
    std::cout << "wrote " << (out / "key.plain.json").string() << '\n';
    options.opslimit = crypto_pwhash_OPSLIMIT_MIN;
    options.memlimit = crypto_pwhash_MEMLIMIT_MIN;
    const Passphrase passphrase("correct horse battery staple");
    write_key_file(out / "key.encrypted.json", key, &passphrase, options);
    std::cout << "wrote " << (out / "key.encrypted.json").string() << '\n';
    if (read_key_file(out / "key.encrypted.json", &passphrase).public_key() != key.public_key())
        die("the encrypted key file does not read back");
    return 0;
}

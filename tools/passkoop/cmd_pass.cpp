// keygen, pubkey, issue, verify: what a coop's volunteer and a till do with passes.
#include "cli.hpp"
#include "commands.hpp"

#include <passkoop/bundle.hpp>
#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/pass.hpp>
#include <passkoop/verifier.hpp>

#include <nlohmann/json.hpp>

#include <iostream>

namespace passkoop::cli {

int cmd_keygen(const Argv& argv) {
    const Args args(argv, {"out"}, {"no-passphrase", "force"});
    const std::string out = args.require("out");
    const SigningKey key = SigningKey::generate();
    if (args.flag("no-passphrase")) {
        std::cerr << tr("ATTENTION : clé écrite SANS chiffrement (--no-passphrase). À réserver aux essais et démos : "
                        "quiconque lit ce fichier peut signer au nom de la coop.\n",
                        "WARNING: key written WITHOUT encryption (--no-passphrase). For tests and demos only: "
                        "anyone who reads this file can sign in the coop's name.\n");
        write_key_file(out, key, nullptr, {.force = args.flag("force")});
    } else {
        const Passphrase passphrase = ask_passphrase(tr("Nouvelle phrase de passe : ", "New passphrase: "), true);
        write_key_file(out, key, &passphrase, {.force = args.flag("force")});
    }
    std::cerr << tr("Clé écrite dans ", "Key written to ") << out << tr(" (identifiant ", " (key id ") << key.id() << ")\n";
    std::cout << to_base64(key.public_key()) << "\n";
    return kExitOk;
}

int cmd_pubkey(const Argv& argv) {
    const Args args(argv, {"key"}, {});
    const PublicKey pub = key_file_public_key(args.require("key"));
    std::cout << to_base64(pub) << "\n";
    std::cerr << tr("identifiant ", "key id ") << key_id(pub) << "\n";
    return kExitOk;
}

int cmd_issue(const Argv& argv) {
    const Args args(argv, {"key", "coop", "key-number", "member", "seq", "name", "days", "until", "kind", "issued"}, {});
    Pass pass;
    pass.coop = static_cast<std::uint16_t>(args.require_integer("coop", 1, 65535));
    pass.key_number = static_cast<std::uint8_t>(args.require_integer("key-number", 0, 255));
    pass.member = static_cast<std::uint64_t>(args.require_integer("member", 0, static_cast<std::int64_t>(kMaxMemberNumber)));
    pass.card_sequence = static_cast<std::uint8_t>(args.integer("seq", 0, 255).value_or(0));
    pass.name = args.get("name").value_or("");
    if (!is_valid_display_name(pass.name))
        throw CliError(tr("--name : 24 octets UTF-8 au plus, sans caractère de contrôle (ex. « Camille D. »)",
                          "--name: at most 24 bytes of UTF-8, no control characters (e.g. \"Camille D.\")"));
    const std::string kind = args.get("kind").value_or("member");
    if (kind != "member" && kind != "tester") throw CliError(tr("--kind : member ou tester", "--kind: member or tester"));
    pass.kind = kind == "tester" ? PassKind::tester : PassKind::member;

    const auto [issued, expiry] = issue_days(args);
    pass.issued_day = static_cast<std::uint16_t>(issued);
    pass.expiry_day = static_cast<std::uint16_t>(expiry);

    const SigningKey key = open_key_file(args.require("key"));
    sign_checked(pass, key);
    std::cout << encode_text(pass.to_binary()) << "\n";
    std::cerr << tr("identifiant du pass ", "pass id ") << pass_id(pass.signed_bytes()) << tr(", expire le ", ", expires ")
              << (language() == Lang::en ? format_day(expiry) : format_day_fr(expiry)) << "\n";
    return kExitOk;
}

int cmd_verify(const Argv& argv) {
    const Args args(argv, {"registry", "at", "pin", "state", "grace-days"}, {"json"});
    std::string text;
    if (args.positional().empty()) {
        // No TEXT: read one scanned line from standard input (a scanner piped in, or a paste).
        std::getline(std::cin, text);
    } else {
        text = args.single_positional("TEXT");
    }
    const std::string bundle_path = args.require("registry");
    const std::string bundle_text = read_file(bundle_path, kMaxBundleBytes);
    // --state FILE: the trust state kept between runs (read when the file exists, written after
    // the bundle is accepted), so that neither the registry nor a coop's revocations go back.
    const auto state_path = args.get("state");
    if (state_path && args.get("pin")) throw CliError(tr("--pin ou --state, pas les deux", "--pin or --state, not both"));
    const auto trust_path = state_path && std::filesystem::exists(*state_path) ? state_path : args.get("pin");
    std::optional<TrustState> trusted;
    if (trust_path) {
        auto state = read_trust_state(read_file(*trust_path, kMaxBundleBytes));
        if (!state) throw CliError(*trust_path + " : " + printable(state.error().detail));
        trusted = std::move(*state);
    }
    auto bundle = trusted ? load_bundle(bundle_text, *trusted) : load_bundle(bundle_text, nullptr);
    if (!bundle) throw CliError(bundle_path + " : " + printable(bundle.error().detail));
    for (const auto& w : bundle->warnings) std::cerr << bundle_path << " : " << printable(w) << "\n";
    if (state_path) write_file_atomic(*state_path, trust_state_text(*bundle));
    if (!trusted && !state_path)
        std::cerr << tr("note : registre non épinglé (--pin) ; seule sa cohérence interne est vérifiée\n",
                        "note: registry not pinned (--pin); only its internal consistency is checked\n");

    const std::int64_t clock = args.date("at") ? start_of_day(*args.date("at")) : unix_now();
    const VerifyOptions options{.grace_days = args.integer("grace-days", 0, 3650).value_or(30)};
    const Verification v = verify_pass(text, *bundle, clock, options);
    if (args.flag("json")) {
        std::cout << verification_to_json(v).dump(2) << "\n";
    } else {
        std::cout << (v.valid() ? (v.warnings.empty() ? "OK  " : "OK! ") : "NON ") << to_string(v.code) << " — "
                  << message(v.code) << "\n";
        if (v.pass) {
            const Pass& p = *v.pass;
            std::cout << "  coop    : " << p.coop;
            if (v.coop) std::cout << " " << printable(v.coop->name) << " (" << printable(v.coop->city) << ")";
            std::cout << tr("\n  membre  : ", "\n  member  : ") << p.member << " " << printable(p.name)
                      << (p.kind == PassKind::tester ? tr(" [pass d'essai]", " [tester pass]") : "")
                      << tr("\n  expire  : ", "\n  expires : ")
                      << (language() == Lang::en ? format_day(p.expiry_day) : format_day_fr(p.expiry_day))
                      << "\n  pass id : " << v.pass_id << "\n";
        }
        for (const Warning w : v.warnings) std::cout << "  ! " << message(w, v.registry_issued_at) << "\n";
    }
    return v.valid() ? kExitOk : kExitInvalid;
}

}  // namespace passkoop::cli

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

constexpr Help kKeygenHelp{
    "passkoop keygen --out FICHIER [--no-passphrase] [--force]\n"
    "Crée une clé de signature (chiffrée par une phrase de passe demandée deux fois, ou PASSKOOP_PASSPHRASE),\n"
    "écrite en mode 0600, et affiche sa clé publique, à envoyer aux admins du registre.\n"
    "  --no-passphrase    clé non chiffrée, pour les essais seulement\n"
    "  --force            remplace FICHIER s'il existe\n",
    "passkoop keygen --out FILE [--no-passphrase] [--force]\n"
    "Makes a signing key (encrypted with a passphrase asked twice, or PASSKOOP_PASSPHRASE), written with mode\n"
    "0600, and prints its public key, to send to the registry admins.\n"
    "  --no-passphrase    unencrypted key, for tests only\n"
    "  --force            replaces FILE if it exists\n"};

int cmd_keygen(const Argv& argv) {
    const Args args(argv, {"out"}, {"no-passphrase", "force"});
    if (print_help_if_asked(args, kKeygenHelp, std::cout)) return kExitOk;
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

constexpr Help kPubkeyHelp{
    "passkoop pubkey --key FICHIER\nAffiche la clé publique (base64) d'un fichier de clé, sans phrase de passe.\n",
    "passkoop pubkey --key FILE\nPrints the public key (base64) of a key file, no passphrase needed.\n"};

int cmd_pubkey(const Argv& argv) {
    const Args args(argv, {"key"}, {});
    if (print_help_if_asked(args, kPubkeyHelp, std::cout)) return kExitOk;
    const PublicKey pub = key_file_public_key(args.require("key"));
    std::cout << to_base64(pub) << "\n";
    std::cerr << tr("identifiant ", "key id ") << key_id(pub) << "\n";
    return kExitOk;
}

constexpr Help kIssueHelp{
    "passkoop issue --key FICHIER --coop N --key-number K --member M [--seq S] [--name TEXTE]\n"
    "               [--days J | --until AAAA-MM-JJ] [--kind member|tester] [--issued AAAA-MM-JJ]\n"
    "Signe le pass d'un membre et affiche son texte (celui du QR code). Valable un an par défaut.\n"
    "  --name TEXTE       nom imprimé, 24 octets au plus (ex. « Camille D. »)\n"
    "  --seq S            numéro de carte, pour une carte refaite\n"
    "  --kind tester      pass d'essai, valable seulement dans la coop qui l'émet\n",
    "passkoop issue --key FILE --coop N --key-number K --member M [--seq S] [--name TEXT]\n"
    "               [--days D | --until YYYY-MM-DD] [--kind member|tester] [--issued YYYY-MM-DD]\n"
    "Signs a member's pass and prints its text (the QR code's). Valid one year by default.\n"
    "  --name TEXT        printed name, 24 bytes at most (e.g. \"Camille D.\")\n"
    "  --seq S            card number, for a re-made card\n"
    "  --kind tester      trial pass, valid only in the coop that issues it\n"};

int cmd_issue(const Argv& argv) {
    const Args args(argv, {"key", "coop", "key-number", "member", "seq", "name", "days", "until", "kind", "issued"}, {});
    if (print_help_if_asked(args, kIssueHelp, std::cout)) return kExitOk;
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

constexpr Help kVerifyHelp{
    "passkoop verify --registry BUNDLE [--pin REGISTRE | --state ETAT] [--at AAAA-MM-JJ] [--grace-days J] [--json] [TEXTE]\n"
    "Vérifie un pass scanné (TEXTE, ou une ligne lue sur l'entrée standard). Code de sortie 0 valide, 1 non\n"
    "valide, 2 erreur d'usage ou de fichier.\n"
    "  --pin REGISTRE     la version du registre que votre coop vous a donnée (ou un fichier --state)\n"
    "  --state ETAT       registre et listes de révocation retenus, relus puis mis à jour à chaque appel\n"
    "  --grace-days J     jours pendant lesquels un registre expiré est encore accepté (90 par défaut)\n"
    "  --json             le résultat en JSON\n",
    "passkoop verify --registry BUNDLE [--pin REGISTRY | --state STATE] [--at YYYY-MM-DD] [--grace-days D] [--json] [TEXT]\n"
    "Verifies a scanned pass (TEXT, or one line read from standard input). Exit code 0 valid, 1 not valid,\n"
    "2 usage or file error.\n"
    "  --pin REGISTRY     the registry version your coop gave you (or a --state file)\n"
    "  --state STATE      trusted registry and revocation lists, read then updated at each call\n"
    "  --grace-days D     days during which an expired registry is still accepted (90 by default)\n"
    "  --json             the result as JSON\n"};

int cmd_verify(const Argv& argv) {
    const Args args(argv, {"registry", "at", "pin", "state", "grace-days"}, {"json"});
    if (print_help_if_asked(args, kVerifyHelp, std::cout)) return kExitOk;
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
    const VerifyOptions options{.grace_days = args.integer("grace-days", 0, 3650).value_or(kDefaultGraceDays)};
    const Verification v = verify_pass(text, *bundle, clock, options);
    if (args.flag("json")) {
        std::cout << verification_to_json(v).dump(2) << "\n";
    } else {
        // A refusal's code stays as is (scripts and support read it), after the message in the user's language.
        std::cout << (v.valid() ? (v.warnings.empty() ? tr("OUI  ", "YES  ") : tr("OUI! ", "YES! ")) : tr("NON  ", "NO   "))
                  << message(v.code) << (v.valid() ? "" : " [" + std::string(to_string(v.code)) + "]") << "\n";
        if (v.pass) {
            const Pass& p = *v.pass;
            std::cout << "  coop    : " << p.coop;
            if (v.coop) std::cout << " " << printable(v.coop->name) << " (" << printable(v.coop->city) << ")";
            std::cout << tr("\n  membre  : ", "\n  member  : ") << p.member << " " << printable(p.name)
                      << (p.kind == PassKind::tester ? tr(" [pass d'essai]", " [tester pass]") : "")
                      << tr("\n  expire  : ", "\n  expires : ")
                      << (language() == Lang::en ? format_day(p.expiry_day) : format_day_fr(p.expiry_day))
                      << tr("\n  id pass : ", "\n  pass id : ") << v.pass_id << "\n";
        }
        for (const Warning w : v.warnings) std::cout << "  ! " << message(w, v.registry_issued_at) << "\n";
    }
    return v.valid() ? kExitOk : kExitInvalid;
}

}  // namespace passkoop::cli

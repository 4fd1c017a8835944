// passkoop: the command line of coops' volunteers and registry admins.
#include "cli.hpp"
#include "commands.hpp"

#include <passkoop/bytes.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/keyfile.hpp>

#include <iostream>
#include <map>

namespace {

using namespace passkoop;
using namespace passkoop::cli;

void print_help() {
    std::cout << tr(
        "passkoop — le pass visiteur des supermarchés coopératifs\n"
        "\n"
        "Clés et passes (bénévole d'une coop) :\n"
        "  passkoop keygen --out FICHIER [--no-passphrase] [--force]     crée une clé, affiche la clé publique\n"
        "  passkoop pubkey --key FICHIER                                  affiche la clé publique d'un fichier de clé\n"
        "  passkoop issue --key FICHIER --coop N --key-number K --member M [--seq S] [--name TEXTE]\n"
        "                 [--days J | --until AAAA-MM-JJ] [--kind member|tester] [--issued AAAA-MM-JJ]\n"
        "  passkoop revoke --key FICHIER --coop N --list LISTE.json [--previous-key B64]... (--pass TEXTE)...\n"
        "  passkoop revoke --key FICHIER --coop N --list LISTE.json --log DOSSIER/issuance-log.csv (--pass-id ID | --member N | --lost N)...\n"
        "\n"
        "Cartes :\n"
        "  passkoop card --format svg|png|pdf|terminal --out FICHIER|- [--coop-name NOM] [--qr-only] TEXTE\n"
        "  passkoop issue-batch --key FICHIER --coop N --key-number K --csv MEMBRES.csv --out DOSSIER [--coop-name NOM]\n"
        "                 [--days J | --until AAAA-MM-JJ] [--states up_to_date,alert,delay,exempted] [--names initial|full|none]\n"
        "                 [--encoding auto|utf-8|windows-1252] [--sheet a4|card] [--all]\n"
        "\n"
        "Vérifier (caisse) :\n"
        "  passkoop verify --registry BUNDLE [--pin REGISTRE | --state ETAT] [--at AAAA-MM-JJ] [--json] [TEXTE]\n"
        "                 code de sortie 0 valide, 1 non valide, 2 erreur d'usage ou de fichier\n"
        "                 --state : registre et listes de révocations retenus, relus puis mis à jour à chaque appel\n"
        "  passkoop till verify|record|refresh|adopt|sync|status --db FICHIER --coop N --till ID [--server URL]\n"
        "                 le fichier d'une caisse hors ligne : vérifier, enregistrer, synchroniser\n"
        "\n"
        "Registre (admins) :\n"
        "  passkoop registry init --out BROUILLON (--from ACTUEL | --name NOM --coop N --public-key B64|--key-file F) [--valid-days J]\n"
        "  passkoop registry renew --from ACTUEL --out SUIVANT [--valid-days J]   même contenu, nouvelles dates (180 jours)\n"
        "  passkoop registry add-coop BROUILLON --number N --name NOM [--city --department --country --stage --website --latitude --longitude]\n"
        "  passkoop registry set-key BROUILLON --coop N --key-number K [--public-key B64|--key-file F] [--not-before D] [--not-after D] [--status active|retired|compromised]\n"
        "  passkoop registry set-policy BROUILLON --coop N [--welcomes oui|non] [--max-visits N] [--window-days J] [--conditions members|surcharge] [--surcharge-percent P] [--accepted all|1,2] [--note TEXTE]\n"
        "  passkoop registry add-admin BROUILLON --name NOM --coop N --public-key B64|--key-file F [--threshold K]\n"
        "  passkoop registry remove-admin BROUILLON (--key-id ID | --public-key B64 | --key-file F) [--threshold K]\n"
        "  passkoop registry sign FICHIER [--key CLE_ADMIN] [--merge AUTRE.json]... [--out FICHIER]\n"
        "  passkoop registry verify FICHIER [--previous VERSION_PRECEDENTE] [--pin REGISTRE] [--at AAAA-MM-JJ]\n"
        "  passkoop registry show FICHIER [--brief] [--at AAAA-MM-JJ]      passkoop registry diff ANCIEN NOUVEAU\n"
        "  passkoop registry bundle --registry REGISTRE --out BUNDLE [--from ANCIEN_BUNDLE] [--history F]... [--revocations F]...\n"
        "  passkoop registry import-directory --from ANNUAIRE.json BROUILLON [--apply]   coops de la carte publique (ni clés ni politiques)\n"
        "\n"
        "Annuaire public :\n"
        "  passkoop directory --registry BUNDLE [--geojson FICHIER] [--html FICHIER]   carte uMap et page des coops\n"
        "\n"
        "Un registre est valable 180 jours : renouvelez-le avant (registry renew), show et verify préviennent 30 jours avant.\n"
        "Aide d'une commande : passkoop COMMANDE --help. Options générales : --lang fr|en (ou PASSKOOP_LANG=en), --version.\n"
        "Phrase de passe : invite, ou PASSKOOP_PASSPHRASE.\n",
        "passkoop — the visitor pass of cooperative supermarkets\n"
        "\n"
        "Keys and passes (a coop's volunteer):\n"
        "  passkoop keygen --out FILE [--no-passphrase] [--force]         makes a key, prints its public key\n"
        "  passkoop pubkey --key FILE                                     prints the public key of a key file\n"
        "  passkoop issue --key FILE --coop N --key-number K --member M [--seq S] [--name TEXT]\n"
        "                 [--days D | --until YYYY-MM-DD] [--kind member|tester] [--issued YYYY-MM-DD]\n"
        "  passkoop revoke --key FILE --coop N --list LIST.json [--previous-key B64]... (--pass TEXT)...\n"
        "  passkoop revoke --key FILE --coop N --list LIST.json --log DIR/issuance-log.csv (--pass-id ID | --member N | --lost N)...\n"
        "\n"
        "Cards:\n"
        "  passkoop card --format svg|png|pdf|terminal --out FILE|- [--coop-name NAME] [--qr-only] TEXT\n"
        "  passkoop issue-batch --key FILE --coop N --key-number K --csv MEMBERS.csv --out DIR [--coop-name NAME]\n"
        "                 [--days D | --until YYYY-MM-DD] [--states up_to_date,alert,delay,exempted] [--names initial|full|none]\n"
        "                 [--encoding auto|utf-8|windows-1252] [--sheet a4|card] [--all]\n"
        "\n"
        "Verify (till):\n"
        "  passkoop verify --registry BUNDLE [--pin REGISTRY | --state STATE] [--at YYYY-MM-DD] [--json] [TEXT]\n"
        "                 exit code 0 valid, 1 not valid, 2 usage or file error\n"
        "                 --state: trusted registry and revocation lists, read then updated at each call\n"
        "  passkoop till verify|record|refresh|adopt|sync|status --db FILE --coop N --till ID [--server URL]\n"
        "                 an offline till's file: verify, record, sync\n"
        "\n"
        "Registry (admins):\n"
        "  passkoop registry init --out DRAFT (--from CURRENT | --name NAME --coop N --public-key B64|--key-file F) [--valid-days D]\n"
        "  passkoop registry renew --from CURRENT --out NEXT [--valid-days D]      same content, new dates (180 days)\n"
        "  passkoop registry add-coop DRAFT --number N --name NAME [--city --department --country --stage --website --latitude --longitude]\n"
        "  passkoop registry set-key DRAFT --coop N --key-number K [--public-key B64|--key-file F] [--not-before D] [--not-after D] [--status active|retired|compromised]\n"
        "  passkoop registry set-policy DRAFT --coop N [--welcomes yes|no] [--max-visits N] [--window-days D] [--conditions members|surcharge] [--surcharge-percent P] [--accepted all|1,2] [--note TEXT]\n"
        "  passkoop registry add-admin DRAFT --name NAME --coop N --public-key B64|--key-file F [--threshold K]\n"
        "  passkoop registry remove-admin DRAFT (--key-id ID | --public-key B64 | --key-file F) [--threshold K]\n"
        "  passkoop registry sign FILE [--key ADMIN_KEY] [--merge OTHER.json]... [--out FILE]\n"
        "  passkoop registry verify FILE [--previous PREVIOUS_VERSION] [--pin REGISTRY] [--at YYYY-MM-DD]\n"
        "  passkoop registry show FILE [--brief] [--at YYYY-MM-DD]         passkoop registry diff OLD NEW\n"
        "  passkoop registry bundle --registry REGISTRY --out BUNDLE [--from OLD_BUNDLE] [--history F]... [--revocations F]...\n"
        "  passkoop registry import-directory --from DIRECTORY.json DRAFT [--apply]   coops of the public map (no keys, no policies)\n"
        "\n"
        "Public directory:\n"
        "  passkoop directory --registry BUNDLE [--geojson FILE] [--html FILE]     uMap layer and page of the coops\n"
        "\n"
        "A registry is valid 180 days: renew it before (registry renew); show and verify warn 30 days ahead.\n"
        "A command's help: passkoop COMMAND --help. General options: --lang fr|en (or PASSKOOP_LANG=en), --version.\n"
        "Passphrase: prompt, or PASSKOOP_PASSPHRASE.\n");
}

}  // namespace

int main(int argc, char** argv) {
    language_from_environment();
    std::vector<std::string> args;
    try {
        args = cmdline::take_general_options(argc, argv);
    } catch (const cmdline::UsageError& e) {
        std::cerr << "passkoop : " << printable(e.what()) << "\n";
        return kExitUsage;
    }
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        print_help();
        return args.empty() ? kExitUsage : kExitOk;
    }
    if (args[0] == "--version") {
        std::cout << "passkoop " << cmdline::version() << "\n";
        return kExitOk;
    }
    static const std::map<std::string, int (*)(const Argv&)> commands = {
        {"keygen", cmd_keygen}, {"pubkey", cmd_pubkey},     {"issue", cmd_issue},
        {"verify", cmd_verify}, {"registry", cmd_registry}, {"revoke", cmd_revoke},
        {"card", cmd_card},     {"issue-batch", cmd_issue_batch}, {"directory", cmd_directory},
        {"till", cmd_till}};
    const auto command = commands.find(args[0]);
    try {
        ensure_sodium();
        if (command == commands.end()) throw CliError(tr("commande inconnue : ", "unknown command: ") + printable(args[0]));
        return command->second(Argv(args.begin() + 1, args.end()));
    } catch (const CliError& e) {
        // Error messages may quote what a file or an argument holds: filtered like any untrusted text.
        std::cerr << "passkoop : " << printable(e.what()) << "\n";
    } catch (const KeyFileError& e) {
        std::cerr << "passkoop : " << printable(e.what()) << "\n";
    } catch (const std::exception& e) {
        std::cerr << "passkoop : " << tr("erreur : ", "error: ") << printable(e.what()) << "\n";
    }
    return kExitUsage;
}

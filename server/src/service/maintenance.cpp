#include "service/maintenance.hpp"

#include "service/config.hpp"
#include "store/ledger.hpp"
#include "store/store.hpp"
#include "store/tokens.hpp"

#include <cmdline.hpp>

#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>

#include <filesystem>
#include <iostream>
#include <limits>

namespace passkoop::server {
namespace {

using cmdline::Args;
using cmdline::Help;
using cmdline::UsageError;

constexpr Help kTokenHelp{"passkoopd token create --db FICHIER --role cashier|manager --name TEXTE   (affiche le jeton une seule fois)\n"
                          "passkoopd token list --db FICHIER\n"
                          "passkoopd token revoke --db FICHIER --id N\n"
                          "Les jetons des caisses (cashier) et des responsables (manager). --config FICHIER au lieu de --db.\n",
                          "passkoopd token create --db FILE --role cashier|manager --name TEXT   (prints the token once)\n"
                          "passkoopd token list --db FILE\n"
                          "passkoopd token revoke --db FILE --id N\n"
                          "The tokens of tills (cashier) and managers (manager). --config FILE instead of --db.\n"};
constexpr Help kLedgerHelp{"passkoopd ledger verify --db FICHIER [--expect LIGNES:HACHAGE] [--retention-months M]\n"
                           "passkoopd ledger purge --db FICHIER [--retention-months M]\n"
                           "verify contrôle la chaîne du registre des visites (--expect : une tête notée plus tôt) ;\n"
                           "purge efface les identifiants plus anciens que la conservation. --config FICHIER au lieu de --db.\n",
                           "passkoopd ledger verify --db FILE [--expect ROWS:HASH] [--retention-months M]\n"
                           "passkoopd ledger purge --db FILE [--retention-months M]\n"
                           "verify checks the visits ledger's chain (--expect: a head noted earlier);\n"
                           "purge erases identifiers older than the retention. --config FILE instead of --db.\n"};
constexpr Help kBackupHelp{"passkoopd backup --db FICHIER --out COPIE\nUne copie cohérente de la base, serveur en marche.\n",
                           "passkoopd backup --db FILE --out COPY\nA consistent copy of the database, server running.\n"};

// The settings a maintenance command takes (--db, --config, …), as parse_config reads them.
Config settings_from(const Args& args, std::initializer_list<const char*> names) {
    std::vector<std::string> settings;
    for (const char* name : names)
        if (const auto value = args.get(name)) settings.insert(settings.end(), {"--" + std::string(name), *value});
    Config config;
    (void)parse_config(settings, config);  // only known names were passed on: nothing is left over
    return config;
}

// The sub-command ("create" in `token create --db …`), taken out of `args`; empty when absent.
std::string take_sub_command(std::vector<std::string>& args) {
    if (args.empty() || args[0].starts_with("--")) return "";
    std::string sub = args[0];
    args.erase(args.begin());
    return sub;
}

int create_token(const Args& options) {
    const auto role = role_from_string(options.require("role"));
    if (!role) throw UsageError(tr("--role : cashier ou manager", "--role: cashier or manager"));
    const std::string name = options.require("name");
    if (!is_valid_token_name(name))
        throw UsageError(tr("--name : de 1 à 64 octets de texte UTF-8 imprimable (sans caractère de contrôle)",
                            "--name: 1 to 64 bytes of printable UTF-8 text (no control characters)"));
    Store store(settings_from(options, {"config", "db"}).db);
    std::cout << store.tokens().create(*role, name) << "\n";
    std::cerr << tr("Jeton affiché une seule fois : notez-le maintenant.\n", "Token shown once: write it down now.\n");
    return 0;
}

int verify_ledger(const Args& options) {
    std::optional<Checkpoint> noted;
    if (const auto expect = options.get("expect")) {
        noted = parse_head(*expect);
        if (!noted)
            throw UsageError(tr("--expect : LIGNES:HACHAGE, tel que ledger verify l'affiche", "--expect: ROWS:HASH, as ledger verify prints it"));
    }
    const Config config = settings_from(options, {"config", "db", "retention-months"});
    Store store(config.db);
    const ChainReport report = store.ledger().verify_chain(unix_now(), config.retention_months, noted);
    if (report.first_bad_id) {
        std::cout << tr("CHAÎNE ROMPUE à la ligne ", "CHAIN BROKEN at row ") << *report.first_bad_id << tr(" : ", ": ") << describe(report) << "\n";
        return 1;
    }
    if (!report.ok()) std::cout << tr("CHAÎNE ROMPUE : ", "CHAIN BROKEN: ") << describe(report) << "\n";
    else std::cout << tr("Chaîne intacte : ", "Chain intact: ") << report.rows << tr(" ligne(s)\n", " row(s)\n");
    std::cout << tr("Tête de chaîne : ", "Chain head: ") << format_head(report.rows, report.head) << "\n";
    if (!report.ok()) return 1;
    std::cout << tr("  Notez-la hors de ce serveur : plus tard, --expect avec cette valeur vérifie que ces lignes n'ont pas changé.\n",
                    "  Note it outside this server: later, --expect with this value checks that these rows have not changed.\n")
              << tr("Identifiants effacés acceptés sur les visites antérieures au ", "Erased identifiers accepted on visits before ")
              << format_instant(report.erasable_before) << tr(" (conservation ", " (retention ") << report.retention_months
              << tr(" mois)\n", " months)\n");
    return 0;
}

}  // namespace

void print_head(std::ostream& out, const Checkpoint& head) {
    out << tr("Tête de chaîne : ", "Chain head: ") << format_head(head.rows, head.head) << "\n";
}

int token_command(std::vector<std::string> args) {
    const std::string sub = take_sub_command(args);
    const Args options(args, {"db", "config", "role", "name", "id"}, {});
    if (cmdline::print_help_if_asked(options, kTokenHelp, std::cout)) return 0;
    if (sub == "create") return create_token(options);
    if (sub == "list") {
        Store store(settings_from(options, {"config", "db"}).db);
        for (const auto& t : store.tokens().list())
            std::cout << t.id << "\t" << to_string(t.role) << "\t" << format_instant(t.created_at) << "\t"
                      << (t.revoked_at ? tr("révoqué", "revoked") : tr("actif", "active")) << "\t" << t.name << "\n";
        return 0;
    }
    if (sub == "revoke") {
        const std::int64_t id = options.require_integer("id", 1, std::numeric_limits<std::int64_t>::max());
        Store store(settings_from(options, {"config", "db"}).db);
        if (!store.tokens().revoke(id)) {
            std::cerr << tr("aucun jeton actif n° ", "no active token #") << id << "\n";
            return 1;
        }
        std::cout << tr("jeton révoqué\n", "token revoked\n");
        return 0;
    }
    throw UsageError(tr("token create | list | revoke", "token create | list | revoke"));
}

int ledger_command(std::vector<std::string> args) {
    const std::string sub = take_sub_command(args);
    const Args options(args, {"db", "config", "expect", "retention-months"}, {});
    if (cmdline::print_help_if_asked(options, kLedgerHelp, std::cout)) return 0;
    if (sub == "verify") return verify_ledger(options);
    if (sub == "purge") {
        const Config config = settings_from(options, {"config", "db", "retention-months"});
        Store store(config.db);
        const PurgeResult result = store.ledger().purge_personal_data(unix_now(), config.retention_months);
        std::cout << tr("Identifiants effacés de ", "Identifiers erased from ") << result.erased << tr(" ligne(s)\n", " row(s)\n");
        print_head(std::cout, result.checkpoint);
        return 0;
    }
    throw UsageError(tr("ledger verify | purge", "ledger verify | purge"));
}

int backup_command(std::vector<std::string> args) {
    const Args options(args, {"db", "config", "out"}, {});
    if (cmdline::print_help_if_asked(options, kBackupHelp, std::cout)) return 0;
    const std::string out = options.require("out");
    if (std::filesystem::exists(out)) throw UsageError(out + tr(" existe déjà", " already exists"));
    Store store(settings_from(options, {"config", "db"}).db);
    store.backup(out);
    std::cout << tr("Copie écrite : ", "Backup written: ") << out << "\n";
    return 0;
}

}  // namespace passkoop::server

// passkoopd: the shop server, and its maintenance commands.
#include "api/api.hpp"
#include "service/config.hpp"
#include "service/demo.hpp"
#include "service/shop_time.hpp"
#include "net/http_server.hpp"
#include "store/ledger.hpp"
#include "store/state.hpp"
#include "store/store.hpp"
#include "store/visitor_secret.hpp"
#include "registry/freshness.hpp"
#include "registry/registry_pull.hpp"
#include "store/tokens.hpp"

#include <cmdline.hpp>

#include <passkoop/dates.hpp>
#include <passkoop/files.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/text.hpp>

#include <sodium.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <limits>
#include <iostream>

namespace {

using namespace passkoop;
using namespace passkoop::server;

using cmdline::Args;
using cmdline::Help;
using cmdline::UsageError;

Config settings_from(const std::vector<std::string>& args) {
    Config config;
    const auto rest = parse_config(args, config);
    if (!rest.empty()) throw UsageError(tr("argument inattendu : ", "unexpected argument: ") + rest.front());
    // Before any thread starts: the zone is the process's.
    if (config.time_zone) {
        try {
            use_time_zone(*config.time_zone);
        } catch (const std::invalid_argument&) {
            throw UsageError(tr("--time-zone : fuseau horaire inconnu (un nom IANA tel que Europe/Paris) : ",
                                "--time-zone: unknown time zone (an IANA name such as Europe/Paris): ") + *config.time_zone);
        }
    }
    return config;
}

// The settings a maintenance command takes (--db, --config, …), as parse_config reads them.
Config settings_from(const Args& args, std::initializer_list<const char*> names) {
    std::vector<std::string> settings;
    for (const char* name : names)
        if (const auto value = args.get(name)) settings.insert(settings.end(), {"--" + std::string(name), *value});
    return settings_from(settings);
}

constexpr Help kServeHelp{"passkoopd serve --registry BUNDLE --coop N [--db FICHIER] [réglages…]\n"
                          "Sert la page de caisse et l'API de vérification de la boutique. Réglages :\n",
                          "passkoopd serve --registry BUNDLE --coop N [--db FILE] [settings…]\n"
                          "Serves the shop's cashier page and verification API. Settings:\n"};
constexpr Help kDemoHelp{"passkoopd demo [--dir DOSSIER] [--listen 127.0.0.1:8080] [réglages…]\n"
                         "Une démo complète sans configuration : registre, passes d'exemple et jetons dans DOSSIER\n"
                         "(passkoop-demo-data par défaut), puis le serveur. Réglages : ceux de passkoopd serve --help.\n",
                         "passkoopd demo [--dir DIR] [--listen 127.0.0.1:8080] [settings…]\n"
                         "A full demo with zero configuration: registry, sample passes and tokens in DIR\n"
                         "(passkoop-demo-data by default), then the server. Settings: those of passkoopd serve --help.\n"};
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

// Each line filtered on its own, the line breaks kept.
std::string printable_lines(std::string_view text) {
    std::string out;
    for (std::size_t start = 0; start <= text.size();) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        if (start > 0) out += '\n';
        out += printable(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

void print_head(std::ostream& out, const Checkpoint& head) {
    out << tr("Tête de chaîne : ", "Chain head: ") << format_head(head.rows, head.head) << "\n";
}

// Re-reads the bundle file (every few seconds, and on SIGHUP).
void reload_registry(RegistryHolder& registry, const Config& config) {
    const auto result = registry.reload_file();
    if (result.outcome == RegistryHolder::Reload::updated)
        std::cerr << tr("Registre rechargé : ", "Registry reloaded: ") << printable_lines(result.detail) << "\n";
    else if (result.outcome == RegistryHolder::Reload::refused)
        std::cerr << config.registry.string() << tr(" refusé, l'ancien registre reste en service : ", " refused, the previous registry stays in use: ")
                  << printable(result.detail) << "\n";
}

// Offers the bundle at --registry-url; one that verifies is also written to the bundle file, so a
// restart starts from it. `etag` is the last one adopted.
void pull_registry(RegistryHolder& registry, const Config& config, std::string& etag) {
    const PullResult pulled = pull_bundle(*config.registry_url, etag);
    if (pulled.status != 200) {
        if (pulled.status != 304)
            std::cerr << *config.registry_url << tr(" : téléchargement impossible : ", ": download failed: ")
                      << (pulled.error.empty() ? "HTTP " + std::to_string(pulled.status) : pulled.error) << "\n";
        return;
    }
    const auto result = registry.offer(pulled.body);
    if (result.outcome == RegistryHolder::Reload::refused) {
        std::cerr << *config.registry_url << tr(" refusé : ", " refused: ") << printable(result.detail) << "\n";
        return;
    }
    etag = pulled.etag;
    if (result.outcome == RegistryHolder::Reload::updated) {
        if (const auto error = write_file_atomic(config.registry, pulled.body))
            std::cerr << config.registry.string() << tr(" : écriture impossible (le registre téléchargé reste en service) : ",
                                                        ": cannot write (the downloaded registry stays in use): ")
                      << error.message() << "\n";
        std::cerr << tr("Registre téléchargé : ", "Registry downloaded: ") << printable_lines(result.detail) << "\n";
    }
}

// A periodic task that throws would end the server: a busy or full disk is reported and retried next time.
std::function<void()> logged(std::function<void()> task) {
    return [task = std::move(task)] {
        try {
            task();
        } catch (const std::exception& e) {
            std::cerr << "passkoopd : " << printable_lines(e.what()) << "\n";
        }
    };
}

// The chain's head is stored with each purge, every few minutes while rows come in and at
// shutdown, and also written to the log: journald keeps that copy out of the database's reach.
void schedule_ledger_tasks(HttpServer& server, Ledger& ledger, const Config& config) {
    auto purge = [&ledger, &config] {
        const PurgeResult result = ledger.purge_personal_data(unix_now(), config.retention_months);
        if (result.erased > 0)
            std::cerr << tr("Purge : identifiants effacés de ", "Purge: identifiers erased from ") << result.erased << tr(" ligne(s)\n", " row(s)\n");
        print_head(std::cerr, result.checkpoint);
    };
    if (config.purge_every_hours > 0) {
        purge();
        server.every(std::chrono::hours(config.purge_every_hours), logged(purge));
    }
    server.every(std::chrono::minutes(10), logged([&ledger] {
        if (const auto recorded = ledger.record_checkpoint(CheckpointReason::periodic, unix_now())) print_head(std::cerr, *recorded);
    }));
}

int serve(Config config, const std::function<void(const HttpServer&)>& on_ready = {}) {
    if (config.registry.empty()) throw UsageError(tr("--registry BUNDLE est requis", "--registry BUNDLE is required"));
    if (config.coop == 0) throw UsageError(tr("--coop N (votre coop dans le registre) est requis", "--coop N (your coop in the registry) is required"));
    Store store(config.db);
    Ledger& ledger = store.ledger();
    const auto secret = load_or_create_secret(config.secret_path());
    RegistryHolder registry(config.registry, config.pin, store.state());
    const auto current = registry.current();
    if (!current->bundle.registry.find_coop(config.coop))
        throw UsageError(tr("la coop ", "coop ") + std::to_string(config.coop) + tr(" n'est pas dans le registre", " is not in the registry"));
    // Warnings and refusals quote what the bundle's author wrote: filtered before the log.
    for (const auto& w : current->bundle.warnings) std::cerr << config.registry.string() << " : " << printable(w) << "\n";
    Metrics metrics;
    Api api(config, ledger, store.tokens(), registry, metrics, secret);
    HttpServer server(config, api, metrics);

    const auto reload = [&registry, &config] { reload_registry(registry, config); };
    server.every(std::chrono::seconds(config.registry_check_seconds), reload);
    if (config.registry_url)
        server.every(std::chrono::seconds(config.registry_pull_seconds),
                     [&registry, &config, etag = std::make_shared<std::string>()] { pull_registry(registry, config, *etag); });
    schedule_ledger_tasks(server, ledger, config);
    // At start and every day until a new version is in use: the volunteers read the log.
    const auto warn_renewal = [&registry, &config] {
        if (const auto warning = renewal_warning(registry.current()->bundle.registry, unix_now(), config.grace_days))
            std::cerr << *warning << "\n";
    };
    warn_renewal();
    server.every(std::chrono::hours(24), warn_renewal);
    std::cerr << tr("passkoopd à l'écoute sur http://", "passkoopd listening on http://") << server.local_endpoint() << " — "
              << current->bundle.registry.find_coop(config.coop)->name << tr(", registre version ", ", registry version ")
              << current->bundle.registry.version << "\n";
    if (on_ready) on_ready(server);
    server.run(reload);
    (void)ledger.record_checkpoint(CheckpointReason::shutdown, unix_now());
    print_head(std::cerr, ledger.head());
    std::cerr << tr("passkoopd arrêté proprement\n", "passkoopd stopped cleanly\n");
    return 0;
}

void print_help() {
    std::cout << tr("passkoopd — le serveur Pass'Koop de la boutique\n\n"
                    "  passkoopd demo [--dir DOSSIER] [--listen 127.0.0.1:8080]   démo complète, sans configuration\n"
                    "  passkoopd serve --registry BUNDLE --coop N [--db FICHIER] [réglages…]\n"
                    "  passkoopd token create --db FICHIER --role cashier|manager --name TEXTE   (affiche le jeton une seule fois)\n"
                    "  passkoopd token list --db FICHIER        passkoopd token revoke --db FICHIER --id N\n"
                    "  passkoopd ledger verify --db FICHIER [--expect LIGNES:HACHAGE]   (tête notée plus tôt)\n"
                    "  passkoopd ledger purge --db FICHIER [--retention-months M]\n"
                    "  passkoopd backup --db FICHIER --out COPIE\n\nRéglages (ligne de commande ou --config FICHIER) :\n",
                    "passkoopd — the shop's Pass'Koop server\n\n"
                    "  passkoopd demo [--dir DIR] [--listen 127.0.0.1:8080]        full demo, zero configuration\n"
                    "  passkoopd serve --registry BUNDLE --coop N [--db FILE] [settings…]\n"
                    "  passkoopd token create --db FILE --role cashier|manager --name TEXT   (prints the token once)\n"
                    "  passkoopd token list --db FILE           passkoopd token revoke --db FILE --id N\n"
                    "  passkoopd ledger verify --db FILE [--expect ROWS:HASH]          (a head noted earlier)\n"
                    "  passkoopd ledger purge --db FILE [--retention-months M]\n"
                    "  passkoopd backup --db FILE --out COPY\n\nSettings (command line or --config FILE):\n")
              << config_help()
              << tr("\nAide d'une commande : passkoopd COMMANDE --help. Langue : --lang en ou PASSKOOP_LANG=en. --version.\n",
                    "\nA command's help: passkoopd COMMAND --help. Language: --lang fr or PASSKOOP_LANG=fr. --version.\n");
}

int run(std::vector<std::string> args) {
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        print_help();
        return args.empty() ? 2 : 0;
    }
    if (args[0] == "--version") {
        std::cout << "passkoopd " << cmdline::version() << "\n";
        return 0;
    }
    const std::string command = args[0];
    args.erase(args.begin());
    const std::string sub = !args.empty() && !args[0].starts_with("--") ? args[0] : "";
    // serve and demo hand their settings to parse_config, which also reads them from --config FILE.
    if ((command == "serve" || command == "demo") && cmdline::asks_for_help(args)) {
        std::cout << (language() == Lang::en ? (command == "serve" ? kServeHelp : kDemoHelp).en
                                             : (command == "serve" ? kServeHelp : kDemoHelp).fr)
                  << (command == "serve" ? config_help() : "");
        return 0;
    }
    if (command == "serve") return serve(settings_from(args));
    if (command == "demo") {
        const std::filesystem::path dir = cmdline::take_option(args, "dir").value_or("passkoop-demo-data");
        Config config = settings_from(args);
        const Demo demo = make_demo(dir, config);
        const std::string samples = demo.passes_file.string();
        return serve(config, [&](const HttpServer& server) {
            const std::string base = "http://" + server.local_endpoint().address().to_string() + ":" +
                                     std::to_string(server.local_endpoint().port());
            std::cout << "\n=== Pass'Koop — démo / demo ===\n"
                      << "Boutique hôte / host shop : " << demo.host_name << " (3 visites d'essai / 3 trial visits)\n"
                      << "Page de caisse / cashier page : " << base << "/\n"
                      << "Jeton caissier / cashier token : " << demo.cashier_token << "\n"
                      << "Jeton responsable / manager token : " << demo.manager_token << "\n"
                      << "Passes d'exemple et résultat attendu / sample passes and expected outcome : " << samples << "\n\n"
                      << "Essayez / try:\n"
                      << "  TOKEN=$(cat " << (dir / "cashier-token.txt").string() << ")\n"
                      << "  PASS=$(cat " << (dir / "valid-pass.txt").string() << ")\n"
                      << "  curl -s -H \"Authorization: Bearer $TOKEN\" -d \"{\\\"pass\\\": \\\"$PASS\\\"}\" " << base << "/v1/verify\n"
                      << "  curl -s -H \"Authorization: Bearer $TOKEN\" -d \"{\\\"pass\\\": \\\"$PASS\\\", \\\"amount_cents\\\": 1250, "
                         "\\\"idempotency_key\\\": \\\"essai-1\\\"}\" " << base << "/v1/visits\n"
                      << "Ctrl-C pour arrêter / to stop.\n"
                      << std::flush;
        });
    }
    if (command == "token") {
        args.erase(args.begin(), args.begin() + (sub.empty() ? 0 : 1));
        const Args options(args, {"db", "config", "role", "name", "id"}, {});
        if (cmdline::print_help_if_asked(options, kTokenHelp, std::cout)) return 0;
        if (sub == "create") {
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
    if (command == "ledger") {
        args.erase(args.begin(), args.begin() + (sub.empty() ? 0 : 1));
        const Args options(args, {"db", "config", "expect", "retention-months"}, {});
        if (cmdline::print_help_if_asked(options, kLedgerHelp, std::cout)) return 0;
        if (sub == "verify") {
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
    if (command == "backup") {
        const Args options(args, {"db", "config", "out"}, {});
        if (cmdline::print_help_if_asked(options, kBackupHelp, std::cout)) return 0;
        const std::string out = options.require("out");
        if (std::filesystem::exists(out)) throw UsageError(out + tr(" existe déjà", " already exists"));
        Store store(settings_from(options, {"config", "db"}).db);
        store.backup(out);
        std::cout << tr("Copie écrite : ", "Backup written: ") << out << "\n";
        return 0;
    }
    throw UsageError(tr("commande inconnue : ", "unknown command: ") + command);
}

}  // namespace

int main(int argc, char** argv) {
    // A closed log pipe (journald restarting) must give write errors, not kill the server.
    std::signal(SIGPIPE, SIG_IGN);
    passkoop::language_from_environment();
    std::vector<std::string> args;
    try {
        args = passkoop::cmdline::take_general_options(argc, argv);
    } catch (const UsageError& e) {
        std::cerr << "passkoopd : " << printable_lines(e.what()) << "\n";
        return 2;
    }
    try {
        passkoop::ensure_sodium();
        return run(args);
    } catch (const UsageError& e) {
        std::cerr << "passkoopd : " << printable_lines(e.what()) << "\n";
        return 2;
    } catch (const ConfigError& e) {
        std::cerr << "passkoopd : " << printable_lines(e.what()) << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "passkoopd : " << printable_lines(e.what()) << "\n";
        return 1;
    }
}

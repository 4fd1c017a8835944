// passkoopd: the shop server (serve, demo); the maintenance commands are in maintenance.cpp.
#include "api/api.hpp"
#include "service/config.hpp"
#include "service/demo.hpp"
#include "service/maintenance.hpp"
#include "service/shop_time.hpp"
#include "net/http_server.hpp"
#include "net/tls.hpp"
#include "store/ledger.hpp"
#include "store/state.hpp"
#include "store/store.hpp"
#include "store/visitor_secret.hpp"
#include "registry/freshness.hpp"
#include "registry/registry_pull.hpp"

#include <cmdline.hpp>

#include <passkoop/dates.hpp>
#include <passkoop/files.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/text.hpp>

#include <csignal>
#include <iostream>

namespace {

using namespace passkoop;
using namespace passkoop::server;

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


constexpr Help kServeHelp{"passkoopd serve --registry BUNDLE --coop N [--db FICHIER] [réglages…]\n"
                          "Sert la page de caisse et l'API de vérification de la boutique. Réglages :\n",
                          "passkoopd serve --registry BUNDLE --coop N [--db FILE] [settings…]\n"
                          "Serves the shop's cashier page and verification API. Settings:\n"};
constexpr Help kDemoHelp{"passkoopd demo [--dir DOSSIER] [--listen 127.0.0.1:8080] [--tls] [réglages…]\n"
                         "Une démo complète sans configuration : registre, passes d'exemple et jetons dans DOSSIER\n"
                         "(passkoop-demo-data par défaut), puis le serveur. --tls : en HTTPS, avec un certificat\n"
                         "auto-signé fait dans DOSSIER/tls. Réglages : ceux de passkoopd serve --help.\n",
                         "passkoopd demo [--dir DIR] [--listen 127.0.0.1:8080] [--tls] [settings…]\n"
                         "A full demo with zero configuration: registry, sample passes and tokens in DIR\n"
                         "(passkoop-demo-data by default), then the server. --tls: over HTTPS, with a self-signed\n"
                         "certificate made in DIR/tls. Settings: those of passkoopd serve --help.\n"};

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
    if (config.tls_cert.has_value() != config.tls_key.has_value())
        throw UsageError(tr("--tls-cert et --tls-key vont ensemble", "--tls-cert and --tls-key go together"));
    // Before anything is created: a certificate that does not load changes nothing.
    const auto tls = config.tls_cert ? load_server_context(*config.tls_cert, *config.tls_key) : nullptr;
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
    HttpServer server(config, api, metrics, tls);

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
    if (tls) std::cerr << tr("Certificat TLS : ", "TLS certificate: ") << config.tls_cert->string() << ", " << certificate_summary(*tls) << "\n";
    std::cerr << tr("passkoopd à l'écoute sur ", "passkoopd listening on ") << server.url() << " — "
              << current->bundle.registry.find_coop(config.coop)->name << tr(", registre version ", ", registry version ")
              << current->bundle.registry.version << "\n";
    if (on_ready) on_ready(server);
    server.run(reload);
    (void)ledger.record_checkpoint(CheckpointReason::shutdown, unix_now());
    print_head(std::cerr, ledger.head());
    std::cerr << tr("passkoopd arrêté proprement\n", "passkoopd stopped cleanly\n");
    return 0;
}

// With --tls, a certificate of its own for this machine's loopback names and the address listened
// on, valid a year; made again with the demo.
void add_demo_certificate(const std::filesystem::path& dir, Config& config) {
    std::vector<std::string> hosts = {"localhost", "127.0.0.1", "::1"};
    const auto listen = parse_listen_address(config.listen).address();
    if (!listen.is_unspecified() && !listen.is_loopback()) hosts.push_back(listen.to_string());
    std::filesystem::create_directories(dir / "tls");
    config.tls_cert = dir / "tls" / "cert.pem";
    config.tls_key = dir / "tls" / "key.pem";
    write_self_signed_certificate(*config.tls_cert, *config.tls_key, hosts, unix_now(), 365);
}

// The demo: its data made (or kept) in --dir, then the server, with what to try printed once it listens.
int run_demo(std::vector<std::string> args) {
    const std::filesystem::path dir = cmdline::take_option(args, "dir").value_or("passkoop-demo-data");
    const auto end_of_options = std::find(args.begin(), args.end(), "--");
    const auto tls_flag = std::find(args.begin(), end_of_options, "--tls");
    const bool tls = tls_flag != end_of_options;
    if (tls) args.erase(tls_flag);
    Config config = settings_from(args);
    const Demo demo = make_demo(dir, config);
    if (tls) add_demo_certificate(dir, config);
    const std::string samples = demo.passes_file.string();
    return serve(config, [&](const HttpServer& server) {
        const std::string base = server.url();
        const std::string curl = tls ? "curl -s --cacert " + config.tls_cert->string() : "curl -s";
        std::cout << "\n=== Pass'Koop — démo / demo ===\n"
                  << "Boutique hôte / host shop : " << demo.host_name << " (3 visites d'essai / 3 trial visits)\n"
                  << "Page de caisse / cashier page : " << base << "/\n"
                  << "Jeton caissier / cashier token : " << demo.cashier_token << "\n"
                  << "Jeton responsable / manager token : " << demo.manager_token << "\n"
                  << "Passes d'exemple et résultat attendu / sample passes and expected outcome : " << samples << "\n";
        if (tls)
            std::cout << "Certificat auto-signé / self-signed certificate : " << config.tls_cert->string() << "\n"
                      << "  Pour lui faire confiance, importez-le comme autorité de confiance sur la tablette ou le navigateur\n"
                      << "  (ou acceptez l'avertissement une fois) ; curl : --cacert.\n"
                      << "  To trust it, import it as a trusted authority on the tablet or in the browser\n"
                      << "  (or accept the warning once); curl: --cacert.\n";
        std::cout << "\n"
                  << "Essayez / try:\n"
                  << "  TOKEN=$(cat " << (dir / "cashier-token.txt").string() << ")\n"
                  << "  PASS=$(cat " << (dir / "valid-pass.txt").string() << ")\n"
                  << "  " << curl << " -H \"Authorization: Bearer $TOKEN\" -d \"{\\\"pass\\\": \\\"$PASS\\\"}\" " << base << "/v1/verify\n"
                  << "  " << curl << " -H \"Authorization: Bearer $TOKEN\" -d \"{\\\"pass\\\": \\\"$PASS\\\", \\\"amount_cents\\\": 1250, "
                     "\\\"idempotency_key\\\": \\\"essai-1\\\"}\" " << base << "/v1/visits\n"
                  << "Ctrl-C pour arrêter / to stop.\n"
                  << std::flush;
    });
}

void print_help() {
    std::cout << tr("passkoopd — le serveur Pass'Koop de la boutique\n\n"
                    "  passkoopd demo [--dir DOSSIER] [--listen 127.0.0.1:8080] [--tls]   démo complète, sans configuration\n"
                    "  passkoopd serve --registry BUNDLE --coop N [--db FICHIER] [réglages…]\n"
                    "  passkoopd token create --db FICHIER --role cashier|manager --name TEXTE   (affiche le jeton une seule fois)\n"
                    "  passkoopd token list --db FICHIER        passkoopd token revoke --db FICHIER --id N\n"
                    "  passkoopd ledger verify --db FICHIER [--expect LIGNES:HACHAGE]   (tête notée plus tôt)\n"
                    "  passkoopd ledger purge --db FICHIER [--retention-months M]\n"
                    "  passkoopd backup --db FICHIER --out COPIE\n\nRéglages (ligne de commande ou --config FICHIER) :\n",
                    "passkoopd — the shop's Pass'Koop server\n\n"
                    "  passkoopd demo [--dir DIR] [--listen 127.0.0.1:8080] [--tls]        full demo, zero configuration\n"
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
    // serve and demo hand their settings to parse_config, which also reads them from --config FILE.
    if ((command == "serve" || command == "demo") && cmdline::asks_for_help(args)) {
        std::cout << (language() == Lang::en ? (command == "serve" ? kServeHelp : kDemoHelp).en
                                             : (command == "serve" ? kServeHelp : kDemoHelp).fr)
                  << (command == "serve" ? config_help() : "");
        return 0;
    }
    if (command == "serve") return serve(settings_from(args));
    if (command == "demo") return run_demo(std::move(args));
    if (command == "token") return token_command(std::move(args));
    if (command == "ledger") return ledger_command(std::move(args));
    if (command == "backup") return backup_command(std::move(args));
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

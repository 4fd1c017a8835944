// passkoop till: drives a till's file (passkoop/till.hpp) from a shell, to check a till or to
// sync it by hand: verify, record, refresh, adopt, sync, status.
#include "cli.hpp"
#include "commands.hpp"

#include <passkoop/bundle.hpp>
#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/till.hpp>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <iostream>

namespace passkoop::cli {

namespace {

constexpr Help kTillHelp{
    "passkoop till verify|record|refresh|adopt|sync|status --db FICHIER --coop N --till ID [options]\n"
    "Le fichier d'une caisse hors ligne : registre retenu, file des visites, compteurs de visites.\n"
    "  verify TEXTE                       verdict (vert, orange, rouge) et décision de la politique visiteurs\n"
    "  record (TEXTE | --declared COOP) [--kind purchase|deposit|refund|visit] [--amount CENTIMES]\n"
    "         [--currency EUR] [--ticket T] [--note N] [--override]   enregistre une visite (sur disque au retour)\n"
    "  refresh                            télécharge le bundle (--server ou --bundle-url), adopté s'il suit le registre retenu\n"
    "  adopt --bundle FICHIER             adopte un bundle venu d'un fichier ou d'une clé USB\n"
    "  sync                               envoie la file au passkoopd (--server, jeton dans PASSKOOP_TOKEN ou --token)\n"
    "  status                             version et expiration du registre, longueur de la file, dernière synchro\n"
    "Options : --server URL, --bundle-url URL, --token JETON, --ca-file PEM (AC de la boutique pour https),\n"
    "  --pin REGISTRE (première confiance), --at AAAA-MM-JJTHH:MM:SSZ (heure de la caisse), --json.\n"
    "Code de sortie : 0 accepté / fait, 1 refusé / pas fini, 2 erreur d'usage ou de fichier.\n",
    "passkoop till verify|record|refresh|adopt|sync|status --db FILE --coop N --till ID [options]\n"
    "An offline till's file: trusted registry, queue of visits, visit counts.\n"
    "  verify TEXT                        verdict (green, orange, red) and the visitor policy's decision\n"
    "  record (TEXT | --declared COOP) [--kind purchase|deposit|refund|visit] [--amount CENTS]\n"
    "         [--currency EUR] [--ticket T] [--note N] [--override]   records a visit (on disk when it returns)\n"
    "  refresh                            downloads the bundle (--server or --bundle-url), adopted if it follows the trusted registry\n"
    "  adopt --bundle FILE                adopts a bundle from a file or a USB stick\n"
    "  sync                               sends the queue to passkoopd (--server, token in PASSKOOP_TOKEN or --token)\n"
    "  status                             registry version and expiry, queue length, last sync\n"
    "Options: --server URL, --bundle-url URL, --token TOKEN, --ca-file PEM (the shop's CA for https),\n"
    "  --pin REGISTRY (first trust), --at YYYY-MM-DDTHH:MM:SSZ (the till's time), --json.\n"
    "Exit code: 0 accepted / done, 1 refused / not finished, 2 usage or file error.\n"};

using nlohmann::json;

std::string light_word(Light light) {
    switch (light) {
        case Light::green: return tr("VERT", "GREEN");
        case Light::orange: return tr("ORANGE", "ORANGE");
        case Light::red: return tr("ROUGE", "RED");
    }
    return tr("ROUGE", "RED");
}

void print_verdict(const TillVerdict& v) {
    std::cout << light_word(v.light) << " : " << message(v.verification.code);
    if (v.verification.pass)
        std::cout << " — " << printable(v.verification.pass->name) << " (coop " << v.verification.pass->coop << ")";
    std::cout << "\n";
    for (const Warning w : v.verification.warnings) std::cout << "  " << message(w, v.verification.registry_issued_at) << "\n";
    if (v.policy)
        std::cout << "  " << message(v.policy->decision) << tr(" — visites : ", " — visits: ") << v.policy->visits
                  << (v.policy->limit > 0 ? " / " + std::to_string(v.policy->limit) : std::string()) << "\n";
}

int status_command(Till& till, std::int64_t now, bool as_json) {
    const TillStatus s = till.status(now);
    if (as_json) {
        std::cout << json{{"till_id", s.till_id},
                          {"host_coop", s.host_coop},
                          {"registry_version", s.registry_version},
                          {"registry_expires_at", s.registry_expires_at ? json(format_instant(s.registry_expires_at)) : json(nullptr)},
                          {"registry_stale", s.registry_stale},
                          {"registry_expired", s.registry_expired},
                          {"queue_length", s.queue_length},
                          {"oldest_unsynced", s.oldest_unsynced ? json(format_instant(*s.oldest_unsynced)) : json(nullptr)},
                          {"set_aside", s.set_aside},
                          {"last_sync_at", s.last_sync_at ? json(format_instant(s.last_sync_at)) : json(nullptr)},
                          {"last_sync_error", s.last_sync_error}}
                         .dump()
                  << "\n";
        return kExitOk;
    }
    std::cout << tr("Caisse ", "Till ") << printable(s.till_id) << " (coop " << s.host_coop << ")\n";
    if (s.registry_version == 0) std::cout << tr("Registre : aucun\n", "Registry: none\n");
    else
        std::cout << tr("Registre : version ", "Registry: version ") << s.registry_version << tr(", expire le ", ", expires on ")
                  << format_day_fr(day_of(s.registry_expires_at))
                  << (s.registry_expired ? tr(" — EXPIRÉ : tous les pass sont refusés", " — EXPIRED: every pass is refused")
                      : s.registry_stale ? tr(" — à mettre à jour", " — needs updating")
                                         : std::string())
                  << "\n";
    std::cout << tr("Visites en attente : ", "Visits waiting: ") << s.queue_length;
    if (s.oldest_unsynced) std::cout << tr(" (la plus ancienne : ", " (oldest: ") << format_instant(*s.oldest_unsynced) << ")";
    std::cout << "\n";
    if (s.set_aside > 0) std::cout << tr("Visites mises de côté (à examiner) : ", "Visits set aside (to look at): ") << s.set_aside << "\n";
    std::cout << tr("Dernière synchro complète : ", "Last complete sync: ")
              << (s.last_sync_at ? format_instant(s.last_sync_at) : tr("jamais", "never")) << "\n";
    if (!s.last_sync_error.empty()) std::cout << tr("Dernière erreur : ", "Last error: ") << printable(s.last_sync_error) << "\n";
    return kExitOk;
}

}  // namespace

int cmd_till(const Argv& argv) {
    const Args args(argv,
                    {"db", "coop", "till", "server", "bundle-url", "token", "ca-file", "pin", "at", "bundle", "declared", "kind",
                     "amount", "currency", "ticket", "note", "timeout-ms", "batch-rows"},
                    {"json", "override"});
    if (print_help_if_asked(args, kTillHelp, std::cout)) return kExitOk;
    const auto& pos = args.positional();
    if (pos.empty()) throw CliError(tr("sous-commande attendue : verify, record, refresh, adopt, sync ou status",
                                       "subcommand expected: verify, record, refresh, adopt, sync or status"));
    const std::string action = pos[0];
    std::int64_t now = unix_now();
    if (const auto at = args.get("at")) {
        const auto t = parse_instant(*at);
        if (!t) throw CliError("--at : " + tr("instant AAAA-MM-JJTHH:MM:SSZ attendu", "instant YYYY-MM-DDTHH:MM:SSZ expected"));
        now = *t;
    }
    TillOptions options;
    options.database = args.require("db");
    options.host_coop = static_cast<std::uint16_t>(args.require_integer("coop", 1, 65535));
    options.till_id = args.require("till");
    options.server_url = args.get("server").value_or("");
    options.bundle_url = args.get("bundle-url").value_or("");
    // The token from the environment keeps it out of the process list.
    const char* env_token = std::getenv("PASSKOOP_TOKEN");
    options.token = args.get("token").value_or(env_token ? env_token : "");
    options.ca_file = args.get("ca-file").value_or("");
    if (const auto pin = args.get("pin")) options.pin = read_file(*pin, kMaxBundleBytes);
    if (const auto t = args.integer("timeout-ms", 1, 600000)) options.timeout = std::chrono::milliseconds(*t);
    if (const auto rows = args.integer("batch-rows", 1, 1000)) options.batch_rows = static_cast<std::size_t>(*rows);
    const bool as_json = args.flag("json");
    Till till(options);
    auto text_argument = [&pos](const char* what) {
        if (pos.size() != 2) throw CliError(tr("un seul TEXTE attendu après ", "one TEXT expected after ") + std::string(what));
        return pos[1];
    };

    if (action == "adopt") {
        const auto adopted = till.adopt_bundle(read_file(args.require("bundle"), kMaxBundleBytes), now);
        if (!adopted) {
            std::cerr << tr("Bundle refusé : ", "Bundle refused: ") << printable(adopted.error().detail) << "\n";
            return kExitInvalid;
        }
        std::cout << tr("Registre version ", "Registry version ") << *adopted << tr(" adopté\n", " adopted\n");
        return kExitOk;
    }
    if (action == "refresh") {
        if (options.server_url.empty() && options.bundle_url.empty()) throw CliError(tr("--server ou --bundle-url requis", "--server or --bundle-url required"));
        const RefreshResult r = till.refresh(now);
        if (r.outcome == RefreshOutcome::refused || r.outcome == RefreshOutcome::unreachable) {
            std::cerr << (r.outcome == RefreshOutcome::refused ? tr("Bundle refusé : ", "Bundle refused: ")
                                                                : tr("Serveur injoignable : ", "Server unreachable: "))
                      << printable(r.detail) << "\n";
            return kExitInvalid;
        }
        std::cout << tr("Registre version ", "Registry version ") << r.version
                  << (r.outcome == RefreshOutcome::updated ? tr(" adopté\n", " adopted\n") : tr(" (inchangé)\n", " (unchanged)\n"));
        return kExitOk;
    }
    if (action == "sync") {
        if (options.server_url.empty()) throw CliError(tr("--server requis", "--server required"));
        const SyncResult r = till.sync(now);
        if (as_json)
            std::cout << json{{"sent", r.sent}, {"conflicts", r.conflicts}, {"rejected", r.rejected}, {"pending", r.pending},
                              {"complete", r.complete}, {"error", r.error}}
                             .dump()
                      << "\n";
        else
            std::cout << tr("Envoyées : ", "Sent: ") << r.sent << tr(", en attente : ", ", waiting: ") << r.pending
                      << (r.conflicts + r.rejected > 0 ? tr(", mises de côté : ", ", set aside: ") + std::to_string(r.conflicts + r.rejected)
                                                       : std::string())
                      << "\n";
        if (!r.complete) std::cerr << tr("Synchro incomplète : ", "Sync incomplete: ") << printable(r.error) << "\n";
        return r.complete ? kExitOk : kExitInvalid;
    }
    if (action == "status") return status_command(till, now, as_json);
    if (!till.has_bundle()) throw CliError(tr("aucun registre : lancez d'abord passkoop till refresh ou adopt",
                                              "no registry: run passkoop till refresh or adopt first"));
    if (action == "verify") {
        const TillVerdict v = till.verify(text_argument("verify"), now);
        if (as_json) std::cout << verdict_json_text(v.verification, v.policy) << "\n";
        else print_verdict(v);
        return v.light == Light::red ? kExitInvalid : kExitOk;
    }
    if (action == "record") {
        TillVisit visit;
        if (const auto coop = args.integer("declared", 1, 65535)) {
            if (pos.size() != 1) throw CliError(tr("TEXTE ou --declared, pas les deux", "TEXT or --declared, not both"));
            visit.declared_coop = static_cast<std::uint16_t>(*coop);
        } else {
            visit.pass = text_argument("record");
        }
        const auto kind = visit_kind_from_string(args.get("kind").value_or("purchase"));
        if (!kind) throw CliError("--kind : purchase, deposit, refund, visit");
        visit.kind = *kind;
        visit.amount_cents = args.integer("amount", 0, 100'000'000).value_or(0);
        visit.currency = args.get("currency").value_or("EUR");
        visit.ticket = args.get("ticket").value_or("");
        visit.note = args.get("note").value_or("");
        visit.override_policy = args.flag("override");
        const RecordResult r = till.record(visit, now);
        if (r.verdict && !as_json) print_verdict(*r.verdict);
        if (r.outcome == RecordOutcome::invalid) throw CliError(r.message);
        if (as_json)
            std::cout << json{{"outcome", r.outcome == RecordOutcome::recorded ? "recorded" : "refused"},
                              {"idempotency_key", r.idempotency_key},
                              {"message", r.message}}
                             .dump()
                      << "\n";
        else if (r.outcome == RecordOutcome::recorded)
            std::cout << tr("Visite enregistrée (", "Visit recorded (") << r.idempotency_key << ")\n";
        else
            std::cout << tr("Visite refusée : ", "Visit refused: ") << r.message << "\n";
        return r.outcome == RecordOutcome::recorded ? kExitOk : kExitInvalid;
    }
    throw CliError(tr("sous-commande inconnue : ", "unknown subcommand: ") + printable(action));
}

}  // namespace passkoop::cli

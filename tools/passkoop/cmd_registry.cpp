// passkoop registry …: the sub-command table, and what its commands share.
#include "registry_cli.hpp"

#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/json_limits.hpp>
#include <passkoop/verifier.hpp>

#include <nlohmann/json.hpp>

#include <iostream>
#include <map>

namespace passkoop::cli {

std::string date_fr(std::int64_t day) { return language() == Lang::en ? format_day(day) : format_day_fr(day); }

std::string status_label(KeyStatus status) {
    switch (status) {
        case KeyStatus::active: return tr("active", "active");
        case KeyStatus::retired: return tr("retirée", "retired");
        case KeyStatus::compromised: return tr("COMPROMISE", "COMPROMISED");
    }
    return {};
}

std::string key_line(const CoopKey& k) {
    return tr("clé ", "key ") + std::to_string(k.number) + " " + status_label(k.status) + " " + date_fr(k.not_before) + " → " +
           date_fr(k.not_after) + " (" + key_id(k.public_key) + ")";
}

std::int64_t now_or_at(const Args& args) {
    const auto at = args.date("at");
    return at ? start_of_day(*at) : unix_now();
}

std::int64_t grace_days_of(const Args& args) { return args.integer("grace-days", 0, 3650).value_or(kDefaultGraceDays); }

void print_validity(const Registry& reg, std::int64_t grace_days) {
    const std::int64_t end_of_grace = reg.expires_at + grace_days * kSecondsPerDay;
    std::cout << tr("  validité : ", "  validity: ") << (reg.expires_at - reg.issued_at) / kSecondsPerDay
              << tr(" jours ; tolérance des caisses après expiration : ", " days; tills' grace after expiry: ") << grace_days
              << tr(" jours (jusqu'au ", " days (until ") << date_fr(day_of(end_of_grace)) << ")\n";
}

bool print_freshness(const Registry& reg, std::int64_t now, std::int64_t grace_days) {
    const std::int64_t end_of_grace = reg.expires_at + grace_days * kSecondsPerDay;
    if (now > end_of_grace) {
        std::cout << tr("  ✘ Registre expiré le ", "  ✘ Registry expired on ") << date_fr(day_of(reg.expires_at))
                  << tr(", tolérance finie le ", ", grace over on ") << date_fr(day_of(end_of_grace))
                  << tr(" : les caisses refusent tous les passes (registry_expired). Renouvelez-le : passkoop registry renew\n",
                        ": tills refuse every pass (registry_expired). Renew it: passkoop registry renew\n");
    } else if (now > reg.expires_at) {
        std::cout << "  ! " << message(Warning::registry_stale, reg.issued_at) << tr(" : expiré le ", ": expired on ")
                  << date_fr(day_of(reg.expires_at)) << tr(" ; les caisses refuseront tous les passes après le ", "; tills will refuse every pass after ")
                  << date_fr(day_of(end_of_grace)) << tr(". Renouvelez-le : passkoop registry renew\n", ". Renew it: passkoop registry renew\n");
    } else if (now >= reg.expires_at - kRegistryRenewalWarningDays * kSecondsPerDay) {
        // Counted in calendar days, as people read "in 10 days, on the 1st".
        const std::int64_t days_left = day_of(reg.expires_at) - day_of(now);
        std::cout << tr("  ! Expire dans ", "  ! Expires in ") << days_left << tr(" jour(s), le ", " day(s), on ") << date_fr(day_of(reg.expires_at))
                  << tr(" : renouvelez-le maintenant (passkoop registry renew, puis chaque admin signe)\n",
                        ": renew it now (passkoop registry renew, then each admin signs)\n");
    }
    return now <= reg.expires_at;
}

Registry read_registry(const std::string& path, const Envelope& env) {
    auto reg = read_registry_envelope(env);
    if (!reg) throw CliError(path + " : " + reg.error().detail);
    return std::move(*reg);
}

std::string policy_summary(const VisitorPolicy& p) {
    if (!p.welcomes_visitors) return tr("n'accueille pas de visiteurs", "does not welcome visitors");
    std::string s = tr("accueille les visiteurs", "welcomes visitors");
    if (p.max_visits == 0) s += tr(", sans limite", ", no limit");
    else s += ", " + std::to_string(p.max_visits) + tr(" visite(s)", " visit(s)") +
              (p.window_days ? tr(" sur ", " per ") + std::to_string(p.window_days) + tr(" jours", " days") : "");
    if (p.conditions == "surcharge") s += tr(", majoration ", ", surcharge ") + std::to_string(p.surcharge_percent) + " %";
    if (!p.accepts_all_coops) {
        s += tr(", coops acceptées :", ", accepted coops:");
        for (const auto n : p.accepted_coops) s += " " + std::to_string(n);
    }
    return s;
}

void print_threshold(const std::string& label, const ThresholdCount& c) {
    std::cout << "  " << label << tr(" : ", ": ") << c.valid << tr(" signature(s) valide(s) distincte(s) sur ", " valid distinct signature(s) of ")
              << c.needed << tr(" requise(s) ", " needed ") << (c.met() ? "✔" : "✘") << "\n";
}

bool is_bundle(const std::string& text) {
    const auto doc = parse_json_bounded(text);
    return doc && doc->is_object() && doc->value("type", nlohmann::json()) == "passkoop-bundle";
}


int cmd_registry(const Argv& argv) {
    static const std::map<std::string, int (*)(const Argv&)> subcommands = {
        {"init", registry_init},     {"renew", registry_renew},   {"add-coop", registry_add_coop},
        {"set-key", registry_set_key}, {"set-policy", registry_set_policy}, {"add-admin", registry_add_admin},
        {"remove-admin", registry_remove_admin}, {"sign", registry_sign}, {"verify", registry_verify},
        {"show", registry_show},     {"diff", registry_diff},     {"bundle", registry_bundle},
        {"import-directory", registry_import_directory}};
    if (argv.empty() || argv.front() == "--help" || argv.front() == "-h") {
        std::cout << tr("passkoop registry SOUS-COMMANDE … ; passkoop registry SOUS-COMMANDE --help pour son aide.\nSous-commandes :",
                        "passkoop registry SUBCOMMAND …; passkoop registry SUBCOMMAND --help for its help.\nSubcommands:");
        for (const auto& [name, run] : subcommands) std::cout << " " << name;
        std::cout << "\n";
        return argv.empty() ? kExitUsage : kExitOk;
    }
    const auto sub = subcommands.find(argv.front());
    if (sub == subcommands.end()) throw CliError(tr("sous-commande inconnue : registry ", "unknown subcommand: registry ") + printable(argv.front()));
    return sub->second(Argv(argv.begin() + 1, argv.end()));
}

}  // namespace passkoop::cli

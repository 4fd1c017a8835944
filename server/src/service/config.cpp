#include "service/config.hpp"

#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>

#include <charconv>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

namespace passkoop::server {

namespace {

std::int64_t to_int(const std::string& name, const std::string& value, std::int64_t min, std::int64_t max) {
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc{} || end != value.data() + value.size() || n < min || n > max)
        throw ConfigError(name + tr(" : entier entre ", ": integer between ") + std::to_string(min) + tr(" et ", " and ") +
                          std::to_string(max) + tr(" attendu", " expected"));
    return n;
}

bool to_bool(const std::string& name, const std::string& value) {
    if (value == "yes" || value == "oui" || value == "true") return true;
    if (value == "no" || value == "non" || value == "false") return false;
    throw ConfigError(name + tr(" : oui ou non attendu", ": yes or no expected"));
}

struct Setting {
    const char* name;
    const char* help_fr;
    const char* help_en;
    std::function<void(Config&, const std::string&)> apply;
};

const std::vector<Setting>& settings() {
    using C = Config;
    static const std::vector<Setting> all = {
        {"listen", "adresse:port d'écoute (défaut 127.0.0.1:8080)", "address:port to listen on (default 127.0.0.1:8080)",
         [](C& c, const std::string& v) { c.listen = v; }},
        {"registry", "fichier bundle du registre (requis pour serve)", "registry bundle file (required by serve)",
         [](C& c, const std::string& v) { c.registry = v; }},
        {"pin", "enveloppe du registre de confiance au premier démarrage", "registry envelope trusted at first start",
         [](C& c, const std::string& v) { c.pin = v; }},
        {"db", "base SQLite du registre des visiteurs (défaut passkoop.db)", "SQLite visiteurs ledger (default passkoop.db)",
         [](C& c, const std::string& v) { c.db = v; }},
        {"secret", "secret des clés visiteurs (défaut BASE.secret, créé en 0600)", "visitor-key secret (default DB.secret, made 0600)",
         [](C& c, const std::string& v) { c.secret = v; }},
        {"coop", "numéro de la coop hôte dans le registre (requis pour serve)", "host coop number in the registry (required by serve)",
         [](C& c, const std::string& v) { c.coop = static_cast<std::uint16_t>(to_int("coop", v, 1, 65535)); }},
        {"threads", "fils réseau (défaut 2)", "network threads (default 2)",
         [](C& c, const std::string& v) { c.threads = static_cast<int>(to_int("threads", v, 1, 64)); }},
        {"workers", "fils des requêtes longues : exports, rapports, listes (défaut 4)", "threads for the longer requests: exports, reports, lists (default 4)",
         [](C& c, const std::string& v) { c.workers = static_cast<int>(to_int("workers", v, 1, 1024)); }},
        {"max-connections", "connexions simultanées au plus, au-delà 503 (défaut 256)", "concurrent connections, 503 beyond (default 256)",
         [](C& c, const std::string& v) { c.max_connections = static_cast<int>(to_int("max-connections", v, 1, 100000)); }},
        {"read-timeout", "secondes pour recevoir une requête, au-delà 408 (défaut 30)", "seconds to receive a request, 408 beyond (default 30)",
         [](C& c, const std::string& v) { c.read_timeout_seconds = static_cast<int>(to_int("read-timeout", v, 1, 3600)); }},
        {"tls-cert", "certificat PEM (suivi de sa chaîne) : HTTPS au lieu de HTTP, avec --tls-key ; relu sur SIGHUP",
         "PEM certificate (then its chain): HTTPS instead of HTTP, with --tls-key; read again on SIGHUP",
         [](C& c, const std::string& v) { c.tls_cert = v; }},
        {"tls-key", "clé privée PEM non chiffrée du certificat (lisible par le seul compte du service)",
         "the certificate's unencrypted PEM private key (readable by the service's account only)",
         [](C& c, const std::string& v) { c.tls_key = v; }},
        {"tls-handshake-timeout", "secondes pour la négociation TLS d'une connexion (défaut 10)",
         "seconds for a connection's TLS handshake (default 10)",
         [](C& c, const std::string& v) { c.tls_handshake_timeout_seconds = static_cast<int>(to_int("tls-handshake-timeout", v, 1, 600)); }},
        {"grace-days", "jours de tolérance après l'expiration du registre (défaut 90)", "days of grace after the registry expires (default 90)",
         [](C& c, const std::string& v) { c.grace_days = to_int("grace-days", v, 0, 3650); }},
        {"time-zone", "fuseau horaire de la boutique, nom IANA, pour les dates et heures lues par les gens (défaut : celui du système), ex. Europe/Paris",
         "the shop's time zone, an IANA name, for the dates and times people read (default: the system's), e.g. Europe/Paris",
         [](C& c, const std::string& v) { c.time_zone = v; }},
        {"retention-months", "mois avant l'effacement des identifiants de pass (défaut 36)", "months before pass ids are erased (default 36)",
         [](C& c, const std::string& v) { c.retention_months = to_int("retention-months", v, 1, 1200); }},
        {"purge-every-hours", "intervalle de la purge automatique, 0 = jamais (défaut 24)", "automatic purge interval, 0 = never (default 24)",
         [](C& c, const std::string& v) { c.purge_every_hours = to_int("purge-every-hours", v, 0, 24 * 365); }},
        {"registry-check-seconds", "intervalle de vérification du fichier bundle (défaut 5)", "bundle file check interval (default 5)",
         [](C& c, const std::string& v) { c.registry_check_seconds = static_cast<int>(to_int("registry-check-seconds", v, 1, kSecondsPerDay)); }},
        {"registry-url", "URL http:// d'où tirer le bundle (optionnel)", "http:// URL to pull the bundle from (optional)",
         [](C& c, const std::string& v) {
             if (!v.starts_with("http://")) throw ConfigError(tr("registry-url : http://… attendu", "registry-url: http://… expected"));
             c.registry_url = v;
         }},
        {"registry-pull-seconds", "intervalle de téléchargement du bundle (défaut 300)", "bundle download interval (default 300)",
         [](C& c, const std::string& v) { c.registry_pull_seconds = static_cast<int>(to_int("registry-pull-seconds", v, 10, kSecondsPerDay)); }},
        {"policy-max-visits", "remplace max_visits de la politique du registre", "overrides the registry policy's max_visits",
         [](C& c, const std::string& v) { c.policy_max_visits = to_int("policy-max-visits", v, 0, 100000); }},
        {"policy-window-days", "remplace window_days de la politique du registre", "overrides the registry policy's window_days",
         [](C& c, const std::string& v) { c.policy_window_days = to_int("policy-window-days", v, 0, 100000); }},
        {"policy-welcomes", "remplace welcomes_visitors (oui/non)", "overrides welcomes_visitors (yes/no)",
         [](C& c, const std::string& v) { c.policy_welcomes = to_bool("policy-welcomes", v); }},
        {"visitor-cap-cents", "plafond mensuel des achats visiteurs, en centimes", "monthly cap on visitor purchases, in cents",
         [](C& c, const std::string& v) { c.visitor_cap_cents = to_int("visitor-cap-cents", v, 1, 1'000'000'000'000); }},
        {"visitor-cap-warn-percent", "alerte à ce pourcentage du plafond (défaut 80)", "warn at this percentage of the cap (default 80)",
         [](C& c, const std::string& v) { c.visitor_cap_warn_percent = to_int("visitor-cap-warn-percent", v, 1, 100); }},
        {"auth-failures-per-minute", "échecs d'authentification tolérés par adresse et par minute (défaut 10)",
         "authentication failures allowed per address per minute (default 10)",
         [](C& c, const std::string& v) { c.auth_failures_per_minute = static_cast<int>(to_int("auth-failures-per-minute", v, 1, 100000)); }},
    };
    return all;
}

void apply(Config& config, const std::string& name, const std::string& value) {
    for (const Setting& s : settings())
        if (name == s.name) return s.apply(config, value);
    throw ConfigError(tr("réglage inconnu : ", "unknown setting: ") + name);
}

void apply_file(Config& config, const std::string& path) {
    std::ifstream in(path);
    if (!in) throw ConfigError(path + tr(" : lecture impossible", ": cannot read"));
    std::string line;
    for (int number = 1; std::getline(in, line) && number <= 10000; ++number) {
        const auto trim = [](std::string s) {
            const auto b = s.find_first_not_of(" \t\r");
            const auto e = s.find_last_not_of(" \t\r");
            return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
        };
        line = trim(line);
        if (line.empty() || line[0] == '#') continue;
        const auto eq = line.find('=');
        if (eq == std::string::npos) throw ConfigError(path + ":" + std::to_string(number) + tr(" : « nom = valeur » attendu", ": \"name = value\" expected"));
        try {
            apply(config, trim(line.substr(0, eq)), trim(line.substr(eq + 1)));
        } catch (const ConfigError& e) {
            throw ConfigError(path + ":" + std::to_string(number) + " : " + e.what());
        }
    }
}

}  // namespace

std::vector<std::string> parse_config(const std::vector<std::string>& args, Config& config) {
    for (std::size_t i = 0; i + 1 < args.size(); ++i)
        if (args[i] == "--config") apply_file(config, args[i + 1]);
    std::vector<std::string> positional;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (!a.starts_with("--")) {
            positional.push_back(a);
            continue;
        }
        std::string name = a.substr(2), value;
        if (const auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name.resize(eq);
        } else {
            if (i + 1 >= args.size()) throw ConfigError(tr("valeur manquante pour --", "missing value for --") + name);
            value = args[++i];
        }
        if (name != "config") apply(config, name, value);
    }
    return positional;
}

std::string config_help() {
    std::ostringstream out;
    out << "  --config FICHIER/FILE\n      " << tr("fichier de réglages « nom = valeur », un par ligne", "settings file, \"name = value\" per line") << "\n";
    for (const Setting& s : settings()) out << "  --" << s.name << "\n      " << tr(s.help_fr, s.help_en) << "\n";
    return out.str();
}

}  // namespace passkoop::server

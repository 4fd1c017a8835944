// passkoop registry …: drafting, signing together, checking, showing and bundling the registry.
#include "cli.hpp"
#include "commands.hpp"

#include <passkoop/bundle.hpp>
#include <passkoop/json_limits.hpp>
#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/registry.hpp>
#include <passkoop/revocations.hpp>
#include <passkoop/verifier.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <iostream>
#include <map>
#include <set>

namespace passkoop::cli {

namespace {

using nlohmann::json;

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

// "Now" for the registry commands: --at DAY (to check ahead), else the clock.
std::int64_t now_or_at(const Args& args) {
    const auto at = args.date("at");
    return at ? start_of_day(*at) : unix_now();
}

std::int64_t grace_days_of(const Args& args) { return args.integer("grace-days", 0, 3650).value_or(kDefaultGraceDays); }

// How long a version is valid and how long tills keep accepting passes after that.
void print_validity(const Registry& reg, std::int64_t grace_days) {
    const std::int64_t end_of_grace = reg.expires_at + grace_days * kSecondsPerDay;
    std::cout << tr("  validité : ", "  validity: ") << (reg.expires_at - reg.issued_at) / kSecondsPerDay
              << tr(" jours ; tolérance des caisses après expiration : ", " days; tills' grace after expiry: ") << grace_days
              << tr(" jours (jusqu'au ", " days (until ") << date_fr(day_of(end_of_grace)) << ")\n";
}

// What the tills make of this version at `now` (DESIGN §5): nothing to say, renew soon, stale
// (passes still accepted, with a warning), or expired past the grace (every pass refused).
// Returns false only in the last case.
bool print_freshness(const Registry& reg, std::int64_t now, std::int64_t grace_days) {
    const std::int64_t end_of_grace = reg.expires_at + grace_days * kSecondsPerDay;
    if (now > end_of_grace) {
        std::cout << tr("  ✘ Registre expiré le ", "  ✘ Registry expired on ") << date_fr(day_of(reg.expires_at))
                  << tr(", tolérance finie le ", ", grace over on ") << date_fr(day_of(end_of_grace))
                  << tr(" : les caisses refusent tous les passes (registry_expired). Renouvelez-le : passkoop registry renew\n",
                        ": tills refuse every pass (registry_expired). Renew it: passkoop registry renew\n");
        return false;
    }
    if (now > reg.expires_at) {
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
    return true;
}

Registry read_registry(const std::string& path, const Envelope& env) {
    auto reg = read_registry_envelope(env);
    if (!reg) throw CliError(path + " : " + reg.error().detail);
    return std::move(*reg);
}

// Writes an edited draft. If its content changed, signatures made on the old content go.
void write_draft(const std::string& path, const Envelope& before, const Registry& reg) {
    Envelope env{std::string(kRegistryPayloadType), registry_payload(reg), {}};
    if (auto check = parse_registry_payload(env.payload); !check) throw CliError(path + " : " + check.error());
    // An edit that changes nothing keeps the signatures: they still sign these exact bytes.
    if (before.payload == env.payload) env.signatures = before.signatures;
    else if (!before.signatures.empty())
        std::cerr << before.signatures.size()
                  << tr(" signature(s) retirée(s) : le contenu a changé, chaque admin doit signer à nouveau\n",
                        " signature(s) removed: the content changed, every admin must sign again\n");
    write_envelope_file(path, env);
}

// Decimal degrees ("43.610769", "-1.1") to integer micro-degrees, without floating point.
std::int64_t micro_degrees(const std::string& text, std::int64_t limit, const std::string& option) {
    std::string_view s = text;
    const bool negative = s.starts_with('-');
    if (negative) s.remove_prefix(1);
    const auto dot = s.find('.');
    const std::string_view whole = s.substr(0, dot), fraction = dot == std::string_view::npos ? "" : s.substr(dot + 1);
    std::int64_t w = 0, f = 0;
    bool ok = !whole.empty() && fraction.size() <= 6 &&
              std::from_chars(whole.data(), whole.data() + whole.size(), w).ptr == whole.data() + whole.size() &&
              std::all_of(fraction.begin(), fraction.end(), [](char c) { return c >= '0' && c <= '9'; });
    for (std::size_t i = 0; i < 6; ++i) f = f * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
    const std::int64_t value = (w * 1000000 + f) * (negative ? -1 : 1);
    if (!ok || value < -limit || value > limit) throw CliError("--" + option + tr(" : degrés décimaux attendus", ": decimal degrees expected"));
    return value;
}

Coop& existing_coop(Registry& reg, const Args& args) {
    const auto number = static_cast<std::uint16_t>(args.require_integer("coop", 1, 65535));
    Coop* coop = reg.find_coop(number);
    if (coop == nullptr) throw CliError(tr("coop inconnue dans ce registre : ", "coop not in this registry: ") + std::to_string(number));
    return *coop;
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

void show_registry(const Registry& reg, const Envelope& env, bool list_coops, std::int64_t now, std::int64_t grace_days) {
    std::cout << tr("Registre Pass'Koop — version ", "Pass'Koop registry — version ") << reg.version << "\n"
              << tr("  émis le ", "  issued ") << format_instant(reg.issued_at) << tr(", expire le ", ", expires ")
              << format_instant(reg.expires_at) << "\n";
    print_validity(reg, grace_days);
    print_freshness(reg, now, grace_days);
    std::cout << tr("  version précédente : ", "  previous version: ")
              << (reg.previous ? to_hex(*reg.previous).substr(0, 16) + "…" : tr("aucune (première version)", "none (first version)"))
              << "\n  " << tr("empreinte : ", "digest: ") << to_hex(env.payload_hash()) << "\n"
              << tr("  Admins : ", "  Admins: ") << reg.admins.keys.size() << tr(" clé(s), seuil ", " key(s), threshold ")
              << reg.admins.threshold << "\n";
    for (const Admin& a : reg.admins.keys)
        std::cout << "    - " << printable(a.name) << " (coop " << a.coop << ") " << key_id(a.public_key) << "\n";
    print_threshold(tr("Signatures", "Signatures"), count_threshold(env, reg.admins));
    std::cout << tr("  Coops : ", "  Coops: ") << reg.coops.size() << "\n";
    if (!list_coops) return;
    for (const Coop& c : reg.coops) {
        std::cout << "    " << c.number << " " << printable(c.name);
        if (!c.city.empty()) std::cout << " — " << printable(c.city);
        if (!c.department.empty()) std::cout << " (" << printable(c.department) << ")";
        std::cout << tr(" — étape ", " — stage ") << c.stage << "\n      " << policy_summary(c.policy) << "\n";
        if (!c.policy.note.empty()) std::cout << tr("      note : « ", "      note: \"") << printable(c.policy.note) << tr(" »\n", "\"\n");
        for (const CoopKey& k : c.keys) std::cout << "      " << key_line(k) << "\n";
    }
}

bool is_bundle(const std::string& text) {
    const auto doc = parse_json_bounded(text);
    return doc && doc->is_object() && doc->value("type", json()) == "passkoop-bundle";
}

// The registry envelope of a registry file or of a bundle (whose parts are checked on the way).
Envelope read_current_version(const std::string& path) {
    const std::string text = read_file(path, kMaxBundleBytes);
    if (!is_bundle(text)) {
        auto env = parse_envelope_text(text);
        if (!env) throw CliError(path + " : " + env.error().detail);
        return std::move(*env);
    }
    auto bundle = load_bundle(text, nullptr);
    if (!bundle) throw CliError(path + " : " + bundle.error().detail);
    return bundle->registry_envelope;
}

// The next version of `current`: same content, new dates from now, chained to it.
Registry next_version(const std::string& path, const Envelope& current, const Args& args) {
    Registry reg = read_registry(path, current);
    reg.version += 1;
    reg.previous = current.payload_hash();
    reg.issued_at = unix_now();
    reg.expires_at = reg.issued_at + args.integer("valid-days", 1, 3660).value_or(kDefaultRegistryValidityDays) * kSecondsPerDay;
    return reg;
}

void refuse_overwrite(const std::string& out, const Args& args) {
    if (std::filesystem::exists(out) && !args.flag("force"))
        throw CliError(out + tr(" existe déjà ; --force pour le remplacer", " already exists; --force to replace it"));
}

constexpr Help kInitHelp{
    "passkoop registry init --out BROUILLON (--from ACTUEL | --name NOM --coop N --public-key B64|--key-file F)\n"
    "                       [--valid-days J] [--force]\n"
    "Écrit le brouillon d'une version du registre, à compléter puis à signer par les admins.\n"
    "  --from ACTUEL      version suivante de la version publiée ACTUEL (même contenu, chaînée)\n"
    "  --name, --coop, --public-key|--key-file\n"
    "                     première version : le premier admin (seuil 1 ; add-admin pour les autres)\n"
    "  --valid-days J     durée de validité, 180 jours par défaut ; les caisses tolèrent ensuite 90 jours\n"
    "  --force            remplace BROUILLON s'il existe\n",
    "passkoop registry init --out DRAFT (--from CURRENT | --name NAME --coop N --public-key B64|--key-file F)\n"
    "                       [--valid-days D] [--force]\n"
    "Writes the draft of a registry version, to complete and then have the admins sign.\n"
    "  --from CURRENT     next version of the published version CURRENT (same content, chained)\n"
    "  --name, --coop, --public-key|--key-file\n"
    "                     first version: the first admin (threshold 1; add-admin for the others)\n"
    "  --valid-days D     validity, 180 days by default; tills then allow 90 days of grace\n"
    "  --force            replaces DRAFT if it exists\n"};

int registry_init(const Argv& argv) {
    const Args args(argv, {"out", "from", "valid-days", "name", "coop", "public-key", "key-file"}, {"force"});
    if (print_help_if_asked(args, kInitHelp, std::cout)) return kExitOk;
    const std::string out = args.require("out");
    refuse_overwrite(out, args);
    Registry reg;
    if (const auto from = args.get("from")) {
        reg = next_version(*from, read_current_version(*from), args);
    } else {
        reg.admins.threshold = 1;
        reg.admins.keys.push_back(Admin{args.require("name"),
                                        static_cast<std::uint16_t>(args.require_integer("coop", 1, 65535)),
                                        public_key_argument(args)});
        reg.issued_at = unix_now();
        reg.expires_at = reg.issued_at + args.integer("valid-days", 1, 3660).value_or(kDefaultRegistryValidityDays) * kSecondsPerDay;
    }
    write_draft(out, Envelope{}, reg);
    std::cerr << tr("Brouillon de la version ", "Draft of version ") << reg.version << tr(" écrit dans ", " written to ") << out
              << tr(" (expire le ", " (expires ") << format_instant(reg.expires_at) << ")\n";
    return kExitOk;
}

constexpr Help kRenewHelp{
    "passkoop registry renew --from ACTUEL --out SUIVANT [--valid-days J] [--force]\n"
    "Renouvelle le registre avant qu'il expire : la version suivante de ACTUEL (registre publié ou bundle),\n"
    "même contenu, nouvelles dates, chaînée à ACTUEL. Ensuite chaque admin signe sa copie\n"
    "(registry sign SUIVANT --key …), on fusionne (--merge), on vérifie (registry verify SUIVANT --previous ACTUEL)\n"
    "et on publie (registry bundle).\n"
    "  --valid-days J     durée de validité, 180 jours par défaut\n"
    "  --force            remplace SUIVANT s'il existe\n",
    "passkoop registry renew --from CURRENT --out NEXT [--valid-days D] [--force]\n"
    "Renews the registry before it expires: the next version of CURRENT (a published registry or a bundle),\n"
    "same content, new dates, chained to CURRENT. Then each admin signs their copy\n"
    "(registry sign NEXT --key …), the copies are merged (--merge), checked (registry verify NEXT --previous CURRENT)\n"
    "and published (registry bundle).\n"
    "  --valid-days D     validity, 180 days by default\n"
    "  --force            replaces NEXT if it exists\n"};

int registry_renew(const Argv& argv) {
    const Args args(argv, {"from", "out", "valid-days"}, {"force"});
    if (print_help_if_asked(args, kRenewHelp, std::cout)) return kExitOk;
    const std::string from = args.require("from");
    const std::string out = args.require("out");
    refuse_overwrite(out, args);
    const Envelope current = read_current_version(from);
    // Chaining to a draft would make the next version follow something no shop ever trusted.
    const ThresholdCount signed_by = count_threshold(current, read_registry(from, current).admins);
    if (!signed_by.met())
        throw CliError(from + tr(" n'est pas une version publiée (", " is not a published version (") + std::to_string(signed_by.valid) +
                       tr(" signature(s) valide(s) sur ", " valid signature(s) of ") + std::to_string(signed_by.needed) +
                       tr(") : renouvelez la version que les caisses ont", "): renew the version the tills have"));
    const Registry reg = next_version(from, current, args);
    write_draft(out, Envelope{}, reg);
    std::cout << tr("Version ", "Version ") << reg.version << tr(" prête à signer : ", " ready to sign: ") << out << "\n"
              << tr("  même contenu que la version ", "  same content as version ") << reg.version - 1
              << tr(", valable du ", ", valid from ") << date_fr(day_of(reg.issued_at)) << tr(" au ", " to ")
              << date_fr(day_of(reg.expires_at)) << "\n"
              << tr("  ensuite : chaque admin signe sa copie, puis fusion, vérification et publication :\n",
                    "  next: each admin signs their copy, then merge, check and publish:\n")
              << "    passkoop registry sign " << out << " --key ADMIN.key\n"
              << "    passkoop registry sign " << out << " --merge " << tr("COPIE-D-UN-ADMIN.json", "ADMIN-COPY.json") << "\n"
              << "    passkoop registry verify " << out << " --previous " << from << "\n"
              << "    passkoop registry bundle --registry " << out << " --from " << tr("BUNDLE-ACTUEL.json", "CURRENT-BUNDLE.json") << " --out bundle.json\n";
    return kExitOk;
}

constexpr Help kAddCoopHelp{
    "passkoop registry add-coop BROUILLON --number N --name NOM [--slug S] [--city VILLE] [--department D] [--country FR]\n"
    "                           [--stage 1..5] [--website URL] [--latitude DEG] [--longitude DEG]\n"
    "Ajoute une coop au brouillon (étape 5 « supermarché ouvert » par défaut, coordonnées en degrés décimaux).\n"
    "Ensuite : registry set-key pour sa clé, registry set-policy pour son accueil des visiteurs.\n",
    "passkoop registry add-coop DRAFT --number N --name NAME [--slug S] [--city CITY] [--department D] [--country FR]\n"
    "                           [--stage 1..5] [--website URL] [--latitude DEG] [--longitude DEG]\n"
    "Adds a coop to the draft (stage 5 \"supermarket open\" by default, coordinates in decimal degrees).\n"
    "Then: registry set-key for its key, registry set-policy for how it welcomes visitors.\n"};

int registry_add_coop(const Argv& argv) {
    const Args args(argv, {"number", "name", "slug", "city", "department", "country", "stage", "website", "latitude", "longitude"}, {});
    if (print_help_if_asked(args, kAddCoopHelp, std::cout)) return kExitOk;
    const std::string path = args.single_positional("BROUILLON");
    const Envelope env = read_envelope_file(path);
    Registry reg = read_registry(path, env);
    Coop c;
    c.number = static_cast<std::uint16_t>(args.require_integer("number", 1, 65535));
    if (reg.find_coop(c.number)) throw CliError(tr("le numéro de coop est déjà pris : ", "coop number already taken: ") + std::to_string(c.number));
    c.name = args.require("name");
    c.slug = args.get("slug").value_or(slugify(c.name));
    c.city = args.get("city").value_or("");
    c.department = args.get("department").value_or("");
    c.country = args.get("country").value_or("FR");
    c.stage = args.integer("stage", 1, 5).value_or(5);
    c.website = args.get("website").value_or("");
    if (const auto lat = args.get("latitude")) c.latitude_e6 = micro_degrees(*lat, 90000000, "latitude");
    if (const auto lon = args.get("longitude")) c.longitude_e6 = micro_degrees(*lon, 180000000, "longitude");
    reg.coops.push_back(c);
    std::sort(reg.coops.begin(), reg.coops.end(), [](const Coop& a, const Coop& b) { return a.number < b.number; });
    write_draft(path, env, reg);
    std::cerr << tr("Coop ajoutée : ", "Coop added: ") << c.number << " " << printable(c.name) << "\n";
    return kExitOk;
}

constexpr Help kSetKeyHelp{
    "passkoop registry set-key BROUILLON --coop N --key-number K [--public-key B64|--key-file F]\n"
    "                          [--not-before AAAA-MM-JJ] [--not-after AAAA-MM-JJ] [--status active|retired|compromised]\n"
    "Ajoute la clé K d'une coop (la clé publique qu'elle a envoyée ; valable deux ans par défaut) ou change\n"
    "ses dates ou son état : retired (plus de nouveaux passes), compromised (tous ses passes refusés).\n",
    "passkoop registry set-key DRAFT --coop N --key-number K [--public-key B64|--key-file F]\n"
    "                          [--not-before YYYY-MM-DD] [--not-after YYYY-MM-DD] [--status active|retired|compromised]\n"
    "Adds key K of a coop (the public key it sent; valid two years by default) or changes its dates or\n"
    "status: retired (no new passes), compromised (every pass it signed is refused).\n"};

int registry_set_key(const Argv& argv) {
    const Args args(argv, {"coop", "key-number", "public-key", "key-file", "not-before", "not-after", "status"}, {});
    if (print_help_if_asked(args, kSetKeyHelp, std::cout)) return kExitOk;
    const std::string path = args.single_positional("BROUILLON");
    const Envelope env = read_envelope_file(path);
    Registry reg = read_registry(path, env);
    Coop& coop = existing_coop(reg, args);
    const auto number = static_cast<std::uint8_t>(args.require_integer("key-number", 0, 255));
    CoopKey* key = nullptr;
    for (CoopKey& k : coop.keys)
        if (k.number == number) key = &k;
    if (key == nullptr) {
        coop.keys.push_back(CoopKey{number, public_key_argument(args), day_of(unix_now()), day_of(unix_now()) + 2 * 365, KeyStatus::active});
        key = &coop.keys.back();
    } else if (args.get("public-key") || args.get("key-file")) {
        // A published key number stays bound to its key: passes already signed name it.
        if (public_key_argument(args) != key->public_key)
            throw CliError(tr("la clé n° ", "key number ") + std::to_string(number) +
                           tr(" existe déjà avec une autre clé publique ; utilisez un nouveau numéro", " already exists with another public key; use a new number"));
    }
    if (const auto d = args.date("not-before")) key->not_before = *d;
    if (const auto d = args.date("not-after")) key->not_after = *d;
    if (const auto status = args.get("status")) {
        if (*status == "active") key->status = KeyStatus::active;
        else if (*status == "retired") key->status = KeyStatus::retired;
        else if (*status == "compromised") key->status = KeyStatus::compromised;
        else throw CliError(tr("--status : active, retired ou compromised", "--status: active, retired or compromised"));
    }
    write_draft(path, env, reg);
    std::cerr << tr("Coop ", "Coop ") << coop.number << " : " << key_line(*key) << "\n";
    return kExitOk;
}

constexpr Help kSetPolicyHelp{
    "passkoop registry set-policy BROUILLON --coop N [--welcomes oui|non] [--max-visits N] [--window-days J]\n"
    "                             [--conditions members|surcharge] [--surcharge-percent P] [--accepted all|1,2] [--note TEXTE]\n"
    "Comment la coop accueille les visiteurs : --max-visits 0 sans limite, --window-days 0 depuis toujours,\n"
    "--accepted les coops dont elle accueille les membres, --note un texte court montré en caisse.\n",
    "passkoop registry set-policy DRAFT --coop N [--welcomes yes|no] [--max-visits N] [--window-days D]\n"
    "                             [--conditions members|surcharge] [--surcharge-percent P] [--accepted all|1,2] [--note TEXT]\n"
    "How the coop welcomes visitors: --max-visits 0 no limit, --window-days 0 forever,\n"
    "--accepted the coops whose members it welcomes, --note a short text shown at the till.\n"};

int registry_set_policy(const Argv& argv) {
    const Args args(argv, {"coop", "welcomes", "max-visits", "window-days", "conditions", "surcharge-percent", "accepted", "note"}, {});
    if (print_help_if_asked(args, kSetPolicyHelp, std::cout)) return kExitOk;
    const std::string path = args.single_positional("BROUILLON");
    const Envelope env = read_envelope_file(path);
    Registry reg = read_registry(path, env);
    Coop& coop = existing_coop(reg, args);
    VisitorPolicy& p = coop.policy;
    if (const auto w = args.get("welcomes")) {
        if (*w != "yes" && *w != "no" && *w != "oui" && *w != "non") throw CliError(tr("--welcomes : oui ou non", "--welcomes: yes or no"));
        p.welcomes_visitors = *w == "yes" || *w == "oui";
    }
    if (const auto n = args.integer("max-visits", 0, 100000)) p.max_visits = *n;
    if (const auto n = args.integer("window-days", 0, 100000)) p.window_days = *n;
    if (const auto c = args.get("conditions")) {
        if (*c != "members" && *c != "surcharge") throw CliError(tr("--conditions : members ou surcharge", "--conditions: members or surcharge"));
        p.conditions = *c;
    }
    if (const auto n = args.integer("surcharge-percent", 0, 100)) p.surcharge_percent = *n;
    if (const auto accepted = args.get("accepted")) {
        p.accepted_coops.clear();
        p.accepts_all_coops = *accepted == "all";
        for (std::size_t pos = 0; !p.accepts_all_coops && pos <= accepted->size();) {
            const auto comma = std::min(accepted->find(',', pos), accepted->size());
            int n = 0;
            const auto r = std::from_chars(accepted->data() + pos, accepted->data() + comma, n);
            if (r.ec != std::errc{} || r.ptr != accepted->data() + comma || n < 1 || n > 65535)
                throw CliError(tr("--accepted : « all » ou numéros séparés par des virgules", "--accepted: \"all\" or comma-separated numbers"));
            p.accepted_coops.push_back(static_cast<std::uint16_t>(n));
            pos = comma + 1;
        }
    }
    if (const auto note = args.get("note")) p.note = *note;
    write_draft(path, env, reg);
    std::cerr << tr("Politique de la coop ", "Policy of coop ") << coop.number << " : " << policy_summary(p) << "\n";
    return kExitOk;
}

constexpr Help kAddAdminHelp{
    "passkoop registry add-admin BROUILLON --name NOM --coop N --public-key B64|--key-file F [--threshold K]\n"
    "Ajoute un admin ; la version qui change les admins doit être signée par le seuil des anciens et des nouveaux.\n",
    "passkoop registry add-admin DRAFT --name NAME --coop N --public-key B64|--key-file F [--threshold K]\n"
    "Adds an admin; the version that changes the admins needs the threshold of the old and of the new ones.\n"};

int registry_add_admin(const Argv& argv) {
    const Args args(argv, {"name", "coop", "public-key", "key-file", "threshold"}, {});
    if (print_help_if_asked(args, kAddAdminHelp, std::cout)) return kExitOk;
    const std::string path = args.single_positional("BROUILLON");
    const Envelope env = read_envelope_file(path);
    Registry reg = read_registry(path, env);
    const PublicKey pub = public_key_argument(args);
    for (const Admin& a : reg.admins.keys)
        if (a.public_key == pub) throw CliError(tr("cette clé est déjà admin : ", "this key is already an admin: ") + key_id(pub));
    reg.admins.keys.push_back(Admin{args.require("name"), static_cast<std::uint16_t>(args.require_integer("coop", 1, 65535)), pub});
    if (const auto t = args.integer("threshold", 1, static_cast<std::int64_t>(kMaxAdmins))) reg.admins.threshold = *t;
    write_draft(path, env, reg);
    std::cerr << tr("Admin ajouté ; seuil ", "Admin added; threshold ") << reg.admins.threshold << tr(" sur ", " of ")
              << reg.admins.keys.size() << "\n";
    return kExitOk;
}

constexpr Help kRemoveAdminHelp{
    "passkoop registry remove-admin BROUILLON --key-id ID [--threshold K]\n"
    "Retire l'admin dont l'identifiant de clé est ID (registry show les liste).\n",
    "passkoop registry remove-admin DRAFT --key-id ID [--threshold K]\n"
    "Removes the admin whose key id is ID (registry show lists them).\n"};

int registry_remove_admin(const Argv& argv) {
    const Args args(argv, {"key-id", "threshold"}, {});
    if (print_help_if_asked(args, kRemoveAdminHelp, std::cout)) return kExitOk;
    const std::string path = args.single_positional("BROUILLON");
    const Envelope env = read_envelope_file(path);
    Registry reg = read_registry(path, env);
    const std::string id = args.require("key-id");
    const auto removed = std::erase_if(reg.admins.keys, [&](const Admin& a) { return key_id(a.public_key) == id; });
    if (removed == 0) throw CliError(tr("aucun admin avec l'identifiant ", "no admin with key id ") + printable(id));
    if (const auto t = args.integer("threshold", 1, static_cast<std::int64_t>(kMaxAdmins))) reg.admins.threshold = *t;
    write_draft(path, env, reg);
    std::cerr << tr("Admin retiré ; seuil ", "Admin removed; threshold ") << reg.admins.threshold << tr(" sur ", " of ")
              << reg.admins.keys.size() << "\n";
    return kExitOk;
}

constexpr Help kSignHelp{
    "passkoop registry sign FICHIER [--key CLE_ADMIN] [--merge AUTRE.json]... [--out FICHIER]\n"
    "Signe la version avec sa clé d'admin, et/ou y ajoute les signatures des copies signées par les autres admins.\n"
    "  --out FICHIER      écrit ailleurs que dans FICHIER\n",
    "passkoop registry sign FILE [--key ADMIN_KEY] [--merge OTHER.json]... [--out FILE]\n"
    "Signs the version with one's admin key, and/or adds the signatures of the copies other admins signed.\n"
    "  --out FILE         writes elsewhere than FILE\n"};

int registry_sign(const Argv& argv) {
    const Args args(argv, {"key", "merge", "out"}, {});
    if (print_help_if_asked(args, kSignHelp, std::cout)) return kExitOk;
    const std::string path = args.single_positional("FICHIER");
    Envelope env = read_envelope_file(path);
    const Registry reg = read_registry(path, env);
    for (const std::string& other_path : args.all("merge")) {
        const Envelope other = read_envelope_file(other_path);
        if (auto merged = merge_signatures(env, other); !merged) throw CliError(other_path + " : " + merged.error());
    }
    if (const auto key_path = args.get("key")) {
        const SigningKey key = open_key_file(*key_path);
        const auto pubs = reg.admins.public_keys();
        if (std::find(pubs.begin(), pubs.end(), key.public_key()) == pubs.end())
            std::cerr << tr("note : cette clé (", "note: this key (") << key.id()
                      << tr(") n'est pas admin de cette version ; sa signature ne compte que pour un changement d'admins\n",
                            ") is not an admin of this version; its signature only counts for an admin change\n");
        env.sign(key);
    }
    if (!args.get("key") && args.all("merge").empty()) throw CliError(tr("donnez --key et/ou --merge", "give --key and/or --merge"));
    const std::string out = args.get("out").value_or(path);
    write_envelope_file(out, env);
    std::cout << tr("Version ", "Version ") << reg.version << " (" << out << ")\n";
    print_threshold(tr("admins de cette version", "admins of this version"), count_threshold(env, reg.admins));
    return kExitOk;
}

std::optional<TrustAnchor> pinned_anchor(const Args& args, const std::string& option) {
    const auto pin = args.get(option);
    if (!pin) return std::nullopt;
    const Envelope env = read_envelope_file(*pin);
    auto reg = accept_registry(env, {}, nullptr);
    if (!reg) throw CliError(*pin + " : " + reg.error().detail);
    return TrustAnchor{std::move(*reg), env.payload_hash()};
}

constexpr Help kVerifyHelp{
    "passkoop registry verify FICHIER [--previous VERSION_PRECEDENTE] [--pin REGISTRE] [--at AAAA-MM-JJ] [--grace-days J]\n"
    "Dit si une version (ou un bundle) est publiable : seuil de signatures atteint, chaîne suivie, pas expirée.\n"
    "Code de sortie 0 publiable, 1 pas encore, 2 erreur.\n"
    "  --previous V       la version publiée qu'elle remplace : son seuil d'admins est requis si les admins changent\n"
    "  --pin REGISTRE     la version qu'une caisse a épinglée : la version doit la suivre (jamais une plus ancienne)\n"
    "  --at AAAA-MM-JJ    vérifie à cette date (avertissements d'expiration)\n"
    "  --grace-days J     tolérance des caisses après expiration (90 jours par défaut)\n",
    "passkoop registry verify FILE [--previous PREVIOUS_VERSION] [--pin REGISTRY] [--at YYYY-MM-DD] [--grace-days D]\n"
    "Says whether a version (or a bundle) can be published: signature threshold met, chain followed, not expired.\n"
    "Exit code 0 ready, 1 not yet, 2 error.\n"
    "  --previous V       the published version it replaces: its admins' threshold is needed if the admins change\n"
    "  --pin REGISTRY     the version a till pinned: this version must follow it (never an older one)\n"
    "  --at YYYY-MM-DD    checks as of that day (expiry warnings)\n"
    "  --grace-days D     tills' grace after expiry (90 days by default)\n"};

int registry_verify(const Argv& argv) {
    const Args args(argv, {"previous", "pin", "grace-days", "at"}, {});
    if (print_help_if_asked(args, kVerifyHelp, std::cout)) return kExitOk;
    const std::string path = args.single_positional(tr("FICHIER", "FILE"));
    const std::string text = read_file(path, kMaxBundleBytes);
    const std::int64_t now = now_or_at(args), grace_days = grace_days_of(args);
    if (is_bundle(text)) {
        if (args.get("previous")) throw CliError(tr("--previous : pour un fichier de registre ; pour un bundle, --pin", "--previous: for a registry file; for a bundle, --pin"));
        const auto anchor = pinned_anchor(args, "pin");
        auto bundle = load_bundle(text, anchor ? &*anchor : nullptr);
        if (!bundle) {
            std::cout << "✘ " << path << " : " << printable(bundle.error().detail) << " [" << to_string(bundle.error().failure) << "]\n";
            return kExitInvalid;
        }
        std::cout << "✔ " << path << tr(" : bundle valide, registre version ", ": valid bundle, registry version ")
                  << bundle->registry.version << ", " << bundle->registry.coops.size() << " coops, " << bundle->revoked.size()
                  << tr(" pass révoqués", " revoked passes") << (anchor ? "" : tr(" (non épinglé)", " (not pinned)")) << "\n";
        print_threshold(tr("admins", "admins"), count_threshold(bundle->registry_envelope, bundle->registry.admins));
        for (const auto& w : bundle->warnings) std::cout << "  ! " << printable(w) << "\n";
        return print_freshness(bundle->registry, now, grace_days) ? kExitOk : kExitInvalid;
    }
    auto env = parse_envelope_text(text);
    if (!env) throw CliError(path + " : " + env.error().detail);
    const Registry reg = read_registry(path, *env);
    const ThresholdCount own = count_threshold(*env, reg.admins);
    std::cout << tr("Registre version ", "Registry version ") << reg.version << " (" << path << ")\n";
    print_threshold(tr("admins de cette version", "admins of this version"), own);
    bool ok = own.met();
    // --previous: the version this one replaces; --pin: a version a till trusts. Either must be
    // followed: same admins or a change signed by both sets, and never an older version.
    for (const std::string option : {"previous", "pin"}) {
        const auto trusted = pinned_anchor(args, option);
        if (!trusted) continue;
        if (!trusted->registry.admins.same_trust_as(reg.admins)) {
            std::cout << tr("  Les admins changent depuis la version ", "  The admins change since version ") << trusted->registry.version
                      << tr(" : son seuil d'admins est aussi requis\n", ": its admins' threshold is required too\n");
            print_threshold(tr("admins de la version ", "admins of version ") + std::to_string(trusted->registry.version),
                            count_threshold(*env, trusted->registry.admins));
        }
        auto accepted = accept_registry(*env, {}, &*trusted);
        if (accepted) std::cout << (option == "pin" ? tr("  ✔ suit la version épinglée ", "  ✔ follows the pinned version ")
                                                    : tr("  ✔ suit la version ", "  ✔ follows version "))
                                << trusted->registry.version << "\n";
        else std::cout << "  ✘ " << printable(accepted.error().detail) << " [" << to_string(accepted.error().failure) << "]\n";
        ok = ok && accepted.has_value();
    }
    print_validity(reg, grace_days);
    ok = print_freshness(reg, now, grace_days) && ok;
    std::cout << (ok ? tr("✔ publiable\n", "✔ ready to publish\n") : tr("✘ pas encore publiable\n", "✘ not publishable yet\n"));
    return ok ? kExitOk : kExitInvalid;
}

constexpr Help kShowHelp{
    "passkoop registry show FICHIER [--brief] [--pin REGISTRE] [--at AAAA-MM-JJ] [--grace-days J]\n"
    "Affiche une version du registre ou un bundle : dates, validité et tolérance, admins, signatures, coops,\n"
    "leurs politiques, notes et clés ; avertit à partir de 30 jours avant l'expiration.\n"
    "  --brief            sans la liste des coops\n"
    "  --pin REGISTRE     pour un bundle : la version épinglée qu'il doit suivre\n"
    "  --at AAAA-MM-JJ    à cette date (avertissements d'expiration)\n"
    "  --grace-days J     tolérance des caisses après expiration (90 jours par défaut)\n",
    "passkoop registry show FILE [--brief] [--pin REGISTRY] [--at YYYY-MM-DD] [--grace-days D]\n"
    "Shows a registry version or a bundle: dates, validity and grace, admins, signatures, coops,\n"
    "their policies, notes and keys; warns from 30 days before expiry.\n"
    "  --brief            without the list of coops\n"
    "  --pin REGISTRY     for a bundle: the pinned version it must follow\n"
    "  --at YYYY-MM-DD    as of that day (expiry warnings)\n"
    "  --grace-days D     tills' grace after expiry (90 days by default)\n"};

int registry_show(const Argv& argv) {
    const Args args(argv, {"pin", "at", "grace-days"}, {"brief"});
    if (print_help_if_asked(args, kShowHelp, std::cout)) return kExitOk;
    const std::string path = args.single_positional(tr("FICHIER", "FILE"));
    const std::string text = read_file(path, kMaxBundleBytes);
    const std::int64_t now = now_or_at(args), grace_days = grace_days_of(args);
    if (is_bundle(text)) {
        const auto anchor = pinned_anchor(args, "pin");
        auto bundle = load_bundle(text, anchor ? &*anchor : nullptr);
        if (!bundle) throw CliError(path + " : " + bundle.error().detail);
        show_registry(bundle->registry, bundle->registry_envelope, !args.flag("brief"), now, grace_days);
        std::cout << tr("  Révocations : ", "  Revocations: ") << bundle->revoked.size() << tr(" pass, ", " passes, ")
                  << bundle->revocation_sequences.size() << tr(" liste(s)\n", " list(s)\n");
        for (const auto& w : bundle->warnings) std::cout << "  ! " << printable(w) << "\n";
        return kExitOk;
    }
    if (args.get("pin")) throw CliError(tr("--pin : pour un bundle ; pour un fichier de registre, registry verify --pin", "--pin: for a bundle; for a registry file, registry verify --pin"));
    auto env = parse_envelope_text(text);
    if (!env) throw CliError(path + " : " + env.error().detail);
    show_registry(read_registry(path, *env), *env, !args.flag("brief"), now, grace_days);
    return kExitOk;
}

constexpr Help kDiffHelp{
    "passkoop registry diff ANCIEN NOUVEAU\n"
    "Ce qui change d'une version à l'autre, à relire avant de signer : version et dates, admins et seuil,\n"
    "coops ajoutées ou retirées avec leurs clés (identifiant compris), fiches, politiques et notes, clés.\n",
    "passkoop registry diff OLD NEW\n"
    "What changes from one version to the next, to read before signing: version and dates, admins and threshold,\n"
    "coops added or removed with their keys (key id included), details, policies and notes, keys.\n"};

std::string quoted_note(const std::string& note) {
    if (note.empty()) return tr("(aucune)", "(none)");
    return tr("« ", "\"") + printable(note) + tr(" »", "\"");
}

int registry_diff(const Argv& argv) {
    const Args args(argv, {}, {});
    if (print_help_if_asked(args, kDiffHelp, std::cout)) return kExitOk;
    if (args.positional().size() != 2) throw CliError(tr("usage : passkoop registry diff ANCIEN NOUVEAU", "usage: passkoop registry diff OLD NEW"));
    const std::string& old_path = args.positional()[0];
    const std::string& new_path = args.positional()[1];
    const Registry a = read_registry(old_path, read_envelope_file(old_path));
    const Registry b = read_registry(new_path, read_envelope_file(new_path));
    std::size_t changes = 0;
    auto line = [&](const std::string& text) { std::cout << text << "\n", ++changes; };
    if (a.version != b.version) line("version " + std::to_string(a.version) + " → " + std::to_string(b.version));
    if (a.expires_at != b.expires_at)
        line(tr("expire le ", "expires ") + date_fr(day_of(a.expires_at)) + " → " + date_fr(day_of(b.expires_at)) + " (" +
             std::to_string((b.expires_at - b.issued_at) / kSecondsPerDay) + tr(" jours de validité)", " days of validity)"));
    if (a.admins.threshold != b.admins.threshold)
        line(tr("seuil des admins ", "admin threshold ") + std::to_string(a.admins.threshold) + " → " + std::to_string(b.admins.threshold));
    for (const Admin& x : b.admins.keys)
        if (std::none_of(a.admins.keys.begin(), a.admins.keys.end(), [&](const Admin& y) { return y.public_key == x.public_key; }))
            line("+ admin " + printable(x.name) + " " + key_id(x.public_key));
    for (const Admin& x : a.admins.keys)
        if (std::none_of(b.admins.keys.begin(), b.admins.keys.end(), [&](const Admin& y) { return y.public_key == x.public_key; }))
            line("- admin " + printable(x.name) + " " + key_id(x.public_key));
    for (const Coop& c : b.coops) {
        const Coop* old = a.find_coop(c.number);
        const std::string label = "coop " + std::to_string(c.number) + " " + printable(c.name);
        if (old == nullptr) {
            // A new coop's keys are what an admin must check against what the coop sent.
            line("+ " + label + " — " + policy_summary(c.policy));
            for (const CoopKey& k : c.keys) line("+ " + label + " " + key_line(k));
            continue;
        }
        if (old->name != c.name || old->city != c.city || old->stage != c.stage || old->website != c.website)
            line("~ " + label + tr(" : fiche modifiée", ": details changed"));
        if (policy_summary(old->policy) != policy_summary(c.policy))
            line("~ " + label + " : " + policy_summary(old->policy) + " → " + policy_summary(c.policy));
        if (old->policy.note != c.policy.note)
            line("~ " + label + tr(" : note ", ": note ") + quoted_note(old->policy.note) + " → " + quoted_note(c.policy.note));
        for (const CoopKey& k : c.keys) {
            const CoopKey* ok = old->find_key(k.number);
            if (ok == nullptr) line("+ " + label + " " + key_line(k));
            else if (ok->public_key != k.public_key)
                line("~ " + label + " " + key_line(k) + tr(" — AUTRE CLÉ PUBLIQUE, avant ", " — ANOTHER PUBLIC KEY, was ") + key_id(ok->public_key));
            else if (ok->status != k.status || ok->not_before != k.not_before || ok->not_after != k.not_after)
                line("~ " + label + " " + key_line(*ok) + " → " + status_label(k.status) + " " + date_fr(k.not_before) + " → " +
                     date_fr(k.not_after));
        }
        for (const CoopKey& k : old->keys)
            if (c.find_key(k.number) == nullptr) line("- " + label + " " + key_line(k));
    }
    for (const Coop& c : a.coops)
        if (b.find_coop(c.number) == nullptr) line("- coop " + std::to_string(c.number) + " " + printable(c.name));
    if (changes == 0) std::cout << tr("aucune différence\n", "no difference\n");
    return kExitOk;
}

constexpr Help kBundleHelp{
    "passkoop registry bundle --registry REGISTRE --out BUNDLE [--from ANCIEN_BUNDLE] [--history F]... [--revocations F]...\n"
    "Le fichier que les boutiques téléchargent : le registre signé, l'historique des changements d'admins et\n"
    "les listes de révocation des coops. --from reprend ceux de l'ancien bundle ; le bundle produit est vérifié\n"
    "comme une caisse qui avait l'ancien le vérifierait.\n",
    "passkoop registry bundle --registry REGISTRY --out BUNDLE [--from OLD_BUNDLE] [--history F]... [--revocations F]...\n"
    "The file shops download: the signed registry, the history of admin changes and the coops' revocation\n"
    "lists. --from carries the old bundle's forward; the bundle made is checked as a till that had the old\n"
    "one would check it.\n"};

int registry_bundle(const Argv& argv) {
    const Args args(argv, {"registry", "out", "history", "revocations", "from"}, {});
    if (print_help_if_asked(args, kBundleHelp, std::cout)) return kExitOk;
    const std::string reg_path = args.require("registry");
    const Envelope reg_env = read_envelope_file(reg_path);
    const Registry reg = read_registry(reg_path, reg_env);
    std::vector<Envelope> history, revocations;
    std::optional<TrustAnchor> old_anchor;  // what the tills that loaded the --from bundle trust
    if (const auto from = args.get("from")) {
        // Carry the previous bundle's history forward, adding its registry if it changed the admins.
        const std::string text = read_file(*from, kMaxBundleBytes);
        auto old = load_bundle(text, nullptr);
        if (!old) throw CliError(*from + " : " + old.error().detail);
        old_anchor = old->anchor();
        const json doc = json::parse(text);
        for (const json& e : doc.at("admin_history")) history.push_back(*envelope_from_json(e));
        for (const json& e : doc.at("revocations")) revocations.push_back(*envelope_from_json(e));
        const bool old_changed_admins =
            history.empty() || !read_registry(*from, history.back()).admins.same_trust_as(old->registry.admins);
        if (old->registry.version < reg.version && old_changed_admins) history.push_back(old->registry_envelope);
    }
    for (const std::string& h : args.all("history")) history.push_back(read_envelope_file(h));
    for (const std::string& r : args.all("revocations")) revocations.push_back(read_envelope_file(r));
    // A bundle carries each coop's list once: keep its highest sequence, so that re-bundling with
    // --from replaces a coop's list instead of adding a second one that tills would ignore.
    auto list_of = [](const Envelope& e) -> std::optional<RevocationList> {
        if (e.payload_type != kRevocationsPayloadType) return std::nullopt;
        auto list = parse_revocations_payload(e.payload);
        return list ? std::optional(std::move(*list)) : std::nullopt;
    };
    std::map<std::uint16_t, std::int64_t> highest;
    for (const Envelope& e : revocations)
        if (const auto list = list_of(e)) {
            const auto [it, fresh] = highest.try_emplace(list->coop, list->sequence);
            if (!fresh) it->second = std::max(it->second, list->sequence);
        }
    std::set<std::uint16_t> kept;
    std::erase_if(revocations, [&](const Envelope& e) {
        const auto list = list_of(e);
        return list && (list->sequence < highest.at(list->coop) || !kept.insert(list->coop).second);
    });
    const std::string text = bundle_to_string(reg_env, history, revocations);
    // Never publish a bundle that our own verifier would refuse, nor one that the tills which
    // loaded the --from bundle would refuse (a rollback, or an admin change missing its link).
    auto check = load_bundle(text, old_anchor ? &*old_anchor : nullptr);
    if (!check)
        throw CliError(tr("le bundle produit ne se vérifie pas", "the bundle made does not verify") +
                       (old_anchor ? tr(" pour une caisse qui a chargé ", " for a till that loaded ") + *args.get("from") : std::string()) +
                       " : " + check.error().detail + " [" + std::string(to_string(check.error().failure)) + "]" +
                       (check.error().failure == TrustFailure::broken_admin_chain
                            ? tr(" ; ajoutez les versions intermédiaires avec --history", "; add the versions in between with --history")
                            : std::string()));
    const std::string out = args.require("out");
    write_file_atomic(out, text);
    std::cout << tr("Bundle écrit : ", "Bundle written: ") << out << " (version " << reg.version << ", " << history.size()
              << tr(" document(s) d'historique, ", " history document(s), ") << check->revocation_sequences.size()
              << tr(" liste(s) de révocation, ", " revocation list(s), ") << check->revoked.size() << tr(" pass révoqués)\n", " revoked passes)\n");
    for (const auto& w : check->warnings) std::cout << "  ! " << printable(w) << "\n";
    return kExitOk;
}

}  // namespace

int cmd_registry(const Argv& argv) {
    static const std::map<std::string, int (*)(const Argv&)> subcommands = {
        {"init", registry_init},     {"renew", registry_renew},   {"add-coop", registry_add_coop},
        {"set-key", registry_set_key}, {"set-policy", registry_set_policy}, {"add-admin", registry_add_admin},
        {"remove-admin", registry_remove_admin}, {"sign", registry_sign}, {"verify", registry_verify},
        {"show", registry_show},     {"diff", registry_diff},     {"bundle", registry_bundle}};
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

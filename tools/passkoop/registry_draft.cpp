// passkoop registry init, renew, add-coop, set-key, set-policy, add-admin, remove-admin, sign:
// writing the draft of a version and signing it together.
#include "registry_cli.hpp"

#include <passkoop/bundle.hpp>
#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/slug.hpp>

#include <algorithm>
#include <charconv>
#include <iostream>

namespace passkoop::cli {

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

namespace {

// The end of add-admin and remove-admin: the new threshold (--threshold), saved and told.
int save_admin_change(Draft& draft, const Args& args, const std::string& what) {
    AdminSet& admins = draft.reg.admins;
    if (const auto t = args.integer("threshold", 1, static_cast<std::int64_t>(kMaxAdmins))) admins.threshold = *t;
    draft.save();
    std::cerr << what << tr(" ; seuil ", "; threshold ") << admins.threshold << tr(" sur ", " of ") << admins.keys.size() << "\n";
    return kExitOk;
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

}  // namespace

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
    Draft draft(args);
    Registry& reg = draft.reg;
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
    draft.save();
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
    Draft draft(args);
    Registry& reg = draft.reg;
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
    draft.save();
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
    Draft draft(args);
    Registry& reg = draft.reg;
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
    draft.save();
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
    Draft draft(args);
    Registry& reg = draft.reg;
    const PublicKey pub = public_key_argument(args);
    for (const Admin& a : reg.admins.keys)
        if (a.public_key == pub) throw CliError(tr("cette clé est déjà admin : ", "this key is already an admin: ") + key_id(pub));
    reg.admins.keys.push_back(Admin{args.require("name"), static_cast<std::uint16_t>(args.require_integer("coop", 1, 65535)), pub});
    return save_admin_change(draft, args, tr("Admin ajouté", "Admin added"));
}

constexpr Help kRemoveAdminHelp{
    "passkoop registry remove-admin BROUILLON (--key-id ID | --public-key B64 | --key-file F) [--threshold K]\n"
    "Retire l'admin dont l'identifiant de clé est ID (registry show les liste), ou dont c'est la clé publique.\n",
    "passkoop registry remove-admin DRAFT (--key-id ID | --public-key B64 | --key-file F) [--threshold K]\n"
    "Removes the admin whose key id is ID (registry show lists them), or whose public key this is.\n"};

int registry_remove_admin(const Argv& argv) {
    const Args args(argv, {"key-id", "public-key", "key-file", "threshold"}, {});
    if (print_help_if_asked(args, kRemoveAdminHelp, std::cout)) return kExitOk;
    Draft draft(args);
    Registry& reg = draft.reg;
    // The admins keep each other's .pub files from the start: the key itself names an admin too.
    const std::string id = args.get("key-id") ? *args.get("key-id") : key_id(public_key_argument(args));
    const auto removed = std::erase_if(reg.admins.keys, [&](const Admin& a) { return key_id(a.public_key) == id; });
    if (removed == 0) throw CliError(tr("aucun admin avec l'identifiant ", "no admin with key id ") + printable(id));
    return save_admin_change(draft, args, tr("Admin retiré", "Admin removed"));
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

}  // namespace passkoop::cli

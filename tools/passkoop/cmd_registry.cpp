// passkoop registry …: drafting, signing together, checking, showing and bundling the registry.
#include "cli.hpp"
#include "commands.hpp"

#include <passkoop/bundle.hpp>
#include <passkoop/json_limits.hpp>
#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/registry.hpp>
#include <passkoop/revocations.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <iostream>
#include <set>

namespace passkoop::cli {

namespace {

using nlohmann::json;

constexpr std::int64_t kDefaultValidityDays = 90;

std::string date_fr(std::int64_t day) { return language() == Lang::en ? format_day(day) : format_day_fr(day); }

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
    std::cout << "  " << label << " : " << c.valid << tr(" signature(s) valide(s) distincte(s) sur ", " valid distinct signature(s) of ")
              << c.needed << tr(" requise(s) ", " needed ") << (c.met() ? "✔" : "✘") << "\n";
}

void show_registry(const Registry& reg, const Envelope& env, bool list_coops) {
    std::cout << tr("Registre Pass'Koop — version ", "Pass'Koop registry — version ") << reg.version << "\n"
              << tr("  émis le ", "  issued ") << format_instant(reg.issued_at) << tr(", expire le ", ", expires ")
              << format_instant(reg.expires_at) << "\n"
              << tr("  version précédente : ", "  previous version: ")
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
        for (const CoopKey& k : c.keys)
            std::cout << tr("      clé ", "      key ") << static_cast<int>(k.number) << " " << to_string(k.status) << " "
                      << date_fr(k.not_before) << " → " << date_fr(k.not_after) << " (" << key_id(k.public_key) << ")\n";
    }
}

int registry_init(const Argv& argv) {
    const Args args(argv, {"out", "from", "valid-days", "name", "coop", "public-key", "key-file"}, {"force"});
    const std::string out = args.require("out");
    if (std::filesystem::exists(out) && !args.flag("force"))
        throw CliError(out + tr(" existe déjà ; --force pour le remplacer", " already exists; --force to replace it"));
    Registry reg;
    if (const auto from = args.get("from")) {
        const Envelope current = read_envelope_file(*from);
        reg = read_registry(*from, current);
        reg.version += 1;
        reg.previous = current.payload_hash();
    } else {
        reg.admins.threshold = 1;
        reg.admins.keys.push_back(Admin{args.require("name"),
                                        static_cast<std::uint16_t>(args.require_integer("coop", 1, 65535)),
                                        public_key_argument(args)});
    }
    reg.issued_at = unix_now();
    reg.expires_at = reg.issued_at + args.integer("valid-days", 1, 3660).value_or(kDefaultValidityDays) * 86400;
    write_draft(out, Envelope{}, reg);
    std::cerr << tr("Brouillon de la version ", "Draft of version ") << reg.version << tr(" écrit dans ", " written to ") << out
              << tr(" (expire le ", " (expires ") << format_instant(reg.expires_at) << ")\n";
    return kExitOk;
}

int registry_add_coop(const Argv& argv) {
    const Args args(argv, {"number", "name", "slug", "city", "department", "country", "stage", "website", "latitude", "longitude"}, {});
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

int registry_set_key(const Argv& argv) {
    const Args args(argv, {"coop", "key-number", "public-key", "key-file", "not-before", "not-after", "status"}, {});
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
    std::cerr << tr("Clé ", "Key ") << static_cast<int>(number) << tr(" de la coop ", " of coop ") << coop.number << " : "
              << to_string(key->status) << " " << date_fr(key->not_before) << " → " << date_fr(key->not_after) << "\n";
    return kExitOk;
}

int registry_set_policy(const Argv& argv) {
    const Args args(argv, {"coop", "welcomes", "max-visits", "window-days", "conditions", "surcharge-percent", "accepted", "note"}, {});
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

int registry_add_admin(const Argv& argv) {
    const Args args(argv, {"name", "coop", "public-key", "key-file", "threshold"}, {});
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

int registry_remove_admin(const Argv& argv) {
    const Args args(argv, {"key-id", "threshold"}, {});
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

int registry_sign(const Argv& argv) {
    const Args args(argv, {"key", "merge", "out"}, {});
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

bool is_bundle(const std::string& text) {
    const auto doc = parse_json_bounded(text);
    return doc && doc->is_object() && doc->value("type", json()) == "passkoop-bundle";
}

int registry_verify(const Argv& argv) {
    const Args args(argv, {"previous", "pin", "grace-days"}, {});
    const std::string path = args.single_positional("FICHIER");
    const std::string text = read_file(path, kMaxBundleBytes);
    if (is_bundle(text)) {
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
        return kExitOk;
    }
    auto env = parse_envelope_text(text);
    if (!env) throw CliError(path + " : " + env.error().detail);
    const Registry reg = read_registry(path, *env);
    const ThresholdCount own = count_threshold(*env, reg.admins);
    std::cout << tr("Registre version ", "Registry version ") << reg.version << " (" << path << ")\n";
    print_threshold(tr("admins de cette version", "admins of this version"), own);
    bool ok = own.met();
    if (const auto previous = pinned_anchor(args, "previous")) {
        if (!previous->registry.admins.same_trust_as(reg.admins)) {
            std::cout << tr("  Les admins changent : le seuil des admins précédents est aussi requis\n",
                            "  The admins change: the previous admins' threshold is required too\n");
            print_threshold(tr("admins de la version ", "admins of version ") + std::to_string(previous->registry.version),
                            count_threshold(*env, previous->registry.admins));
        }
        auto accepted = accept_registry(*env, {}, &*previous);
        if (!accepted) std::cout << "  ✘ " << printable(accepted.error().detail) << " [" << to_string(accepted.error().failure) << "]\n";
        ok = ok && accepted.has_value();
    }
    std::cout << (ok ? tr("✔ publiable\n", "✔ ready to publish\n") : tr("✘ pas encore publiable\n", "✘ not publishable yet\n"));
    return ok ? kExitOk : kExitInvalid;
}

int registry_show(const Argv& argv) {
    const Args args(argv, {"pin"}, {"brief"});
    const std::string path = args.single_positional("FICHIER");
    const std::string text = read_file(path, kMaxBundleBytes);
    if (is_bundle(text)) {
        const auto anchor = pinned_anchor(args, "pin");
        auto bundle = load_bundle(text, anchor ? &*anchor : nullptr);
        if (!bundle) throw CliError(path + " : " + bundle.error().detail);
        show_registry(bundle->registry, bundle->registry_envelope, !args.flag("brief"));
        std::cout << tr("  Révocations : ", "  Revocations: ") << bundle->revoked.size() << tr(" pass, ", " passes, ")
                  << bundle->revocation_sequences.size() << tr(" liste(s)\n", " list(s)\n");
        for (const auto& w : bundle->warnings) std::cout << "  ! " << printable(w) << "\n";
        return kExitOk;
    }
    auto env = parse_envelope_text(text);
    if (!env) throw CliError(path + " : " + env.error().detail);
    show_registry(read_registry(path, *env), *env, !args.flag("brief"));
    return kExitOk;
}

int registry_diff(const Argv& argv) {
    const Args args(argv, {}, {});
    if (args.positional().size() != 2) throw CliError(tr("usage : passkoop registry diff ANCIEN NOUVEAU", "usage: passkoop registry diff OLD NEW"));
    const std::string& old_path = args.positional()[0];
    const std::string& new_path = args.positional()[1];
    const Registry a = read_registry(old_path, read_envelope_file(old_path));
    const Registry b = read_registry(new_path, read_envelope_file(new_path));
    std::size_t changes = 0;
    auto line = [&](const std::string& text) { std::cout << text << "\n", ++changes; };
    if (a.version != b.version) line("version " + std::to_string(a.version) + " → " + std::to_string(b.version));
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
            line("+ " + label);
            continue;
        }
        if (old->name != c.name || old->city != c.city || old->stage != c.stage || old->website != c.website)
            line("~ " + label + tr(" : fiche modifiée", ": details changed"));
        if (policy_summary(old->policy) != policy_summary(c.policy) || old->policy.note != c.policy.note)
            line("~ " + label + " : " + policy_summary(old->policy) + " → " + policy_summary(c.policy));
        for (const CoopKey& k : c.keys) {
            const CoopKey* ok = old->find_key(k.number);
            const std::string klabel = tr(" clé ", " key ") + std::to_string(k.number) + " ";
            if (ok == nullptr) line("+ " + label + klabel + std::string(to_string(k.status)));
            else if (ok->status != k.status || ok->not_before != k.not_before || ok->not_after != k.not_after)
                line("~ " + label + klabel + std::string(to_string(ok->status)) + " → " + std::string(to_string(k.status)) + " " +
                     date_fr(k.not_before) + " → " + date_fr(k.not_after));
        }
    }
    for (const Coop& c : a.coops)
        if (b.find_coop(c.number) == nullptr) line("- coop " + std::to_string(c.number) + " " + printable(c.name));
    if (changes == 0) std::cout << tr("aucune différence\n", "no difference\n");
    return kExitOk;
}

int registry_bundle(const Argv& argv) {
    const Args args(argv, {"registry", "out", "history", "revocations", "from"}, {});
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
    if (argv.empty()) throw CliError(tr("sous-commande manquante ; voir passkoop --help", "missing subcommand; see passkoop --help"));
    const Argv rest(argv.begin() + 1, argv.end());
    const std::string& sub = argv.front();
    if (sub == "init") return registry_init(rest);
    if (sub == "add-coop") return registry_add_coop(rest);
    if (sub == "set-key") return registry_set_key(rest);
    if (sub == "set-policy") return registry_set_policy(rest);
    if (sub == "add-admin") return registry_add_admin(rest);
    if (sub == "remove-admin") return registry_remove_admin(rest);
    if (sub == "sign") return registry_sign(rest);
    if (sub == "verify") return registry_verify(rest);
    if (sub == "show") return registry_show(rest);
    if (sub == "diff") return registry_diff(rest);
    if (sub == "bundle") return registry_bundle(rest);
    throw CliError(tr("sous-commande inconnue : registry ", "unknown subcommand: registry ") + printable(sub));
}

}  // namespace passkoop::cli

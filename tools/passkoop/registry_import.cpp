// passkoop registry import-directory: seeds or updates the coops of a draft from a directory of the
// public map's shape (tools/data/coops-directory.json). It changes what the map says of a coop —
// name, town, department, country, stage, website, position — and never a key or a policy, which
// only the coop and the admins decide. It prints what it would change and writes only with --apply.
#include "registry_cli.hpp"

#include <passkoop/directory.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/json_limits.hpp>
#include <passkoop/slug.hpp>
#include <passkoop/text.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <iostream>
#include <map>
#include <optional>
#include <set>

namespace passkoop::cli {

namespace {

using nlohmann::json;

// The public map's directory is about 40 KB for 130 coops.
constexpr std::size_t kMaxDirectoryBytes = 4 * 1024 * 1024;

struct Entry {
    std::string label;  // "entrée 3 (Nice Coop)", for messages
    std::string slug, name, city, department, country, website;
    bool explicit_slug = false;
    std::int64_t stage = 1;
    std::optional<std::int64_t> latitude_e6, longitude_e6;
};

[[noreturn]] void refuse(const std::string& where, const std::string& why) { throw CliError(where + " : " + why); }

// An optional text member: absent or null is empty.
std::string text_of(const json& entry, const char* name, std::size_t max_bytes, const std::string& where) {
    const auto it = entry.find(name);
    if (it == entry.end() || it->is_null()) return {};
    if (!it->is_string()) refuse(where, std::string("« ") + name + tr(" » doit être un texte", " » must be a text"));
    const std::string text = it->get<std::string>();
    if (text.size() > max_bytes) refuse(where, std::string("« ") + name + tr(" » trop long (", " » too long (") + std::to_string(max_bytes) + tr(" octets au plus)", " bytes at most)"));
    if (!is_printable_text(text)) refuse(where, std::string("« ") + name + tr(" » contient des caractères de contrôle", " » holds control characters"));
    return text;
}

// A coordinate as the map wrote it, to micro-degrees from its decimal text (the shortest text that
// reads back as the same number is the one written in the file), rounded to the sixth decimal.
std::optional<std::int64_t> coordinate_of(const json& entry, const char* name, std::int64_t limit, const std::string& where) {
    const auto it = entry.find(name);
    if (it == entry.end() || it->is_null()) return std::nullopt;
    std::string text;
    if (it->is_number_float()) {
        char buffer[64];
        const auto r = std::to_chars(buffer, buffer + sizeof buffer, it->get<double>());
        text.assign(buffer, r.ptr);
    } else if (it->is_number_integer()) {
        text = it->dump();
    } else {
        refuse(where, std::string("« ") + name + tr(" » doit être un nombre", " » must be a number"));
    }
    const auto value = parse_decimal_degrees(text);
    if (!value || *value < -limit || *value > limit)
        refuse(where, std::string("« ") + name + tr(" » hors limites : ", " » out of range: ") + text);
    return value;
}

// The public map writes the department code, or a country code for coops abroad.
void place(Entry& e, const std::string& department, const std::string& country, const std::string& where) {
    const auto placed = place_from_map_department(department);
    if (!placed) refuse(where, tr("département inconnu : ", "unknown department: ") + printable(department));
    e.country = placed->country;
    e.department = placed->department;
    if (!country.empty()) {
        if (country.size() != 2 || !std::isupper(static_cast<unsigned char>(country[0])) || !std::isupper(static_cast<unsigned char>(country[1])))
            refuse(where, tr("« country » : code pays à deux lettres attendu", "« country »: a two-letter country code expected"));
        e.country = country;
    }
}

Entry read_entry(const json& item, std::size_t index) {
    std::string where = tr("entrée ", "entry ") + std::to_string(index + 1);
    if (!item.is_object()) refuse(where, tr("objet attendu", "object expected"));
    Entry e;
    e.name = text_of(item, "name", 200, where);
    if (e.name.empty()) refuse(where, tr("« name » manquant", "« name » missing"));
    where += " (" + printable(e.name) + ")";
    e.label = where;
    // What the admins and the coops decide is not the map's to change.
    for (const char* name : {"keys", "key", "public_key", "policy", "welcomes_visitors", "number"})
        if (item.contains(name))
            refuse(where, std::string("« ") + name +
                              tr(" » : l'annuaire ne touche ni aux clés, ni aux politiques d'accueil, ni aux numéros des coops "
                                 "(registry set-key, set-policy, add-coop pour cela) ; rien n'a été changé",
                                 " »: the directory touches no key, no visitor policy and no coop number "
                                 "(registry set-key, set-policy, add-coop for that); nothing was changed"));
    e.city = text_of(item, "city", 200, where);
    e.website = text_of(item, "website", 500, where);
    place(e, text_of(item, "department", 8, where), text_of(item, "country", 2, where), where);
    const auto stage = item.find("stage");
    if (stage == item.end() || !stage->is_number_integer() || stage->get<std::int64_t>() < 1 || stage->get<std::int64_t>() > 5)
        refuse(where, tr("« stage » : entier de 1 à 5 attendu", "« stage »: an integer from 1 to 5 expected"));
    e.stage = stage->get<std::int64_t>();
    e.latitude_e6 = coordinate_of(item, "latitude", 90000000, where);
    e.longitude_e6 = coordinate_of(item, "longitude", 180000000, where);
    if (e.latitude_e6.has_value() != e.longitude_e6.has_value()) refuse(where, tr("latitude sans longitude, ou l'inverse", "latitude without longitude, or the reverse"));
    e.slug = text_of(item, "slug", 100, where);
    e.explicit_slug = !e.slug.empty();
    if (e.explicit_slug && slugify(e.slug) != e.slug) refuse(where, tr("« slug » : minuscules, chiffres et tirets", "« slug »: lowercase letters, digits and hyphens"));
    if (!e.explicit_slug) e.slug = slugify(e.name);
    return e;
}

std::vector<Entry> read_directory(const std::string& path) {
    const auto doc = parse_json_bounded(read_file(path, kMaxDirectoryBytes));
    if (!doc) throw CliError(path + " : " + json_problem_text(doc.error()));
    if (!doc->is_array()) throw CliError(path + tr(" : liste de coops attendue", ": a list of coops expected"));
    if (doc->size() > kMaxCoops) throw CliError(path + tr(" : trop de coops", ": too many coops"));
    std::vector<Entry> entries;
    for (std::size_t i = 0; i < doc->size(); ++i) entries.push_back(read_entry((*doc)[i], i));
    // Two shops of one coop share its name ("Les Pot'iront" in Draguignan and in Fréjus): their
    // town tells them apart.
    std::map<std::string, int> uses;
    for (const Entry& e : entries) ++uses[e.slug];
    for (Entry& e : entries)
        if (!e.explicit_slug && uses[e.slug] > 1 && !e.city.empty()) e.slug += "-" + slugify(e.city);
    std::set<std::string> seen;
    for (const Entry& e : entries)
        if (!seen.insert(e.slug).second)
            throw CliError(path + " : " + e.label + tr(" : identifiant en double « ", ": duplicate identifier « ") + e.slug +
                           tr(" » ; donnez-lui un « slug »", " »; give it a « slug »"));
    return entries;
}

// Websites compared as people read them: "http://www.x.fr/" and "https://x.fr" are one site.
std::string site_key(std::string_view url) {
    for (const char* scheme : {"https://", "http://"})
        if (url.starts_with(scheme)) url.remove_prefix(std::string_view(scheme).size());
    if (url.starts_with("www.")) url.remove_prefix(4);
    while (url.ends_with('/')) url.remove_suffix(1);
    std::string key(url);
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return key;
}

std::string position_text(const std::optional<std::int64_t>& lat, const std::optional<std::int64_t>& lon) {
    if (!lat || !lon) return tr("(aucune)", "(none)");
    return format_micro_degrees(*lat) + ", " + format_micro_degrees(*lon);
}

std::string shown_text(const std::string& text) { return text.empty() ? tr("(vide)", "(empty)") : "« " + printable(text) + " »"; }

// What the map says of a coop, written onto the registry's entry; one line per field that changes.
std::vector<std::string> update(Coop& c, const Entry& e) {
    std::vector<std::string> lines;
    auto text = [&](const char* label_fr, const char* label_en, std::string& field, const std::string& value) {
        if (field == value) return;
        lines.push_back(tr(label_fr, label_en) + tr(" : ", ": ") + shown_text(field) + " → " + shown_text(value));
        field = value;
    };
    text("nom", "name", c.name, e.name);
    text("ville", "town", c.city, e.city);
    text("département", "department", c.department, e.department);
    text("pays", "country", c.country, e.country);
    text("site web", "website", c.website, e.website);
    if (c.stage != e.stage) {
        lines.push_back(tr("étape : ", "stage: ") + stage_label(c.stage) + " → " + stage_label(e.stage));
        c.stage = e.stage;
    }
    if (c.latitude_e6 != e.latitude_e6 || c.longitude_e6 != e.longitude_e6) {
        lines.push_back(tr("position : ", "position: ") + position_text(c.latitude_e6, c.longitude_e6) + " → " +
                        position_text(e.latitude_e6, e.longitude_e6));
        c.latitude_e6 = e.latitude_e6;
        c.longitude_e6 = e.longitude_e6;
    }
    return lines;
}

std::string coop_tag(const Coop& c) { return tr("n° ", "no. ") + std::to_string(c.number) + " " + c.slug; }

constexpr Help kImportHelp{
    "passkoop registry import-directory --from ANNUAIRE.json BROUILLON [--apply]\n"
    "Met à jour les coops du brouillon d'après l'annuaire de la carte publique (la forme de\n"
    "tools/data/coops-directory.json : name, city, department, website, stage, latitude, longitude).\n"
    "Une coop est reconnue à son identifiant (slug : celui de l'entrée, sinon tiré de son nom), ou,\n"
    "renommée, à son site web. Change le nom, la ville, le département, le pays, l'étape, le site et\n"
    "la position ; ajoute les coops nouvelles (sans clé, sans accueil des visiteurs tant que\n"
    "set-policy ne l'a pas dit) ; ne retire aucune coop ; ne touche jamais aux clés ni aux politiques.\n"
    "Affiche les changements ; ne les écrit qu'avec --apply.\n",
    "passkoop registry import-directory --from DIRECTORY.json DRAFT [--apply]\n"
    "Updates the draft's coops from the public map's directory (the shape of\n"
    "tools/data/coops-directory.json: name, city, department, website, stage, latitude, longitude).\n"
    "A coop is recognised by its identifier (slug: the entry's, else made from its name), or, renamed,\n"
    "by its website. Changes the name, town, department, country, stage, website and position; adds\n"
    "new coops (no key, and no visitors welcomed until set-policy says so); removes no coop; never\n"
    "touches keys or policies. Prints the changes; writes them only with --apply.\n"};

}  // namespace

int registry_import_directory(const Argv& argv) {
    const Args args(argv, {"from"}, {"apply"});
    if (print_help_if_asked(args, kImportHelp, std::cout)) return kExitOk;
    const std::string from = args.require("from");
    Draft draft(args);
    Registry& reg = draft.reg;
    const std::vector<Entry> entries = read_directory(from);

    // Renamed coops are found by their website, when it names one coop only on each side.
    std::map<std::string, int> directory_sites, registry_sites;
    for (const Entry& e : entries)
        if (!e.website.empty()) ++directory_sites[site_key(e.website)];
    for (const Coop& c : reg.coops)
        if (!c.website.empty()) ++registry_sites[site_key(c.website)];

    std::set<std::uint16_t> matched;
    std::vector<const Entry*> added;
    std::size_t changed = 0, unchanged = 0, renamed = 0;
    std::vector<std::string> out;
    std::vector<std::pair<std::uint16_t, const Entry*>> found;
    for (const Entry& e : entries) {
        const auto by_slug = std::find_if(reg.coops.begin(), reg.coops.end(), [&](const Coop& c) { return c.slug == e.slug; });
        if (by_slug != reg.coops.end() && !matched.contains(by_slug->number)) {
            matched.insert(by_slug->number);
            found.emplace_back(by_slug->number, &e);
        } else {
            added.push_back(&e);
        }
    }
    // Second pass, so that a slug match always wins over a website match.
    std::vector<const Entry*> still_new;
    std::set<std::uint16_t> found_by_site;
    for (const Entry* e : added) {
        const std::string site = site_key(e->website);
        const auto by_site = std::find_if(reg.coops.begin(), reg.coops.end(), [&](const Coop& c) {
            return !e->website.empty() && !matched.contains(c.number) && site_key(c.website) == site;
        });
        if (by_site != reg.coops.end() && directory_sites[site] == 1 && registry_sites[site] == 1) {
            matched.insert(by_site->number);
            found.emplace_back(by_site->number, e);
            found_by_site.insert(by_site->number);
        } else {
            still_new.push_back(e);
        }
    }
    std::sort(found.begin(), found.end());
    for (const auto& [number, e] : found) {
        Coop& c = *reg.find_coop(number);
        const std::string tag = coop_tag(c) + (found_by_site.contains(number) ? tr(" (retrouvée par son site web)", " (found by its website)") : "");
        const std::string old_name = c.name;
        const auto lines = update(c, *e);
        if (lines.empty()) ++unchanged;
        else ++changed;
        if (c.name != old_name) ++renamed;
        for (const std::string& line : lines) out.push_back("~ " + tag + tr(" : ", ": ") + printable(line));
    }
    std::size_t absent = 0;
    for (const Coop& c : reg.coops)
        if (!matched.contains(c.number)) {
            ++absent;
            out.push_back("= " + coop_tag(c) + tr(" : absente de l'annuaire, laissée telle quelle", ": not in the directory, left as it is"));
        }
    std::int64_t next = reg.coops.empty() ? 1 : reg.coops.back().number + 1;
    for (const Entry* e : still_new) {
        if (next > 65535) throw CliError(tr("plus de numéro de coop libre", "no free coop number left"));
        Coop c;
        c.number = static_cast<std::uint16_t>(next++);
        c.slug = e->slug;
        c.name = e->name;
        c.city = e->city;
        c.department = e->department;
        c.country = e->country;
        c.stage = e->stage;
        c.website = e->website;
        c.latitude_e6 = e->latitude_e6;
        c.longitude_e6 = e->longitude_e6;
        // Until the coop tells the admins how it welcomes visitors, the directory must not promise it.
        c.policy.welcomes_visitors = false;
        out.push_back("+ " + coop_tag(c) + tr(" : ", ": ") + printable(c.name) + " — " + (c.city.empty() ? "" : printable(c.city) + ", ") +
                      (c.department.empty() ? "" : c.department + ", ") + c.country + ", " + stage_label(c.stage) + ", " +
                      position_text(c.latitude_e6, c.longitude_e6));
        reg.coops.push_back(std::move(c));
    }

    for (const std::string& line : out) std::cout << line << "\n";
    std::cout << still_new.size() << tr(" coop(s) ajoutée(s), ", " coop(s) added, ") << changed << tr(" modifiée(s) (dont ", " changed (")
              << renamed << tr(" renommée(s)), ", " renamed), ") << unchanged << tr(" inchangée(s), ", " unchanged, ") << absent
              << tr(" absente(s) de l'annuaire ; clés et politiques d'accueil inchangées\n",
                    " not in the directory; keys and visitor policies unchanged\n");
    if (still_new.empty() && changed == 0) {
        std::cout << tr("Rien à changer.\n", "Nothing to change.\n");
        return kExitOk;
    }
    if (!args.flag("apply")) {
        std::cout << tr("Rien n'est écrit : relancez avec --apply pour appliquer ces changements.\n",
                        "Nothing written: run again with --apply to apply these changes.\n");
        return kExitOk;
    }
    if (!still_new.empty())
        std::cout << tr("Les coops ajoutées n'ont ni clé ni accueil des visiteurs : registry set-key et set-policy quand elles les envoient.\n",
                        "The coops added have no key and welcome no visitors: registry set-key and set-policy when they send them.\n");
    draft.save();
    std::cout << tr("Appliqué à ", "Applied to ") << draft.path << tr(" ; relisez (registry diff) puis signez.\n", "; review it (registry diff), then sign.\n");
    return kExitOk;
}

}  // namespace passkoop::cli

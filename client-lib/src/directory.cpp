#include <passkoop/directory.hpp>

#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/json_text.hpp>
#include <passkoop/text.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <map>
#include <utility>
#include <vector>

namespace passkoop {

namespace {

struct Stage {
    const char* fr;
    const char* en;
    const char* colour;
};

// The coops' map colour code, in the Okabe-Ito palette so that the stages stay apart for
// colour-blind readers; the label is always written next to the colour.
constexpr std::array<Stage, 5> kStages = {{
    {"idée", "idea", "#999999"},
    {"groupes de travail", "working groups", "#E69F00"},
    {"groupement d'achat", "buying group", "#56B4E9"},
    {"épicerie ouverte", "grocery open", "#009E73"},
    {"supermarché ouvert", "supermarket open", "#0072B2"},
}};

const Stage* stage_of(std::int64_t stage) { return stage >= 1 && stage <= 5 ? &kStages[static_cast<std::size_t>(stage - 1)] : nullptr; }

struct Names {
    const char* code;
    const char* fr;
    const char* en;
};

constexpr Names kCountries[] = {
    {"FR", "France", "France"},         {"AT", "Autriche", "Austria"},          {"BE", "Belgique", "Belgium"},
    {"CA", "Canada", "Canada"},         {"CH", "Suisse", "Switzerland"},        {"DE", "Allemagne", "Germany"},
    {"ES", "Espagne", "Spain"},         {"GB", "Royaume-Uni", "United Kingdom"}, {"IE", "Irlande", "Ireland"},
    {"IT", "Italie", "Italy"},          {"LU", "Luxembourg", "Luxembourg"},     {"NL", "Pays-Bas", "Netherlands"},
    {"PT", "Portugal", "Portugal"},     {"SE", "Suède", "Sweden"},              {"US", "États-Unis", "United States"},
};

// French departments and overseas collectivities, by the code the registry and the public map use.
constexpr std::pair<const char*, const char*> kDepartments[] = {
    {"01", "Ain"}, {"02", "Aisne"}, {"03", "Allier"}, {"04", "Alpes-de-Haute-Provence"}, {"05", "Hautes-Alpes"},
    {"06", "Alpes-Maritimes"}, {"07", "Ardèche"}, {"08", "Ardennes"}, {"09", "Ariège"}, {"10", "Aube"}, {"11", "Aude"},
    {"12", "Aveyron"}, {"13", "Bouches-du-Rhône"}, {"14", "Calvados"}, {"15", "Cantal"}, {"16", "Charente"},
    {"17", "Charente-Maritime"}, {"18", "Cher"}, {"19", "Corrèze"}, {"2A", "Corse-du-Sud"}, {"2B", "Haute-Corse"},
    {"21", "Côte-d'Or"}, {"22", "Côtes-d'Armor"}, {"23", "Creuse"}, {"24", "Dordogne"}, {"25", "Doubs"}, {"26", "Drôme"},
    {"27", "Eure"}, {"28", "Eure-et-Loir"}, {"29", "Finistère"}, {"30", "Gard"}, {"31", "Haute-Garonne"}, {"32", "Gers"},
    {"33", "Gironde"}, {"34", "Hérault"}, {"35", "Ille-et-Vilaine"}, {"36", "Indre"}, {"37", "Indre-et-Loire"},
    {"38", "Isère"}, {"39", "Jura"}, {"40", "Landes"}, {"41", "Loir-et-Cher"}, {"42", "Loire"}, {"43", "Haute-Loire"},
    {"44", "Loire-Atlantique"}, {"45", "Loiret"}, {"46", "Lot"}, {"47", "Lot-et-Garonne"}, {"48", "Lozère"},
    {"49", "Maine-et-Loire"}, {"50", "Manche"}, {"51", "Marne"}, {"52", "Haute-Marne"}, {"53", "Mayenne"},
    {"54", "Meurthe-et-Moselle"}, {"55", "Meuse"}, {"56", "Morbihan"}, {"57", "Moselle"}, {"58", "Nièvre"}, {"59", "Nord"},
    {"60", "Oise"}, {"61", "Orne"}, {"62", "Pas-de-Calais"}, {"63", "Puy-de-Dôme"}, {"64", "Pyrénées-Atlantiques"},
    {"65", "Hautes-Pyrénées"}, {"66", "Pyrénées-Orientales"}, {"67", "Bas-Rhin"}, {"68", "Haut-Rhin"}, {"69", "Rhône"},
    {"70", "Haute-Saône"}, {"71", "Saône-et-Loire"}, {"72", "Sarthe"}, {"73", "Savoie"}, {"74", "Haute-Savoie"},
    {"75", "Paris"}, {"76", "Seine-Maritime"}, {"77", "Seine-et-Marne"}, {"78", "Yvelines"}, {"79", "Deux-Sèvres"},
    {"80", "Somme"}, {"81", "Tarn"}, {"82", "Tarn-et-Garonne"}, {"83", "Var"}, {"84", "Vaucluse"}, {"85", "Vendée"},
    {"86", "Vienne"}, {"87", "Haute-Vienne"}, {"88", "Vosges"}, {"89", "Yonne"}, {"90", "Territoire de Belfort"},
    {"91", "Essonne"}, {"92", "Hauts-de-Seine"}, {"93", "Seine-Saint-Denis"}, {"94", "Val-de-Marne"}, {"95", "Val-d'Oise"},
    {"971", "Guadeloupe"}, {"972", "Martinique"}, {"973", "Guyane"}, {"974", "La Réunion"}, {"975", "Saint-Pierre-et-Miquelon"},
    {"976", "Mayotte"}, {"977", "Saint-Barthélemy"}, {"978", "Saint-Martin"}, {"986", "Wallis-et-Futuna"},
    {"987", "Polynésie française"}, {"988", "Nouvelle-Calédonie"},
};

std::string country_name(const std::string& code) {
    for (const Names& c : kCountries)
        if (code == c.code) return tr(c.fr, c.en);
    return code;
}

std::string department_name(const std::string& code) {
    for (const auto& [number, name] : kDepartments)
        if (code == number) return name;
    return {};
}

// Departments in their usual order: 01 … 19, 2A, 2B, 21 … 95, 971 …
std::string department_order(const std::string& code) {
    std::size_t digits = 0;
    while (digits < code.size() && code[digits] >= '0' && code[digits] <= '9') ++digits;
    if (digits == 0) return "~" + code;  // letters after numbers
    std::string number = code.substr(0, digits);
    if (digits == 1 && code.size() > 1) number += "0";  // 2A → 20A
    return std::string(number.size() < 3 ? 3 - number.size() : 0, '0') + number + code.substr(digits);
}

// Registry text shown to people: printable characters only (a signed registry may still carry
// what a careless admin pasted).
std::string shown(std::string_view text) { return markup_escaped(printable(text)); }

// Sorting key for names and countries: case and Latin-1 accents folded, so "Épicerie" sorts
// among the E's.
std::string fold_key(std::string_view text) {
    static constexpr std::string_view kLatin1 = "AAAAAAACEEEEIIIIDNOOOOOxOUUUUYTsaaaaaaaceeeeiiiidnooooo/ouuuuyty";
    std::string out;
    while (!text.empty()) {
        const Utf8Character c = decode_utf8(text);
        if (c.length == 0) {
            text.remove_prefix(1);
            continue;
        }
        if (c.value >= 0xC0 && c.value <= 0xFF) out += static_cast<char>(std::tolower(static_cast<unsigned char>(kLatin1[c.value - 0xC0])));
        else if (c.value < 0x80) out += static_cast<char>(std::tolower(static_cast<int>(c.value)));
        else out.append(text.substr(0, c.length));
        text.remove_prefix(c.length);
    }
    return out;
}

// Whether a traveller is welcomed at all: a policy that welcomes visitors but accepts no coop
// welcomes nobody.
bool welcomes(const VisitorPolicy& p) { return p.welcomes_visitors && (p.accepts_all_coops || !p.accepted_coops.empty()); }

bool ends_a_sentence(std::string_view text) { return !text.empty() && (text.back() == '.' || text.back() == '!' || text.back() == '?'); }

std::string json_string(std::string_view text) {
    std::string out;
    append_json_string(out, printable(text));
    return out;
}

// A website worth a link: http or https only, never a script or a local file.
bool linkable(std::string_view url) { return url.starts_with("https://") || url.starts_with("http://"); }

std::string site_label(std::string_view url) {
    url.remove_prefix(url.starts_with("https://") ? 8 : 7);
    if (url.starts_with("www.")) url.remove_prefix(4);
    while (url.ends_with('/')) url.remove_suffix(1);
    return std::string(url);
}

// A text in both languages: the French shown, the English in data-en for the page's switch.
std::string both(const std::string& fr, const std::string& en) {
    return fr == en ? "" : " data-en=\"" + markup_escaped(en) + "\"";
}

template <typename F>
std::pair<std::string, std::string> in_both(F&& make) {
    std::string fr, en;
    {
        ThreadLanguage l(Lang::fr);
        fr = make();
    }
    {
        ThreadLanguage l(Lang::en);
        en = make();
    }
    return {fr, en};
}

}  // namespace

std::string stage_label(std::int64_t stage) {
    const Stage* s = stage_of(stage);
    return s ? tr(s->fr, s->en) : std::string();
}

std::string_view stage_colour(std::int64_t stage) {
    const Stage* s = stage_of(stage);
    return s ? s->colour : "#999999";
}

std::string format_micro_degrees(std::int64_t micro_degrees) {
    const bool negative = micro_degrees < 0;
    const std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(micro_degrees) : static_cast<std::uint64_t>(micro_degrees);
    std::string fraction = std::to_string(magnitude % 1000000);
    fraction.insert(0, 6 - fraction.size(), '0');
    return (negative ? "-" : "") + std::to_string(magnitude / 1000000) + "." + fraction;
}

std::optional<MapPlace> place_from_map_department(std::string_view department) {
    const auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (department.empty() || department == "FR") return MapPlace{"FR", ""};
    if (department == "IE_N") return MapPlace{"GB", ""};  // the map's code for Northern Ireland
    if (department.size() == 2 && upper(department[0]) && upper(department[1])) return MapPlace{std::string(department), ""};
    // "01".."95", "2A", "2B", "971".."976"
    if (department.size() <= 3 && digit(department[0]) &&
        std::all_of(department.begin(), department.end(), [&](char c) { return digit(c) || c == 'A' || c == 'B'; }))
        return MapPlace{"FR", std::string(department)};
    return std::nullopt;
}

std::optional<std::int64_t> parse_decimal_degrees(std::string_view text) {
    const bool negative = text.starts_with('-');
    if (negative) text.remove_prefix(1);
    const auto dot = text.find('.');
    const std::string_view whole = text.substr(0, dot);
    const std::string_view fraction = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
    auto all_digits = [](std::string_view s) { return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }); };
    if (whole.empty() || whole.size() > 3 || !all_digits(whole) || !all_digits(fraction) ||
        (dot != std::string_view::npos && fraction.empty()))
        return std::nullopt;
    std::int64_t value = 0;
    std::from_chars(whole.data(), whole.data() + whole.size(), value);
    for (std::size_t i = 0; i < 6; ++i) value = value * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
    // Half away from zero: the seventh decimal decides, as a person rounds the written number.
    if (fraction.size() > 6 && fraction[6] >= '5') value += 1;
    if (value > 180000000) return std::nullopt;
    return negative ? -value : value;
}

std::string visitor_policy_sentence(const Registry& registry, const Coop& coop) {
    const VisitorPolicy& p = coop.policy;
    if (!p.note.empty()) {
        std::string note = printable(p.note);
        while (ends_a_sentence(note) && note.back() == '.') note.pop_back();
        return note;
    }
    if (!welcomes(p))
        return tr("N'accueille pas de visiteurs", "Does not welcome visitors");
    std::string s;
    if (p.max_visits > 0) {
        s = std::to_string(p.max_visits) + (p.max_visits == 1 ? tr(" achat d'essai", " trial purchase") : tr(" achats d'essai", " trial purchases"));
        if (p.window_days == 365 || p.window_days == 366) s += tr(" par an", " a year");
        else if (p.window_days > 0) s += tr(" sur ", " per ") + std::to_string(p.window_days) + tr(" jours", " days");
    } else {
        s = tr("Accueille les membres des coopératives partenaires aux mêmes conditions",
               "Welcomes the members of partner coops on the same terms as its own");
    }
    if (p.conditions == "surcharge" && p.surcharge_percent > 0)
        s += tr(", majoration de ", ", with a surcharge of ") + std::to_string(p.surcharge_percent) + " %";
    if (!p.accepts_all_coops) {
        s += tr(" ; membres de : ", "; members of: ");
        for (std::size_t i = 0; i < p.accepted_coops.size(); ++i) {
            const Coop* other = registry.find_coop(p.accepted_coops[i]);
            s += (i ? ", " : "") + (other ? printable(other->name) : tr("coop n° ", "coop no. ") + std::to_string(p.accepted_coops[i]));
        }
    }
    return s;
}

std::string coop_description_fr(const Registry& registry, const Coop& coop) {
    ThreadLanguage french(Lang::fr);
    std::string d = printable(coop.city);
    const std::string stage = stage_label(coop.stage);
    if (!stage.empty()) d += (d.empty() ? "" : " — ") + stage;
    const std::string sentence = visitor_policy_sentence(registry, coop);
    d += (d.empty() ? "" : ". ") + sentence;
    if (!ends_a_sentence(d)) d += ".";
    if (!d.empty() && d.front() >= 'a' && d.front() <= 'z') d.front() = static_cast<char>(d.front() - 'a' + 'A');
    return d;
}

std::string directory_geojson(const Registry& registry) {
    std::string out = "{\"type\":\"FeatureCollection\",\"features\":[";
    bool first = true;
    for (const Coop& c : registry.coops) {
        if (!c.latitude_e6 || !c.longitude_e6) continue;  // listed on the page, not on a map
        out += first ? "\n" : ",\n";
        first = false;
        // RFC 7946 §3.1.1: longitude first.
        out += "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[" + format_micro_degrees(*c.longitude_e6) + "," +
               format_micro_degrees(*c.latitude_e6) + "]},\"properties\":{";
        out += "\"name\":" + json_string(c.name);
        out += ",\"description\":" + json_string(coop_description_fr(registry, c));
        out += ",\"website\":" + (c.website.empty() ? std::string("null") : json_string(c.website));
        out += ",\"number\":" + std::to_string(c.number);
        out += ",\"slug\":" + json_string(c.slug);
        out += ",\"city\":" + json_string(c.city);
        out += ",\"department\":" + json_string(c.department);
        out += ",\"country\":" + json_string(c.country);
        out += ",\"stage\":" + std::to_string(c.stage);
        {
            ThreadLanguage french(Lang::fr);
            out += ",\"stage_label\":" + json_string(stage_label(c.stage));
        }
        out += std::string(",\"welcomes_visitors\":") + (welcomes(c.policy) ? "true" : "false");
        out += ",\"_umap_options\":{\"color\":\"" + std::string(stage_colour(c.stage)) + "\"}}}";
    }
    out += "\n]}\n";
    return out;
}

namespace {

constexpr const char* kStyle = R"css(
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:#1d1d1b;background:#f6f5f0}
header,.tools,main,footer{max-width:72rem;margin:0 auto;padding:0 1rem}
header{display:flex;flex-wrap:wrap;align-items:baseline;gap:.25rem 1rem;padding-top:1.25rem}
h1{font-size:1.6rem;margin:0;flex:1 1 20rem}
#lang{font:inherit;padding:.35rem .8rem;border:1px solid #1d1d1b;border-radius:.4rem;background:#fff;cursor:pointer}
.meta{flex-basis:100%;margin:.25rem 0 0;color:#555}
.tools{display:flex;flex-wrap:wrap;gap:.5rem 1.25rem;align-items:center;margin-top:1rem;position:sticky;top:0;background:#f6f5f0;padding-top:.5rem;padding-bottom:.5rem;z-index:1}
.tools label{display:flex;align-items:center;gap:.4rem}
#search{font:inherit;padding:.45rem .6rem;border:1px solid #888;border-radius:.4rem;width:min(24rem,100%)}
.tools .search{flex:1 1 16rem}
.tools .search span{white-space:nowrap}
#count{margin:0;color:#555}
.legend{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:.5rem auto 0;padding:0 1rem;max-width:72rem;font-size:.9rem}
.legend li{display:flex;align-items:center;gap:.35rem}
.dot{display:inline-block;width:.8rem;height:.8rem;border-radius:50%;flex:none;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.s1{background:#999999}.s2{background:#E69F00}.s3{background:#56B4E9}.s4{background:#009E73}.s5{background:#0072B2}
h2{font-size:1.35rem;margin:1.5rem 0 .25rem;border-bottom:2px solid #1d1d1b}
h3{font-size:1.05rem;margin:1rem 0 .4rem;color:#333}
ul.coops{list-style:none;margin:0;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(17rem,1fr));gap:.6rem}
li.coop{background:#fff;border:1px solid #ddd;border-radius:.5rem;padding:.6rem .75rem;break-inside:avoid}
li.coop .name{font-weight:600}
li.coop .stage{display:flex;align-items:center;gap:.35rem;font-size:.85rem;color:#444}
li.coop .where{color:#444}
li.coop .policy{margin-top:.25rem}
li.coop .policy.no{color:#8a1c1c}
li.coop a{color:#005a9c;overflow-wrap:anywhere}
#none{font-style:italic}
footer{margin:2rem auto;color:#555;font-size:.85rem}
@media print{
  body{background:#fff;font-size:10pt}
  .tools,#lang{display:none!important}
  header,main,footer,.legend{max-width:none;padding:0}
  ul.coops{display:block;columns:2;column-gap:1.5rem}
  li.coop{border:none;border-bottom:1px solid #ccc;border-radius:0;padding:.2rem 0;margin:0}
  h2,h3{break-after:avoid}
  li.coop a::after{content:" (" attr(href) ")";color:#555}
  li.coop a{color:#1d1d1b;text-decoration:none}
}
)css";

// Search (accents and case ignored, every word must match), the visitor filter, the count, and the
// language switch, whose choice the browser keeps.
constexpr const char* kScript = R"js(
(function () {
  'use strict';
  var fold = function (s) { return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase(); };
  var items = Array.prototype.slice.call(document.querySelectorAll('li.coop'));
  items.forEach(function (li) { li.dataset.key = fold(li.dataset.search || ''); });
  var search = document.getElementById('search');
  var welcomes = document.getElementById('welcomes');
  var count = document.getElementById('count');
  var none = document.getElementById('none');
  var langButton = document.getElementById('lang');
  var lang = 'fr';
  function countText(n) {
    var total = items.length;
    if (lang === 'en') return n === total ? total + ' coops' : n + ' of ' + total + ' coops';
    return n === total ? total + ' coopératives' : n + ' coopérative' + (n > 1 ? 's' : '') + ' sur ' + total;
  }
  function apply() {
    var words = fold(search.value).split(/\s+/).filter(Boolean);
    var shown = 0;
    items.forEach(function (li) {
      var ok = (!welcomes.checked || li.dataset.welcomes === '1') &&
        words.every(function (w) { return li.dataset.key.indexOf(w) >= 0; });
      li.hidden = !ok;
      if (ok) shown++;
    });
    Array.prototype.forEach.call(document.querySelectorAll('section.group'), function (s) {
      s.hidden = !s.querySelector('li.coop:not([hidden])');
    });
    count.textContent = countText(shown);
    none.hidden = shown > 0;
  }
  function setLang(next) {
    lang = next;
    document.documentElement.lang = next;
    Array.prototype.forEach.call(document.querySelectorAll('[data-en]'), function (el) {
      if (el.dataset.fr === undefined) el.dataset.fr = el.textContent;
      el.textContent = next === 'en' ? el.dataset.en : el.dataset.fr;
    });
    Array.prototype.forEach.call(document.querySelectorAll('[data-en-placeholder]'), function (el) {
      if (el.dataset.frPlaceholder === undefined) el.dataset.frPlaceholder = el.placeholder;
      el.placeholder = next === 'en' ? el.dataset.enPlaceholder : el.dataset.frPlaceholder;
    });
    document.title = next === 'en' ? document.body.dataset.titleEn : document.body.dataset.titleFr;
    langButton.textContent = next === 'en' ? 'Français' : 'English';
    langButton.lang = next === 'en' ? 'fr' : 'en';
    try { localStorage.setItem('passkoop.annuaire.lang', next); } catch (e) { /* a page opened from a file may have no storage */ }
    apply();
  }
  search.addEventListener('input', apply);
  welcomes.addEventListener('change', apply);
  langButton.addEventListener('click', function () { setLang(lang === 'fr' ? 'en' : 'fr'); });
  var saved = null;
  try { saved = localStorage.getItem('passkoop.annuaire.lang'); } catch (e) { saved = null; }
  if (saved === 'en') setLang('en'); else apply();
})();
)js";

struct Group {
    std::string key;  // sort key
    std::string fr, en;
    std::vector<const Coop*> coops;
};

std::string coop_item(const Registry& registry, const Coop& c) {
    const auto [policy_fr, policy_en] = in_both([&] { return visitor_policy_sentence(registry, c); });
    const auto [stage_fr, stage_en] = in_both([&] { return stage_label(c.stage); });
    const auto [country_fr, country_en] = in_both([&] { return country_name(c.country.empty() ? "FR" : c.country); });
    const bool welcoming = welcomes(c.policy);
    const std::string search = c.name + " " + c.city + " " + c.department + " " + department_name(c.department) + " " +
                               country_fr + " " + country_en;
    std::string li = "<li class=\"coop\" id=\"coop-" + shown(c.slug) + "\" data-welcomes=\"" + (welcoming ? "1" : "0") +
                     "\" data-search=\"" + shown(search) + "\">";
    li += "<div class=\"name\">" + shown(c.name) + "</div>";
    if (!stage_fr.empty())
        li += "<div class=\"stage\"><span class=\"dot s" + std::to_string(c.stage) + "\" aria-hidden=\"true\"></span><span" +
              both(stage_fr, stage_en) + ">" + markup_escaped(stage_fr) + "</span></div>";
    if (!c.city.empty()) li += "<div class=\"where\">" + shown(c.city) + "</div>";
    li += "<div class=\"policy" + std::string(welcoming ? "" : " no") + "\"" + both(policy_fr, policy_en) + ">" + markup_escaped(policy_fr) + "</div>";
    if (linkable(c.website)) li += "<div><a href=\"" + shown(c.website) + "\" rel=\"noopener\">" + shown(site_label(c.website)) + "</a></div>";
    return li + "</li>\n";
}

}  // namespace

std::string directory_html(const Registry& registry) {
    // Countries: France first, then by French name; in each, departments in their order.
    std::map<std::string, std::map<std::string, Group>> countries;
    std::map<std::string, Group> country_groups;
    for (const Coop& c : registry.coops) {
        const std::string code = c.country.empty() ? "FR" : c.country;
        const auto [fr, en] = in_both([&] { return country_name(code); });
        const std::string country_key = code == "FR" ? std::string(" ") : fold_key(fr);
        Group& country = country_groups[country_key];
        country.fr = fr;
        country.en = en;
        Group& dept = countries[country_key][department_order(c.department)];
        if (dept.coops.empty()) {
            const std::string name = department_name(c.department);
            if (c.department.empty()) {
                dept.fr = code == "FR" ? "Sans département" : "";
                dept.en = code == "FR" ? "No department" : "";
            } else {
                dept.fr = dept.en = name.empty() ? c.department : name + " (" + c.department + ")";
            }
        }
        dept.coops.push_back(&c);
    }
    std::size_t welcoming = 0;
    for (const Coop& c : registry.coops)
        if (welcomes(c.policy)) ++welcoming;

    const std::string title_fr = "Annuaire des supermarchés coopératifs", title_en = "Directory of cooperative supermarkets";
    const auto [meta_fr, meta_en] = in_both([&] {
        const auto day = [](std::int64_t t) { return language() == Lang::en ? format_day(day_of(t)) : format_day_fr(day_of(t)); };
        return tr("Registre Pass'Koop version ", "Pass'Koop registry version ") + std::to_string(registry.version) +
               tr(", signé par ses admins le ", ", signed by its admins on ") + day(registry.issued_at) +
               tr(", valable jusqu'au ", ", valid until ") + day(registry.expires_at) + tr(" · ", " · ") +
               std::to_string(registry.coops.size()) + tr(" coopératives", " coops");
    });

    std::string h = "<!doctype html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<meta name=\"generator\" content=\"passkoop\">\n"
                    // An empty icon, so that no browser asks the server for /favicon.ico.
                    "<link rel=\"icon\" href=\"data:,\">\n<title>" + title_fr + "</title>\n<style>" + kStyle + "</style>\n</head>\n";
    h += "<body data-title-fr=\"" + title_fr + "\" data-title-en=\"" + title_en + "\">\n<header>\n";
    h += "<h1" + both(title_fr, title_en) + ">" + title_fr + "</h1>\n";
    h += "<button id=\"lang\" type=\"button\" lang=\"en\">English</button>\n";
    h += "<p class=\"meta\" id=\"meta\"" + both(meta_fr, meta_en) + ">" + markup_escaped(meta_fr) + "</p>\n</header>\n";
    h += "<div class=\"tools\">\n<label class=\"search\"><span data-en=\"Search\">Rechercher</span> <input id=\"search\" type=\"search\" "
         "placeholder=\"nom, ville ou département\" data-en-placeholder=\"name, town or department\" autocomplete=\"off\"></label>\n"
         "<label><input id=\"welcomes\" type=\"checkbox\"> <span data-en=\"Welcomes visitors\">Accueille des visiteurs</span></label>\n"
         "<p id=\"count\" aria-live=\"polite\">" + std::to_string(registry.coops.size()) + " coopératives</p>\n</div>\n";
    h += "<ul class=\"legend\" aria-label=\"Étapes\">\n";
    for (std::int64_t s = 1; s <= 5; ++s) {
        const auto [fr, en] = in_both([&] { return stage_label(s); });
        h += "<li><span class=\"dot s" + std::to_string(s) + "\" aria-hidden=\"true\"></span><span" + both(fr, en) + ">" + markup_escaped(fr) + "</span></li>\n";
    }
    h += "</ul>\n<main id=\"list\">\n";
    for (const auto& [country_key, departments] : countries) {
        const Group& country = country_groups[country_key];
        h += "<section class=\"group country\">\n<h2" + both(country.fr, country.en) + ">" + markup_escaped(country.fr) + "</h2>\n";
        for (const auto& [dept_key, dept] : departments) {
            h += "<section class=\"group department\">\n";
            if (!dept.fr.empty()) h += "<h3" + both(dept.fr, dept.en) + ">" + shown(dept.fr) + "</h3>\n";
            h += "<ul class=\"coops\">\n";
            std::vector<const Coop*> coops = dept.coops;
            std::stable_sort(coops.begin(), coops.end(), [](const Coop* a, const Coop* b) { return fold_key(a->name) < fold_key(b->name); });
            for (const Coop* c : coops) h += coop_item(registry, *c);
            h += "</ul>\n</section>\n";
        }
        h += "</section>\n";
    }
    h += "<p id=\"none\" hidden data-en=\"No coop matches.\">Aucune coopérative ne correspond.</p>\n</main>\n";
    h += "<footer>\n<p data-en=\"" + std::to_string(welcoming) + " of these coops welcome visitors with a Pass'Koop pass. This list is the registry signed by the "
         "coops' admins: it is always current, and no single person holds it.\">" + std::to_string(welcoming) +
         " de ces coopératives accueillent des visiteurs avec un pass Pass'Koop. Cette liste est le registre signé par les admins des "
         "coopératives : elle est toujours à jour, et personne ne la détient seul.</p>\n"
         "<p data-en=\"Based on the data of the public map of cooperative supermarkets (interfoodcoop/supermarches_cooperatifs), "
         "© 2021 Jean-Marie Zuffellato, MIT licence.\">D'après les données de la carte publique des supermarchés coopératifs "
         "(interfoodcoop/supermarches_cooperatifs), © 2021 Jean-Marie Zuffellato, licence MIT.</p>\n</footer>\n";
    h += "<script>" + std::string(kScript) + "</script>\n</body>\n</html>\n";
    return h;
}

}  // namespace passkoop

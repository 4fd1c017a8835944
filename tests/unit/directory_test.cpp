#include "support.hpp"

#include <passkoop/directory.hpp>
#include <passkoop/i18n.hpp>

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <set>

using namespace pk_test;
using nlohmann::json;

namespace {

Coop coop(std::uint16_t number, const std::string& name, std::int64_t stage) {
    Coop c;
    c.number = number;
    c.name = name;
    c.slug = slugify(name);
    c.city = "Montpellier";
    c.department = "34";
    c.country = "FR";
    c.stage = stage;
    return c;
}

}  // namespace

TEST_CASE("micro-degrees are written as exact decimals, from the integer") {
    CHECK(format_micro_degrees(43610769) == "43.610769");
    CHECK(format_micro_degrees(-73976820) == "-73.976820");
    CHECK(format_micro_degrees(-500000) == "-0.500000");
    CHECK(format_micro_degrees(7) == "0.000007");
    CHECK(format_micro_degrees(0) == "0.000000");
    CHECK(format_micro_degrees(180000000) == "180.000000");
    CHECK(format_micro_degrees(-180000000) == "-180.000000");
}

TEST_CASE("decimal degrees are read from their text and rounded half away from zero at the sixth decimal") {
    CHECK(parse_decimal_degrees("43.70701") == 43707010);
    CHECK(parse_decimal_degrees("7") == 7000000);
    CHECK(parse_decimal_degrees("-1.5822933") == -1582293);
    CHECK(parse_decimal_degrees("6.84262831") == 6842628);
    CHECK(parse_decimal_degrees("44.2046512") == 44204651);
    CHECK(parse_decimal_degrees("0.0000005") == 1);
    CHECK(parse_decimal_degrees("-0.0000005") == -1);
    CHECK(parse_decimal_degrees("-0.0000004") == 0);
    CHECK(parse_decimal_degrees("180") == 180000000);
    for (const char* bad : {"", "-", ".5", "5.", "1e5", "+3", "12a", "181", "1000", "4 3", "--1", "0x10"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_decimal_degrees(bad).has_value());
    }
}

TEST_CASE("stage labels and colours follow the coops' map code") {
    ThreadLanguage fr(Lang::fr);
    CHECK(stage_label(1) == "idée");
    CHECK(stage_label(2) == "groupes de travail");
    CHECK(stage_label(3) == "groupement d'achat");
    CHECK(stage_label(4) == "épicerie ouverte");
    CHECK(stage_label(5) == "supermarché ouvert");
    CHECK(stage_label(6).empty());
    {
        ThreadLanguage en(Lang::en);
        CHECK(stage_label(5) == "supermarket open");
    }
    std::set<std::string_view> colours;
    for (int s = 1; s <= 5; ++s) colours.insert(stage_colour(s));
    CHECK(colours.size() == 5);
}

TEST_CASE("the visitor policy in one sentence, from the policy or the admins' note") {
    ThreadLanguage fr(Lang::fr);
    Registry reg;
    reg.coops = {coop(3, "Coopalim", 5), coop(12, "La Cagette", 5), coop(62, "La Louve", 5)};
    Coop& c = reg.coops[1];
    CHECK(visitor_policy_sentence(reg, c) == "Accueille les membres des coopératives partenaires aux mêmes conditions");
    c.policy.max_visits = 3;
    CHECK(visitor_policy_sentence(reg, c) == "3 achats d'essai");
    c.policy.window_days = 365;
    CHECK(visitor_policy_sentence(reg, c) == "3 achats d'essai par an");
    c.policy.max_visits = 1;
    c.policy.window_days = 30;
    CHECK(visitor_policy_sentence(reg, c) == "1 achat d'essai sur 30 jours");
    c.policy.max_visits = 0;
    c.policy.conditions = "surcharge";
    c.policy.surcharge_percent = 10;
    c.policy.accepts_all_coops = false;
    c.policy.accepted_coops = {62, 3, 999};
    CHECK(visitor_policy_sentence(reg, c) ==
          "Accueille les membres des coopératives partenaires aux mêmes conditions, majoration de 10 % ; membres de : La Louve, Coopalim, coop n° 999");
    c.policy.accepted_coops.clear();
    CHECK(visitor_policy_sentence(reg, c) == "N'accueille pas de visiteurs");
    c.policy = VisitorPolicy{};
    c.policy.welcomes_visitors = false;
    CHECK(visitor_policy_sentence(reg, c) == "N'accueille pas de visiteurs");
    c.policy.note = "Pass d'essai de 60 jours sur inscription.";
    CHECK(visitor_policy_sentence(reg, c) == "Pass d'essai de 60 jours sur inscription");
    CHECK(coop_description_fr(reg, c) == "Montpellier — supermarché ouvert. Pass d'essai de 60 jours sur inscription.");
    ThreadLanguage en(Lang::en);
    c.policy = VisitorPolicy{};
    CHECK(visitor_policy_sentence(reg, c) == "Welcomes the members of partner coops on the same terms as its own");
    CHECK(coop_description_fr(reg, c) == "Montpellier — supermarché ouvert. Accueille les membres des coopératives partenaires aux mêmes conditions.");
}

TEST_CASE("directory GeoJSON: coops with a position only, exact coordinates, uMap properties") {
    Registry reg;
    reg.coops = {coop(3, "Coopalim", 3), coop(12, "La Cagette", 5)};
    reg.coops[1].latitude_e6 = 43610769;
    reg.coops[1].longitude_e6 = -500000;
    reg.coops[1].website = "https://lacagette-coop.fr/";
    const std::string text = directory_geojson(reg);
    CHECK(text.find("\"coordinates\":[-0.500000,43.610769]") != std::string::npos);
    const json g = json::parse(text);
    CHECK(g["type"] == "FeatureCollection");
    REQUIRE(g["features"].size() == 1);
    const json& p = g["features"][0]["properties"];
    CHECK(p["name"] == "La Cagette");
    CHECK(p["description"] == "Montpellier — supermarché ouvert. Accueille les membres des coopératives partenaires aux mêmes conditions.");
    CHECK(p["website"] == "https://lacagette-coop.fr/");
    CHECK(p["stage_label"] == "supermarché ouvert");
    CHECK(p["_umap_options"]["color"] == std::string(stage_colour(5)));
    CHECK(p["welcomes_visitors"] == true);
    reg.coops[1].latitude_e6.reset();
    CHECK(json::parse(directory_geojson(reg))["features"].empty());
}

TEST_CASE("directory page escapes the registry's text and links only web addresses") {
    Registry reg;
    reg.version = 7;
    reg.coops = {coop(3, "<script>alert(1)</script> & \"Co\"", 4), coop(12, "La Cagette", 5), coop(20, "Ti Coop", 4)};
    reg.coops[0].website = "javascript:alert(1)";
    reg.coops[1].website = "https://lacagette-coop.fr/\"onmouseover=\"x";
    reg.coops[2].country = "CH";
    reg.coops[2].department = "";
    const std::string page = directory_html(reg);
    CHECK(page.find("<script>alert") == std::string::npos);
    CHECK(page.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;") != std::string::npos);
    CHECK(page.find("javascript:") == std::string::npos);
    CHECK(page.find("href=\"https://lacagette-coop.fr/&quot;onmouseover=&quot;x\"") != std::string::npos);
    CHECK(page.find("Hérault (34)") != std::string::npos);
    CHECK(page.find("<h2 data-en=\"Switzerland\">Suisse</h2>") != std::string::npos);
    CHECK(page.find("version 7") != std::string::npos);
    // France first, then the other countries.
    CHECK(page.find(">France</h2>") < page.find(">Suisse</h2>"));
    // Nothing is loaded from anywhere: no src, no stylesheet link, no URL in the style.
    CHECK(page.find("src=") == std::string::npos);
    CHECK(page.find("<link rel=\"stylesheet\"") == std::string::npos);
    CHECK(page.find("<link rel=\"icon\" href=\"data:,\">") != std::string::npos);
    CHECK(page.find("url(") == std::string::npos);
}

TEST_CASE("the public map's department field places a coop in France or abroad") {
    const auto place = [](std::string_view department) {
        const auto p = place_from_map_department(department);
        return p ? p->country + "|" + p->department : std::string("refused");
    };
    CHECK(place("34") == "FR|34");
    CHECK(place("2A") == "FR|2A");
    CHECK(place("974") == "FR|974");
    CHECK(place("") == "FR|");
    CHECK(place("FR") == "FR|");
    CHECK(place("BE") == "BE|");
    CHECK(place("IE_N") == "GB|");
    CHECK(place("be") == "refused");
    CHECK(place("3400") == "refused");
    CHECK(place("A1") == "refused");
    CHECK(place("Hérault") == "refused");
}

// Odoo member exports, display names, CSV records and the issuance log, without the command line.
#include <csv.hpp>
#include <issuance_log.hpp>
#include <odoo_export.hpp>

#include <passkoop/pass.hpp>

#include <passkoop/text.hpp>

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

using namespace passkoop::cards;

TEST_CASE("display names from NOM Prénom and Prénom Nom") {
    CHECK(display_name("DUPONT, Marie", NameStyle::initial) == "Marie D.");
    CHECK(display_name("Marie Dupont", NameStyle::initial) == "Marie D.");
    CHECK(display_name("  LEFÈVRE ,  Jean-Éric ", NameStyle::initial) == "Jean-Éric L.");
    CHECK(display_name("Zoé étienne", NameStyle::initial) == "Zoé É.");
    CHECK(display_name("ŒUVRARD, Öykü", NameStyle::initial) == "Öykü Œ.");
    CHECK(display_name("DE LA TOUR, Anne", NameStyle::initial) == "Anne D.");
    CHECK(display_name("Madonna", NameStyle::initial) == "Madonna");
    CHECK(display_name("DUPONT, Marie", NameStyle::full) == "Marie DUPONT");
    CHECK(display_name("Marie Dupont", NameStyle::full) == "Marie Dupont");
    CHECK(display_name("DUPONT, Marie", NameStyle::none).empty());
    CHECK(display_name("", NameStyle::initial).empty());
}

TEST_CASE("display names are cut to 24 bytes on a character boundary") {
    const std::string long_first = "DURAND, Marie-Éléonore-Bénédicte";
    for (const auto style : {NameStyle::initial, NameStyle::full}) {
        const std::string n = display_name(long_first, style);
        CAPTURE(n);
        CHECK(n.size() <= passkoop::kMaxNameBytes);
        CHECK(passkoop::is_valid_display_name(n));
    }
    CHECK(display_name(long_first, NameStyle::initial) == "Marie-Éléonore-Bén D.");
    CHECK(display_name("A\tB\x01, C", NameStyle::full) == "C A B");
}

TEST_CASE("display names drop what a pass's name may not hold: C1 controls, line separators, bidi overrides") {
    // U+0092 (a Windows-1252 apostrophe read as Latin-1), U+2028, U+202E, a lone invalid byte.
    for (const char* odoo : {"\u0092", "DUPONT, Ma\u0092rie", "Marie\u2028Dupont", "\u202EMarie Dupont", "Marie \xff Dupont"}) {
        for (const auto style : {NameStyle::initial, NameStyle::full}) {
            const std::string n = display_name(odoo, style);
            CAPTURE(odoo);
            CAPTURE(n);
            CHECK(passkoop::is_valid_display_name(n));
        }
    }
    CHECK(display_name("DUPONT, Ma\u0092rie", NameStyle::full) == "Ma rie DUPONT");
    CHECK(display_name("Marie\u2028Dupont", NameStyle::initial) == "Marie D.");
    CHECK(display_name("\u202EMarie Dupont", NameStyle::full) == "Marie Dupont");
    CHECK(display_name("\u0092", NameStyle::initial).empty());
}

TEST_CASE("windows-1252 bytes become utf-8") {
    CHECK(windows1252_to_utf8("Fran\xe7oise \x80 \x9c \x8c \x92") == "Françoise € œ Œ ’");
    CHECK(windows1252_to_utf8("\x81") == "\ufffd");
    CHECK(passkoop::is_valid_utf8("Françoise"));
    CHECK_FALSE(passkoop::is_valid_utf8("Fran\xe7oise"));
    CHECK_FALSE(passkoop::is_valid_utf8("\xc0\xaf"));  // overlong
    CHECK_FALSE(passkoop::is_valid_utf8("\xed\xa0\x80"));  // surrogate
}

TEST_CASE("states from technical values and French labels") {
    CHECK(canonical_state("up_to_date") == "up_to_date");
    CHECK(canonical_state("A jour") == "up_to_date");
    CHECK(canonical_state("À jour") == "up_to_date");
    CHECK(canonical_state("Alerte") == "alert");
    CHECK(canonical_state("Délai") == "delay");
    CHECK(canonical_state("Exempté") == "exempted");
    CHECK(canonical_state("Suspendu") == "suspended");
    CHECK(canonical_state("Désinscrit") == "unsubscribed");
    CHECK(canonical_state("Quelque Chose") == "quelque chose");
    CHECK(default_shopping_states() == std::set<std::string>{"up_to_date", "alert", "delay", "exempted"});
}

TEST_CASE("csv records keep their line numbers across quoted line breaks and bad lines") {
    const std::string text = "a,b\r\n\"x\ny\",2\n\n" + std::string(5000, 'z') + ",5\nlast,6\n\"open,3\nnext,4\n";
    const auto records = read_csv(text, ',');
    REQUIRE(records.size() == 5);
    CHECK(records[0].line == 1);
    CHECK(records[1].line == 2);
    CHECK(records[1].fields == std::vector<std::string>{"x\ny", "2"});
    CHECK(records[2].line == 5);
    CHECK(records[2].error.find("4096") != std::string::npos);
    CHECK(records[3].line == 6);
    CHECK(records[3].fields == std::vector<std::string>{"last", "6"});
    // A quote that never closes holds the rest of the file: reported, nothing after it is read.
    CHECK(records[4].line == 7);
    CHECK(records[4].fields.empty());
    CHECK(records[4].error == "guillemet non fermé ; lignes 7 à 8 ignorées");
    CHECK(csv_field("DUPONT, \"Marie\"") == "\"DUPONT, \"\"Marie\"\"\"");
    CHECK(csv_field("plain") == "plain");
}

TEST_CASE("csv reading resumes after the end of a bad record, never inside one of its quoted fields") {
    // A name too long for a record, holding line breaks and lines that look like members: its
    // field is quoted as an export quotes it, and none of its lines may come out as a record.
    const std::string name = std::string(5000, 'A') + "\n99,Injected,up_to_date,True\nx";
    const std::string text = "name,barcode_base,cooperative_state,is_member\n" + csv_field(name) +
                             ",1,up_to_date,True\nNext,2,up_to_date,True\n";
    const auto records = read_csv(text, ',');
    REQUIRE(records.size() == 3);
    CHECK(records[1].line == 2);
    CHECK(records[1].fields.empty());
    CHECK(records[1].error == "ligne trop longue (plus de 4096 octets) ; lignes 2 à 4 ignorées");
    CHECK(records[2].line == 5);
    CHECK(records[2].fields == std::vector<std::string>{"Next", "2", "up_to_date", "True"});

    const auto members = read_member_export(text);
    REQUIRE(members.rows.size() == 1);
    CHECK(members.rows[0].number == 2u);
    REQUIRE(members.errors.size() == 1);
    CHECK(members.errors[0].line == 2);

    // The same after too many columns, with a quoted field after the limit.
    const std::string wide = "a,b\n" + std::string(kMaxCsvFields + 1, ',') + csv_field("x\n99,Injected\ny") + "\nlast,6\n";
    const auto wide_records = read_csv(wide, ',');
    REQUIRE(wide_records.size() == 3);
    CHECK(wide_records[1].error == "trop de colonnes ; lignes 2 à 4 ignorées");
    CHECK(wide_records[2].line == 5);
    CHECK(wide_records[2].fields == std::vector<std::string>{"last", "6"});
}

TEST_CASE("an export header is recognised in both styles and both separators") {
    const auto tech = read_member_export("name,barcode_base,cooperative_state,is_member\n\"DUPONT, Marie\",12,up_to_date,True\n");
    CHECK(tech.separator == ',');
    CHECK_FALSE(tech.french_headers);
    REQUIRE(tech.rows.size() == 1);
    CHECK(tech.rows[0].name == "DUPONT, Marie");
    CHECK(tech.rows[0].number == 12u);
    CHECK(tech.rows[0].is_member);
    const auto fr = read_member_export("\xef\xbb\xbfNom;Base du code Barre;Statut;Est un membre\nDUPONT, Marie;12;A jour;True\n");
    CHECK(fr.separator == ';');
    CHECK(fr.french_headers);
    REQUIRE(fr.rows.size() == 1);
    CHECK(fr.rows[0].state == "up_to_date");
    const auto cp = read_member_export("Nom;Base du code Barre;Statut;Est un membre\nL\xc9VY, Z\xf6\xe9;7;D\xe9lai;True\n");
    CHECK(cp.encoding == Encoding::windows1252);
    REQUIRE(cp.rows.size() == 1);
    CHECK(cp.rows[0].name == "LÉVY, Zöé");
    CHECK(cp.rows[0].state == "delay");
    CHECK_THROWS_AS(read_member_export("name,barcode_base,is_member\nx,1,True\n"), ExportError);
    CHECK_THROWS_AS(read_member_export("Nom;Statut\n"), ExportError);
    CHECK_THROWS_AS(read_member_export("name,barcode_base,cooperative_state,is_member\nL\xc9VY,1,up_to_date,True\n", Encoding::utf8), ExportError);
}

TEST_CASE("booleans and numbers are strict and a bad line is reported with its number") {
    const auto e = read_member_export(
        "name,barcode_base,cooperative_state,is_member\n"
        "A,1,up_to_date,Peut-être\n"
        "B,12a,up_to_date,True\n"
        "C,281474976710656,up_to_date,True\n"
        "D,4,up_to_date,Vrai\n");
    REQUIRE(e.errors.size() == 3);
    CHECK(e.errors[0].line == 2);
    CHECK(e.errors[1].line == 3);
    CHECK(e.errors[2].line == 4);  // over 48 bits
    REQUIRE(e.rows.size() == 1);
    CHECK(e.rows[0].number == 4u);
}

TEST_CASE("a name with decomposed accents is refused rather than printed") {
    const auto e = read_member_export("name,barcode_base,cooperative_state,is_member\n\"ROUX, Zoe\u0301\",1,up_to_date,True\nZoé Roux,2,up_to_date,True\n");
    REQUIRE(e.errors.size() == 1);
    CHECK(e.errors[0].line == 2);
    CHECK(e.errors[0].message.find("NFD") != std::string::npos);
    REQUIRE(e.rows.size() == 1);
    CHECK(e.rows[0].number == 2u);
}

TEST_CASE("an associated person takes their own barcode and their parent's state") {
    const auto e = read_member_export(
        "name,barcode_base,barcode,cooperative_state,is_member,is_associated_people,parent_member_num\n"
        "P,30,0421030000013,alert,True,False,\n"
        "Q,30,0421031000010,,False,True,30\n"
        "R,32,0421032000017,,False,True,30\n");
    REQUIRE(e.rows.size() == 3);
    CHECK(e.rows[1].number == 421031000010u);  // the parent's number is not theirs
    CHECK(e.rows[1].state == "alert");
    CHECK(e.rows[2].number == 32u);  // their own barcode_base
    CHECK(e.rows[2].state == "alert");
}

TEST_CASE("the issuance log reads back what it wrote and refuses a damaged row") {
    IssuanceLog log;
    log.cards.push_back({1001, 0, "0123456789abcdef", 2500, 2864, "Marie \"Mimi\" D., fils", std::nullopt, ""});
    log.cards.push_back({1001, 1, "fedcba9876543210", 2510, 2874, "Marie D.", 2520, "lost"});
    log.cards.push_back({7, 0, "00000000000000ff", 2510, 2874, "", 2530, "departed"});
    const std::string text = issuance_log_text(log);
    const auto back = parse_issuance_log(text);
    REQUIRE(back.has_value());
    REQUIRE(back->cards.size() == 3);
    CHECK(back->cards[0].name == "Marie \"Mimi\" D., fils");
    CHECK(back->cards[1].revoked_day == 2520);
    CHECK(back->cards[1].reason == "lost");
    CHECK(back->latest(1001)->sequence == 1);
    CHECK(back->next_sequence(1001) == 2);
    CHECK(back->next_sequence(5) == 0);
    CHECK(issuance_log_text(*back) == text);
    CHECK_FALSE(parse_issuance_log(text + "1002,0,nothex,2026-01-01,2026-12-31,,,\n").has_value());
    CHECK_FALSE(parse_issuance_log(text + "1002,0,0123456789abcdef,2026-01-01,2026-12-31,,2026-02-02,stolen\n").has_value());
    CHECK_FALSE(parse_issuance_log("name,barcode_base\n").has_value());
}

TEST_CASE("the issuance log writes names that look like formulas so that a spreadsheet shows them as text") {
    const std::vector<std::string> names = {"=HYPERLINK(\"http://x\")", "+33 M.", "-1+1", "@SUM(A1)", "\tTab", "\rCR",
                                            "'=quoted", "'plain", "Marie D.", ""};
    IssuanceLog log;
    for (std::size_t i = 0; i < names.size(); ++i)
        log.cards.push_back({1000 + i, 0, "00000000000000" + std::to_string(10 + i), 2500, 2864, names[i], std::nullopt, ""});
    const std::string text = issuance_log_text(log);
    CHECK(text.find(",\"'=HYPERLINK(\"\"http://x\"\")\",") != std::string::npos);
    CHECK(text.find(",Marie D.,") != std::string::npos);
    // Each name cell, as a spreadsheet reads the file, starts with no formula character.
    const auto records = read_csv(text, ',');
    REQUIRE(records.size() == names.size() + 1);
    for (std::size_t i = 1; i < records.size(); ++i) {
        REQUIRE(records[i].fields.size() == 8);
        const std::string& cell = records[i].fields[5];
        CAPTURE(cell);
        CHECK((cell.empty() || std::string_view("=+-@\t\r").find(cell[0]) == std::string_view::npos));
    }
    // And the log reads back exactly the names it was given.
    const auto back = parse_issuance_log(text);
    REQUIRE(back.has_value());
    REQUIRE(back->cards.size() == names.size());
    for (std::size_t i = 0; i < names.size(); ++i) CHECK(back->cards[i].name == names[i]);
    CHECK(issuance_log_text(*back) == text);
}

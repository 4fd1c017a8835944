#include "reports/reports.hpp"

#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <limits>
#include <string>
#include <vector>

using namespace passkoop;
using namespace passkoop::server;

namespace {

const std::string kBom = "\xEF\xBB\xBF";
const std::string kFrenchHeader =
    "N°;Date;Heure;Caisse;Caissier;Type;Coop d'origine;N° coop;Vérifié;Dérogation;Décision;Montant;Devise;Ticket;"
    "Note\r\n";
const std::string kRfcHeader =
    "id,occurred_at,till,cashier,kind,origin_coop_name,origin_coop,verified,override,decision,amount,currency,"
    "ticket,note\r\n";

std::int64_t at(std::string_view iso) { return parse_instant(iso).value(); }

VisitRow row(std::int64_t id, std::string_view when, std::string kind, std::uint16_t coop, std::int64_t cents) {
    VisitRow r;
    r.id = id;
    r.idempotency_key = "key-" + std::to_string(id);
    r.occurred_at = at(when);
    r.recorded_at = r.occurred_at + 2;
    r.till = "caisse-1";
    r.cashier = "Camille";
    r.kind = *visit_kind_from_string(kind);
    r.origin_coop = coop;
    r.decision = "allowed";
    r.amount_cents = cents;
    r.ticket = "T-0042";
    return r;
}

VisitRow visitor_row(std::int64_t id, std::string_view when, std::string kind, std::uint16_t coop, std::int64_t cents,
                     std::string key) {
    VisitRow r = row(id, when, std::move(kind), coop, cents);
    r.pass_id = "pass-" + key;
    r.visitor_key = std::move(key);
    return r;
}

VisitRow declared_row(std::int64_t id, std::string_view when, std::string kind, std::uint16_t coop, std::int64_t cents) {
    VisitRow r = row(id, when, std::move(kind), coop, cents);
    r.verified = false;
    return r;
}

const CoopNames kNames{{3, "La Cagette"}, {7, "DionyCoop"}};

// The data lines of an export, without the BOM and the header.
std::string body_of(const std::string& csv, const std::string& header) {
    const std::size_t skip = (csv.starts_with(kBom) ? kBom.size() : 0) + header.size();
    REQUIRE(csv.size() >= skip);
    CHECK(csv.substr(csv.starts_with(kBom) ? kBom.size() : 0, header.size()) == header);
    return csv.substr(skip);
}

std::string note_cell(std::string note, CsvDialect dialect) {
    VisitRow r = row(1, "2026-11-21T09:05:00Z", "visit", 3, 0);
    r.note = std::move(note);
    const std::string line = visits_csv({r}, dialect, kNames);
    // The note is the last cell: everything after the ticket cell.
    const std::string ticket = dialect == CsvDialect::french ? ";T-0042;" : ",T-0042,";
    const std::size_t pos = line.rfind(ticket);
    REQUIRE(pos != std::string::npos);
    std::string cell = line.substr(pos + ticket.size());
    REQUIRE(cell.ends_with("\r\n"));
    cell.resize(cell.size() - 2);
    return cell;
}

bool has_float(const nlohmann::json& j) {
    if (j.is_number_float()) return true;
    if (j.is_structured())
        for (const auto& item : j)
            if (has_float(item)) return true;
    return false;
}

MonthlyReport purchases_report(std::int64_t purchase_cents, std::optional<std::int64_t> cap,
                               std::int64_t warn_percent = 80) {
    return monthly_report({row(1, "2026-11-10T10:00:00Z", "purchase", 3, purchase_cents)}, "2026-11", kNames, cap,
                          warn_percent);
}

}  // namespace

TEST_CASE("french export of no rows is the BOM and the header") {
    CHECK(visits_csv({}, CsvDialect::french, kNames) == kBom + kFrenchHeader);
}

TEST_CASE("rfc export of no rows is the header without BOM") {
    const std::string csv = visits_csv({}, CsvDialect::rfc4180, kNames);
    CHECK(csv == kRfcHeader);
    CHECK_FALSE(csv.starts_with(kBom));
}

TEST_CASE("french export formats day month year and time and decimal comma") {
    VisitRow r = visitor_row(17, "2026-11-21T09:05:59Z", "purchase", 3, 1250, "vk-a");
    r.note = "panier";
    const std::string csv = visits_csv({r}, CsvDialect::french, kNames);
    CHECK(csv.starts_with(kBom));
    CHECK(body_of(csv, kFrenchHeader) ==
          "17;21/11/2026;09:05;caisse-1;Camille;achat;La Cagette;3;oui;non;Visiteur accepté;12,50;EUR;T-0042;panier\r\n");
}

TEST_CASE("rfc export formats ISO instant and decimal point") {
    VisitRow r = declared_row(18, "2026-01-02T23:59:01Z", "deposit", 7, 2000);
    r.override_policy = true;
    r.decision = "limit_reached";
    CHECK(body_of(visits_csv({r}, CsvDialect::rfc4180, kNames), kRfcHeader) ==
          "18,2026-01-02T23:59:01Z,caisse-1,Camille,deposit,DionyCoop,7,false,true,limit_reached,20.00,EUR,T-0042,\r\n");
}

TEST_CASE("french kind labels") {
    const std::vector<VisitRow> rows{row(1, "2026-11-01T00:00:00Z", "purchase", 3, 100),
                                     row(2, "2026-11-01T00:00:00Z", "deposit", 3, 100),
                                     row(3, "2026-11-01T00:00:00Z", "refund", 3, 100),
                                     row(4, "2026-11-01T00:00:00Z", "visit", 3, 0)};
    const std::string body = body_of(visits_csv(rows, CsvDialect::french, kNames), kFrenchHeader);
    CHECK(body.find(";achat;") != std::string::npos);
    CHECK(body.find(";dépôt;") != std::string::npos);
    CHECK(body.find(";remboursement;") != std::string::npos);
    CHECK(body.find(";visite;") != std::string::npos);
    CHECK(body.find("01/11/2026;00:00") != std::string::npos);
}

TEST_CASE("french export says the decision in the cashier's French words, the rfc export keeps the codes") {
    // Whatever language the server speaks: the French export is French.
    const ThreadLanguage english(Lang::en);
    const std::pair<const char*, const char*> cases[] = {
        {"allowed", "Visiteur accepté"},
        {"last_allowed_visit", "Dernière visite autorisée"},
        {"limit_reached", "Nombre de visites autorisé atteint"},
        {"not_accepted", "Notre coop n'accueille pas les membres de cette coop"},
        {"own_member", "Membre de notre coop : pas un visiteur"},
        {"tester_other_coop", "Pass d'essai : valable seulement dans la coop qui l'a émis"},
        {"declared", "Visiteur sans carte, sur sa parole"},
        {"expired", "Pass expiré"},
        {"revoked", "Pass révoqué (carte perdue ou membre parti)"},
        {"a_code_from_a_later_version", "a_code_from_a_later_version"},
    };
    for (const auto& [code, words] : cases) {
        CAPTURE(code);
        VisitRow r = row(1, "2026-11-21T09:05:00Z", "purchase", 3, 100);
        r.decision = code;
        const std::string fr = body_of(visits_csv({r}, CsvDialect::french, kNames), kFrenchHeader);
        CHECK(fr.find(";non;" + std::string(words) + ";1,00;") != std::string::npos);
        const std::string rfc = body_of(visits_csv({r}, CsvDialect::rfc4180, kNames), kRfcHeader);
        CHECK(rfc.find(",false," + std::string(code) + ",1.00,") != std::string::npos);
    }
}

TEST_CASE("negative and small amounts keep two cent digits") {
    const std::vector<VisitRow> rows{row(1, "2026-11-01T08:00:00Z", "refund", 3, -305),
                                     row(2, "2026-11-01T08:00:00Z", "refund", 3, -5),
                                     row(3, "2026-11-01T08:00:00Z", "visit", 3, 0),
                                     row(4, "2026-11-01T08:00:00Z", "purchase", 3, 7),
                                     row(5, "2026-11-01T08:00:00Z", "refund", 3,
                                         std::numeric_limits<std::int64_t>::min())};
    const std::string fr = body_of(visits_csv(rows, CsvDialect::french, kNames), kFrenchHeader);
    // A negative amount is a number, not a formula: it is neither quoted nor prefixed.
    CHECK(fr.find(";Visiteur accepté;-3,05;EUR;") != std::string::npos);
    CHECK(fr.find(";Visiteur accepté;-0,05;EUR;") != std::string::npos);
    CHECK(fr.find(";Visiteur accepté;0,00;EUR;") != std::string::npos);
    CHECK(fr.find(";Visiteur accepté;0,07;EUR;") != std::string::npos);
    CHECK(fr.find(";Visiteur accepté;-92233720368547758,08;EUR;") != std::string::npos);
    const std::string rfc = body_of(visits_csv(rows, CsvDialect::rfc4180, kNames), kRfcHeader);
    CHECK(rfc.find(",allowed,-3.05,EUR,") != std::string::npos);
    CHECK(rfc.find(",allowed,-0.05,EUR,") != std::string::npos);
}

TEST_CASE("french cells with a semicolon are quoted and commas are not") {
    CHECK(note_cell("deux; trois", CsvDialect::french) == "\"deux; trois\"");
    CHECK(note_cell("12,50 en espèces", CsvDialect::french) == "12,50 en espèces");
}

TEST_CASE("rfc cells with a comma are quoted and semicolons are not") {
    CHECK(note_cell("one, two", CsvDialect::rfc4180) == "\"one, two\"");
    CHECK(note_cell("one; two", CsvDialect::rfc4180) == "one; two");
}

TEST_CASE("quotes are doubled inside quoted cells") {
    for (const auto dialect : {CsvDialect::french, CsvDialect::rfc4180}) {
        CHECK(note_cell("dit \"bio\"", dialect) == "\"dit \"\"bio\"\"\"");
        CHECK(note_cell("\"", dialect) == "\"\"\"\"");
    }
}

TEST_CASE("cells with CR or LF are quoted") {
    for (const auto dialect : {CsvDialect::french, CsvDialect::rfc4180}) {
        CHECK(note_cell("ligne 1\nligne 2", dialect) == "\"ligne 1\nligne 2\"");
        CHECK(note_cell("ligne 1\r\nligne 2", dialect) == "\"ligne 1\r\nligne 2\"");
        CHECK(note_cell("fin\r", dialect) == "\"fin\r\"");
    }
}

TEST_CASE("leading formula characters are defused in both dialects") {
    for (const auto dialect : {CsvDialect::french, CsvDialect::rfc4180}) {
        CAPTURE(static_cast<int>(dialect));
        CHECK(note_cell("=HYPERLINK(\"http://x\")", dialect) == "\"'=HYPERLINK(\"\"http://x\"\")\"");
        CHECK(note_cell("+33 6", dialect) == "\"'+33 6\"");
        CHECK(note_cell("-1", dialect) == "\"'-1\"");
        CHECK(note_cell("@SUM(A1)", dialect) == "\"'@SUM(A1)\"");
        CHECK(note_cell("\tcmd", dialect) == "\"'\tcmd\"");
        // Only the first character matters.
        CHECK(note_cell("a=b", dialect) == "a=b");
    }
    CHECK(note_cell("=1;2", CsvDialect::french) == "\"'=1;2\"");
}

TEST_CASE("formula defusal also covers till cashier and ticket") {
    VisitRow r = row(1, "2026-11-21T09:05:00Z", "visit", 3, 0);
    r.till = "=till";
    r.cashier = "@cashier";
    r.ticket = "+ticket";
    const std::string body = body_of(visits_csv({r}, CsvDialect::french, kNames), kFrenchHeader);
    CHECK(body.find(";\"'=till\";\"'@cashier\";") != std::string::npos);
    CHECK(body.find(";\"'+ticket\";") != std::string::npos);
}

TEST_CASE("exports never contain pass id or visitor key") {
    const std::vector<VisitRow> rows{visitor_row(1, "2026-11-21T09:05:00Z", "purchase", 3, 100, "secret-visitor-key")};
    for (const auto dialect : {CsvDialect::french, CsvDialect::rfc4180}) {
        const std::string csv = visits_csv(rows, dialect, kNames);
        CHECK(csv.find("secret-visitor-key") == std::string::npos);
        CHECK(csv.find("pass-") == std::string::npos);
    }
}

TEST_CASE("unknown coop is named by its number") {
    const std::string body =
        body_of(visits_csv({row(1, "2026-11-21T09:05:00Z", "visit", 42, 0)}, CsvDialect::rfc4180, kNames), kRfcHeader);
    CHECK(body.find(",visit,coop 42,42,") != std::string::npos);
}

TEST_CASE("month_bounds of a month") {
    const auto nov = month_bounds("2026-11");
    REQUIRE(nov);
    CHECK(nov->first == at("2026-11-01T00:00:00Z"));
    CHECK(nov->second == at("2026-12-01T00:00:00Z"));
}

TEST_CASE("month_bounds from December to January") {
    const auto dec = month_bounds("2026-12");
    REQUIRE(dec);
    CHECK(dec->first == at("2026-12-01T00:00:00Z"));
    CHECK(dec->second == at("2027-01-01T00:00:00Z"));
    const auto jan = month_bounds("2027-01");
    REQUIRE(jan);
    CHECK(jan->first == dec->second);
}

TEST_CASE("month_bounds of February in leap and common years") {
    CHECK(month_bounds("2024-02")->second == at("2024-03-01T00:00:00Z"));
    CHECK(month_bounds("2026-02")->second == at("2026-03-01T00:00:00Z"));
    CHECK(month_bounds("2000-02")->second - month_bounds("2000-02")->first == 29 * 86400);
    CHECK(month_bounds("2100-02")->second - month_bounds("2100-02")->first == 28 * 86400);
    CHECK(month_bounds("9999-12")->second - month_bounds("9999-12")->first == 31 * 86400);
}

TEST_CASE("month_bounds rejects what is not YYYY-MM") {
    for (const std::string_view bad : {"", "2026", "2026-1", "2026-00", "2026-13", "2026-011", "2026/11", "26-11",
                                       "2026-11-01", " 2026-11", "2026-11 ", "abcd-ef", "2026-1a", "+026-11",
                                       "1969-12", "2026--1"}) {
        CAPTURE(bad);
        CHECK_FALSE(month_bounds(bad));
    }
}

TEST_CASE("monthly report aggregates per origin coop") {
    const std::vector<VisitRow> rows{
        visitor_row(1, "2026-11-02T10:00:00Z", "purchase", 7, 1250, "vk-a"),
        visitor_row(2, "2026-11-09T10:00:00Z", "purchase", 7, 800, "vk-a"),
        visitor_row(3, "2026-11-09T11:00:00Z", "visit", 7, 0, "vk-b"),
        visitor_row(4, "2026-11-10T11:00:00Z", "deposit", 7, 5000, "vk-c"),
        visitor_row(5, "2026-11-11T11:00:00Z", "refund", 7, 300, "vk-c"),
        declared_row(6, "2026-11-12T11:00:00Z", "purchase", 7, 450),
        visitor_row(7, "2026-11-03T09:00:00Z", "purchase", 3, 2000, "vk-d"),
        declared_row(8, "2026-11-30T23:59:59Z", "visit", 3, 0),
        declared_row(9, "2026-11-15T12:00:00Z", "purchase", 42, 100),
        // Outside November: not counted.
        visitor_row(10, "2026-12-01T00:00:00Z", "purchase", 3, 99999, "vk-x"),
        visitor_row(11, "2026-10-31T23:59:59Z", "purchase", 3, 99999, "vk-y"),
    };
    VisitRow overridden = visitor_row(12, "2026-11-20T10:00:00Z", "purchase", 3, 1000, "vk-d");
    overridden.override_policy = true;
    overridden.decision = "limit_reached";
    std::vector<VisitRow> all = rows;
    all.push_back(overridden);

    const MonthlyReport report = monthly_report(all, "2026-11", kNames, std::nullopt);
    CHECK(report.month == "2026-11");
    REQUIRE(report.coops.size() == 3);

    const MonthlyLine& cagette = report.coops[0];
    CHECK(cagette.coop == 3);
    CHECK(cagette.name == "La Cagette");
    CHECK(cagette.visits == 3);
    CHECK(cagette.distinct_visitors == 1);
    CHECK(cagette.declared == 1);
    CHECK(cagette.overrides == 1);
    CHECK(cagette.purchase_cents == 3000);
    CHECK(cagette.deposit_cents == 0);
    CHECK(cagette.refund_cents == 0);

    const MonthlyLine& diony = report.coops[1];
    CHECK(diony.coop == 7);
    CHECK(diony.name == "DionyCoop");
    CHECK(diony.visits == 4);
    CHECK(diony.distinct_visitors == 3);
    CHECK(diony.declared == 1);
    CHECK(diony.overrides == 0);
    CHECK(diony.purchase_cents == 2500);
    CHECK(diony.deposit_cents == 5000);
    CHECK(diony.refund_cents == 300);

    const MonthlyLine& unknown = report.coops[2];
    CHECK(unknown.coop == 42);
    CHECK(unknown.name == "coop 42");
    CHECK(unknown.visits == 1);
    CHECK(unknown.distinct_visitors == 0);
    CHECK(unknown.declared == 1);

    CHECK(report.total.coop == 0);
    CHECK(report.total.name == "Total");
    CHECK(report.total.visits == 8);
    CHECK(report.total.distinct_visitors == 4);
    CHECK(report.total.declared == 3);
    CHECK(report.total.overrides == 1);
    CHECK(report.total.purchase_cents == 5600);
    CHECK(report.total.deposit_cents == 5000);
    CHECK(report.total.refund_cents == 300);

    CHECK_FALSE(report.cap_cents);
    CHECK(report.share_percent == 0);
    CHECK_FALSE(report.warning);
}

TEST_CASE("monthly report of no rows has only a zero total") {
    const MonthlyReport report = monthly_report({}, "2026-11", kNames, 100000);
    CHECK(report.coops.empty());
    CHECK(report.total.visits == 0);
    CHECK(report.share_percent == 0);
    CHECK_FALSE(report.warning);
}

TEST_CASE("monthly report rejects an invalid month") {
    CHECK_THROWS_AS(monthly_report({}, "2026-13", kNames, std::nullopt), std::invalid_argument);
    CHECK_THROWS_AS(monthly_report({}, "novembre", kNames, std::nullopt), std::invalid_argument);
}

TEST_CASE("cap warning starts exactly at the threshold") {
    const MonthlyReport at_threshold = purchases_report(80000, 100000);
    REQUIRE(at_threshold.cap_cents);
    CHECK(*at_threshold.cap_cents == 100000);
    CHECK(at_threshold.share_percent == 80);
    CHECK(at_threshold.warning);

    const MonthlyReport below = purchases_report(79999, 100000);
    CHECK(below.share_percent == 79);
    CHECK_FALSE(below.warning);

    CHECK(purchases_report(85000, 100000, 85).warning);
    CHECK_FALSE(purchases_report(84999, 100000, 85).warning);
    CHECK(purchases_report(150000, 100000).share_percent == 150);
}

TEST_CASE("share percent is floored and exact for large values") {
    CHECK(purchases_report(1, 3).share_percent == 33);
    CHECK(purchases_report(2, 3).share_percent == 66);
    constexpr auto max = std::numeric_limits<std::int64_t>::max();
    CHECK(purchases_report(kMaxAmountCents, kMaxAmountCents).share_percent == 100);
    CHECK(purchases_report(kMaxAmountCents, 3).share_percent == 3'333'333'333);
    CHECK(purchases_report(kMaxAmountCents / 2, kMaxAmountCents + 1).share_percent == 49);
    CHECK(purchases_report(kMaxAmountCents, max).share_percent == 0);
    CHECK(purchases_report(-1, 100).share_percent == -1);
    // Beyond what a till can send (only earlier versions stored such amounts): not counted.
    CHECK(purchases_report(max, 1).share_percent == 0);
}

TEST_CASE("no cap or a non positive cap gives no share and no warning") {
    for (const std::optional<std::int64_t> cap : {std::optional<std::int64_t>{}, std::optional<std::int64_t>{0},
                                                   std::optional<std::int64_t>{-5}}) {
        const MonthlyReport report = purchases_report(1000000, cap);
        CHECK_FALSE(report.cap_cents);
        CHECK(report.share_percent == 0);
        CHECK_FALSE(report.warning);
        const nlohmann::json j = report_json(report);
        CHECK(j.at("cap_cents").is_null());
        CHECK(j.at("share_percent").is_null());
        CHECK(j.at("warning") == false);
        CHECK(j.at("warning_message").is_null());
    }
}

TEST_CASE("report json shape and integers only") {
    const std::vector<VisitRow> rows{visitor_row(1, "2026-11-02T10:00:00Z", "purchase", 7, 85000, "vk-a"),
                                     declared_row(2, "2026-11-03T10:00:00Z", "deposit", 3, 1234)};
    const nlohmann::json j = report_json(monthly_report(rows, "2026-11", kNames, 100000));
    CHECK_FALSE(has_float(j));
    CHECK(j.at("month") == "2026-11");
    REQUIRE(j.at("coops").size() == 2);
    const nlohmann::json& first = j.at("coops").at(0);
    CHECK(first.at("coop") == 3);
    CHECK(first.at("name") == "La Cagette");
    CHECK(first.at("declared") == 1);
    CHECK(first.at("deposit_cents") == 1234);
    CHECK(first.size() == 9);
    const nlohmann::json& second = j.at("coops").at(1);
    CHECK(second.at("coop") == 7);
    CHECK(second.at("visits") == 1);
    CHECK(second.at("distinct_visitors") == 1);
    CHECK(second.at("purchase_cents") == 85000);
    const nlohmann::json& total = j.at("total");
    CHECK(total.size() == 7);
    CHECK_FALSE(total.contains("coop"));
    CHECK_FALSE(total.contains("name"));
    CHECK(total.at("purchase_cents") == 85000);
    CHECK(total.at("deposit_cents") == 1234);
    CHECK(total.at("refund_cents") == 0);
    CHECK(total.at("overrides") == 0);
    CHECK(j.at("cap_cents") == 100000);
    CHECK(j.at("share_percent") == 85);
    CHECK(j.at("share_percent").is_number_integer());
    CHECK(j.at("warning") == true);
    CHECK(j.at("warning_message").is_string());
    CHECK(j.dump().find('.') == std::string::npos);
}

TEST_CASE("report json warning message in French and English") {
    const MonthlyReport report = purchases_report(85000, 100000);
    {
        const ThreadLanguage fr(Lang::fr);
        CHECK(report_json(report).at("warning_message") == "Les achats des visiteurs atteignent 85 % du plafond mensuel");
    }
    {
        const ThreadLanguage en(Lang::en);
        CHECK(report_json(report).at("warning_message") == "Visitor purchases reach 85% of the monthly cap");
    }
}

TEST_CASE("report csv in the French dialect") {
    const std::vector<VisitRow> rows{visitor_row(1, "2026-11-02T10:00:00Z", "purchase", 7, 1250, "vk-a"),
                                     visitor_row(2, "2026-11-05T10:00:00Z", "refund", 7, 305, "vk-a"),
                                     declared_row(3, "2026-11-03T10:00:00Z", "visit", 3, 0)};
    const std::string csv = report_csv(monthly_report(rows, "2026-11", kNames, std::nullopt), CsvDialect::french);
    CHECK(csv == kBom +
                     "Mois;N° coop;Coop;Visites;Visiteurs distincts;Déclarés;Dérogations;Achats;Dépôts;"
                     "Remboursements\r\n"
                     "2026-11;3;La Cagette;1;0;1;0;0,00;0,00;0,00\r\n"
                     "2026-11;7;DionyCoop;1;1;0;0;12,50;0,00;3,05\r\n"
                     "2026-11;;Total;2;1;1;0;12,50;0,00;3,05\r\n");
}

TEST_CASE("monthly report counts refunds stored negative as their size and leaves out impossible amounts") {
    // Rows earlier versions accepted: a refund as a negative amount, and amounts no till sells
    // (INT64_MIN once passed the bound check, 2^64 − 1 was stored as −1).
    const std::vector<VisitRow> rows{visitor_row(1, "2026-11-02T10:00:00Z", "purchase", 7, 1250, "vk-a"),
                                     visitor_row(2, "2026-11-03T10:00:00Z", "refund", 7, -305, "vk-a"),
                                     visitor_row(3, "2026-11-04T10:00:00Z", "refund", 7, 200, "vk-a"),
                                     visitor_row(4, "2026-11-05T10:00:00Z", "purchase", 7, std::numeric_limits<std::int64_t>::min(), "vk-b"),
                                     visitor_row(5, "2026-11-05T10:00:00Z", "purchase", 7, std::numeric_limits<std::int64_t>::min(), "vk-b"),
                                     visitor_row(6, "2026-11-06T10:00:00Z", "deposit", 7, std::numeric_limits<std::int64_t>::max(), "vk-b"),
                                     visitor_row(7, "2026-11-07T10:00:00Z", "refund", 7, std::numeric_limits<std::int64_t>::min(), "vk-b")};
    const MonthlyReport report = monthly_report(rows, "2026-11", kNames, 100000);
    CHECK(report.total.purchase_cents == 1250);
    CHECK(report.total.refund_cents == 505);
    CHECK(report.total.deposit_cents == 0);
    CHECK(report.total.visits == 3);
    CHECK(report.share_percent == 1);
}

TEST_CASE("report csv in the RFC 4180 dialect") {
    CoopNames names = kNames;
    names[7] = "Diony, Coop";
    const std::vector<VisitRow> rows{visitor_row(1, "2026-11-02T10:00:00Z", "purchase", 7, 1250, "vk-a")};
    const std::string csv = report_csv(monthly_report(rows, "2026-11", names, std::nullopt), CsvDialect::rfc4180);
    CHECK(csv ==
          "month,coop,name,visits,distinct_visitors,declared,overrides,purchase_amount,deposit_amount,refund_amount\r\n"
          "2026-11,7,\"Diony, Coop\",1,1,0,0,12.50,0.00,0.00\r\n"
          "2026-11,,Total,1,1,0,0,12.50,0.00,0.00\r\n");
}

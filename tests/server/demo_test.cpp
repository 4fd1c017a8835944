// `passkoopd demo` made at fixed instants: its earlier visits fill this month's report and the
// previous month's on any day at any hour (the 1st just after midnight, the last day just before
// it, 29 February), none lies in the future, every sample pass gives the outcome it announces at
// that instant, and the files holding tokens and passes are the owner's only.
#include "service/demo.hpp"
#include "store/ledger.hpp"
#include "reports/reports.hpp"

#include "support.hpp"

#include <passkoop/bundle.hpp>
#include <passkoop/dates.hpp>
#include <passkoop/verifier.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <map>
#include <set>

using namespace passkoop;
using namespace passkoop::server;
using nlohmann::json;

namespace {

// The month ("YYYY-MM", UTC) of a Unix instant, and the one before it.
std::string month_of(std::int64_t t) { return format_day(day_of(t)).substr(0, 7); }
std::string month_before(std::int64_t t) { return month_of(month_bounds(month_of(t))->first - 1); }

struct MadeDemo {
    pk_test::TempDir dir;
    Config config;
    Demo demo;
    std::vector<VisitRow> rows;
    CoopNames names;

    explicit MadeDemo(std::int64_t now) : demo(make_demo(dir / "demo", config, now)) {
        Store ledger_store(config.db);
        Ledger& ledger = ledger_store.ledger();
        VisitQuery all;
        all.limit = 1000;
        rows = ledger.list(all);
        const auto bundle = load_bundle(pk_test::read_file(config.registry), nullptr);
        REQUIRE(bundle.has_value());
        for (const Coop& c : bundle->registry.coops) names[c.number] = c.name;
    }
    std::uint16_t number_of(const std::string& name) const {
        for (const auto& [number, n] : names)
            if (n == name) return number;
        FAIL("no coop named ", name);
        return 0;
    }
    // The report the manager's page asks for, from the rows of that month.
    MonthlyReport report(const std::string& month) const {
        const auto [start, end] = *month_bounds(month);
        std::vector<VisitRow> in_month;
        for (const VisitRow& r : rows)
            if (r.occurred_at >= start && r.occurred_at < end) in_month.push_back(r);
        return monthly_report(in_month, month, names, std::nullopt);
    }
};

std::int64_t visits_of(const MonthlyReport& report, std::uint16_t coop) {
    for (const MonthlyLine& line : report.coops)
        if (line.coop == coop) return line.visits;
    return 0;
}

}  // namespace

TEST_CASE("demo earlier visits fill this month's and last month's reports at any day and hour") {
    for (const char* at : {"2026-12-03T07:55:00Z", "2027-03-01T00:00:00Z", "2027-03-01T00:00:30Z", "2027-02-28T23:59:50Z",
                           "2027-01-01T00:00:30Z", "2026-12-31T23:59:59Z", "2028-02-29T12:00:00Z", "2028-03-01T00:00:01Z",
                           "2027-07-31T23:59:59Z", "2027-07-15T12:00:00Z"}) {
        const std::string when = at;
        CAPTURE(when);
        const std::int64_t now = pk_test::instant(when);
        const MadeDemo made(now);
        const std::uint16_t coop400 = made.number_of("Les 400 Coop");
        REQUIRE(made.rows.size() == 5);
        std::map<std::string, int> visits_per_pass;
        for (const VisitRow& r : made.rows) {
            const std::string occurred = format_instant(r.occurred_at);
            CAPTURE(occurred);
            CHECK(r.occurred_at <= now);  // never in the future
            CHECK(r.occurred_at > now - 365 * 86400);  // within Coopalim's window of 365 days
            CHECK(r.origin_coop == coop400);
            CHECK(r.till != "caisse-1");  // the sample till's list of today starts empty
            ++visits_per_pass[r.pass_id.value()];
        }
        std::multiset<int> counts;
        for (const auto& [pass, n] : visits_per_pass) counts.insert(n);
        CHECK(counts == std::multiset<int>{2, 3});  // Sam's 2 and Noé's 3
        CHECK(visits_of(made.report(month_of(now)), coop400) == 3);
        CHECK(visits_of(made.report(month_before(now)), coop400) == 2);
    }
}

TEST_CASE("demo sample passes give the outcome they announce at the instant the demo was made") {
    for (const char* at : {"2027-03-01T00:00:30Z", "2027-02-28T23:59:50Z", "2028-02-29T12:00:00Z"}) {
        const std::string when = at;
        CAPTURE(when);
        const std::int64_t now = pk_test::instant(when);
        const MadeDemo made(now);
        const auto bundle = load_bundle(pk_test::read_file(made.config.registry), nullptr);
        REQUIRE(bundle.has_value());
        const json passes = json::parse(pk_test::read_file(made.demo.passes_file));
        REQUIRE(passes.at("passes").size() >= 10);
        for (const json& sample : passes.at("passes")) {
            const std::string expected = sample.at("expected");
            CAPTURE(expected);
            // "green: valid, allowed", "orange: last_allowed_visit" (a policy decision of a valid
            // pass), "red: expired"…
            const std::string first = expected.substr(expected.find(": ") + 2, expected.find(',') - expected.find(": ") - 2);
            const bool decision = first == "last_allowed_visit" || first == "limit_reached" || first == "own_member" ||
                                  first == "not_accepted" || first == "tester_other_coop";
            const Verification v = verify_pass(sample.at("pass").get<std::string>(), *bundle, now);
            CHECK(std::string(to_string(v.code)) == (decision ? "valid" : first));
            // A day later too: a demo started at 23:59:50 keeps working after midnight.
            if (v.valid()) CHECK(verify_pass(sample.at("pass").get<std::string>(), *bundle, now + 86400).valid());
        }
    }
}

TEST_CASE("demo token and pass files are the owner's only whatever the umask") {
    const mode_t before = ::umask(022);
    const MadeDemo made(pk_test::instant("2027-03-01T00:00:30Z"));
    ::umask(before);
    for (const std::string name : {"cashier-token.txt", "manager-token.txt", "valid-pass.txt", "passes.json", "keys/la-louve.key",
                                   "keys/admin-alice.key"}) {
        CAPTURE(name);
        struct stat st{};
        REQUIRE(::stat((made.demo.dir / name).c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);
    }
    CHECK(pk_test::read_file(made.demo.dir / "cashier-token.txt") == made.demo.cashier_token + "\n");
    CHECK(json::parse(pk_test::read_file(made.demo.passes_file)).at("manager_token") == made.demo.manager_token);
    // Public documents stay readable by others.
    struct stat st{};
    REQUIRE(::stat((made.demo.dir / "bundle.json").c_str(), &st) == 0);
    CHECK((st.st_mode & 0044) == 0044);
}

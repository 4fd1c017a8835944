// The shop's local calendar in Europe/Paris: midnight, and both DST changes (the last Sundays of
// March and October), for the CSV's date and hour, report months and from/to dates.
#include "reports/reports.hpp"
#include "service/shop_time.hpp"

#include <passkoop/dates.hpp>

#include <doctest/doctest.h>

#include <stdexcept>

using namespace passkoop;
using namespace passkoop::server;

namespace {

std::int64_t at(std::string_view iso) { return parse_instant(iso).value(); }
std::int64_t day(std::string_view date) { return parse_day(date).value(); }

// The zone of a French shop for the length of one test (each test case runs in its own process).
struct InParis {
    InParis() { use_time_zone("Europe/Paris"); }
    ~InParis() { use_time_zone("UTC"); }
};

}  // namespace

TEST_CASE("shop time refuses a zone the database does not have") {
    CHECK_THROWS_AS(use_time_zone("Europe/Pariss"), std::invalid_argument);
    CHECK_THROWS_AS(use_time_zone("../../etc/passwd"), std::invalid_argument);
    CHECK_THROWS_AS(use_time_zone("/usr/share/zoneinfo/UTC"), std::invalid_argument);
    CHECK_THROWS_AS(use_time_zone(""), std::invalid_argument);
    CHECK_NOTHROW(use_time_zone("UTC"));
}

TEST_CASE("shop time local date and hour around midnight, in winter and in summer") {
    InParis paris;
    // 23:30 UTC on 15 January is 00:30 on the 16th in Paris (UTC+1).
    const LocalTime winter = local_time(at("2027-01-15T23:30:00Z"));
    CHECK(winter.day == day("2027-01-16"));
    CHECK(winter.hour == 0);
    CHECK(winter.minute == 30);
    // 22:30 UTC on 31 March is 00:30 on 1 April (UTC+2).
    const LocalTime summer = local_time(at("2027-03-31T22:30:00Z"));
    CHECK(summer.day == day("2027-04-01"));
    CHECK(summer.hour == 0);
    CHECK(local_day_start(day("2027-01-16")) == at("2027-01-15T23:00:00Z"));
    CHECK(local_day_start(day("2027-04-01")) == at("2027-03-31T22:00:00Z"));
}

TEST_CASE("shop time a day lasts 23 hours in March and 25 in October") {
    InParis paris;
    const auto spring = local_day_bounds(at("2027-03-28T12:00:00Z"));  // last Sunday of March 2027
    CHECK(spring.first == at("2027-03-27T23:00:00Z"));
    CHECK(spring.second - spring.first == 23 * 3600);
    const auto autumn = local_day_bounds(at("2027-10-31T12:00:00Z"));  // last Sunday of October 2027
    CHECK(autumn.first == at("2027-10-30T22:00:00Z"));
    CHECK(autumn.second - autumn.first == 25 * 3600);
    // The repeated hour: 00:30 UTC and 01:30 UTC are both 02:30 local time, on the same day.
    CHECK(local_time(at("2027-10-31T00:30:00Z")).hour == 2);
    CHECK(local_time(at("2027-10-31T01:30:00Z")).hour == 2);
    CHECK(local_time(at("2027-10-31T01:30:00Z")).day == day("2027-10-31"));
}

TEST_CASE("shop time report months start at local midnight across the DST changes") {
    InParis paris;
    const auto march = month_bounds("2027-03");
    REQUIRE(march);
    CHECK(march->first == at("2027-02-28T23:00:00Z"));
    CHECK(march->second == at("2027-03-31T22:00:00Z"));
    CHECK(march->second - march->first == 31 * kSecondsPerDay - 3600);
    const auto october = month_bounds("2027-10");
    REQUIRE(october);
    CHECK(october->second - october->first == 31 * kSecondsPerDay + 3600);
    const auto december = month_bounds("2026-12");
    REQUIRE(december);
    CHECK(december->second == at("2026-12-31T23:00:00Z"));
    CHECK_FALSE(month_bounds("2027-13"));
}

TEST_CASE("shop time the french CSV shows the till ticket's local date and hour; rfc4180 keeps UTC") {
    InParis paris;
    VisitRow row;
    row.id = 1;
    row.occurred_at = at("2027-03-31T22:30:00Z");
    row.origin_coop = 7;
    const CoopNames names{{7, "La Louve"}};
    const std::string french = visits_csv({row}, CsvDialect::french, names);
    CHECK(french.find(";01/04/2027;00:30;") != std::string::npos);
    const std::string rfc = visits_csv({row}, CsvDialect::rfc4180, names);
    CHECK(rfc.find(",2027-03-31T22:30:00Z,") != std::string::npos);
    // The autumn night: 01:15 UTC is 02:15 local time, after the clocks went back.
    row.occurred_at = at("2027-10-31T01:15:00Z");
    CHECK(visits_csv({row}, CsvDialect::french, names).find(";31/10/2027;02:15;") != std::string::npos);
}

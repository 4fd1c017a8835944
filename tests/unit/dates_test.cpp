#include "support.hpp"

#include <passkoop/i18n.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <limits>

using namespace pk_test;

namespace {

// "YYYY-MM-DD" of a pass day, from std::chrono rather than the library's own arithmetic.
std::string chrono_day(std::int64_t pass_day) {
    using namespace std::chrono;
    const sys_days d = sys_days{year{2020} / January / 1} + days{pass_day};
    const year_month_day ymd{d};
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()));
    return buf;
}

}  // namespace

TEST_CASE("parse_day known values") {
    CHECK(parse_day("2020-01-01") == 0);
    CHECK(parse_day("2020-01-02") == 1);
    CHECK(parse_day("2019-12-31") == -1);
    CHECK(parse_day("1970-01-01") == -18262);
    CHECK(parse_day("2024-02-29") == 1520);
    CHECK(parse_day("2026-01-01") == 2192);
    CHECK(parse_day("2026-11-21") == 2516);
    CHECK(parse_day("2027-01-01") == 2557);
    CHECK(parse_day("2000-02-29") == -7246);
    CHECK(parse_day("9999-12-31") == 2914634);
    // The last day a u16 pass field can hold.
    CHECK(format_day(65535) == "2199-06-06");
    CHECK(parse_day("2199-06-06") == 65535);
}

TEST_CASE("parse_day and format_day round trip every pass day") {
    // Every day from 1970 to the end of the u16 range, checked against std::chrono.
    std::int64_t mismatches = 0;
    for (std::int64_t d = -18262; d <= 65535; ++d) {
        const std::string text = format_day(d);
        // Assert only on a mismatch, so 84 000 passing days stay quick.
        if (text != chrono_day(d) || parse_day(text) != d) {
            ++mismatches;
            CAPTURE(d);
            CAPTURE(text);
            CHECK(text == chrono_day(d));
            CHECK(parse_day(text) == d);
        }
    }
    CHECK(mismatches == 0);
    CHECK(format_day(0) == "2020-01-01");
    CHECK(format_day(-1) == "2019-12-31");
    CHECK(format_day(1520) == "2024-02-29");
    CHECK(format_day(1521) == "2024-03-01");
}

TEST_CASE("parse_day leap years") {
    CHECK(parse_day("2024-02-29").has_value());
    CHECK(parse_day("2000-02-29").has_value());  // divisible by 400
    CHECK(parse_day("2400-02-29").has_value());
    CHECK_FALSE(parse_day("2023-02-29").has_value());
    CHECK_FALSE(parse_day("2100-02-29").has_value());  // divisible by 100 only
    CHECK_FALSE(parse_day("2200-02-29").has_value());
    CHECK_FALSE(parse_day("2024-02-30").has_value());
    CHECK(*parse_day("2024-03-01") - *parse_day("2024-02-28") == 2);
    CHECK(*parse_day("2023-03-01") - *parse_day("2023-02-28") == 1);
}

TEST_CASE("parse_day rejects invalid or loose dates") {
    const std::array<std::string_view, 30> bad = {
        "2026-13-01", "2026-00-10", "2026-01-00", "2026-01-32", "2026-04-31", "2026-06-31", "2026-09-31",
        "2026-11-31", "2026-1-01",  "2026-01-1",  "26-01-01",   "2026/01/01", "2026.01.01", "20260101",
        " 2026-01-01", "2026-01-01 ", "2026-01-01\n", "2026-01-01T00:00:00Z", "+2026-01-01", "2026-+1-01",
        "2026--1-01", "2026-0a-01", "2026-01-0x", "1969-12-31", "0000-01-01", "", "2026-01", "x026-01-01",
        "2026-01-01Z", "21/11/2026",
    };
    for (const std::string_view text : bad) {
        CAPTURE(text);
        CHECK_FALSE(parse_day(text).has_value());
    }
    // A NUL byte is not a terminator.
    CHECK_FALSE(parse_day(std::string("2026-01-01\0", 11)).has_value());
    CHECK_FALSE(parse_day(std::string("2026-01\0-01", 11)).has_value());
}

TEST_CASE("parse_day accepts every valid day of every month of a year") {
    const unsigned month_days_2024[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const unsigned month_days_2026[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (const auto& [year, month_days] : {std::pair{2024, month_days_2024}, std::pair{2026, month_days_2026}}) {
        std::int64_t expected = *parse_day(std::to_string(year) + "-01-01");
        for (unsigned m = 1; m <= 12; ++m) {
            for (unsigned d = 1; d <= month_days[m - 1] + 1; ++d) {
                char buf[16];
                std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", year, m, d);
                CAPTURE(buf);
                if (d <= month_days[m - 1]) {
                    CHECK(parse_day(buf) == expected);
                    ++expected;
                } else {
                    CHECK_FALSE(parse_day(buf).has_value());
                }
            }
        }
    }
}

TEST_CASE("format_day_fr is day slash month slash year") {
    CHECK(format_day_fr(0) == "01/01/2020");
    CHECK(format_day_fr(day("2024-02-29")) == "29/02/2024");
    CHECK(format_day_fr(day("2026-11-21")) == "21/11/2026");
    CHECK(format_day_fr(day("2027-12-31")) == "31/12/2027");
    CHECK(format_day_fr(-1) == "31/12/2019");
    CHECK(format_day_fr(65535) == "06/06/2199");
}

TEST_CASE("parse_instant known values") {
    CHECK(parse_instant("1970-01-01T00:00:00Z") == 0);
    CHECK(parse_instant("2020-01-01T00:00:00Z") == kPassEpochUnix);
    CHECK(parse_instant("2026-11-21T10:00:00Z") == 1795255200);
    CHECK(parse_instant("2026-11-21T00:00:00Z") == 1795219200);
    CHECK(parse_instant("2038-01-19T03:14:08Z") == 2147483648LL);  // past 32-bit time_t
    CHECK(parse_instant("2024-02-29T23:59:59Z") == *parse_instant("2024-03-01T00:00:00Z") - 1);
}

TEST_CASE("parse_instant is strict") {
    const std::array<std::string_view, 24> bad = {
        "2026-11-21t10:00:00Z", "2026-11-21T10:00:00z", "2026-11-21T10:00:00",   "2026-11-21 10:00:00Z",
        "2026-11-21T10:00:00+00:00", "2026-11-21T10:00:00.5Z", "2026-11-21T10:00Z", "2026-11-21T24:00:00Z",
        "2026-11-21T23:60:00Z", "2026-11-21T23:59:60Z", "2026-11-21T1:00:00Z",   "2026-11-21T10:0:00Z",
        "2023-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-21",             "2026-11-21T10:00:00Z ",
        " 2026-11-21T10:00:00Z", "2026-11-21T10-00-00Z", "2026-11-21T+1:00:00Z",  "2026-11-21T10:00:-1Z",
        "1969-12-31T23:59:59Z", "",                       "2026-11-21T10:00:00ZZ", "2026-11-21T10:00:0aZ",
    };
    for (const std::string_view text : bad) {
        CAPTURE(text);
        CHECK_FALSE(parse_instant(text).has_value());
    }
}

TEST_CASE("format_instant round trips") {
    CHECK(format_instant(0) == "1970-01-01T00:00:00Z");
    CHECK(format_instant(kPassEpochUnix) == "2020-01-01T00:00:00Z");
    CHECK(format_instant(1795255200) == "2026-11-21T10:00:00Z");
    CHECK(format_instant(kPassEpochUnix - 1) == "2019-12-31T23:59:59Z");
    for (std::int64_t t = 0; t < 4'000'000'000LL; t += 86'399 * 97 + 13) {
        CAPTURE(t);
        CHECK(parse_instant(format_instant(t)) == t);
    }
}

TEST_CASE("day_of and start_of_day agree at day boundaries") {
    CHECK(start_of_day(0) == kPassEpochUnix);
    CHECK(start_of_day(-1) == kPassEpochUnix - 86400);
    CHECK(start_of_day(day("2026-11-21")) == instant("2026-11-21T00:00:00Z"));
    CHECK(day_of(kPassEpochUnix) == 0);
    CHECK(day_of(kPassEpochUnix + 86399) == 0);
    CHECK(day_of(kPassEpochUnix + 86400) == 1);
    // Instants before the epoch round down, not toward zero.
    CHECK(day_of(kPassEpochUnix - 1) == -1);
    CHECK(day_of(kPassEpochUnix - 86400) == -1);
    CHECK(day_of(kPassEpochUnix - 86401) == -2);
    CHECK(day_of(0) == -18262);
    CHECK(day_of(instant("2026-11-21T23:59:59Z")) == day("2026-11-21"));
    for (std::int64_t d = -20000; d <= 70000; d += 37) {
        CAPTURE(d);
        CHECK(day_of(start_of_day(d)) == d);
        CHECK(day_of(start_of_day(d) + 86399) == d);
        CHECK(day_of(start_of_day(d) - 1) == d - 1);
    }
}

// The registry_stale message dates any registry's issued_at with day_of: subtracting the epoch in
// seconds first overflowed for instants within 50 years of the int64 minimum.
TEST_CASE("day_of near the int64 limits does not overflow") {
    constexpr std::int64_t lowest = std::numeric_limits<std::int64_t>::min();
    constexpr std::int64_t highest = std::numeric_limits<std::int64_t>::max();
    CHECK(day_of(lowest) == -106751991167301 - 18262);  // floor(lowest / 86400) days before 1970
    CHECK(day_of(lowest + 1577836799) == -106751991167301);
    CHECK(day_of(highest) == 106751991167300 - 18262);
    ThreadLanguage french(Lang::fr);
    CHECK(message(Warning::registry_stale, lowest).ends_with("27/01/-292277022657"));
}

TEST_CASE("unix_now follows the system clock") {
    const std::int64_t before = static_cast<std::int64_t>(std::time(nullptr));
    const std::int64_t now = unix_now();
    const std::int64_t after = static_cast<std::int64_t>(std::time(nullptr));
    CHECK(now >= before);
    CHECK(now <= after + 1);
}

TEST_CASE("kSecondsPerDay is the length of every pass day") {
    CHECK(kSecondsPerDay == 24 * 60 * 60);
    const std::int64_t days[] = {-18262, -1, 0, 1, day("2024-02-29"), day("2026-03-29"), day("2026-10-25")};
    for (const std::int64_t d : days) {
        CAPTURE(d);
        CHECK(start_of_day(d + 1) - start_of_day(d) == kSecondsPerDay);
        CHECK(instant(format_day(d + 1) + "T00:00:00Z") - instant(format_day(d) + "T00:00:00Z") == kSecondsPerDay);
    }
}

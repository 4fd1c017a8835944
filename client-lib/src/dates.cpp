#include <passkoop/dates.hpp>

#include <charconv>
#include <chrono>
#include <cstdio>

namespace passkoop {
namespace {

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian, days since 1970).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
    std::int64_t y;
    unsigned m, d;
};

Civil civil_from_days(std::int64_t z) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {y + (m <= 2), m, d};
}

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) {
    static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

bool read_number(std::string_view text, std::size_t pos, std::size_t len, unsigned& out) {
    for (std::size_t i = pos; i < pos + len; ++i)
        if (text[i] < '0' || text[i] > '9') return false;
    return std::from_chars(text.data() + pos, text.data() + pos + len, out).ec == std::errc{};
}

constexpr std::int64_t kEpochDaysFrom1970 = kPassEpochUnix / kSecondsPerDay;

// Days since 1970 of a strict YYYY-MM-DD at the start of `text`.
std::optional<std::int64_t> parse_civil(std::string_view text) {
    unsigned y = 0, m = 0, d = 0;
    if (text.size() < 10 || text[4] != '-' || text[7] != '-' || !read_number(text, 0, 4, y) ||
        !read_number(text, 5, 2, m) || !read_number(text, 8, 2, d))
        return std::nullopt;
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return std::nullopt;
    return days_from_civil(y, m, d);
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

std::optional<std::int64_t> parse_day(std::string_view text) {
    if (text.size() != 10) return std::nullopt;
    const auto days = parse_civil(text);
    if (!days) return std::nullopt;
    return *days - kEpochDaysFrom1970;
}

std::string format_day(std::int64_t day) {
    const Civil c = civil_from_days(day + kEpochDaysFrom1970);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(c.y), c.m, c.d);
    return buf;
}

std::string format_day_fr(std::int64_t day) {
    const Civil c = civil_from_days(day + kEpochDaysFrom1970);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02u/%02u/%04lld", c.d, c.m, static_cast<long long>(c.y));
    return buf;
}

std::optional<std::int64_t> parse_instant(std::string_view text) {
    unsigned hh = 0, mm = 0, ss = 0;
    if (text.size() != 20 || text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != 'Z' ||
        !read_number(text, 11, 2, hh) || !read_number(text, 14, 2, mm) || !read_number(text, 17, 2, ss) ||
        hh > 23 || mm > 59 || ss > 59)
        return std::nullopt;
    const auto days = parse_civil(text);
    if (!days) return std::nullopt;
    return *days * kSecondsPerDay + hh * 3600 + mm * 60 + ss;
}

std::string format_instant(std::int64_t unix_seconds) {
    const std::int64_t days = floor_div(unix_seconds, kSecondsPerDay);
    const std::int64_t secs = unix_seconds - days * kSecondsPerDay;
    const Civil c = civil_from_days(days);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", static_cast<long long>(c.y), c.m,
                  c.d, static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                  static_cast<long long>(secs % 60));
    return buf;
}

// The epoch is a whole day, so whole days are subtracted: any instant, even near the int64 limits.
std::int64_t day_of(std::int64_t unix_seconds) { return floor_div(unix_seconds, kSecondsPerDay) - kEpochDaysFrom1970; }

std::int64_t start_of_day(std::int64_t day) { return kPassEpochUnix + day * kSecondsPerDay; }

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace passkoop

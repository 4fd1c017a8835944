#include "service/shop_time.hpp"

#include <passkoop/dates.hpp>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <stdexcept>

namespace passkoop::server {

namespace {

// The zone files' folder, as the C library looks for it.
std::filesystem::path zone_folder() {
    const char* dir = std::getenv("TZDIR");
    return dir && *dir ? dir : "/usr/share/zoneinfo";
}

bool is_zone_name(const std::string& name) {
    if (name.empty() || name.size() > 64 || name.front() == '/' || name.find("..") != std::string::npos) return false;
    for (const char c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' || c == '+')) return false;
    return std::filesystem::is_regular_file(zone_folder() / name);
}

// Unix seconds of local midnight on a date; DST resolved by the zone rules (a midnight that does
// not exist, in a spring gap, moves forward).
std::int64_t local_midnight(std::int64_t day) {
    const auto utc_midnight = static_cast<std::time_t>(start_of_day(day));
    std::tm tm{};
    ::gmtime_r(&utc_midnight, &tm);  // the calendar date, whatever the year
    tm.tm_isdst = -1;
    return static_cast<std::int64_t>(std::mktime(&tm));
}

}  // namespace

void use_time_zone(const std::string& name) {
    if (!is_zone_name(name)) throw std::invalid_argument(name);
    ::setenv("TZ", name.c_str(), 1);
    ::tzset();
}

LocalTime local_time(std::int64_t instant) {
    const auto t = static_cast<std::time_t>(instant);
    std::tm tm{};
    ::localtime_r(&t, &tm);
    const LocalTime local{0, tm.tm_hour, tm.tm_min, tm.tm_sec};
    // The local date as a day number: the same calendar fields read as UTC.
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    return {day_of(static_cast<std::int64_t>(::timegm(&tm))), local.hour, local.minute, local.second};
}

std::int64_t local_day_start(std::int64_t day) { return local_midnight(day); }

std::pair<std::int64_t, std::int64_t> local_day_bounds(std::int64_t instant) {
    const std::int64_t day = local_time(instant).day;
    return {local_day_start(day), local_day_start(day + 1)};
}

std::optional<std::pair<std::int64_t, std::int64_t>> local_month_bounds(std::string_view month) {
    if (month.size() != 7 || month[4] != '-') return std::nullopt;
    const auto first = parse_day(std::string{month} + "-01");
    if (!first) return std::nullopt;
    const int year = std::stoi(std::string{month.substr(0, 4)});
    const int mon = std::stoi(std::string{month.substr(5, 2)});
    const int next_year = mon == 12 ? year + 1 : year;
    const int next_mon = mon == 12 ? 1 : mon + 1;
    const auto next = parse_day(std::to_string(next_year) + (next_mon < 10 ? "-0" : "-") + std::to_string(next_mon) + "-01");
    // December 9999 has no next month to parse; December has 31 days.
    return std::pair{local_day_start(*first), local_day_start(next.value_or(*first + 31))};
}

}  // namespace passkoop::server

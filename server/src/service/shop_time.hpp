// The shop's calendar: the dates and times people read or choose (the CSV's date and hour,
// "today's visits", the months of reports, from/to dates) are in the shop's time zone, while the
// ledger keeps UTC instants. The zone is the process's (TZ), set once at start: passkoopd serves
// one shop, and the C library's zone functions (localtime_r, mktime) then follow the IANA
// database with its DST rules, with nothing hand-written.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace passkoop::server {

// Uses the IANA zone `name` (e.g. "Europe/Paris") for the rest of the process; call it before any
// thread starts. Throws std::invalid_argument for a name the zone database does not have.
void use_time_zone(const std::string& name);

// A local calendar date and wall-clock time.
struct LocalTime {
    std::int64_t day = 0;  // pass day (days since 2020-01-01) of the local date
    int hour = 0, minute = 0, second = 0;
};
[[nodiscard]] LocalTime local_time(std::int64_t instant);

// The instant of local midnight at the start of a date (a pass day).
[[nodiscard]] std::int64_t local_day_start(std::int64_t day);
// [start, end) of the local day containing `instant`: 23 or 25 hours on DST days.
[[nodiscard]] std::pair<std::int64_t, std::int64_t> local_day_bounds(std::int64_t instant);
// [start, end) of a local "YYYY-MM" month; nothing if the text is not a month.
[[nodiscard]] std::optional<std::pair<std::int64_t, std::int64_t>> local_month_bounds(std::string_view month);

}  // namespace passkoop::server

// Calendar helpers. Passes count days since 2020-01-01 UTC; documents use
// "YYYY-MM-DD" dates and "YYYY-MM-DDTHH:MM:SSZ" instants (UTC, no fraction, no offset).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace passkoop {

// Unix time counts no leap seconds: every day is this long.
inline constexpr std::int64_t kSecondsPerDay = 86400;

// Unix time of 2020-01-01T00:00:00Z, the pass epoch.
inline constexpr std::int64_t kPassEpochUnix = 1577836800;

// Days since 2020-01-01 for a strict "YYYY-MM-DD" (years 1970..9999); nullopt if invalid.
[[nodiscard]] std::optional<std::int64_t> parse_day(std::string_view text);
std::string format_day(std::int64_t day);
// French display form "dd/mm/yyyy".
std::string format_day_fr(std::int64_t day);

// Unix seconds for a strict "YYYY-MM-DDTHH:MM:SSZ"; nullopt if invalid.
[[nodiscard]] std::optional<std::int64_t> parse_instant(std::string_view text);
std::string format_instant(std::int64_t unix_seconds);

// The pass day (days since 2020-01-01) containing a Unix instant.
std::int64_t day_of(std::int64_t unix_seconds);
// Unix seconds at 00:00:00Z of a pass day.
std::int64_t start_of_day(std::int64_t day);

std::int64_t unix_now();

}  // namespace passkoop

// CSV records (RFC 4180 quoting, ',' or ';'), each with the line it starts on. A record that is
// too long or has too many columns is reported and reading resumes after the end of that record,
// quotes honoured (a line break inside a quoted field does not end it), so one bad record never
// hides the rest of the file and no text from inside a record is ever read as a record. An
// unclosed quote runs to the end of the file: everything after it is inside that record.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace passkoop::cards {

inline constexpr std::size_t kMaxCsvRecordBytes = 4096;
inline constexpr std::size_t kMaxCsvFields = 200;

struct CsvRecord {
    std::size_t line = 0;             // 1-based line where the record starts
    std::vector<std::string> fields;  // empty, with `error` set, for a record that could not be read
    std::string error;
};

// Blank lines are skipped. `text` must already be UTF-8 without a BOM.
std::vector<CsvRecord> read_csv(std::string_view text, char separator);

// A field quoted when it holds the separator, a quote or a line end.
std::string csv_field(std::string_view value, char separator = ',');

// A cell starting with = + - @, a tab or a carriage return is read as a formula by spreadsheets
// (CSV injection). The same rule as the server's exports (server/src/reports.cpp).
[[nodiscard]] bool starts_like_formula(std::string_view text);
// Free text for a file people open in a spreadsheet: as csv_field, but a value that starts like a
// formula is quoted with a single quote in front, inside the quotes. A value that starts with a
// single quote gets one too, so that from_spreadsheet_safe_field gives back exactly `value`.
std::string spreadsheet_safe_field(std::string_view value, char separator = ',');
// The value spreadsheet_safe_field wrote, from the field read_csv gives.
std::string_view from_spreadsheet_safe_field(std::string_view field);

}  // namespace passkoop::cards

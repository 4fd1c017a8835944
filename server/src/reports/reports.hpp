// Exports and reports of the visiteurs ledger (DESIGN §7): CSV for French spreadsheets and
// RFC 4180, and the monthly report per origin coop with the visitor-share warning.
#pragma once

#include "store/ledger.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <map>
#include <string_view>
#include <utility>
#include <optional>
#include <string>
#include <vector>

namespace passkoop::server {

enum class CsvDialect {
    french,   // ';' separator, decimal comma, dd/mm/yyyy, UTF-8 with BOM, CRLF
    rfc4180,  // ',' separator, decimal point, ISO 8601 dates, UTF-8 without BOM, CRLF
};

using CoopNames = std::map<std::uint16_t, std::string>;

// One line per row; no pass id and no visitor key leave the shop in an export.
[[nodiscard]] std::string visits_csv(const std::vector<VisitRow>& rows, CsvDialect dialect, const CoopNames& names);

// [start, end) in Unix seconds of a "YYYY-MM" month in the shop's time zone; nullopt if the text is not a month.
[[nodiscard]] std::optional<std::pair<std::int64_t, std::int64_t>> month_bounds(std::string_view month);

struct MonthlyLine {
    std::uint16_t coop = 0;  // 0 on the total line
    std::string name;
    std::int64_t visits = 0;             // rows of kind purchase or visit
    std::int64_t distinct_visitors = 0;  // distinct visitor keys (verified passes)
    std::int64_t declared = 0;           // rows of declared (cardless, unverified) visitors
    std::int64_t overrides = 0;          // rows recorded against a refusal
    std::int64_t purchase_cents = 0, deposit_cents = 0, refund_cents = 0;
};

struct MonthlyReport {
    std::string month;  // YYYY-MM
    std::vector<MonthlyLine> coops;  // sorted by coop number
    MonthlyLine total;
    std::optional<std::int64_t> cap_cents;  // the shop's monthly cap on visitor purchases
    std::int64_t share_percent = 0;         // purchases as a percentage of the cap (integer, floor)
    bool warning = false;                   // share_percent >= warn_percent
};

// `rows` are the rows of that month. `warn_percent` is where the visitor-share warning starts.
[[nodiscard]] MonthlyReport monthly_report(const std::vector<VisitRow>& rows, std::string_view month, const CoopNames& names,
                             std::optional<std::int64_t> cap_cents, std::int64_t warn_percent = 80);
[[nodiscard]] nlohmann::json report_json(const MonthlyReport& report);
[[nodiscard]] std::string report_csv(const MonthlyReport& report, CsvDialect dialect);

}  // namespace passkoop::server

// For managers: the visits as CSV and the monthly report per origin coop (DESIGN §7).
#include "api/handlers.hpp"
#include "api/problem.hpp"
#include "reports/reports.hpp"

#include <nlohmann/json.hpp>

namespace passkoop::server {

namespace {

std::expected<CsvDialect, Problem> dialect_of(const Query& query) {
    const std::string name = query.has("dialect") ? query.get("dialect") : "fr";
    if (name == "fr") return CsvDialect::french;
    if (name == "rfc4180") return CsvDialect::rfc4180;
    return std::unexpected(invalid_field("dialect", "fr, rfc4180"));
}

CoopNames coop_names(const Registry& registry) {
    CoopNames names;
    for (const Coop& c : registry.coops) names[c.number] = c.name;
    return names;
}

// Every row the query selects, read a page at a time.
std::vector<VisitRow> all_rows(const Ledger& ledger, VisitQuery query) {
    std::vector<VisitRow> rows;
    query.limit = 5000;
    for (;;) {
        auto page = ledger.list(query);
        rows.insert(rows.end(), page.begin(), page.end());
        if (static_cast<std::int64_t>(page.size()) < query.limit) return rows;
        query.after_id = page.back().id;
    }
}

}  // namespace

Response handlers::visits_csv(Services& services, const Call& call) {
    const auto dialect = dialect_of(call.query);
    if (!dialect) return problem_response(dialect.error());
    const auto range = call.query.time_range();
    if (!range) return problem_response(range.error());
    VisitQuery query;
    query.from = range->from;
    query.to = range->to;
    const auto rows = all_rows(services.ledger, query);
    return download("text/csv; charset=utf-8", server::visits_csv(rows, *dialect, coop_names(call.registry->bundle.registry)),
                    "visiteurs.csv");
}

Response handlers::monthly_report(Services& services, const Call& call) {
    const auto dialect = dialect_of(call.query);
    if (!dialect) return problem_response(dialect.error());
    const std::string& month = call.query.get("month");
    const auto bounds = month_bounds(month);
    if (!bounds) return problem_response(invalid_field("month", tr("mois AAAA-MM attendu", "month YYYY-MM expected")));
    VisitQuery query;
    query.from = bounds->first;
    query.to = bounds->second;
    const auto rows = all_rows(services.ledger, query);
    const Config& config = services.config;
    const MonthlyReport report = server::monthly_report(rows, month, coop_names(call.registry->bundle.registry),
                                                        config.visitor_cap_cents, config.visitor_cap_warn_percent);
    if (call.query.get("format") == "csv")
        return download("text/csv; charset=utf-8", report_csv(report, *dialect), "rapport-" + month + ".csv");
    return json_response(http::status::ok, report_json(report));
}

}  // namespace passkoop::server

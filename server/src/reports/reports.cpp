#include "reports/reports.hpp"

#include "service/shop_time.hpp"

#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/policy.hpp>
#include <passkoop/verifier.hpp>

#include <nlohmann/json.hpp>

#include <limits>
#include <set>
#include <stdexcept>

namespace passkoop::server {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr std::string_view kCrlf = "\r\n";

char separator(CsvDialect dialect) { return dialect == CsvDialect::french ? ';' : ','; }

// A cell starting with one of these is read as a formula by spreadsheets (CSV injection).
// '\r' is on OWASP's list too; such a cell is quoted anyway.
bool starts_like_formula(std::string_view text) {
    return !text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' ||
                             text[0] == '\t' || text[0] == '\r');
}

// Free text from tills and cashiers. The formula defusal (a leading single quote inside the
// quotes) applies to the RFC 4180 dialect too: its files are opened in spreadsheets just as often,
// and a reader that wants the raw text can strip the quote. Numbers and dates we format ourselves
// go through `raw` instead, so a negative amount stays a number.
void text_cell(std::string& out, std::string_view text, CsvDialect dialect) {
    const char sep = separator(dialect);
    const bool defuse = starts_like_formula(text);
    const bool quote = defuse || text.find_first_of(std::string{sep, '"', '\r', '\n'}) != std::string_view::npos;
    if (!quote) {
        out += text;
        return;
    }
    out += '"';
    if (defuse) out += '\'';
    for (const char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
}

class CsvWriter {
public:
    explicit CsvWriter(CsvDialect dialect) : dialect_(dialect) {
        if (dialect_ == CsvDialect::french) out_ += kBom;
    }
    CsvWriter& text(std::string_view value) {
        next();
        text_cell(out_, value, dialect_);
        return *this;
    }
    // Only for values this file formats itself (numbers, dates, fixed labels without separators).
    CsvWriter& raw(std::string_view value) {
        next();
        out_ += value;
        return *this;
    }
    void end_line() {
        out_ += kCrlf;
        first_ = true;
    }
    std::string take() { return std::move(out_); }

private:
    void next() {
        if (!first_) out_ += separator(dialect_);
        first_ = false;
    }
    CsvDialect dialect_;
    std::string out_;
    bool first_ = true;
};

void header(CsvWriter& csv, std::initializer_list<std::string_view> labels) {
    for (const auto label : labels) csv.text(label);
    csv.end_line();
}

// "12,50" / "12.50", "-3,05"; cents always two digits. Exact for the whole int64 range.
std::string format_amount(std::int64_t cents, CsvDialect dialect) {
    const bool negative = cents < 0;
    const std::uint64_t magnitude =
        negative ? std::uint64_t{0} - static_cast<std::uint64_t>(cents) : static_cast<std::uint64_t>(cents);
    std::string out = negative ? "-" : "";
    out += std::to_string(magnitude / 100);
    out += dialect == CsvDialect::french ? ',' : '.';
    const auto rest = static_cast<unsigned>(magnitude % 100);
    out += static_cast<char>('0' + rest / 10);
    out += static_cast<char>('0' + rest % 10);
    return out;
}

std::string_view yes_no(bool value, CsvDialect dialect) {
    if (dialect == CsvDialect::french) return value ? "oui" : "non";
    return value ? "true" : "false";
}

std::string_view french_kind(VisitKind kind) {
    switch (kind) {
        case VisitKind::purchase: return "achat";
        case VisitKind::deposit: return "dépôt";
        case VisitKind::refund: return "remboursement";
        case VisitKind::visit: return "visite";
    }
    return to_string(kind);
}

// The French export's "Décision" in the words the cashier read on the page; the RFC 4180 export
// keeps the codes (docs/formats.md §10). A code this version does not know stays as it is.
std::string french_decision(std::string_view code) {
    const ThreadLanguage french(Lang::fr);
    if (code == "declared") return "Visiteur sans carte, sur sa parole";
    for (const Decision d : {Decision::allowed, Decision::own_member, Decision::not_accepted, Decision::limit_reached,
                             Decision::last_allowed_visit, Decision::tester_other_coop})
        if (to_string(d) == code) return message(d);
    if (const auto result = result_code_from_string(code)) return message(*result);
    return std::string{code};
}

std::string two_digits(int n) { return (n < 10 ? "0" : "") + std::to_string(n); }

std::string coop_name(const CoopNames& names, std::uint16_t coop) {
    const auto it = names.find(coop);
    return it != names.end() ? it->second : "coop " + std::to_string(coop);
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// floor(amount * 100 / cap) for cap > 0, exact without a 128-bit type; saturates.
std::int64_t percent_of(std::int64_t amount, std::int64_t cap) {
    const std::int64_t whole = floor_div(amount, cap);
    // 0 <= rest < cap, so rest * 100 may overflow: add rest a hundred times modulo cap instead.
    const auto rest = static_cast<std::uint64_t>(amount - whole * cap);
    const auto ucap = static_cast<std::uint64_t>(cap);
    std::uint64_t acc = 0;
    std::int64_t extra = 0;
    for (int i = 0; i < 100; ++i) {
        acc += rest;  // < 2 * 2^63: no wrap
        if (acc >= ucap) {
            acc -= ucap;
            ++extra;
        }
    }
    constexpr auto max = std::numeric_limits<std::int64_t>::max();
    constexpr auto min = std::numeric_limits<std::int64_t>::min();
    if (whole > (max - extra) / 100) return max;
    if (whole < min / 100) return min;
    return whole * 100 + extra;
}

// What a row adds to its kind's total. Tills send amounts from 0 to kMaxAmountCents, the kind
// saying which way the money goes; earlier versions also took refunds as negative amounts (they
// count as their size) and amounts beyond the bound, which no till sells: such an amount is left
// out rather than let it swamp or overflow the month's totals.
std::int64_t counted_cents(const VisitRow& row) {
    const std::int64_t cents = row.amount_cents;
    if (cents < -kMaxAmountCents || cents > kMaxAmountCents) return 0;
    return row.kind == VisitKind::refund && cents < 0 ? -cents : cents;
}

void add_row(MonthlyLine& line, std::set<std::string>& visitors, const VisitRow& row) {
    if (counts_as_visit(row.kind)) ++line.visits;
    if (row.visitor_key) visitors.insert(*row.visitor_key);
    if (!row.verified) ++line.declared;
    if (row.override_policy) ++line.overrides;
    switch (row.kind) {
        case VisitKind::purchase: line.purchase_cents += counted_cents(row); break;
        case VisitKind::deposit: line.deposit_cents += counted_cents(row); break;
        case VisitKind::refund: line.refund_cents += counted_cents(row); break;
        case VisitKind::visit: break;
    }
}

nlohmann::json line_json(const MonthlyLine& line) {
    return {{"visits", line.visits},
            {"distinct_visitors", line.distinct_visitors},
            {"declared", line.declared},
            {"overrides", line.overrides},
            {"purchase_cents", line.purchase_cents},
            {"deposit_cents", line.deposit_cents},
            {"refund_cents", line.refund_cents}};
}

std::string warning_message(std::int64_t percent) {
    const std::string n = std::to_string(percent);
    if (percent > 100)
        return tr(("Les achats des visiteurs dépassent le plafond mensuel : " + n + " %").c_str(),
                  ("Visitor purchases exceed the monthly cap: " + n + "%").c_str());
    return tr(("Les achats des visiteurs atteignent " + n + " % du plafond mensuel").c_str(),
              ("Visitor purchases reach " + n + "% of the monthly cap").c_str());
}

}  // namespace

std::string visits_csv(const std::vector<VisitRow>& rows, CsvDialect dialect, const CoopNames& names) {
    const bool fr = dialect == CsvDialect::french;
    CsvWriter csv(dialect);
    if (fr)
        header(csv, {"N°", "Date", "Heure", "Caisse", "Caissier", "Type", "Coop d'origine", "N° coop", "Vérifié",
                     "Dérogation", "Décision", "Montant", "Devise", "Ticket", "Note"});
    else
        header(csv, {"id", "occurred_at", "till", "cashier", "kind", "origin_coop_name", "origin_coop", "verified",
                     "override", "decision", "amount", "currency", "ticket", "note"});
    for (const VisitRow& row : rows) {
        csv.raw(std::to_string(row.id));
        if (fr) {
            // What the till's ticket shows: the shop's local date and time.
            const LocalTime local = local_time(row.occurred_at);
            csv.raw(format_day_fr(local.day));
            csv.raw(two_digits(local.hour) + ":" + two_digits(local.minute));
        } else {
            csv.raw(format_instant(row.occurred_at));
        }
        csv.text(row.till).text(row.cashier);
        csv.text(fr ? french_kind(row.kind) : to_string(row.kind));
        csv.text(coop_name(names, row.origin_coop)).raw(std::to_string(row.origin_coop));
        csv.raw(yes_no(row.verified, dialect)).raw(yes_no(row.override_policy, dialect));
        csv.text(fr ? french_decision(row.decision) : row.decision).raw(format_amount(row.amount_cents, dialect));
        csv.text(row.currency).text(row.ticket).text(row.note);
        csv.end_line();
    }
    return csv.take();
}

std::optional<std::pair<std::int64_t, std::int64_t>> month_bounds(std::string_view month) { return local_month_bounds(month); }

// `month` must be a valid "YYYY-MM" (check it with month_bounds first): anything else is misuse
// and throws std::invalid_argument. Rows outside the month are not counted. A cap that is absent
// or not positive means no cap: no share and no warning. Amounts are summed whatever their currency
// (the shop works in one currency, EUR by default).
MonthlyReport monthly_report(const std::vector<VisitRow>& rows, std::string_view month, const CoopNames& names,
                             std::optional<std::int64_t> cap_cents, std::int64_t warn_percent) {
    const auto bounds = month_bounds(month);
    if (!bounds) throw std::invalid_argument("monthly_report: month is not YYYY-MM");

    MonthlyReport report;
    report.month = std::string{month};
    std::map<std::uint16_t, MonthlyLine> lines;
    std::map<std::uint16_t, std::set<std::string>> visitors;
    std::set<std::string> all_visitors;
    for (const VisitRow& row : rows) {
        if (row.occurred_at < bounds->first || row.occurred_at >= bounds->second) continue;
        add_row(lines[row.origin_coop], visitors[row.origin_coop], row);
        add_row(report.total, all_visitors, row);
    }
    for (auto& [coop, line] : lines) {
        line.coop = coop;
        line.name = coop_name(names, coop);
        line.distinct_visitors = static_cast<std::int64_t>(visitors[coop].size());
        report.coops.push_back(std::move(line));
    }
    report.total.coop = 0;
    report.total.name = "Total";
    report.total.distinct_visitors = static_cast<std::int64_t>(all_visitors.size());

    if (cap_cents && *cap_cents > 0) {
        report.cap_cents = cap_cents;
        report.share_percent = percent_of(report.total.purchase_cents, *cap_cents);
        report.warning = report.share_percent >= warn_percent;
    }
    return report;
}

nlohmann::json report_json(const MonthlyReport& report) {
    nlohmann::json coops = nlohmann::json::array();
    for (const MonthlyLine& line : report.coops) {
        nlohmann::json j = line_json(line);
        j["coop"] = line.coop;
        j["name"] = line.name;
        coops.push_back(std::move(j));
    }
    nlohmann::json out;
    out["month"] = report.month;
    out["coops"] = std::move(coops);
    out["total"] = line_json(report.total);
    out["cap_cents"] = report.cap_cents ? nlohmann::json(*report.cap_cents) : nlohmann::json(nullptr);
    out["share_percent"] = report.cap_cents ? nlohmann::json(report.share_percent) : nlohmann::json(nullptr);
    out["warning"] = report.warning;
    out["warning_message"] =
        report.warning ? nlohmann::json(warning_message(report.share_percent)) : nlohmann::json(nullptr);
    return out;
}

std::string report_csv(const MonthlyReport& report, CsvDialect dialect) {
    const bool fr = dialect == CsvDialect::french;
    CsvWriter csv(dialect);
    if (fr)
        header(csv, {"Mois", "N° coop", "Coop", "Visites", "Visiteurs distincts", "Déclarés", "Dérogations", "Achats",
                     "Dépôts", "Remboursements"});
    else
        header(csv, {"month", "coop", "name", "visits", "distinct_visitors", "declared", "overrides", "purchase_amount",
                     "deposit_amount", "refund_amount"});
    const auto line_out = [&](const MonthlyLine& line, bool total) {
        csv.text(report.month);
        // The total line belongs to no coop: an empty cell rather than a misleading 0.
        csv.raw(total ? std::string{} : std::to_string(line.coop));
        csv.text(line.name);
        csv.raw(std::to_string(line.visits)).raw(std::to_string(line.distinct_visitors));
        csv.raw(std::to_string(line.declared)).raw(std::to_string(line.overrides));
        csv.raw(format_amount(line.purchase_cents, dialect)).raw(format_amount(line.deposit_cents, dialect));
        csv.raw(format_amount(line.refund_cents, dialect));
        csv.end_line();
    };
    for (const MonthlyLine& line : report.coops) line_out(line, false);
    line_out(report.total, true);
    return csv.take();
}

}  // namespace passkoop::server

#include "api/query.hpp"

#include "service/shop_time.hpp"

#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>

#include <algorithm>
#include <charconv>

namespace passkoop::server {

namespace {

std::string percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') out += ' ';
        else if (s[i] == '%' && i + 2 < s.size()) {
            int v = 0;
            const auto r = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
            if (r.ec == std::errc{} && r.ptr == s.data() + i + 3) {
                out += static_cast<char>(v);
                i += 2;
            } else {
                out += s[i];
            }
        } else {
            out += s[i];
        }
    }
    return out;
}

}  // namespace

Query::Query(std::string_view query) {
    for (std::size_t pos = 0; pos < query.size() && values_.size() < 32;) {
        const auto amp = std::min(query.find('&', pos), query.size());
        const std::string_view pair = query.substr(pos, amp - pos);
        const auto eq = pair.find('=');
        values_[percent_decode(pair.substr(0, eq))] = eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
        pos = amp + 1;
    }
}

const std::string& Query::get(const std::string& name) const {
    static const std::string none;
    const auto it = values_.find(name);
    return it == values_.end() ? none : it->second;
}

std::expected<std::optional<std::int64_t>, Problem> Query::integer(const std::string& name, std::int64_t min, std::int64_t max) const {
    if (!has(name)) return std::nullopt;
    std::int64_t n = 0;
    const std::string& s = get(name);
    const auto r = std::from_chars(s.data(), s.data() + s.size(), n);
    if (r.ec != std::errc{} || r.ptr != s.data() + s.size() || n < min || n > max)
        return std::unexpected(invalid_field(name, tr("entier attendu", "integer expected")));
    return n;
}

std::expected<Query::TimeRange, Problem> Query::time_range() const {
    TimeRange range;
    for (const auto& [name, target] : {std::pair{"from", &range.from}, {"to", &range.to}}) {
        if (!has(name)) continue;
        const std::string& text = get(name);
        // A date is the shop's local day; a "to" date includes that whole day (23 or 25 hours when the clocks change).
        const auto day = parse_day(text);
        if (day) *target = local_day_start(name == std::string_view("to") ? *day + 1 : *day);
        else *target = parse_instant(text);
        if (!*target) return std::unexpected(invalid_field(name, tr("date AAAA-MM-JJ attendue", "date YYYY-MM-DD expected")));
    }
    return range;
}

}  // namespace passkoop::server

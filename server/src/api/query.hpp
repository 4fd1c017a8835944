// The query string of a request, parsed once: percent-decoded pairs, and the typed readings the
// endpoints share (a time range, a bounded integer).
#pragma once

#include "api/problem.hpp"

#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace passkoop::server {

class Query {
public:
    Query() = default;
    // At most 32 pairs are kept; a name given twice keeps its last value.
    explicit Query(std::string_view query_string);

    [[nodiscard]] bool has(const std::string& name) const { return values_.contains(name); }
    // The value, or "" when absent.
    [[nodiscard]] const std::string& get(const std::string& name) const;

    // An integer within [min, max], or nothing when absent; a problem when it is not one.
    [[nodiscard]] std::expected<std::optional<std::int64_t>, Problem> integer(const std::string& name, std::int64_t min, std::int64_t max) const;

    // `from` and `to` as Unix seconds, [from, to): each a date ("YYYY-MM-DD", a local day of the
    // shop, a "to" date including its whole day) or an instant; a problem for anything else.
    struct TimeRange {
        std::optional<std::int64_t> from, to;
    };
    [[nodiscard]] std::expected<TimeRange, Problem> time_range() const;

private:
    std::map<std::string, std::string> values_;
};

}  // namespace passkoop::server

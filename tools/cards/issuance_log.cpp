#include "issuance_log.hpp"

#include "csv.hpp"

#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/revocations.hpp>

#include <charconv>

namespace passkoop::cards {

namespace {
constexpr const char* kHeader = "member,sequence,pass_id,issued,expiry,name,revoked,reason";

template <class T>
bool parse_int(std::string_view s, T& out) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && end == s.data() + s.size() && !s.empty();
}
}  // namespace

const IssuedCard* IssuanceLog::latest(std::uint64_t member) const {
    const IssuedCard* best = nullptr;
    for (const IssuedCard& c : cards)
        if (c.member == member && (!best || c.sequence > best->sequence)) best = &c;
    return best;
}

int IssuanceLog::next_sequence(std::uint64_t member) const {
    const IssuedCard* last = latest(member);
    return last ? last->sequence + 1 : 0;
}

std::expected<IssuanceLog, std::string> parse_issuance_log(std::string_view text) {
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    const auto records = read_csv(text, ',');
    if (records.empty() || records.front().fields.size() != 8 || records.front().fields[0] != "member")
        return std::unexpected(tr("ce n'est pas un journal d'émission (en-tête attendu : ", "not an issuance log (header expected: ") +
                               std::string(kHeader) + ")");
    IssuanceLog log;
    for (std::size_t i = 1; i < records.size(); ++i) {
        const CsvRecord& r = records[i];
        const auto bad = [&] { return std::unexpected(tr("ligne ", "line ") + std::to_string(r.line) + tr(" illisible", " unreadable")); };
        if (!r.error.empty() || r.fields.size() != 8) return bad();
        IssuedCard c;
        const auto issued = parse_day(r.fields[3]), expiry = parse_day(r.fields[4]);
        if (!parse_int(r.fields[0], c.member) || !parse_int(r.fields[1], c.sequence) || c.sequence < 0 || c.sequence > 255 ||
            !parse_pass_id(r.fields[2]) || !issued || !expiry)
            return bad();
        c.pass_id = r.fields[2], c.issued_day = *issued, c.expiry_day = *expiry;
        c.name = std::string(from_spreadsheet_safe_field(r.fields[5]));
        if (!r.fields[6].empty()) {
            const auto revoked = parse_day(r.fields[6]);
            if (!revoked || (r.fields[7] != "lost" && r.fields[7] != "departed" && r.fields[7] != "failed")) return bad();
            c.revoked_day = *revoked, c.reason = r.fields[7];
        }
        log.cards.push_back(std::move(c));
    }
    return log;
}

// Coops open this log in a spreadsheet: a name from the member export must not run as a formula.
std::string issuance_log_text(const IssuanceLog& log) {
    std::string out = std::string(kHeader) + "\n";
    for (const IssuedCard& c : log.cards) {
        out += std::to_string(c.member) + "," + std::to_string(c.sequence) + "," + c.pass_id + "," + format_day(c.issued_day) + "," +
               format_day(c.expiry_day) + "," + spreadsheet_safe_field(c.name) + "," + (c.revoked_day ? format_day(*c.revoked_day) : "") + "," +
               c.reason + "\n";
    }
    return out;
}

}  // namespace passkoop::cards

#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/json_limits.hpp>
#include <passkoop/registry.hpp>
#include <passkoop/revocations.hpp>

#include "revocations_internal.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <optional>

namespace passkoop {

using nlohmann::json;

std::string pass_id_hex(std::uint64_t id) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(id));
    return buf;
}

std::expected<std::uint64_t, std::string> parse_pass_id(std::string_view hex) {
    std::uint64_t id = 0;
    bool ok = hex.size() == 16;
    for (std::size_t i = 0; ok && i < hex.size(); ++i) {
        const char c = hex[i];
        const int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        ok = v >= 0;
        id = id << 4 | static_cast<std::uint64_t>(v < 0 ? 0 : v);
    }
    if (!ok)
        return std::unexpected(tr("identifiant de pass : 16 caractères hexadécimaux minuscules attendus",
                                  "pass id: 16 lowercase hex characters expected") +
                               std::string(" (") + std::string(hex.substr(0, 40)) + ")");
    return id;
}

namespace {

// Reads the exact text that revocations_payload() writes: compact JSON, keys in sorted order,
// integers of at most 15 digits, strings of printable ASCII without escapes.
class CanonicalReader {
public:
    explicit CanonicalReader(std::string_view text) : rest_(text) {}

    bool literal(std::string_view expected) {
        if (!rest_.starts_with(expected)) return false;
        rest_.remove_prefix(expected.size());
        return true;
    }

    // No sign, no leading zero, no fraction or exponent; 15 digits stay below 2^53.
    std::optional<std::int64_t> integer() {
        std::size_t n = 0;
        while (n < rest_.size() && n <= 15 && rest_[n] >= '0' && rest_[n] <= '9') ++n;
        if (n == 0 || n > 15 || (n > 1 && rest_[0] == '0')) return std::nullopt;
        std::int64_t value = 0;
        for (std::size_t i = 0; i < n; ++i) value = value * 10 + (rest_[i] - '0');
        rest_.remove_prefix(n);
        return value;
    }

    std::optional<std::string_view> string() {
        if (!literal("\"")) return std::nullopt;
        for (std::size_t n = 0; n < rest_.size(); ++n) {
            const auto c = static_cast<unsigned char>(rest_[n]);
            if (c == '"') {
                const std::string_view value = rest_.substr(0, n);
                rest_.remove_prefix(n + 1);
                return value;
            }
            if (c < 0x20 || c > 0x7E || c == '\\') return std::nullopt;
        }
        return std::nullopt;
    }

    bool at_end() const { return rest_.empty(); }

private:
    std::string_view rest_;
};

}  // namespace

namespace detail {

// Fast path for a list in canonical form (what every issuer writes): a bundle carries 100,000s
// of entries, and building a JSON tree for them dominated load_bundle. Anything else, valid or
// not, gives nullopt and goes through the general parser, so results and error messages are
// always the general parser's: this reader only accepts text that parser reads the same way.
std::optional<RevocationList> parse_canonical_revocations(std::string_view bytes) {
    CanonicalReader r(bytes);
    RevocationList list;
    if (!r.literal(R"({"coop":)")) return std::nullopt;
    const auto coop = r.integer();
    if (!coop || *coop < 1 || *coop > 65535 || !r.literal(R"(,"entries":[)")) return std::nullopt;
    list.coop = static_cast<std::uint16_t>(*coop);
    if (!r.literal("]")) {
        do {
            if (!r.literal(R"({"pass_id":)")) return std::nullopt;
            const auto id_text = r.string();
            if (!id_text || !r.literal(R"(,"until":)")) return std::nullopt;
            const auto until_text = r.string();
            if (!until_text || !r.literal("}")) return std::nullopt;
            const auto id = parse_pass_id(*id_text);
            const auto until = parse_day(*until_text);
            if (!id || !until) return std::nullopt;
            list.entries.push_back({*id, *until});
        } while (r.literal(","));
        if (!r.literal("]")) return std::nullopt;
    }
    if (!r.literal(R"(,"issued_at":)")) return std::nullopt;
    const auto issued_text = r.string();
    const auto issued_at = issued_text ? parse_instant(*issued_text) : std::nullopt;
    if (!issued_at || !r.literal(R"(,"sequence":)")) return std::nullopt;
    list.issued_at = *issued_at;
    const auto sequence = r.integer();
    if (!sequence || !r.literal(R"(,"type":"passkoop-revocations"})") || !r.at_end()) return std::nullopt;
    list.sequence = *sequence;
    return list;
}

std::expected<RevocationList, std::string> parse_general_revocations(std::string_view bytes) {
    const auto parsed = parse_json_bounded(bytes);
    if (!parsed) return std::unexpected(json_problem_text(parsed.error()));
    const json& doc = *parsed;
    if (!doc.is_object()) return std::unexpected(std::string(tr("JSON invalide", "invalid JSON")));
    std::string where;
    if (!has_only_exact_values(doc, where)) return std::unexpected("revocations" + where);
    auto fail = [](const std::string& field, const char* fr, const char* en) {
        return std::unexpected("revocations." + field + " : " + tr(fr, en));
    };
    if (doc.value("type", json()) != "passkoop-revocations")
        return fail("type", "« passkoop-revocations » attendu", "\"passkoop-revocations\" expected");
    RevocationList list;
    const json coop = doc.value("coop", json());
    if (!coop.is_number_integer() || coop.get<std::int64_t>() < 1 || coop.get<std::int64_t>() > 65535)
        return fail("coop", "numéro de coop 1..65535 attendu", "coop number 1..65535 expected");
    list.coop = static_cast<std::uint16_t>(coop.get<std::int64_t>());
    const json sequence = doc.value("sequence", json());
    if (!sequence.is_number_integer() || sequence.get<std::int64_t>() < 0)
        return fail("sequence", "entier positif attendu", "non-negative integer expected");
    list.sequence = sequence.get<std::int64_t>();
    const json issued = doc.value("issued_at", json());
    const auto issued_at = issued.is_string() ? parse_instant(issued.get<std::string>()) : std::nullopt;
    if (!issued_at) return fail("issued_at", "instant AAAA-MM-JJTHH:MM:SSZ attendu", "instant YYYY-MM-DDTHH:MM:SSZ expected");
    list.issued_at = *issued_at;
    const auto entries = doc.find("entries");
    if (entries == doc.end() || !entries->is_array()) return fail("entries", "tableau attendu", "array expected");
    list.entries.reserve(entries->size());
    for (std::size_t i = 0; i < entries->size(); ++i) {
        const json& e = (*entries)[i];
        const std::string path = "entries[" + std::to_string(i) + "]";
        if (!e.is_object() || !e.contains("pass_id") || !e["pass_id"].is_string() || !e.contains("until") ||
            !e["until"].is_string())
            return fail(path, "pass_id et until attendus", "pass_id and until expected");
        const auto id = parse_pass_id(e["pass_id"].get_ref<const std::string&>());
        if (!id) return std::unexpected("revocations." + path + ".pass_id : " + id.error());
        const auto until = parse_day(e["until"].get_ref<const std::string&>());
        if (!until) return fail(path + ".until", "date AAAA-MM-JJ attendue", "date YYYY-MM-DD expected");
        list.entries.push_back({*id, *until});
    }
    return list;
}

}  // namespace detail

std::expected<RevocationList, std::string> parse_revocations_payload(std::string_view bytes) {
    if (auto canonical = detail::parse_canonical_revocations(bytes)) return std::move(*canonical);
    return detail::parse_general_revocations(bytes);
}

std::string revocations_payload(const RevocationList& list) {
    json entries = json::array();
    for (const auto& e : list.entries) entries.push_back({{"pass_id", pass_id_hex(e.pass_id)}, {"until", format_day(e.until)}});
    const json doc = {{"type", "passkoop-revocations"}, {"coop", list.coop}, {"sequence", list.sequence},
                      {"issued_at", format_instant(list.issued_at)}, {"entries", entries}};
    return doc.dump();
}

}  // namespace passkoop

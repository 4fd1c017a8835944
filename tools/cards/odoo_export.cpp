#include "odoo_export.hpp"

#include <passkoop/text.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/pass.hpp>

#include <array>
#include <charconv>
#include <map>

namespace passkoop::cards {

namespace {

constexpr char32_t kCp1252High[32] = {0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                      0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
                                      0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                      0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Bytes of the character at text[i]; an invalid byte counts as one.
std::size_t character_length(std::string_view text, std::size_t i) {
    return std::max<std::size_t>(1, decode_utf8(text.substr(i)).length);
}

std::string_view trimmed(std::string_view s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// Lowercase, French accents removed, '_' and '-' as spaces, single spaces, trimmed: how
// headers, states and booleans are compared.
std::string folded(std::string_view text) {
    static const std::map<std::string_view, char> accents = {
        {"à", 'a'}, {"â", 'a'}, {"ä", 'a'}, {"À", 'a'}, {"Â", 'a'}, {"é", 'e'}, {"è", 'e'}, {"ê", 'e'}, {"ë", 'e'},
        {"É", 'e'}, {"È", 'e'}, {"Ê", 'e'}, {"î", 'i'}, {"ï", 'i'}, {"Î", 'i'}, {"ô", 'o'}, {"ö", 'o'}, {"Ô", 'o'},
        {"ù", 'u'}, {"û", 'u'}, {"ü", 'u'}, {"Û", 'u'}, {"ç", 'c'}, {"Ç", 'c'}};
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        char c = text[i];
        std::size_t len = 1;
        if (static_cast<unsigned char>(c) >= 0x80) {
            len = character_length(text, i);
            const auto it = accents.find(text.substr(i, len));
            if (it == accents.end()) {
                out.append(text.substr(i, len));
                i += len;
                continue;
            }
            c = it->second;
        }
        i += len;
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c == '_' || c == '-' || c == '\t') c = ' ';
        if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
        out += c;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

enum class Column { name, barcode_base, barcode, state, shift_type, is_member, is_associated, parent };

const std::map<std::string, Column>& header_names() {
    static const std::map<std::string, Column> names = {
        {"name", Column::name},
        {"nom", Column::name},
        {"barcode base", Column::barcode_base},
        {"base du code barre", Column::barcode_base},
        {"barcode", Column::barcode},
        {"code barre", Column::barcode},
        {"cooperative state", Column::state},
        {"statut", Column::state},
        {"shift type", Column::shift_type},
        {"type", Column::shift_type},
        {"is member", Column::is_member},
        {"est un membre", Column::is_member},
        {"is associated people", Column::is_associated},
        {"est une personne rattachee", Column::is_associated},
        {"est une personne associee", Column::is_associated},
        {"parent member num", Column::parent},
        {"numero parent", Column::parent}};
    return names;
}

std::map<Column, std::size_t> match_header(const std::vector<std::string>& fields, bool& french) {
    std::map<Column, std::size_t> found;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        const std::string f = folded(fields[i]);
        const auto it = header_names().find(f);
        if (it != header_names().end() && !found.contains(it->second)) found[it->second] = i;
        if (f == "nom") french = true;
    }
    return found;
}

std::optional<bool> boolean(std::string_view value) {
    const std::string v = folded(value);
    if (v == "true" || v == "vrai" || v == "oui" || v == "yes" || v == "1") return true;
    if (v == "false" || v == "faux" || v == "non" || v == "no" || v == "0" || v.empty()) return false;
    return std::nullopt;
}

// Digits only; empty and 0 (Odoo's "not set") give nullopt; a bad value sets `bad`.
std::optional<std::uint64_t> number(std::string_view value, bool& bad) {
    value = trimmed(value);
    if (value.empty()) return std::nullopt;
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc{} || end != value.data() + value.size() || value.front() == '+' || n > kMaxMemberNumber) {
        bad = true;
        return std::nullopt;
    }
    if (n == 0) return std::nullopt;
    return n;
}

// The first character of `word` in uppercase (ASCII and Latin-1 letters), as UTF-8.
std::string initial(std::string_view word) {
    const std::size_t len = character_length(word, 0);
    std::string first(word.substr(0, len));
    if (len == 1 && first[0] >= 'a' && first[0] <= 'z') first[0] = static_cast<char>(first[0] - 'a' + 'A');
    if (len == 2 && static_cast<unsigned char>(first[0]) == 0xC3) {
        const auto low = static_cast<unsigned char>(first[1]);
        if (low >= 0xA0 && low <= 0xBE && low != 0xB7) first[1] = static_cast<char>(low - 0x20);
    }
    return first;
}

// At most `limit` bytes, cut on a character boundary.
std::string cut(std::string_view text, std::size_t limit) {
    std::size_t end = 0;
    while (end < text.size()) {
        const std::size_t len = character_length(text, end);
        if (end + len > limit) break;
        end += len;
    }
    return std::string(trimmed(text.substr(0, end)));
}

}  // namespace

std::string windows1252_to_utf8(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() + bytes.size() / 8);
    for (const char ch : bytes) {
        const auto c = static_cast<unsigned char>(ch);
        append_utf8(out, c < 0x80 || c >= 0xA0 ? char32_t{c} : kCp1252High[c - 0x80]);
    }
    return out;
}

std::string canonical_state(std::string_view value) {
    static const std::map<std::string, std::string> states = {
        {"up to date", "up_to_date"}, {"a jour", "up_to_date"},       {"alert", "alert"},
        {"alerte", "alert"},          {"delay", "delay"},             {"delai", "delay"},
        {"exempted", "exempted"},     {"exempte", "exempted"},        {"suspended", "suspended"},
        {"suspendu", "suspended"},    {"unsubscribed", "unsubscribed"}, {"desinscrit", "unsubscribed"},
        {"gone", "gone"},             {"parti", "gone"},              {"blocked", "blocked"},
        {"bloque", "blocked"},        {"unpayed", "unpayed"},         {"unpaid", "unpayed"},
        {"non paye", "unpayed"},      {"impaye", "unpayed"},          {"not concerned", "not_concerned"},
        {"non concerne", "not_concerned"}};
    const std::string f = folded(value);
    const auto it = states.find(f);
    return it == states.end() ? f : it->second;
}

std::string french_state_label(std::string_view canonical) {
    static const std::map<std::string, std::string, std::less<>> labels = {
        {"up_to_date", "A jour"}, {"alert", "Alerte"},     {"delay", "Délai"},   {"exempted", "Exempté"},
        {"suspended", "Suspendu"}, {"unsubscribed", "Désinscrit"}, {"gone", "Parti"}, {"blocked", "Bloqué"},
        {"unpayed", "Impayé"},    {"not_concerned", "Non concerné"}};
    const auto it = labels.find(canonical);
    return it == labels.end() ? std::string(canonical) : it->second;
}

const std::set<std::string>& default_shopping_states() {
    static const std::set<std::string> states = {"up_to_date", "alert", "delay", "exempted"};
    return states;
}

std::string display_name(std::string_view odoo_name, NameStyle style) {
    if (style == NameStyle::none) return {};
    // Every character a pass's name may not hold (controls, line separators, bidirectional
    // overrides, invalid bytes) becomes a space; runs of spaces collapsed.
    std::string clean;
    for (std::size_t i = 0; i < odoo_name.size();) {
        const Utf8Character decoded = decode_utf8(odoo_name.substr(i));
        const std::size_t len = std::max<std::size_t>(1, decoded.length);  // an invalid byte alone
        const std::string_view c = odoo_name.substr(i, len);
        i += len;
        const bool space = c == " " || decoded.length == 0 || !is_printable_character(decoded.value);
        if (space && (clean.empty() || clean.back() == ' ')) continue;
        clean += space ? std::string_view(" ") : c;
    }
    const std::string_view name = trimmed(clean);
    std::string_view first, last;
    if (const auto comma = name.find(','); comma != std::string_view::npos) {
        last = trimmed(name.substr(0, comma)), first = trimmed(name.substr(comma + 1));
    } else if (const auto space = name.find(' '); space != std::string_view::npos) {
        first = name.substr(0, space), last = trimmed(name.substr(space + 1));
    } else {
        first = name;
    }
    std::string out;
    if (style == NameStyle::full) {
        out = first.empty() ? std::string(last) : last.empty() ? std::string(first) : std::string(first) + " " + std::string(last);
        return cut(out, kMaxNameBytes);
    }
    if (first.empty()) return cut(last, kMaxNameBytes);
    if (last.empty()) return cut(first, kMaxNameBytes);
    const std::string tail = " " + initial(last) + ".";
    return cut(first, kMaxNameBytes - tail.size()) + tail;
}

MemberExport read_member_export(std::string_view bytes, Encoding encoding) {
    if (bytes.size() > kMaxExportBytes)
        throw ExportError(tr("export trop gros (64 Mio au plus)", "export too large (64 MiB at most)"));
    MemberExport result;
    std::string text;
    if (bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3), encoding = Encoding::utf8;
    if (encoding == Encoding::automatic) encoding = is_valid_utf8(bytes) ? Encoding::utf8 : Encoding::windows1252;
    if (encoding == Encoding::utf8 && !is_valid_utf8(bytes))
        throw ExportError(tr("le fichier n'est pas en UTF-8 (essayez --encoding windows-1252)",
                             "the file is not UTF-8 (try --encoding windows-1252)"));
    text = encoding == Encoding::utf8 ? std::string(bytes) : windows1252_to_utf8(bytes);
    result.encoding = encoding;

    // The header decides the separator: the one that names more known columns.
    const std::string_view first_line = std::string_view(text).substr(0, std::min(text.find('\n'), kMaxCsvRecordBytes));
    std::map<Column, std::size_t> columns;
    for (const char sep : {',', ';'}) {
        const auto header = read_csv(first_line, sep);
        bool french = false;
        auto found = header.empty() ? std::map<Column, std::size_t>{} : match_header(header.front().fields, french);
        if (found.size() > columns.size()) columns = std::move(found), result.separator = sep, result.french_headers = french;
    }
    std::string missing;
    for (const auto& [column, label] : {std::pair{Column::name, "name / Nom"}, {Column::barcode_base, "barcode_base / Base du code Barre"},
                                        {Column::state, "cooperative_state / Statut"}, {Column::is_member, "is_member / Est un membre"}})
        if (!columns.contains(column)) missing += std::string(missing.empty() ? "" : ", ") + label;
    if (!missing.empty())
        throw ExportError(tr("en-tête d'export Odoo non reconnu, colonnes manquantes : ",
                             "Odoo export header not recognised, missing columns: ") + missing);

    auto records = read_csv(text, result.separator);
    if (records.size() > kMaxExportRows + 1)
        throw ExportError(tr("trop de lignes (500 000 au plus)", "too many lines (500,000 at most)"));
    const std::size_t width = records.front().fields.size();
    const auto field = [&](const CsvRecord& r, Column c) -> std::string_view {
        const auto it = columns.find(c);
        return it == columns.end() ? std::string_view{} : trimmed(r.fields[it->second]);
    };
    for (std::size_t i = 1; i < records.size(); ++i) {
        const CsvRecord& r = records[i];
        const auto problem = [&](std::string message) { result.errors.push_back({r.line, std::move(message)}); };
        if (!r.error.empty()) { problem(r.error); continue; }
        if (r.fields.size() != width) {
            problem(std::to_string(r.fields.size()) + tr(" colonnes au lieu de ", " columns instead of ") + std::to_string(width) +
                    tr(" (séparateur ou guillemets dans un nom ?)", " (separator or quotes in a name?)"));
            continue;
        }
        MemberRow row;
        row.line = r.line;
        row.name = std::string(field(r, Column::name));
        // Passes carry NFC names (DESIGN §3). Odoo stores what was typed, practically always
        // composed; a decomposed accent (U+0300..U+036F) is refused rather than printed wrong.
        if (row.name.find("\xcc") != std::string::npos || row.name.find("\xcd") != std::string::npos) {
            problem(tr("nom avec des accents décomposés (Unicode NFD) : corrigez-le dans Odoo",
                       "name with decomposed accents (Unicode NFD): correct it in Odoo"));
            continue;
        }
        const auto member = boolean(field(r, Column::is_member));
        const auto associated = boolean(field(r, Column::is_associated));
        if (!member || !associated) { problem(tr("valeur True/False attendue", "True/False value expected")); continue; }
        row.is_member = *member, row.is_associated = *associated;
        bool bad = false;
        row.number = number(field(r, Column::barcode_base), bad);
        row.parent = number(field(r, Column::parent), bad);
        const auto barcode = number(field(r, Column::barcode), bad);
        if (bad) { problem(tr("numéro ou code-barre invalide (chiffres attendus)", "invalid number or barcode (digits expected)")); continue; }
        // An associated person sharing the parent's number is told apart by their own EAN-13.
        if (row.is_associated && (!row.number || row.number == row.parent)) row.number = barcode;
        if (!row.number && barcode) row.number = barcode;
        row.state = canonical_state(field(r, Column::state));
        result.rows.push_back(std::move(row));
    }
    // An associated person with no state of their own shops under their parent's.
    std::map<std::uint64_t, std::string> state_of;
    for (const MemberRow& row : result.rows)
        if (row.number && !row.is_associated) state_of[*row.number] = row.state;
    for (MemberRow& row : result.rows)
        if (row.is_associated && row.state.empty() && row.parent && state_of.contains(*row.parent)) row.state = state_of[*row.parent];
    return result;
}

}  // namespace passkoop::cards

#include "csv.hpp"

#include <passkoop/i18n.hpp>

namespace passkoop::cards {

std::vector<CsvRecord> read_csv(std::string_view text, char separator) {
    std::vector<CsvRecord> records;
    std::size_t pos = 0, line = 1;
    while (pos < text.size()) {
        const std::size_t start = pos;
        CsvRecord record{line, {}, {}};
        std::string field;
        bool quoted = false, at_field_start = true;
        // After an error the record is still read to its end, quotes honoured, but nothing of it
        // is kept: a line break inside a quoted field does not end it, so text inside another
        // record's field (a crafted name) is never read as a record of its own.
        const auto fail = [&](std::string message) {
            if (record.error.empty()) record.error = std::move(message);
            record.fields.clear();
            field.clear();
        };
        std::size_t last_line = line;
        for (bool done = false; !done;) {
            if (pos >= text.size()) {
                if (quoted) fail(tr("guillemet non fermé", "unclosed quote"));
                else if (record.error.empty()) record.fields.push_back(std::move(field));
                break;
            }
            if (record.error.empty() && pos - start > kMaxCsvRecordBytes) fail(tr("ligne trop longue (plus de 4096 octets)", "line too long (over 4096 bytes)"));
            const bool keep = record.error.empty();
            const char c = text[pos++];
            last_line = line;
            if (quoted) {
                if (c == '"' && pos < text.size() && text[pos] == '"') {
                    if (keep) field += '"';
                    ++pos;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    if (c == '\n') ++line;
                    if (keep) field += c;
                }
            } else if (c == '"' && at_field_start) {
                quoted = true, at_field_start = false;
            } else if (c == separator) {
                at_field_start = true;
                if (!keep) continue;
                record.fields.push_back(std::move(field));
                field.clear();
                if (record.fields.size() > kMaxCsvFields) fail(tr("trop de colonnes", "too many columns"));
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && pos < text.size() && text[pos] == '\n') ++pos;
                ++line;
                if (keep) record.fields.push_back(std::move(field));
                done = true;
            } else {
                if (keep) field += c;
                at_field_start = false;
            }
        }
        if (!record.error.empty()) {
            if (last_line > record.line)
                record.error += tr(" ; lignes ", "; lines ") + std::to_string(record.line) + tr(" à ", " to ") +
                                std::to_string(last_line) + tr(" ignorées", " skipped");
            records.push_back(std::move(record));
            continue;
        }
        const bool blank = record.fields.size() == 1 && record.fields[0].find_first_not_of(" \t") == std::string::npos;
        if (!blank) records.push_back(std::move(record));
    }
    return records;
}

std::string csv_field(std::string_view value, char separator) {
    if (value.find_first_of(std::string{separator, '"', '\n', '\r'}) == std::string_view::npos) return std::string(value);
    std::string out = "\"";
    for (const char c : value) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string spreadsheet_safe_field(std::string_view value, char separator) {
    if (!starts_like_formula(value) && !value.starts_with('\'')) return csv_field(value, separator);
    // Always quoted, so that the quote we add is inside the field, as the server's exports do.
    std::string out = "\"'";
    for (const char c : value) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string_view from_spreadsheet_safe_field(std::string_view field) {
    if (field.starts_with('\'')) field.remove_prefix(1);
    return field;
}

bool starts_like_formula(std::string_view text) {
    return !text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' || text[0] == '\t' ||
                             text[0] == '\r');
}

}  // namespace passkoop::cards

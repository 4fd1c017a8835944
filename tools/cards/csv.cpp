#include "csv.hpp"

#include <passkoop/i18n.hpp>

namespace passkoop::cards {

std::vector<CsvRecord> read_csv(std::string_view text, char separator) {
    std::vector<CsvRecord> records;
    std::size_t pos = 0, line = 1;
    while (pos < text.size()) {
        const std::size_t start = pos, start_line = line;
        CsvRecord record{start_line, {}, {}};
        std::string field;
        bool quoted = false, at_field_start = true, done = false;
        while (!done) {
            if (pos - start > kMaxCsvRecordBytes) {
                record.error = tr("ligne trop longue (plus de 4096 octets)", "line too long (over 4096 bytes)");
                break;
            }
            if (pos >= text.size()) {
                if (quoted) record.error = tr("guillemet non fermé", "unclosed quote");
                else record.fields.push_back(std::move(field));
                break;
            }
            const char c = text[pos++];
            if (quoted) {
                if (c == '"' && pos < text.size() && text[pos] == '"') field += '"', ++pos;
                else if (c == '"') quoted = false;
                else {
                    if (c == '\n') ++line;
                    field += c;
                }
            } else if (c == '"' && at_field_start) {
                quoted = true, at_field_start = false;
            } else if (c == separator) {
                record.fields.push_back(std::move(field));
                field.clear();
                at_field_start = true;
                if (record.fields.size() > kMaxCsvFields) {
                    record.error = tr("trop de colonnes", "too many columns");
                    break;
                }
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && pos < text.size() && text[pos] == '\n') ++pos;
                ++line;
                record.fields.push_back(std::move(field));
                done = true;
            } else {
                field += c, at_field_start = false;
            }
        }
        if (!record.error.empty()) {
            // Resume on the line after the one the bad record started on.
            record.fields.clear();
            const std::size_t next = text.find('\n', start);
            pos = next == std::string_view::npos ? text.size() : next + 1;
            line = start_line + 1;
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

}  // namespace passkoop::cards

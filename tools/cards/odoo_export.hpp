// Member exports from Odoo (Odoo FoodCoops / Obeesdoo "res.partner" list exports): technical
// headers (name, barcode_base, ...) or French labels (Nom, Base du code Barre, ...), ',' or ';',
// UTF-8 with or without BOM, or Windows-1252. Columns other than those below are ignored.
#pragma once

#include "csv.hpp"

#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace passkoop::cards {

inline constexpr std::size_t kMaxExportBytes = 64 * 1024 * 1024;
inline constexpr std::size_t kMaxExportRows = 500000;

// The whole file cannot be read (no known header, too large): `what()` is for the user.
struct ExportError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

enum class Encoding { automatic, utf8, windows1252 };

struct MemberRow {
    std::size_t line = 0;
    std::string name;                   // as exported, e.g. "DUPONT, Marie"
    std::optional<std::uint64_t> number;  // barcode_base, else the digits of barcode (EAN-13)
    std::string state;                  // canonical Odoo state (up_to_date, alert, ...) or the folded label
    bool is_member = false;
    bool is_associated = false;
    std::optional<std::uint64_t> parent;  // parent_member_num of an associated person
};

struct LineProblem {
    std::size_t line = 0;
    std::string message;
};

struct MemberExport {
    std::vector<MemberRow> rows;
    std::vector<LineProblem> errors;  // lines that were not read; they produce no card
    Encoding encoding = Encoding::utf8;
    char separator = ',';
    bool french_headers = false;
};

// Throws ExportError when no line can be trusted (unknown header, missing column, too large).
MemberExport read_member_export(std::string_view bytes, Encoding encoding = Encoding::automatic);

// Windows-1252 bytes to UTF-8 (the five undefined bytes become U+FFFD).
std::string windows1252_to_utf8(std::string_view bytes);

// The canonical state for an Odoo state value or its French label ("A jour" → "up_to_date").
// Unknown values come back folded (lowercase, no accents) so they can still be listed.
std::string canonical_state(std::string_view value);
// Odoo's French label of a canonical state ("suspended" → "Suspendu"); other values as they are.
std::string french_state_label(std::string_view canonical);
// States that may shop by default: up_to_date, alert, delay, exempted.
const std::set<std::string>& default_shopping_states();

enum class NameStyle { initial, full, none };
// The name printed on the pass and the card, at most 24 bytes of valid UTF-8:
// "DUPONT, Marie" or "Marie Dupont" → "Marie D." (initial), "Marie Dupont" (full), "" (none).
std::string display_name(std::string_view odoo_name, NameStyle style);

}  // namespace passkoop::cards

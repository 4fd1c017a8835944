// The Odoo member-export reader (CSV, ',' or ';', UTF-8 with or without BOM, or Windows-1252).
// First byte: the encoding asked for. Properties: every name read gives display names of at most
// 24 bytes of valid UTF-8 in each style; Windows-1252 always converts to valid UTF-8.
#include "fuzz_support.hpp"

#include "odoo_export.hpp"

#include <passkoop/text.hpp>

using namespace pk_fuzz;
using namespace passkoop::cards;
using passkoop::is_valid_utf8;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const Encoding encoding = data[0] % 3 == 0 ? Encoding::automatic : data[0] % 3 == 1 ? Encoding::utf8 : Encoding::windows1252;
    const std::string_view input = as_view(data + 1, size - 1);
    PK_FUZZ_CHECK(is_valid_utf8(windows1252_to_utf8(input)));
    try {
        const MemberExport read = read_member_export(input, encoding);
        for (const MemberRow& row : read.rows) {
            for (const NameStyle style : {NameStyle::initial, NameStyle::full, NameStyle::none}) {
                const std::string name = display_name(row.name, style);
                PK_FUZZ_CHECK(name.size() <= kMaxNameBytes && is_valid_utf8(name));
                PK_FUZZ_CHECK(is_valid_display_name(name));
            }
            (void)canonical_state(row.state);
        }
    } catch (const ExportError&) {
        // No line can be trusted: refused as a whole, with a message for the user.
    }
    return 0;
}

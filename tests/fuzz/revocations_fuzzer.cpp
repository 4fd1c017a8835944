// Differential: the fast canonical revocation reader against the general JSON parser. Whatever
// the fast reader accepts, the general parser reads the same way, and it is exactly the text
// revocations_payload() writes; whatever the general parser accepts, written canonically, the
// fast reader reads back the same (sequences below 10^15, as far as the fast reader goes).
#include "fuzz_support.hpp"

#include "revocations_internal.hpp"

using namespace pk_fuzz;

namespace {

bool same(const RevocationList& a, const RevocationList& b) {
    if (a.coop != b.coop || a.sequence != b.sequence || a.issued_at != b.issued_at || a.entries.size() != b.entries.size())
        return false;
    for (std::size_t i = 0; i < a.entries.size(); ++i)
        if (a.entries[i].pass_id != b.entries[i].pass_id || a.entries[i].until != b.entries[i].until) return false;
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = as_view(data, size);
    const auto fast = detail::parse_canonical_revocations(input);
    const auto general = detail::parse_general_revocations(input);
    if (fast) {
        PK_FUZZ_CHECK(general.has_value());
        PK_FUZZ_CHECK(same(*fast, *general));
        PK_FUZZ_CHECK(revocations_payload(*fast) == input);
    }
    // The fast reader takes integers of at most 15 digits; larger sequences take the general path.
    if (general && general->sequence < 1'000'000'000'000'000) {
        const std::string canonical = revocations_payload(*general);
        const auto again = detail::parse_canonical_revocations(canonical);
        PK_FUZZ_CHECK(again.has_value());
        PK_FUZZ_CHECK(same(*again, *general));
    }
    const auto public_result = parse_revocations_payload(input);
    PK_FUZZ_CHECK(public_result.has_value() == general.has_value());
    return 0;
}

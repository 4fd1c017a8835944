// The two readers behind parse_revocations_payload, for the library and the differential fuzz
// target only (not installed): the fast reader must agree with the general one on every input
// it accepts.
#pragma once

#include <passkoop/revocations.hpp>

#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace passkoop::detail {

// The exact canonical text revocations_payload() writes, or nullopt for anything else.
[[nodiscard]] std::optional<RevocationList> parse_canonical_revocations(std::string_view bytes);
// Any JSON text: the general parser, with its error messages.
[[nodiscard]] std::expected<RevocationList, std::string> parse_general_revocations(std::string_view bytes);

}  // namespace passkoop::detail

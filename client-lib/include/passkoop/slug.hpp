// A coop's slug in the registry (DESIGN §5: "la-cagette"), made from its name when none is given.
#pragma once

#include <string>
#include <string_view>

namespace passkoop {

// Lowercase ASCII letters and digits joined by '-' ("Les 400 Coop" → "les-400-coop"); "coop" when
// nothing is left.
std::string slugify(std::string_view name);

}  // namespace passkoop

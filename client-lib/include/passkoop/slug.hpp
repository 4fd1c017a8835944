// A coop's slug in the registry (DESIGN §5: "la-cagette"), made from its name when none is given.
#pragma once

#include <string>
#include <string_view>

namespace passkoop {

// Lowercase ASCII letters and digits joined by '-', accented Latin letters written without their
// accent ("Épicerie Coopérative 400" → "epicerie-cooperative-400"); "coop" when nothing is left.
std::string slugify(std::string_view name);

}  // namespace passkoop

// Messages for people: French first, English on request.
// The language is process-wide: set it once at start (from --lang or PASSKOOP_LANG).
#pragma once

#include <string>
#include <string_view>

namespace passkoop {

enum class Lang { fr, en };

void set_language(Lang lang);
Lang language();
// Reads PASSKOOP_LANG ("en" selects English; anything else French). Returns the choice.
Lang language_from_environment();

// Picks the text for the current language.
std::string tr(const char* fr, const char* en);

}  // namespace passkoop

// Messages for people: French first, English on request.
// The language is process-wide: set it once at start (from --lang or PASSKOOP_LANG).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace passkoop {

enum class Lang { fr, en };

void set_language(Lang lang);
Lang language();
// Reads PASSKOOP_LANG ("en" selects English; anything else French). Returns the choice.
Lang language_from_environment();
// "fr" or "en" (also "fr_FR", "en-GB", ...); nothing for any other text.
[[nodiscard]] std::optional<Lang> parse_language(std::string_view text);

// Sets the language of the calling thread only, while it lives (nests; restores on exit).
// For callers that choose a language per call, such as the C API, without racing on the
// process-wide setting.
class ThreadLanguage {
public:
    explicit ThreadLanguage(Lang lang);
    ~ThreadLanguage();
    ThreadLanguage(const ThreadLanguage&) = delete;
    ThreadLanguage& operator=(const ThreadLanguage&) = delete;

private:
    int previous_;
};

// Picks the text for the current language (the thread's, else the process-wide one).
std::string tr(const char* fr, const char* en);

}  // namespace passkoop

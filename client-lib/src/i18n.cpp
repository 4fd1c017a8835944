#include <passkoop/i18n.hpp>

#include <atomic>
#include <cstdlib>
#include <string_view>

namespace passkoop {
namespace {
std::atomic<Lang> current_language{Lang::fr};
// -1: no per-thread choice; otherwise a Lang.
thread_local int thread_language = -1;
}

void set_language(Lang lang) { current_language.store(lang, std::memory_order_relaxed); }
Lang language() {
    if (thread_language >= 0) return static_cast<Lang>(thread_language);
    return current_language.load(std::memory_order_relaxed);
}

ThreadLanguage::ThreadLanguage(Lang lang) : previous_(thread_language) { thread_language = static_cast<int>(lang); }
ThreadLanguage::~ThreadLanguage() { thread_language = previous_; }

Lang language_from_environment() {
    const char* value = std::getenv("PASSKOOP_LANG");
    const Lang lang = value != nullptr && std::string_view(value).starts_with("en") ? Lang::en : Lang::fr;
    set_language(lang);
    return lang;
}

std::optional<Lang> parse_language(std::string_view text) {
    const std::string_view base = text.substr(0, text.find_first_of("_-."));
    if (base == "fr") return Lang::fr;
    if (base == "en") return Lang::en;
    return std::nullopt;
}

std::string tr(const char* fr, const char* en) { return language() == Lang::en ? en : fr; }

}  // namespace passkoop

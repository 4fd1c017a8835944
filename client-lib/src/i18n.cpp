#include <passkoop/i18n.hpp>

#include <atomic>
#include <cstdlib>
#include <string_view>

namespace passkoop {
namespace {
std::atomic<Lang> current_language{Lang::fr};
}

void set_language(Lang lang) { current_language.store(lang, std::memory_order_relaxed); }
Lang language() { return current_language.load(std::memory_order_relaxed); }

Lang language_from_environment() {
    const char* value = std::getenv("PASSKOOP_LANG");
    const Lang lang = value != nullptr && std::string_view(value).starts_with("en") ? Lang::en : Lang::fr;
    set_language(lang);
    return lang;
}

std::string tr(const char* fr, const char* en) { return language() == Lang::en ? en : fr; }

}  // namespace passkoop

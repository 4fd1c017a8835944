#include <passkoop/slug.hpp>

#include <cctype>
#include <utility>

namespace passkoop {

namespace {

// The letters of French (and of the neighbours' coop names) written without their accents, so
// that "Épicerie coopérative" is "epicerie-cooperative", not "picerie-coop-rative".
constexpr std::pair<std::string_view, std::string_view> kUnaccented[] = {
    {"à", "a"}, {"â", "a"}, {"ä", "a"}, {"á", "a"}, {"ã", "a"}, {"å", "a"}, {"æ", "ae"}, {"ç", "c"},
    {"é", "e"}, {"è", "e"}, {"ê", "e"}, {"ë", "e"}, {"î", "i"}, {"ï", "i"}, {"í", "i"}, {"ì", "i"},
    {"ñ", "n"}, {"ô", "o"}, {"ö", "o"}, {"ó", "o"}, {"ò", "o"}, {"õ", "o"}, {"ø", "o"}, {"œ", "oe"},
    {"ù", "u"}, {"û", "u"}, {"ü", "u"}, {"ú", "u"}, {"ÿ", "y"}, {"ß", "ss"},
    {"À", "a"}, {"Â", "a"}, {"Ä", "a"}, {"Á", "a"}, {"Ã", "a"}, {"Å", "a"}, {"Æ", "ae"}, {"Ç", "c"},
    {"É", "e"}, {"È", "e"}, {"Ê", "e"}, {"Ë", "e"}, {"Î", "i"}, {"Ï", "i"}, {"Í", "i"}, {"Ì", "i"},
    {"Ñ", "n"}, {"Ô", "o"}, {"Ö", "o"}, {"Ó", "o"}, {"Ò", "o"}, {"Õ", "o"}, {"Ø", "o"}, {"Œ", "oe"},
    {"Ù", "u"}, {"Û", "u"}, {"Ü", "u"}, {"Ú", "u"}, {"Ÿ", "y"},
};

}  // namespace

std::string slugify(std::string_view name) {
    std::string slug;
    while (!name.empty()) {
        const auto u = static_cast<unsigned char>(name.front());
        if (u < 0x80 && std::isalnum(u)) {
            slug += static_cast<char>(std::tolower(u));
            name.remove_prefix(1);
            continue;
        }
        bool letter = false;
        for (const auto& [accented, plain] : kUnaccented) {
            if (name.starts_with(accented)) {
                slug += plain;
                name.remove_prefix(accented.size());
                letter = true;
                break;
            }
        }
        if (letter) continue;
        if (!slug.empty() && slug.back() != '-') slug += '-';
        name.remove_prefix(1);
    }
    while (!slug.empty() && slug.back() == '-') slug.pop_back();
    return slug.empty() ? "coop" : slug;
}

}  // namespace passkoop

#include <passkoop/slug.hpp>

#include <cctype>

namespace passkoop {

std::string slugify(std::string_view name) {
    std::string slug;
    for (const char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x80 && std::isalnum(u)) slug += static_cast<char>(std::tolower(u));
        else if (!slug.empty() && slug.back() != '-') slug += '-';
    }
    while (!slug.empty() && slug.back() == '-') slug.pop_back();
    return slug.empty() ? "coop" : slug;
}

}  // namespace passkoop

#include "cmdline.hpp"

#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/text.hpp>

#include <algorithm>
#include <charconv>

namespace passkoop::cmdline {

namespace {

bool is_help(const std::string& a) { return a == "--help" || a == "-h"; }

}  // namespace

bool asks_for_help(const std::vector<std::string>& argv) {
    return std::any_of(argv.begin(), std::find(argv.begin(), argv.end(), "--"), is_help);
}

std::optional<std::string> take_option(std::vector<std::string>& argv, const std::string& name) {
    const auto end_of_options = std::find(argv.begin(), argv.end(), "--");
    for (auto it = argv.begin(); it != end_of_options; ++it) {
        if (*it == "--" + name) {
            if (std::next(it) == end_of_options) throw UsageError(tr("valeur manquante pour --", "missing value for --") + name);
            std::string value = *std::next(it);
            argv.erase(it, std::next(it, 2));
            return value;
        }
        if (it->starts_with("--" + name + "=")) {
            std::string value = it->substr(name.size() + 3);
            argv.erase(it);
            return value;
        }
    }
    return std::nullopt;
}

Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& with_value, const std::set<std::string>& flags) {
    // --help wins over everything else, even a mistyped option next to it.
    if (asks_for_help(argv)) {
        help_ = true;
        return;
    }
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a == "--") {
            positional_.insert(positional_.end(), argv.begin() + static_cast<std::ptrdiff_t>(i) + 1, argv.end());
            break;
        }
        if (!a.starts_with("--")) {
            positional_.push_back(a);
            continue;
        }
        std::string name = a.substr(2), value;
        const auto eq = name.find('=');
        const bool inline_value = eq != std::string::npos;
        if (inline_value) value = name.substr(eq + 1), name.resize(eq);
        if (flags.contains(name) && !inline_value) {
            flags_.insert(name);
        } else if (with_value.contains(name)) {
            if (!inline_value) {
                if (i + 1 >= argv.size()) throw UsageError(tr("valeur manquante pour --", "missing value for --") + name);
                value = argv[++i];
            }
            values_[name].push_back(value);
        } else {
            throw UsageError(tr("option inconnue : --", "unknown option: --") + name + tr(" (--help pour l'aide)", " (--help for help)"));
        }
    }
}

std::optional<std::string> Args::get(const std::string& name) const {
    const auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    if (it->second.size() > 1) throw UsageError("--" + name + tr(" donnée plusieurs fois", " given more than once"));
    return it->second.front();
}

std::string Args::require(const std::string& name) const {
    auto v = get(name);
    if (!v) throw UsageError(tr("option requise : --", "required option: --") + name);
    return *v;
}

std::vector<std::string> Args::all(const std::string& name) const {
    const auto it = values_.find(name);
    return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::optional<std::int64_t> Args::integer(const std::string& name, std::int64_t min, std::int64_t max) const {
    const auto v = get(name);
    if (!v) return std::nullopt;
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc{} || end != v->data() + v->size() || n < min || n > max)
        throw UsageError("--" + name + tr(" : entier entre ", ": integer between ") + std::to_string(min) + tr(" et ", " and ") +
                         std::to_string(max) + tr(" attendu, reçu « ", " expected, got \"") + printable(*v) + tr(" »", "\""));
    return n;
}

std::int64_t Args::require_integer(const std::string& name, std::int64_t min, std::int64_t max) const {
    require(name);
    return *integer(name, min, max);
}

std::optional<std::int64_t> Args::date(const std::string& name) const {
    const auto v = get(name);
    if (!v) return std::nullopt;
    const auto d = parse_day(*v);
    if (!d) throw UsageError("--" + name + tr(" : date AAAA-MM-JJ attendue, reçu « ", ": date YYYY-MM-DD expected, got \"") +
                             printable(*v) + tr(" »", "\""));
    return d;
}

std::string Args::single_positional(const std::string& what) const {
    if (positional_.size() != 1)
        throw UsageError(positional_.empty() ? tr("argument manquant : ", "missing argument: ") + what
                                             : tr("un seul argument attendu : ", "a single argument expected: ") + what);
    return positional_.front();
}

bool print_help_if_asked(const Args& args, const Help& help, std::ostream& out) {
    if (!args.help()) return false;
    out << (language() == Lang::en ? help.en : help.fr);
    return true;
}

std::vector<std::string> take_general_options(int argc, char** argv) {
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--") {
            args.insert(args.end(), argv + i, argv + argc);
            break;
        }
        if (a != "--lang" && !a.starts_with("--lang=")) {
            args.push_back(a);
            continue;
        }
        if (a == "--lang" && i + 1 >= argc) throw UsageError("--lang : fr ou en / fr or en");
        const std::string value = a == "--lang" ? argv[++i] : a.substr(7);
        const auto lang = parse_language(value);
        if (!lang) throw UsageError("--lang " + value + " : fr ou en / fr or en");
        set_language(*lang);
    }
    return args;
}

std::string_view version() { return PASSKOOP_VERSION; }

}  // namespace passkoop::cmdline

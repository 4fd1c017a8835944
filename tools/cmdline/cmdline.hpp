// The command line of both programs, passkoop and passkoopd: "--name value" and "--name=value"
// options, flags, positionals after "--", --help on every command, --lang and --version.
// Nothing here exits: errors are thrown as UsageError and `main` turns them into exit codes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace passkoop::cmdline {

// A usage error; `what()` is shown to the user as is (after filtering), exit code 2.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A command's help in both languages; printed in the current one.
struct Help {
    std::string_view fr, en;
};

// One command's arguments. `with_value` lists the options that take a value, `flags` those that
// do not; anything else starting with "--" is refused. When --help or -h is given (before "--"),
// nothing else is parsed and help() is true.
class Args {
public:
    Args(const std::vector<std::string>& argv, const std::set<std::string>& with_value, const std::set<std::string>& flags);

    bool help() const { return help_; }
    bool flag(const std::string& name) const { return flags_.contains(name); }
    // The option's value; UsageError if it was given more than once.
    std::optional<std::string> get(const std::string& name) const;
    std::string require(const std::string& name) const;
    std::vector<std::string> all(const std::string& name) const;
    std::optional<std::int64_t> integer(const std::string& name, std::int64_t min, std::int64_t max) const;
    std::int64_t require_integer(const std::string& name, std::int64_t min, std::int64_t max) const;
    std::optional<std::int64_t> date(const std::string& name) const;  // YYYY-MM-DD as a pass day
    const std::vector<std::string>& positional() const { return positional_; }
    std::string single_positional(const std::string& what) const;

private:
    bool help_ = false;
    std::map<std::string, std::vector<std::string>> values_;
    std::set<std::string> flags_;
    std::vector<std::string> positional_;
};

// Whether a command line asks for help: --help or -h before any "--".
bool asks_for_help(const std::vector<std::string>& argv);

// Removes "--name value" or "--name=value" from argv and returns the value, for commands that
// hand the rest of their options to another parser (passkoopd's settings).
std::optional<std::string> take_option(std::vector<std::string>& argv, const std::string& name);

// Prints `help` to `out` when args.help(); returns whether it did, so a command returns at once.
bool print_help_if_asked(const Args& args, const Help& help, std::ostream& out);

// Takes the general options out of a whole command line (argv[1..]): --lang fr|en or
// --lang=fr|en, wherever they are, sets the language for the process. UsageError for another
// language.
std::vector<std::string> take_general_options(int argc, char** argv);

// The project's version, from CMake's project().
std::string_view version();

}  // namespace passkoop::cmdline

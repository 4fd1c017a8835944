// passkoopd demo: a complete demo network made from the real coops directory, with sample
// passes for every outcome, ready to serve with zero configuration.
#pragma once

#include "service/config.hpp"

#include <passkoop/dates.hpp>

#include <cstdint>
#include <filesystem>
#include <string>

namespace passkoop::server {

struct Demo {
    std::filesystem::path dir;
    std::filesystem::path passes_file;  // sample passes and the outcome each should give
    std::string cashier_token, manager_token;
    std::string host_name;
};

// Writes the demo files into `dir` (replacing an earlier demo there) and fills `config` to
// serve them. Refuses a non-empty directory that is not an earlier demo. Passes, keys and the
// earlier visits are dated from `now` (Unix seconds; tests give fixed instants). The token and
// pass files are owner-only (0600).
Demo make_demo(const std::filesystem::path& dir, Config& config, std::int64_t now = unix_now());

}  // namespace passkoop::server

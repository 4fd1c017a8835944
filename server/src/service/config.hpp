// passkoopd settings: every one has a default, can be given as --name VALUE on the command line
// or as "name = value" in a config file (--config FILE); the command line wins.
#pragma once

#include <passkoop/policy.hpp>
#include <passkoop/verifier.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace passkoop::server {

struct ConfigError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Config {
    std::string listen = "127.0.0.1:8080";
    std::filesystem::path registry;          // the bundle file
    std::optional<std::filesystem::path> pin;  // initial registry envelope trusted at first start
    std::filesystem::path db = "passkoop.db";
    std::optional<std::filesystem::path> secret;  // visitor-key secret; default: <db>.secret
    std::uint16_t coop = 0;                      // the host coop's number in the registry
    int threads = 2;                             // network threads
    int workers = 4;                             // exports, reports, lists (quick requests run on network threads)
    int max_connections = 256;
    std::size_t body_limit = 64 * 1024;
    std::size_t batch_body_limit = 1024 * 1024;
    std::size_t header_limit = 8 * 1024;
    int read_timeout_seconds = 30;
    // HTTPS: the certificate (PEM, with its chain) and its key; both or neither.
    std::optional<std::filesystem::path> tls_cert, tls_key;
    int tls_handshake_timeout_seconds = 10;
    std::int64_t grace_days = kDefaultGraceDays;
    // The shop's time zone (IANA name) for the dates and times people read or choose; unset: the system's.
    std::optional<std::string> time_zone;
    std::int64_t retention_months = 36;
    std::int64_t purge_every_hours = 24;
    int registry_check_seconds = 5;  // how often the bundle file is checked for changes
    std::optional<std::string> registry_url;  // http:// URL to pull the bundle from
    int registry_pull_seconds = 300;
    // Overrides of the host coop's registry policy (unset: the registry's value).
    std::optional<std::int64_t> policy_max_visits, policy_window_days;
    std::optional<bool> policy_welcomes;
    std::optional<std::int64_t> visitor_cap_cents;  // monthly cap on visitor purchases
    std::int64_t visitor_cap_warn_percent = 80;
    int auth_failures_per_minute = 10;

    PolicyOverrides policy_overrides() const { return {policy_max_visits, policy_window_days, policy_welcomes}; }
    std::filesystem::path secret_path() const { return secret ? *secret : std::filesystem::path(db.string() + ".secret"); }
};

// Applies "--name value" pairs (and --config FILE first, if present); returns the positionals.
std::vector<std::string> parse_config(const std::vector<std::string>& args, Config& config);
// Help text for every setting, with its default.
std::string config_help();

}  // namespace passkoop::server

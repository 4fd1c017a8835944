// passkoop registry …, in four files: cmd_registry.cpp (the sub-command table and what the
// others share: reading, dates, how a version is shown), registry_draft.cpp (writing and signing a
// draft), registry_check.cpp (verify, show, diff, bundle) and registry_import.cpp (a draft's coops
// from the public map's directory).
#pragma once

#include "cli.hpp"
#include "commands.hpp"

#include <passkoop/registry.hpp>
#include <passkoop/trust.hpp>

#include <cstdint>
#include <string>

namespace passkoop::cli {

// A day as people read it: "3 décembre 2026", or 2026-12-03 in English.
std::string date_fr(std::int64_t day);
std::string key_line(const CoopKey& key);
std::string status_label(KeyStatus status);
std::string policy_summary(const VisitorPolicy& policy);
void print_threshold(const std::string& label, const ThresholdCount& count);

// "Now" for the registry commands: --at DAY (to check ahead), else the clock.
std::int64_t now_or_at(const Args& args);
std::int64_t grace_days_of(const Args& args);
// How long a version is valid and how long tills keep accepting passes after that.
void print_validity(const Registry& reg, std::int64_t grace_days);
// What the tills make of this version at `now` (DESIGN §5): nothing to say, renew soon, stale
// (passes still accepted, with a warning), or expired past the grace (every pass refused).
// Returns whether the version is still valid (not past expires_at): an expired version is not
// to be published, even while the tills' grace still accepts it.
bool print_freshness(const Registry& reg, std::int64_t now, std::int64_t grace_days);

Registry read_registry(const std::string& path, const Envelope& env);
bool is_bundle(const std::string& text);

// Writes an edited draft. If its content changed, signatures made on the old content go (said on
// stderr).
void write_draft(const std::string& path, const Envelope& before, const Registry& reg);

// A draft being edited: read whole, changed in memory, written back by save().
struct Draft {
    std::string path;
    Envelope before;
    Registry reg;

    explicit Draft(const Args& args)
        : path(args.single_positional("BROUILLON")), before(read_envelope_file(path)), reg(read_registry(path, before)) {}
    void save() const { write_draft(path, before, reg); }
};

int registry_init(const Argv& argv);
int registry_renew(const Argv& argv);
int registry_add_coop(const Argv& argv);
int registry_set_key(const Argv& argv);
int registry_set_policy(const Argv& argv);
int registry_add_admin(const Argv& argv);
int registry_remove_admin(const Argv& argv);
int registry_sign(const Argv& argv);
int registry_verify(const Argv& argv);
int registry_show(const Argv& argv);
int registry_diff(const Argv& argv);
int registry_bundle(const Argv& argv);
int registry_import_directory(const Argv& argv);

}  // namespace passkoop::cli

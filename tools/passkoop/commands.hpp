// The passkoop subcommands. Each takes its arguments (after the subcommand name) and returns
// the process exit code; errors are thrown as CliError.
#pragma once

#include <string>
#include <vector>

namespace passkoop::cli {

using Argv = std::vector<std::string>;

int cmd_keygen(const Argv& argv);
int cmd_pubkey(const Argv& argv);
int cmd_issue(const Argv& argv);
int cmd_verify(const Argv& argv);
int cmd_registry(const Argv& argv);
int cmd_revoke(const Argv& argv);

}  // namespace passkoop::cli

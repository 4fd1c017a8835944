// The passkoop subcommands. Each takes its arguments (after the subcommand name) and returns
// the process exit code; errors are thrown as CliError.
#pragma once

#include <card.hpp>

#include <passkoop/pass.hpp>

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
int cmd_card(const Argv& argv);
int cmd_issue_batch(const Argv& argv);

// What the card of `pass` shows; "Coop n° N" when the coop's name is not given.
cards::CardInfo card_info(const Pass& pass, const std::string& text, const std::string& coop_name);

}  // namespace passkoop::cli

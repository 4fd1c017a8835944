// The passkoop subcommands. Each takes its arguments (after the subcommand name) and returns
// the process exit code; errors are thrown as CliError.
#pragma once

#include <card.hpp>
#include <issuance_log.hpp>

#include <passkoop/pass.hpp>

#include <cstdint>
#include <filesystem>
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
int cmd_directory(const Argv& argv);
int cmd_till(const Argv& argv);

// The folder where the images of departed members' cards are moved, inside issue-batch's folder.
inline constexpr const char* kSetAsideDir = "revoquees";
// Moves the PNG and SVG of every member whose cards were revoked on departure (the log's latest
// card) out of `dir`/png and `dir`/svg into `dir`/revoquees, so that they are not sent or printed
// by mistake. Returns the members whose images moved.
std::vector<std::uint64_t> set_aside_departed_cards(const std::filesystem::path& dir, const cards::IssuanceLog& log);

// What the card of `pass` shows; "Coop n° N" when the coop's name is not given.
cards::CardInfo card_info(const Pass& pass, const std::string& text, const std::string& coop_name);

}  // namespace passkoop::cli

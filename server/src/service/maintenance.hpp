// passkoopd's maintenance commands (token, ledger, backup): they open the shop's database, never
// the network, and run while the server runs (SQLite's locking keeps them consistent).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace passkoop::server {

struct Checkpoint;

// `args` follow the command's name; each returns the process's exit status.
int token_command(std::vector<std::string> args);
int ledger_command(std::vector<std::string> args);
int backup_command(std::vector<std::string> args);

void print_head(std::ostream& out, const Checkpoint& head);

}  // namespace passkoop::server

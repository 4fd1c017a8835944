// The shop database's schema: every table of the ledger, the tokens and the server's state, and
// every change since the first version, in one place.
#pragma once

#include "store/database.hpp"

namespace passkoop::server {

// Brings the schema up to date, one migration a transaction (PRAGMA user_version counts them).
// Throws SqliteError for a database written by a newer passkoopd.
void migrate(Database& db);

}  // namespace passkoop::server

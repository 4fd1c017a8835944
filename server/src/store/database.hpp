// The SQLite layer passkoopd shares with the till (client-lib/src/sqlite/database.hpp): Database,
// Statement, CachedStatement, Transaction and SqliteError, in namespace passkoop.
#pragma once

#include "sqlite/database.hpp"

#include "store/store.hpp"

#include "store/ledger.hpp"
#include "store/schema.hpp"
#include "store/state.hpp"
#include "store/tokens.hpp"

#include <passkoop/bytes.hpp>

namespace passkoop::server {

Store::Store(const std::filesystem::path& path) : path_(path) {
    ensure_sodium();
    writer_ = std::make_unique<Connection>(path);
    migrate(writer_->db);
    reader_ = std::make_unique<Connection>(path);
    side_ = std::make_unique<Connection>(path);
    ledger_ = std::make_unique<Ledger>(writer_->db, *reader_, *side_);
    tokens_ = std::make_unique<TokenStore>(*side_);
    state_ = std::make_unique<StateStore>(*side_);
}

Store::~Store() {
    ledger_.reset();  // its writer drains and records where the chain ends
    // Fold the WAL back into the main file so the database is one clean file at rest.
    try {
        writer_->db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    } catch (const SqliteError&) {
    }
}

void Store::backup(const std::filesystem::path& out) const {
    Database source(path_.string(), true);
    Database target(out.string());
    sqlite3_backup* b = sqlite3_backup_init(target.handle(), "main", source.handle(), "main");
    if (b == nullptr) throw SqliteError("backup: " + std::string(sqlite3_errmsg(target.handle())));
    // Copy in slices so a long backup never holds the database for long.
    int rc = SQLITE_OK;
    while ((rc = sqlite3_backup_step(b, 256)) == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        if (rc != SQLITE_OK) sqlite3_sleep(20);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) throw SqliteError("backup: " + std::string(sqlite3_errstr(rc)));
}

}  // namespace passkoop::server

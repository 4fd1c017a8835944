#include "store/schema.hpp"

namespace passkoop::server {

namespace {

// Every schema change, in order; PRAGMA user_version records how many have run. Never edit one
// that has shipped: add the next.
constexpr const char* kMigrations[] = {
    R"sql(
    CREATE TABLE visits (
        id INTEGER PRIMARY KEY,
        idempotency_key TEXT NOT NULL UNIQUE,
        request_digest BLOB NOT NULL,
        occurred_at INTEGER NOT NULL,
        recorded_at INTEGER NOT NULL,
        till TEXT NOT NULL,
        cashier TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('purchase', 'deposit', 'refund', 'visit')),
        origin_coop INTEGER NOT NULL,
        pass_id TEXT,
        visitor_key TEXT,
        personal_digest BLOB NOT NULL,
        verified INTEGER NOT NULL,
        override INTEGER NOT NULL,
        decision TEXT NOT NULL,
        amount_cents INTEGER NOT NULL,
        currency TEXT NOT NULL,
        ticket TEXT NOT NULL,
        note TEXT NOT NULL,
        previous_hash BLOB NOT NULL,
        hash BLOB NOT NULL
    );
    CREATE INDEX visits_by_visitor ON visits (visitor_key, occurred_at);
    CREATE INDEX visits_by_time ON visits (occurred_at);
    CREATE TABLE tokens (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('cashier', 'manager')),
        token_hash BLOB NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
    );
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    )sql",
    // Visit counts read the index alone: the kind is in it.
    R"sql(
    CREATE INDEX visits_by_visitor_kind ON visits (visitor_key, occurred_at, kind);
    DROP INDEX visits_by_visitor;
    )sql",
    // Checkpoints of the chain's length and head, so rows deleted at the end are noticed, and the
    // horizon of each purge, so erased identifiers are accepted only where a purge could erase them.
    R"sql(
    CREATE TABLE checkpoints (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        reason TEXT NOT NULL CHECK (reason IN ('purge', 'shutdown', 'periodic')),
        row_count INTEGER NOT NULL,
        head BLOB NOT NULL,
        erased_before INTEGER,
        retention_months INTEGER
    );
    )sql",
};

}  // namespace

void migrate(Database& db) {
    if (!migrate_schema(db, kMigrations)) throw SqliteError("database schema is newer than this passkoopd; upgrade passkoopd");
}

}  // namespace passkoop::server

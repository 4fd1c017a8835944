// How a visit row is written to and read from the visits table, and the chain's head: shared by
// the ledger's writer and its verification.
#pragma once

#include "store/database.hpp"
#include "store/ledger.hpp"

namespace passkoop::server::rows {

// The columns of the visits table in the order read_row() reads them.
inline constexpr const char* kSelectRow =
    "SELECT id, idempotency_key, request_digest, occurred_at, recorded_at, till, cashier, kind, origin_coop, pass_id, "
    "visitor_key, personal_digest, verified, override, decision, amount_cents, currency, ticket, note, previous_hash, hash "
    "FROM visits";

// Reads a row selected with kSelectRow. A row that the schema could not have produced (a hash of
// the wrong size, an unknown kind) is damage, not data: SqliteError.
[[nodiscard]] VisitRow read_row(const Statement& s);
// Inserts a complete row (id, hashes and all) on `db`.
void insert_row(Database& db, const VisitRow& row);
// The chain's current length and head on `db` (inside the caller's transaction, if any).
[[nodiscard]] Checkpoint head_on(Database& db);
// Purchases and plain visits (the kinds counts_as_visit() names) of a visitor since a time, on `db`,
// counted up to `up_to`.
[[nodiscard]] std::int64_t count_visits_on(Database& db, std::string_view visitor_key, std::int64_t since, std::int64_t up_to);

}  // namespace passkoop::server::rows

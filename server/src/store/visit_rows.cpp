#include "store/visit_rows.hpp"

#include <nlohmann/json.hpp>

namespace passkoop::server {

Hash256 personal_digest(const std::optional<std::string>& pass_id, const std::optional<std::string>& visitor_key) {
    const nlohmann::json parts = {pass_id.value_or(""), visitor_key.value_or("")};
    return blake2b256(as_bytes(parts.dump()));
}

Hash256 row_hash(const VisitRow& r) {
    const nlohmann::json fields = {r.id, r.idempotency_key, to_hex(r.request_digest), r.occurred_at, r.recorded_at, r.till,
                                   r.cashier, to_string(r.kind), r.origin_coop, to_hex(r.personal_digest), r.verified,
                                   r.override_policy, r.decision, r.amount_cents, r.currency, r.ticket, r.note};
    std::string message = "passkoop-ledger-row-v1\n" + to_hex(r.previous_hash) + "\n" + fields.dump();
    return blake2b256(as_bytes(message));
}

namespace rows {

VisitRow read_row(const Statement& s) {
    VisitRow r;
    r.id = s.integer(0);
    r.idempotency_key = s.text(1);
    r.request_digest = s.fixed_blob<32>(2);
    r.occurred_at = s.integer(3);
    r.recorded_at = s.integer(4);
    r.till = s.text(5);
    r.cashier = s.text(6);
    const auto kind = visit_kind_from_string(s.text(7));
    if (!kind) throw SqliteError("visits row " + std::to_string(r.id) + ": unknown kind");
    r.kind = *kind;
    r.origin_coop = static_cast<std::uint16_t>(s.integer(8));
    r.pass_id = s.optional_text(9);
    r.visitor_key = s.optional_text(10);
    r.personal_digest = s.fixed_blob<32>(11);
    r.verified = s.integer(12) != 0;
    r.override_policy = s.integer(13) != 0;
    r.decision = s.text(14);
    r.amount_cents = s.integer(15);
    r.currency = s.text(16);
    r.ticket = s.text(17);
    r.note = s.text(18);
    r.previous_hash = s.fixed_blob<32>(19);
    r.hash = s.fixed_blob<32>(20);
    return r;
}

void insert_row(Database& db, const VisitRow& row) {
    auto insert = db.cached(
        "INSERT INTO visits (id, idempotency_key, request_digest, occurred_at, recorded_at, till, cashier, kind, "
        "origin_coop, pass_id, visitor_key, personal_digest, verified, override, decision, amount_cents, currency, "
        "ticket, note, previous_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
        "?16, ?17, ?18, ?19, ?20, ?21)");
    insert->bind(1, row.id).bind(2, row.idempotency_key).bind_blob(3, row.request_digest.data(), 32)
        .bind(4, row.occurred_at).bind(5, row.recorded_at).bind(6, row.till).bind(7, row.cashier)
        .bind(8, to_string(row.kind)).bind(9, std::int64_t{row.origin_coop}).bind(10, row.pass_id).bind(11, row.visitor_key)
        .bind_blob(12, row.personal_digest.data(), 32).bind(13, std::int64_t{row.verified})
        .bind(14, std::int64_t{row.override_policy}).bind(15, row.decision).bind(16, row.amount_cents)
        .bind(17, row.currency).bind(18, row.ticket).bind(19, row.note)
        .bind_blob(20, row.previous_hash.data(), 32).bind_blob(21, row.hash.data(), 32);
    insert->step();
}

Checkpoint head_on(Database& db) {
    Checkpoint c;
    auto last = db.cached("SELECT id, hash FROM visits ORDER BY id DESC LIMIT 1");
    if (last->step()) {
        c.rows = last->integer(0);
        c.head = last->fixed_blob<32>(1);
    }
    return c;
}

// The kinds listed are those counts_as_visit() accepts (policy.hpp): SQLite filters them in the
// visitor index instead of reading every row back.
std::int64_t count_visits_on(Database& db, std::string_view visitor_key, std::int64_t since, std::int64_t up_to) {
    // LIMIT in the inner query: SQLite stops walking the index after up_to rows.
    auto s = db.cached(
        "SELECT COUNT(*) FROM (SELECT 1 FROM visits WHERE visitor_key = ?1 AND occurred_at >= ?2 "
        "AND kind IN ('purchase', 'visit') LIMIT ?3)");
    s->bind(1, visitor_key).bind(2, since).bind(3, up_to);
    s->step();
    return s->integer(0);
}

}  // namespace rows

}  // namespace passkoop::server

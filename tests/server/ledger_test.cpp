// The visiteurs ledger on its own (DESIGN §7): hash chain, tamper detection with raw SQL,
// retention purge, concurrent appends and idempotency.
#include "ledger.hpp"

#include "support.hpp"

#include <passkoop/dates.hpp>

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

using namespace passkoop;
using namespace passkoop::server;

namespace {

Hash256 digest_of(std::string_view text) { return blake2b256(as_bytes(text)); }

VisitInput visit(const std::string& key, std::int64_t occurred_at, std::int64_t cents = 1250, std::uint16_t coop = 7) {
    VisitInput in;
    in.idempotency_key = key;
    in.occurred_at = occurred_at;
    in.till = "caisse-1";
    in.cashier = "Camille";
    in.kind = "purchase";
    in.origin_coop = coop;
    in.pass_id = "0123456789abcdef";
    in.visitor_key = "visitor-" + std::to_string(coop);
    in.decision = "allowed";
    in.amount_cents = cents;
    in.request_digest = digest_of("body of " + key);
    return in;
}

// Runs constant SQL on the database file behind the ledger's back, as an attacker with file access would.
void raw_sql(const std::filesystem::path& db, const char* sql) {
    sqlite3* handle = nullptr;
    REQUIRE(sqlite3_open(db.string().c_str(), &handle) == SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(handle, sql, nullptr, nullptr, &error);
    const std::string message = error ? error : "";
    sqlite3_free(error);
    sqlite3_close(handle);
    INFO(message);
    REQUIRE(rc == SQLITE_OK);
}

// A ledger file with `n` rows appended an hour apart, closed again.
void fill(const std::filesystem::path& db, int n) {
    Ledger ledger(db);
    const std::int64_t base = unix_now() - 86400;
    for (int i = 1; i <= n; ++i) REQUIRE(ledger.append(visit("k" + std::to_string(i), base + i * 60)).outcome == AppendOutcome::created);
}

}  // namespace

TEST_CASE("ledger appends rows with consecutive ids and a verifiable hash chain") {
    pk_test::TempDir dir;
    Ledger ledger(dir / "ledger.db");
    CHECK(ledger.verify_chain().ok());
    CHECK(ledger.verify_chain().rows == 0);
    const std::int64_t now = unix_now();
    Hash256 previous{};
    for (int i = 1; i <= 5; ++i) {
        const AppendResult r = ledger.append(visit("key-" + std::to_string(i), now - 600 + i));
        CHECK(r.outcome == AppendOutcome::created);
        CHECK(r.row.id == i);
        CHECK(r.row.previous_hash == previous);
        CHECK(r.row.hash == row_hash(r.row));
        CHECK(r.row.recorded_at >= now);
        previous = r.row.hash;
    }
    const ChainReport report = ledger.verify_chain();
    CHECK(report.ok());
    CHECK(report.rows == 5);
    CHECK(ledger.row_count() == 5);
    const auto found = ledger.find("key-3");
    REQUIRE(found.has_value());
    CHECK(found->id == 3);
    CHECK(found->amount_cents == 1250);
    CHECK(found->pass_id == std::optional<std::string>("0123456789abcdef"));
    CHECK_FALSE(ledger.find("key-99").has_value());
}

TEST_CASE("ledger chain survives closing and reopening the database") {
    pk_test::TempDir dir;
    fill(dir / "ledger.db", 4);
    Ledger ledger(dir / "ledger.db");
    const AppendResult r = ledger.append(visit("after-reopen", unix_now()));
    CHECK(r.row.id == 5);
    CHECK(r.row.previous_hash == ledger.find("k4")->hash);
    CHECK(ledger.verify_chain().ok());
    CHECK(ledger.verify_chain().rows == 5);
}

TEST_CASE("ledger tampering an amount with raw SQL is detected at that row") {
    pk_test::TempDir dir;
    fill(dir / "ledger.db", 6);
    raw_sql(dir / "ledger.db", "UPDATE visits SET amount_cents = 1 WHERE id = 4");
    Ledger ledger(dir / "ledger.db");
    const ChainReport report = ledger.verify_chain();
    CHECK_FALSE(report.ok());
    REQUIRE(report.first_bad_id.has_value());
    CHECK(*report.first_bad_id == 4);
    CHECK(report.problem == "row altered");
}

TEST_CASE("ledger tampering a pass id or a kind with raw SQL is detected") {
    pk_test::TempDir dir;
    fill(dir / "ledger.db", 5);
    SUBCASE("pass id swapped") {
        raw_sql(dir / "ledger.db", "UPDATE visits SET pass_id = 'ffffffffffffffff' WHERE id = 2");
        Ledger ledger(dir / "ledger.db");
        const ChainReport report = ledger.verify_chain();
        REQUIRE(report.first_bad_id.has_value());
        CHECK(*report.first_bad_id == 2);
        CHECK(report.problem == "pass id or visitor key altered");
    }
    SUBCASE("kind changed to refund") {
        raw_sql(dir / "ledger.db", "UPDATE visits SET kind = 'refund' WHERE id = 5");
        Ledger ledger(dir / "ledger.db");
        const ChainReport report = ledger.verify_chain();
        REQUIRE(report.first_bad_id.has_value());
        CHECK(*report.first_bad_id == 5);
    }
    SUBCASE("a rehashed row still breaks the link of the row after it") {
        // The attacker recomputes nothing but swaps a stored hash: the next row's previous_hash no longer matches.
        raw_sql(dir / "ledger.db", "UPDATE visits SET hash = (SELECT hash FROM visits WHERE id = 1) WHERE id = 3");
        Ledger ledger(dir / "ledger.db");
        const ChainReport report = ledger.verify_chain();
        REQUIRE(report.first_bad_id.has_value());
        CHECK(*report.first_bad_id == 3);
    }
}

TEST_CASE("ledger deleting a row with raw SQL is detected at the row after it") {
    pk_test::TempDir dir;
    fill(dir / "ledger.db", 6);
    raw_sql(dir / "ledger.db", "DELETE FROM visits WHERE id = 3");
    Ledger ledger(dir / "ledger.db");
    const ChainReport report = ledger.verify_chain();
    CHECK_FALSE(report.ok());
    REQUIRE(report.first_bad_id.has_value());
    CHECK(*report.first_bad_id == 4);
    CHECK(report.problem == "missing row before this one");
}

TEST_CASE("ledger purge erases pass ids and visitor keys of old rows and the chain still verifies") {
    pk_test::TempDir dir;
    Ledger ledger(dir / "ledger.db");
    const std::int64_t now = unix_now();
    const std::int64_t old = now - 40 * 30 * 86400;
    for (int i = 0; i < 3; ++i) ledger.append(visit("old-" + std::to_string(i), old + i, 500, 7));
    for (int i = 0; i < 2; ++i) ledger.append(visit("new-" + std::to_string(i), now - 60 + i, 700, 12));
    const std::int64_t before = now - 36 * 30 * 86400;
    CHECK(ledger.purge_personal_data(before) == 3);
    CHECK(ledger.purge_personal_data(before) == 0);  // nothing left to erase
    for (int i = 0; i < 3; ++i) {
        const auto row = ledger.find("old-" + std::to_string(i));
        REQUIRE(row.has_value());
        CHECK_FALSE(row->pass_id.has_value());
        CHECK_FALSE(row->visitor_key.has_value());
        CHECK(row->amount_cents == 500);  // the accounts stay
        CHECK(row->origin_coop == 7);
    }
    const auto recent = ledger.find("new-1");
    REQUIRE(recent.has_value());
    CHECK(recent->pass_id.has_value());
    CHECK(recent->visitor_key == std::optional<std::string>("visitor-12"));
    CHECK(ledger.count_visits("visitor-7", 0) == 0);
    CHECK(ledger.count_visits("visitor-12", 0) == 2);
    const ChainReport report = ledger.verify_chain();
    CHECK(report.ok());
    CHECK(report.rows == 5);
    // Appending after a purge still chains on the stored hashes.
    CHECK(ledger.append(visit("after-purge", now)).row.id == 6);
    CHECK(ledger.verify_chain().ok());
}

TEST_CASE("ledger appends from 16 threads land exactly once with consecutive ids") {
    pk_test::TempDir dir;
    Ledger ledger(dir / "ledger.db");
    constexpr int kRows = 500, kThreads = 16;
    const std::int64_t now = unix_now();
    std::atomic<int> created{0}, failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = t; i < kRows; i += kThreads) {
                try {
                    const AppendResult r = ledger.append(visit("row-" + std::to_string(i), now - i, i));
                    if (r.outcome == AppendOutcome::created) ++created;
                    else ++failures;
                } catch (...) {
                    ++failures;
                }
            }
        });
    }
    for (auto& t : threads) t.join();
    CHECK(created == kRows);
    CHECK(failures == 0);
    CHECK(ledger.row_count() == kRows);
    VisitQuery q;
    q.limit = 1000;
    const auto rows = ledger.list(q);
    REQUIRE(rows.size() == static_cast<std::size_t>(kRows));
    std::set<std::string> keys;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        CHECK(rows[i].id == static_cast<std::int64_t>(i) + 1);
        keys.insert(rows[i].idempotency_key);
        // Each key's row carries its own body.
        CHECK(rows[i].amount_cents == std::stoll(rows[i].idempotency_key.substr(4)));
    }
    CHECK(keys.size() == static_cast<std::size_t>(kRows));
    const ChainReport report = ledger.verify_chain();
    CHECK(report.ok());
    CHECK(report.rows == kRows);
}

TEST_CASE("ledger concurrent appends of the same key create one row and replay it") {
    pk_test::TempDir dir;
    Ledger ledger(dir / "ledger.db");
    const VisitInput same = visit("shared-key", unix_now());
    std::atomic<int> created{0}, replayed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&] {
            const AppendResult r = ledger.append(same);
            if (r.outcome == AppendOutcome::created) ++created;
            if (r.outcome == AppendOutcome::replayed && r.row.id == 1) ++replayed;
        });
    for (auto& t : threads) t.join();
    CHECK(created == 1);
    CHECK(replayed == 7);
    CHECK(ledger.row_count() == 1);
}

TEST_CASE("ledger append_all with the same key twice replays the second") {
    pk_test::TempDir dir;
    Ledger ledger(dir / "ledger.db");
    const std::int64_t now = unix_now();
    const VisitInput first = visit("dup", now);
    const auto results = ledger.append_all({visit("a", now), first, visit("b", now), first});
    REQUIRE(results.size() == 4);
    CHECK(results[0].outcome == AppendOutcome::created);
    CHECK(results[1].outcome == AppendOutcome::created);
    CHECK(results[2].outcome == AppendOutcome::created);
    CHECK(results[3].outcome == AppendOutcome::replayed);
    CHECK(results[3].row.id == results[1].row.id);
    CHECK(results[3].row.hash == results[1].row.hash);
    CHECK(ledger.row_count() == 3);
    CHECK(ledger.verify_chain().ok());
}

TEST_CASE("ledger admission check counts the rows of its own transaction and refuses without storing") {
    pk_test::TempDir dir;
    Ledger ledger(dir / "ledger.db");
    const std::int64_t now = unix_now();
    REQUIRE(ledger.append(visit("before", now - 60)).outcome == AppendOutcome::created);
    std::vector<std::int64_t> seen;
    // At most 3 visits of visitor-7: one already stored, so two of these four pass.
    auto at_most_three = [&seen](VisitInput& row, const VisitCounter& visits) {
        seen.push_back(visits("visitor-7", 0));
        row.decision = seen.back() < 3 ? "allowed" : "limit_reached";
        return seen.back() < 3;
    };
    std::vector<AppendRequest> requests;
    for (int i = 0; i < 4; ++i) requests.push_back({visit("v" + std::to_string(i), now), at_most_three});
    requests.push_back({visit("before", now - 60), at_most_three});  // a replay never reaches the check
    const auto results = ledger.append_all(std::move(requests));
    REQUIRE(results.size() == 5);
    CHECK(seen == std::vector<std::int64_t>{1, 2, 3, 3});
    CHECK(results[0].outcome == AppendOutcome::created);
    CHECK(results[1].outcome == AppendOutcome::created);
    CHECK(results[2].outcome == AppendOutcome::refused);
    CHECK(results[2].row.id == 0);
    CHECK(results[2].row.decision == "limit_reached");
    CHECK(results[3].outcome == AppendOutcome::refused);
    CHECK(results[4].outcome == AppendOutcome::replayed);
    CHECK(ledger.row_count() == 3);
    CHECK(ledger.find("v2") == std::nullopt);
    CHECK(ledger.count_visits("visitor-7", 0) == 3);
    CHECK(ledger.verify_chain().ok());
}

TEST_CASE("ledger append_all with the same key and another body reports a conflict") {
    pk_test::TempDir dir;
    Ledger ledger(dir / "ledger.db");
    const std::int64_t now = unix_now();
    VisitInput other = visit("dup", now, 9999);
    other.request_digest = digest_of("another body");
    const auto results = ledger.append_all({visit("dup", now), other});
    REQUIRE(results.size() == 2);
    CHECK(results[0].outcome == AppendOutcome::created);
    CHECK(results[1].outcome == AppendOutcome::conflict);
    CHECK(results[1].row.id == results[0].row.id);
    CHECK(results[1].row.amount_cents == 1250);  // the stored row, not the conflicting one
    CHECK(ledger.row_count() == 1);
}

TEST_CASE("ledger conflict detection compares request digests only") {
    pk_test::TempDir dir;
    Ledger ledger(dir / "ledger.db");
    const std::int64_t now = unix_now();
    const AppendResult first = ledger.append(visit("key", now, 100));
    REQUIRE(first.outcome == AppendOutcome::created);

    // Same digest, even with other fields: a replay of the first row.
    VisitInput same_digest = visit("key", now + 5, 555);
    const AppendResult replay = ledger.append(same_digest);
    CHECK(replay.outcome == AppendOutcome::replayed);
    CHECK(replay.row.id == first.row.id);
    CHECK(replay.row.amount_cents == 100);

    // Other digest, even with identical fields: a conflict.
    VisitInput other_digest = visit("key", now, 100);
    other_digest.request_digest = digest_of("different request");
    const AppendResult conflict = ledger.append(other_digest);
    CHECK(conflict.outcome == AppendOutcome::conflict);
    CHECK(conflict.row.id == first.row.id);
    CHECK(conflict.row.request_digest == first.row.request_digest);
    CHECK(ledger.row_count() == 1);
}

TEST_CASE("ledger list filters by time coop and till and pages with a cursor") {
    pk_test::TempDir dir;
    Ledger ledger(dir / "ledger.db");
    const std::int64_t base = start_of_day(day_of(unix_now())) - 10 * 86400;
    std::vector<VisitInput> inputs;
    for (int i = 0; i < 10; ++i) {
        VisitInput in = visit("v" + std::to_string(i), base + i * 86400, 100 * i, i % 2 == 0 ? 7 : 12);
        in.till = i < 5 ? "caisse-1" : "caisse-2";
        inputs.push_back(in);
    }
    ledger.append_all(inputs);
    VisitQuery q;
    q.from = base + 2 * 86400;
    q.to = base + 6 * 86400;  // days 2, 3, 4, 5
    CHECK(ledger.list(q).size() == 4);
    q.coop = 7;  // days 2 and 4
    auto rows = ledger.list(q);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].idempotency_key == "v2");
    CHECK(rows[1].idempotency_key == "v4");
    VisitQuery by_till;
    by_till.till = "caisse-2";
    CHECK(ledger.list(by_till).size() == 5);
    VisitQuery page;
    page.limit = 3;
    std::vector<std::string> seen;
    for (int n = 0; n < 10; ++n) {
        const auto got = ledger.list(page);
        for (const auto& r : got) seen.push_back(r.idempotency_key);
        if (static_cast<std::int64_t>(got.size()) < page.limit) break;
        page.after_id = got.back().id;
    }
    CHECK(seen.size() == 10);
    CHECK(seen.front() == "v0");
    CHECK(seen.back() == "v9");
    CHECK(ledger.count_visits("visitor-7", 0) == 5);
    CHECK(ledger.count_visits("visitor-7", base + 5 * 86400) == 2);  // days 6 and 8
}

TEST_CASE("ledger counts purchases and plain visits but not deposits or refunds") {
    pk_test::TempDir dir;
    Ledger ledger(dir / "ledger.db");
    const std::int64_t now = unix_now();
    for (const char* kind : {"purchase", "visit", "deposit", "refund"}) {
        VisitInput in = visit(std::string("kind-") + kind, now);
        in.kind = kind;
        ledger.append(in);
    }
    CHECK(ledger.count_visits("visitor-7", 0) == 2);
}

TEST_CASE("ledger upgrades a version 1 database and counts visits from the covering index") {
    pk_test::TempDir dir;
    fill(dir / "ledger.db", 3);
    // Back to the first schema, as a passkoopd of the previous release left it.
    raw_sql(dir / "ledger.db",
            "DROP INDEX visits_by_visitor_kind; CREATE INDEX visits_by_visitor ON visits (visitor_key, occurred_at); "
            "PRAGMA user_version=1;");
    Ledger ledger(dir / "ledger.db");
    CHECK(ledger.count_visits("visitor-7", 0) == 3);
    sqlite3* handle = nullptr;
    REQUIRE(sqlite3_open((dir / "ledger.db").string().c_str(), &handle) == SQLITE_OK);
    auto one_text = [&](const char* sql) {
        sqlite3_stmt* stmt = nullptr;
        REQUIRE(sqlite3_prepare_v2(handle, sql, -1, &stmt, nullptr) == SQLITE_OK);
        std::string all;
        while (sqlite3_step(stmt) == SQLITE_ROW) all += reinterpret_cast<const char*>(sqlite3_column_text(stmt, sqlite3_column_count(stmt) - 1)) + std::string("\n");
        sqlite3_finalize(stmt);
        return all;
    };
    CHECK(one_text("PRAGMA user_version") == "2\n");
    const std::string plan = one_text(
        "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM visits WHERE visitor_key = 'x' AND occurred_at >= 0 AND kind IN ('purchase', 'visit')");
    INFO(plan);
    CHECK(plan.find("COVERING INDEX visits_by_visitor_kind") != std::string::npos);
    sqlite3_close(handle);
}

TEST_CASE("ledger meta values and online backup") {
    pk_test::TempDir dir;
    Ledger ledger(dir / "ledger.db");
    CHECK_FALSE(ledger.meta("trusted_registry").has_value());
    ledger.set_meta("trusted_registry", "one");
    ledger.set_meta("trusted_registry", "two");
    CHECK(ledger.meta("trusted_registry") == std::optional<std::string>("two"));
    for (int i = 0; i < 20; ++i) ledger.append(visit("b" + std::to_string(i), unix_now()));
    ledger.backup(dir / "copy.db");
    Ledger copy(dir / "copy.db");
    CHECK(copy.row_count() == 20);
    CHECK(copy.verify_chain().ok());
    CHECK(copy.meta("trusted_registry") == std::optional<std::string>("two"));
    CHECK(copy.find("b19")->hash == ledger.find("b19")->hash);
}

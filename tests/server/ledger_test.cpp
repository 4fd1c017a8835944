// The visiteurs ledger on its own (DESIGN §7): hash chain, tamper detection with raw SQL,
// retention purge, concurrent appends and idempotency.
#include "store/ledger.hpp"
#include "store/state.hpp"

#include "server_process.hpp"

#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

using namespace passkoop;
using namespace passkoop::server;

namespace {

// A fixed clock for the retention rules: 2027-01-15T08:00:00Z.
constexpr std::int64_t kNow = 1'800'000'000;
constexpr std::int64_t kMonth = 30 * 86400;

Hash256 digest_of(std::string_view text) { return blake2b256(as_bytes(text)); }

VisitInput visit(const std::string& key, std::int64_t occurred_at, std::int64_t cents = 1250, std::uint16_t coop = 7) {
    VisitInput in;
    in.idempotency_key = key;
    in.occurred_at = occurred_at;
    in.till = "caisse-1";
    in.cashier = "Camille";
    in.kind = VisitKind::purchase;
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

// One integer read behind the ledger's back.
std::int64_t scalar(const std::filesystem::path& db, const char* sql) {
    sqlite3* handle = nullptr;
    REQUIRE(sqlite3_open(db.string().c_str(), &handle) == SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(handle, sql, -1, &stmt, nullptr) == SQLITE_OK);
    const std::int64_t value = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    sqlite3_close(handle);
    return value;
}

// A ledger file with `n` rows that occurred a minute apart from `base`, closed again.
void fill_at(const std::filesystem::path& db, int n, std::int64_t base) {
    Store ledger_store(db);
    Ledger& ledger = ledger_store.ledger();
    for (int i = 1; i <= n; ++i) REQUIRE(ledger.append(visit("k" + std::to_string(i), base + i * 60)).outcome == AppendOutcome::created);
}

// A ledger file with `n` rows appended an hour apart, closed again.
void fill(const std::filesystem::path& db, int n) {
    Store ledger_store(db);
    Ledger& ledger = ledger_store.ledger();
    const std::int64_t base = unix_now() - 86400;
    for (int i = 1; i <= n; ++i) REQUIRE(ledger.append(visit("k" + std::to_string(i), base + i * 60)).outcome == AppendOutcome::created);
}

}  // namespace

TEST_CASE("ledger appends rows with consecutive ids and a verifiable hash chain") {
    pk_test::TempDir dir;
    Store ledger_store(dir / "ledger.db");
    Ledger& ledger = ledger_store.ledger();
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
    Store ledger_store(dir / "ledger.db");
    Ledger& ledger = ledger_store.ledger();
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
    Store ledger_store(dir / "ledger.db");
    Ledger& ledger = ledger_store.ledger();
    const ChainReport report = ledger.verify_chain();
    CHECK_FALSE(report.ok());
    REQUIRE(report.first_bad_id.has_value());
    CHECK(*report.first_bad_id == 4);
    CHECK(report.problem == ChainProblem::row_altered);
}

TEST_CASE("ledger tampering a pass id or a kind with raw SQL is detected") {
    pk_test::TempDir dir;
    fill(dir / "ledger.db", 5);
    SUBCASE("pass id swapped") {
        raw_sql(dir / "ledger.db", "UPDATE visits SET pass_id = 'ffffffffffffffff' WHERE id = 2");
        Store ledger_store(dir / "ledger.db");
        Ledger& ledger = ledger_store.ledger();
        const ChainReport report = ledger.verify_chain();
        REQUIRE(report.first_bad_id.has_value());
        CHECK(*report.first_bad_id == 2);
        CHECK(report.problem == ChainProblem::personal_data_altered);
    }
    SUBCASE("kind changed to refund") {
        raw_sql(dir / "ledger.db", "UPDATE visits SET kind = 'refund' WHERE id = 5");
        Store ledger_store(dir / "ledger.db");
        Ledger& ledger = ledger_store.ledger();
        const ChainReport report = ledger.verify_chain();
        REQUIRE(report.first_bad_id.has_value());
        CHECK(*report.first_bad_id == 5);
    }
    SUBCASE("a rehashed row still breaks the link of the row after it") {
        // The attacker recomputes nothing but swaps a stored hash: the next row's previous_hash no longer matches.
        raw_sql(dir / "ledger.db", "UPDATE visits SET hash = (SELECT hash FROM visits WHERE id = 1) WHERE id = 3");
        Store ledger_store(dir / "ledger.db");
        Ledger& ledger = ledger_store.ledger();
        const ChainReport report = ledger.verify_chain();
        REQUIRE(report.first_bad_id.has_value());
        CHECK(*report.first_bad_id == 3);
    }
}

TEST_CASE("ledger deleting a row with raw SQL is detected at the row after it") {
    pk_test::TempDir dir;
    fill(dir / "ledger.db", 6);
    raw_sql(dir / "ledger.db", "DELETE FROM visits WHERE id = 3");
    Store ledger_store(dir / "ledger.db");
    Ledger& ledger = ledger_store.ledger();
    const ChainReport report = ledger.verify_chain();
    CHECK_FALSE(report.ok());
    REQUIRE(report.first_bad_id.has_value());
    CHECK(*report.first_bad_id == 4);
    CHECK(report.problem == ChainProblem::missing_row);
}

TEST_CASE("ledger purge erases pass ids and visitor keys of old rows and the chain still verifies") {
    pk_test::TempDir dir;
    Store ledger_store(dir / "ledger.db");
    Ledger& ledger = ledger_store.ledger();
    const std::int64_t now = kNow;
    const std::int64_t old = now - 40 * 30 * 86400;
    for (int i = 0; i < 3; ++i) ledger.append(visit("old-" + std::to_string(i), old + i, 500, 7));
    for (int i = 0; i < 2; ++i) ledger.append(visit("new-" + std::to_string(i), now - 60 + i, 700, 12));
    const PurgeResult purged = ledger.purge_personal_data(now, 36);
    CHECK(purged.erased == 3);
    CHECK(purged.checkpoint.reason == CheckpointReason::purge);
    CHECK(purged.checkpoint.erased_before == std::optional<std::int64_t>(now - 36 * 30 * 86400));
    CHECK(purged.checkpoint.retention_months == std::optional<std::int64_t>(36));
    CHECK(purged.checkpoint.rows == 5);
    CHECK(purged.checkpoint.head == ledger.find("new-1")->hash);
    CHECK(ledger.purge_personal_data(now + 60, 36).erased == 0);  // nothing left to erase
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
    CHECK(ledger.count_visits("visitor-7", 0, kVisitsCountedUpTo) == 0);
    CHECK(ledger.count_visits("visitor-12", 0, kVisitsCountedUpTo) == 2);
    const ChainReport report = ledger.verify_chain(now + 120, 36);
    CHECK(report.ok());
    CHECK(report.rows == 5);
    // Appending after a purge still chains on the stored hashes.
    CHECK(ledger.append(visit("after-purge", now)).row.id == 6);
    CHECK(ledger.verify_chain(now + 180, 36).ok());
}

TEST_CASE("ledger appends from 16 threads land exactly once with consecutive ids") {
    pk_test::TempDir dir;
    Store ledger_store(dir / "ledger.db");
    Ledger& ledger = ledger_store.ledger();
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
    Store ledger_store(dir / "ledger.db");
    Ledger& ledger = ledger_store.ledger();
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
    Store ledger_store(dir / "ledger.db");
    Ledger& ledger = ledger_store.ledger();
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
    Store ledger_store(dir / "ledger.db");
    Ledger& ledger = ledger_store.ledger();
    const std::int64_t now = unix_now();
    REQUIRE(ledger.append(visit("before", now - 60)).outcome == AppendOutcome::created);
    // At most 3 visits of visitor-7 at host coop 3: one already stored, so two of these four pass.
    Admission at_most_three;
    at_most_three.pass_valid = true;
    at_most_three.policy.max_visits = 3;
    at_most_three.host_coop = 3;
    at_most_three.pass.coop = 7;
    std::vector<AppendRequest> requests;
    for (int i = 0; i < 4; ++i) requests.push_back({visit("v" + std::to_string(i), now), at_most_three});
    requests.push_back({visit("before", now - 60), at_most_three});  // a replay never reaches the check
    const auto results = ledger.append_all(std::move(requests));
    REQUIRE(results.size() == 5);
    std::vector<std::int64_t> seen;
    for (const AppendResult& r : results)
        if (r.policy) seen.push_back(r.policy->visits);
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
    CHECK(ledger.count_visits("visitor-7", 0, kVisitsCountedUpTo) == 3);
    CHECK(ledger.verify_chain().ok());
}

TEST_CASE("ledger append_all with the same key and another body reports a conflict") {
    pk_test::TempDir dir;
    Store ledger_store(dir / "ledger.db");
    Ledger& ledger = ledger_store.ledger();
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
    Store ledger_store(dir / "ledger.db");
    Ledger& ledger = ledger_store.ledger();
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
    Store ledger_store(dir / "ledger.db");
    Ledger& ledger = ledger_store.ledger();
    const std::int64_t base = start_of_day(day_of(unix_now())) - 10 * 86400;
    std::vector<VisitInput> inputs;
    for (int i = 0; i < 10; ++i) {
        VisitInput in = visit("v" + std::to_string(i), base + i * 86400, 100 * i, i % 2 == 0 ? 7 : 12);
        in.till = i < 5 ? "caisse-1" : "caisse-2";
        inputs.push_back(in);
    }
    REQUIRE(ledger.append_all(inputs).size() == inputs.size());
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
    CHECK(ledger.count_visits("visitor-7", 0, kVisitsCountedUpTo) == 5);
    CHECK(ledger.count_visits("visitor-7", base + 5 * 86400, kVisitsCountedUpTo) == 2);  // days 6 and 8
}

TEST_CASE("ledger counts purchases and plain visits but not deposits or refunds") {
    pk_test::TempDir dir;
    Store ledger_store(dir / "ledger.db");
    Ledger& ledger = ledger_store.ledger();
    const std::int64_t now = unix_now();
    for (const char* kind : {"purchase", "visit", "deposit", "refund"}) {
        VisitInput in = visit(std::string("kind-") + kind, now);
        in.kind = *visit_kind_from_string(kind);
        ledger.append(in);
    }
    CHECK(ledger.count_visits("visitor-7", 0, kVisitsCountedUpTo) == 2);
}

TEST_CASE("ledger upgrades a version 1 database and counts visits from the covering index") {
    pk_test::TempDir dir;
    fill(dir / "ledger.db", 3);
    // Back to the first schema, as a passkoopd of the previous release left it.
    raw_sql(dir / "ledger.db",
            "DROP INDEX visits_by_visitor_kind; CREATE INDEX visits_by_visitor ON visits (visitor_key, occurred_at); "
            "DROP TABLE checkpoints; PRAGMA user_version=1;");
    Store ledger_store(dir / "ledger.db");
    Ledger& ledger = ledger_store.ledger();
    CHECK(ledger.count_visits("visitor-7", 0, kVisitsCountedUpTo) == 3);
    CHECK(ledger.verify_chain().ok());  // no checkpoint yet: nothing to hold the chain against
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
    CHECK(one_text("PRAGMA user_version") == "3\n");
    const std::string plan = one_text(
        "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM (SELECT 1 FROM visits WHERE visitor_key = 'x' AND occurred_at >= 0 "
        "AND kind IN ('purchase', 'visit') LIMIT 100)");
    INFO(plan);
    CHECK(plan.find("COVERING INDEX visits_by_visitor_kind") != std::string::npos);
    sqlite3_close(handle);
}

TEST_CASE("ledger counts a frequent visitor's visits only up to what the policy needs") {
    pk_test::TempDir dir;
    fill(dir / "ledger.db", 150);
    Store ledger_store(dir / "ledger.db");
    const Ledger& ledger = ledger_store.ledger();
    CHECK(ledger.count_visits("visitor-7", 0, 1000) == 150);
    CHECK(ledger.count_visits("visitor-7", 0, kVisitsCountedUpTo) == 100);
    CHECK(ledger.count_visits("visitor-7", 0, 3) == 3);
    VisitorPolicy policy;
    policy.max_visits = 3;
    CHECK(visits_to_count(policy) == kVisitsCountedUpTo);
    policy.max_visits = 500;
    CHECK(visits_to_count(policy) == 500);  // a limit above the cap is counted up to the limit
}

TEST_CASE("ledger meta values and online backup") {
    pk_test::TempDir dir;
    Store ledger_store(dir / "ledger.db");
    Ledger& ledger = ledger_store.ledger();
    CHECK_FALSE(ledger_store.state().get("trusted_registry").has_value());
    ledger_store.state().set("trusted_registry", "one");
    ledger_store.state().set("trusted_registry", "two");
    CHECK(ledger_store.state().get("trusted_registry") == std::optional<std::string>("two"));
    for (int i = 0; i < 20; ++i) ledger.append(visit("b" + std::to_string(i), unix_now()));
    ledger_store.backup(dir / "copy.db");
    Store copy_store(dir / "copy.db");
    Ledger& copy = copy_store.ledger();
    CHECK(copy.row_count() == 20);
    CHECK(copy.verify_chain().ok());
    CHECK(copy_store.state().get("trusted_registry") == std::optional<std::string>("two"));
    CHECK(copy.find("b19")->hash == ledger.find("b19")->hash);
}

TEST_CASE("ledger verify refuses identifiers erased from a row younger than the retention period") {
    pk_test::TempDir dir;
    fill_at(dir / "ledger.db", 5, kNow - 86400);
    // What an attacker does to make a visitor's visits stop counting: no purge would erase these yet.
    raw_sql(dir / "ledger.db", "UPDATE visits SET pass_id = NULL, visitor_key = NULL WHERE id = 3");
    Store ledger_store(dir / "ledger.db");
    Ledger& ledger = ledger_store.ledger();
    const ChainReport report = ledger.verify_chain(kNow, 36);
    CHECK(report.problem == ChainProblem::erased_too_early);
    REQUIRE(report.first_bad_id.has_value());
    CHECK(*report.first_bad_id == 3);
    CHECK(report.occurred_at == std::optional<std::int64_t>(kNow - 86400 + 180));
    CHECK(report.erasable_before == kNow - 36 * kMonth);
    {
        const ThreadLanguage fr(Lang::fr);
        CHECK(describe(report).find("identifiants effacés d'une visite du 2027-01-14T08:03:00Z") != std::string::npos);
    }
    {
        const ThreadLanguage en(Lang::en);
        CHECK(describe(report).find("younger than the retention period") != std::string::npos);
    }
    // A purge run since vouches for the rows it erased, not for this one.
    ledger.purge_personal_data(kNow, 36);
    CHECK(ledger.verify_chain(kNow, 36).problem == ChainProblem::erased_too_early);
    // Even a purge record forged with a horizon of today does not cover rows younger than a month.
    raw_sql(dir / "ledger.db", "UPDATE checkpoints SET erased_before = 1800000000, retention_months = 0");
    CHECK(ledger.verify_chain(kNow, 36).problem == ChainProblem::erased_too_early);
}

TEST_CASE("ledger verify accepts identifiers erased from rows past the retention period") {
    pk_test::TempDir dir;
    const auto db = dir / "ledger.db";
    {
        Store ledger_store(db);
        Ledger& ledger = ledger_store.ledger();
        for (int i = 0; i < 3; ++i) ledger.append(visit("old-" + std::to_string(i), kNow - 40 * kMonth + i));
        ledger.append(visit("middle", kNow - 20 * kMonth));
        ledger.append(visit("young", kNow - 86400));
        // A declared visitor never had identifiers, whatever the age of the row.
        VisitInput declared = visit("declared", kNow - 60);
        declared.pass_id.reset();
        declared.visitor_key.reset();
        declared.verified = false;
        ledger.append(declared);
    }
    SUBCASE("erased as the purge does, by an earlier version that recorded nothing") {
        raw_sql(db, "UPDATE visits SET pass_id = NULL, visitor_key = NULL WHERE idempotency_key LIKE 'old-%'");
        Store ledger_store(db);
        Ledger& ledger = ledger_store.ledger();
        CHECK(ledger.verify_chain(kNow, 36).ok());
        // Under a longer configured retention the same rows were erased too early.
        const ChainReport longer = ledger.verify_chain(kNow, 48);
        CHECK(longer.problem == ChainProblem::erased_too_early);
        CHECK(longer.first_bad_id == std::optional<std::int64_t>(1));
    }
    SUBCASE("a purge records its horizon, which then holds whatever retention verify is given") {
        Store ledger_store(db);
        Ledger& ledger = ledger_store.ledger();
        CHECK(ledger.purge_personal_data(kNow, 36).erased == 3);
        const ChainReport report = ledger.verify_chain(kNow + 86400, 48);
        CHECK(report.ok());
        CHECK(report.retention_months == 36);  // the latest purge's, not the default given
        CHECK(report.rows == 6);
    }
    SUBCASE("a shorter retention for a while, then a longer one") {
        Store ledger_store(db);
        Ledger& ledger = ledger_store.ledger();
        CHECK(ledger.purge_personal_data(kNow, 12).erased == 4);  // the 20-month-old row too
        CHECK(ledger.verify_chain(kNow + 60, 36).ok());
        CHECK(ledger.purge_personal_data(kNow + 86400, 36).erased == 0);
        const ChainReport report = ledger.verify_chain(kNow + 2 * 86400, 36);
        CHECK(report.ok());
        CHECK(report.retention_months == 36);
        CHECK(report.erasable_before == kNow - 12 * kMonth);  // the earlier purge still vouches for its rows
    }
}

TEST_CASE("ledger verify detects the last rows deleted after a clean shutdown") {
    pk_test::TempDir dir;
    const auto db = dir / "ledger.db";
    fill_at(db, 6, kNow - 86400);
    CHECK(scalar(db, "SELECT COUNT(*) FROM checkpoints WHERE reason = 'shutdown' AND row_count = 6") == 1);
    SUBCASE("the last two rows") {
        raw_sql(db, "DELETE FROM visits WHERE id > 4");
        Store ledger_store(db);
        Ledger& ledger = ledger_store.ledger();
        const ChainReport report = ledger.verify_chain(kNow, 36);
        CHECK(report.problem == ChainProblem::truncated);
        CHECK_FALSE(report.first_bad_id.has_value());
        CHECK(report.rows == 4);
        REQUIRE(report.checkpoint.has_value());
        CHECK(report.checkpoint->rows == 6);
        CHECK(report.checkpoint->reason == CheckpointReason::shutdown);
        const ThreadLanguage fr(Lang::fr);
        CHECK(describe(report).starts_with("lignes supprimées à la fin : 4 ligne(s), alors que l'arrêt du "));
        CHECK(describe(report).ends_with(" en comptait 6"));
    }
    SUBCASE("every row") {
        raw_sql(db, "DELETE FROM visits");
        Store ledger_store(db);
        Ledger& ledger = ledger_store.ledger();
        const ChainReport report = ledger.verify_chain(kNow, 36);
        CHECK(report.problem == ChainProblem::truncated);
        CHECK(report.rows == 0);
    }
    SUBCASE("the last rows replaced by others") {
        raw_sql(db, "DELETE FROM visits WHERE id > 4");
        {
            Store ledger_store(db);
            Ledger& ledger = ledger_store.ledger();
            ledger.append(visit("other-5", kNow - 60));
            ledger.append(visit("other-6", kNow - 30, 1));
        }
        Store ledger_store(db);
        Ledger& ledger = ledger_store.ledger();
        const ChainReport report = ledger.verify_chain(kNow, 36);
        CHECK(report.problem == ChainProblem::head_mismatch);
        CHECK(report.first_bad_id == std::optional<std::int64_t>(6));
        REQUIRE(report.checkpoint.has_value());
        CHECK(report.checkpoint->rows == 6);
    }
}

TEST_CASE("ledger verify after a clean shutdown finds the recorded head, and only appends record one") {
    pk_test::TempDir dir;
    const auto db = dir / "ledger.db";
    fill_at(db, 4, kNow - 3600);
    Hash256 last{};
    {
        Store ledger_store(db);
        Ledger& ledger = ledger_store.ledger();
        const ChainReport report = ledger.verify_chain(kNow, 36);
        CHECK(report.ok());
        CHECK(report.rows == 4);
        last = ledger.find("k4")->hash;
        CHECK(report.head == last);
        REQUIRE(report.checkpoint.has_value());
        CHECK(report.checkpoint->reason == CheckpointReason::shutdown);
        CHECK(report.checkpoint->rows == 4);
        CHECK(report.checkpoint->head == last);
        CHECK(ledger.head().rows == 4);
        CHECK(ledger.head().head == last);
    }
    // Opening and reading (ledger verify, token list) records nothing.
    CHECK(scalar(db, "SELECT COUNT(*) FROM checkpoints") == 1);
    {
        Store ledger_store(db);
        Ledger& ledger = ledger_store.ledger();
        // A periodic checkpoint records only a chain that grew.
        CHECK_FALSE(ledger.record_checkpoint(CheckpointReason::periodic, kNow).has_value());
        ledger.append(visit("k5", kNow - 30));
        const auto recorded = ledger.record_checkpoint(CheckpointReason::periodic, kNow);
        REQUIRE(recorded.has_value());
        CHECK(recorded->rows == 5);
        CHECK(recorded->head == ledger.find("k5")->hash);
        CHECK_FALSE(ledger.record_checkpoint(CheckpointReason::periodic, kNow + 600).has_value());
    }
    // The close found nothing new since the periodic checkpoint.
    CHECK(scalar(db, "SELECT COUNT(*) FROM checkpoints") == 2);
}

TEST_CASE("ledger verify after a normal purge passes, and a row deleted since is caught by the purge's checkpoint") {
    pk_test::TempDir dir;
    const auto db = dir / "ledger.db";
    {
        Store ledger_store(db);
        Ledger& ledger = ledger_store.ledger();
        for (int i = 0; i < 3; ++i) ledger.append(visit("old-" + std::to_string(i), kNow - 37 * kMonth + i));
        for (int i = 0; i < 3; ++i) ledger.append(visit("new-" + std::to_string(i), kNow - 3600 + i));
        CHECK(ledger.purge_personal_data(kNow, 36).erased == 3);
        CHECK(ledger.verify_chain(kNow + 60, 36).ok());
    }
    // No shutdown checkpoint needed: the purge recorded 6 rows.
    raw_sql(db, "DELETE FROM checkpoints WHERE reason = 'shutdown'; DELETE FROM visits WHERE id = 6");
    Store ledger_store(db);
    Ledger& ledger = ledger_store.ledger();
    const ChainReport report = ledger.verify_chain(kNow + 120, 36);
    CHECK(report.problem == ChainProblem::truncated);
    REQUIRE(report.checkpoint.has_value());
    CHECK(report.checkpoint->reason == CheckpointReason::purge);
}

TEST_CASE("ledger verify against a noted head catches a chain rewritten with its checkpoints") {
    pk_test::TempDir dir;
    const auto db = dir / "ledger.db";
    fill_at(db, 5, kNow - 3600);
    std::string noted;
    {
        Store ledger_store(db);
        Ledger& ledger = ledger_store.ledger();
        const ChainReport report = ledger.verify_chain(kNow, 36);
        noted = format_head(report.rows, report.head);
        const auto parsed = parse_head(noted);
        REQUIRE(parsed.has_value());
        CHECK(ledger.verify_chain(kNow, 36, parsed).ok());
    }
    CHECK_FALSE(parse_head("5").has_value());
    CHECK_FALSE(parse_head("5:abcd").has_value());
    CHECK_FALSE(parse_head("x:" + std::string(64, '0')).has_value());
    CHECK_FALSE(parse_head("5:" + std::string(64, 'g')).has_value());
    // Someone with the file rebuilds the whole ledger without one visit: the stored checkpoints
    // go with it, so only a head kept elsewhere tells.
    raw_sql(db, "DELETE FROM visits; DELETE FROM checkpoints;");
    {
        Store ledger_store(db);
        Ledger& ledger = ledger_store.ledger();
        for (int i = 1; i <= 5; ++i) ledger.append(visit("k" + std::to_string(i), kNow - 3600 + i * 60, i == 3 ? 1 : 1250));
    }
    Store ledger_store(db);
    Ledger& ledger = ledger_store.ledger();
    CHECK(ledger.verify_chain(kNow, 36).ok());
    const ChainReport report = ledger.verify_chain(kNow, 36, parse_head(noted));
    CHECK(report.problem == ChainProblem::head_mismatch);
    CHECK(report.first_bad_id == std::optional<std::int64_t>(5));
    REQUIRE(report.checkpoint.has_value());
    CHECK(report.checkpoint->reason == CheckpointReason::noted);
}

TEST_CASE("passkoopd ledger verify names erased young rows and deleted last rows, prints the head and checks a noted one") {
    pk_test::TempDir dir;
    const std::int64_t now = unix_now();
    const auto verify = [&dir](const std::filesystem::path& db, const char* lang, std::vector<std::string> more = {}) {
        std::vector<std::string> args = {"--lang", lang, "ledger", "verify", "--db", db.string()};
        args.insert(args.end(), more.begin(), more.end());
        return pk_test::run_passkoopd(args, dir.path);
    };
    const auto intact = dir / "intact.db", erased = dir / "erased.db", truncated = dir / "truncated.db", purged = dir / "purged.db";
    for (const auto& db : {intact, erased, truncated}) fill_at(db, 5, now - 86400);
    Hash256 head{};
    {
        Store ledger_store(intact);
        Ledger& ledger = ledger_store.ledger();
        head = ledger.find("k5")->hash;
    }
    const std::string noted = "5:" + to_hex(head);

    auto r = verify(intact, "fr");
    CAPTURE(r.out);
    CAPTURE(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("Chaîne intacte : 5 ligne(s)\nTête de chaîne : " + noted + "\n") != std::string::npos);
    CHECK(verify(intact, "en", {"--expect", noted}).exit_code == 0);
    r = verify(intact, "en", {"--expect", "5:" + std::string(64, '0')});
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("CHAIN BROKEN at row 5: this row no longer has the hash recorded by the noted head") != std::string::npos);
    CHECK(verify(intact, "fr", {"--expect", "cinq"}).exit_code == 2);

    raw_sql(erased, "UPDATE visits SET pass_id = NULL, visitor_key = NULL WHERE id = 2");
    r = verify(erased, "fr");
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("CHAÎNE ROMPUE à la ligne 2 : identifiants effacés d'une visite du ") != std::string::npos);
    CHECK(r.out.find("plus récente que la durée de conservation") != std::string::npos);
    r = verify(erased, "en");
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("CHAIN BROKEN at row 2: identifiers erased from a visit of ") != std::string::npos);

    raw_sql(truncated, "DELETE FROM visits WHERE id > 3");
    r = verify(truncated, "fr");
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("CHAÎNE ROMPUE : lignes supprimées à la fin : 3 ligne(s), alors que l'arrêt du ") != std::string::npos);
    CHECK(r.out.find(" en comptait 5\nTête de chaîne : 3:") != std::string::npos);
    r = verify(truncated, "en");
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("CHAIN BROKEN: rows deleted at the end: 3 row(s), while the shutdown of ") != std::string::npos);

    // Old rows erased by `ledger purge` (or as it would) pass; the purge prints the head too.
    {
        Store ledger_store(purged);
        Ledger& ledger = ledger_store.ledger();
        for (int i = 0; i < 3; ++i) ledger.append(visit("old-" + std::to_string(i), now - 40 * kMonth + i));
        ledger.append(visit("young", now - 60));
    }
    raw_sql(purged, "UPDATE visits SET pass_id = NULL, visitor_key = NULL WHERE id = 1");
    CHECK(verify(purged, "en").exit_code == 0);
    r = pk_test::run_passkoopd({"--lang", "en", "ledger", "purge", "--db", purged.string()}, dir.path);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("Identifiers erased from 2 row(s)\nChain head: 4:") != std::string::npos);
    r = verify(purged, "en");
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("Chain intact: 4 row(s)") != std::string::npos);
    CHECK(r.out.find("(retention 36 months)") != std::string::npos);
}

TEST_CASE("schema migrations run once each, in order, and a file from a newer program is left alone") {
    pk_test::TempDir dir;
    const std::string path = (dir.path / "schema.sqlite").string();
    const char* const first[] = {"CREATE TABLE a (x INTEGER);", "INSERT INTO a VALUES (1);"};
    const char* const more[] = {"CREATE TABLE a (x INTEGER);", "INSERT INTO a VALUES (1);", "INSERT INTO a VALUES (2);"};
    const auto rows = [&] {
        Database db(path);
        auto s = db.prepare("SELECT group_concat(x) FROM a");
        s.step();
        return s.text(0);
    };
    const auto version = [&] {
        Database db(path);
        auto s = db.prepare("PRAGMA user_version");
        s.step();
        return s.integer(0);
    };
    {
        Database db(path);
        CHECK(migrate_schema(db, first));
        CHECK(migrate_schema(db, first));  // nothing left to run
    }
    CHECK(rows() == "1");
    CHECK(version() == 2);
    {
        Database db(path);
        CHECK(migrate_schema(db, more));  // only the third runs
    }
    CHECK(rows() == "1,2");
    CHECK(version() == 3);
    {
        Database db(path);
        CHECK_FALSE(migrate_schema(db, first));  // an older program refuses the newer file
    }
    CHECK(rows() == "1,2");
    CHECK(version() == 3);
    // A migration that fails leaves the file at the last one that succeeded.
    {
        Database db(path);
        const char* const broken[] = {more[0], more[1], more[2], "INSERT INTO a VALUES (3); INSERT INTO missing VALUES (4);"};
        CHECK_THROWS_AS((void)migrate_schema(db, broken), SqliteError);
    }
    CHECK(rows() == "1,2");
    CHECK(version() == 3);
}

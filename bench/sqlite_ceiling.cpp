// SQLite's own ceiling for the visits ledger on this disk (bench/results.sh): how many rows per
// second one thread can insert into passkoopd's `visits` table, with passkoopd's settings (WAL,
// synchronous=FULL), with nothing else: no HTTP, no JSON, no signature, no hash chain, no count.
//
//   per-row   one transaction per row (BEGIN, INSERT, COMMIT): what a server that acknowledges each
//             visit on its own commit could reach at best
//   batch-N   N rows per transaction: what group commit can approach when N requests wait together
//
// Usage: passkoop-sqlite-ceiling LEDGER_DB SECONDS [BATCH...]
//   LEDGER_DB  a ledger made by passkoopd (e.g. `passkoopd token create --db FILE ...`), so the
//              schema and its indexes are exactly the server's; rows are added to it.
//   SECONDS    time per mode; BATCH sizes default to 64 and 1000 (1 is always measured first).
// Prints one line per mode: "RESULT mode=batch-64 rows=... seconds=... rps=...".

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

void check(sqlite3* db, int rc, const char* what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db));
}

void exec(sqlite3* db, const char* sql) { check(db, sqlite3_exec(db, sql, nullptr, nullptr, nullptr), sql); }

std::string hex(std::mt19937_64& rng, int bytes) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < bytes; ++i) {
        const auto b = static_cast<unsigned>(rng() & 0xff);
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

class Inserter {
public:
    explicit Inserter(sqlite3* db) : db_(db) {
        // The columns passkoopd writes for a purchase recorded from a pass, values of the same sizes.
        check(db, sqlite3_prepare_v2(db,
              "INSERT INTO visits (idempotency_key, request_digest, occurred_at, recorded_at, till, cashier, kind, "
              "origin_coop, pass_id, visitor_key, personal_digest, verified, override, decision, amount_cents, "
              "currency, ticket, note, previous_hash, hash) "
              "VALUES (?1, ?2, ?3, ?3, 'ceiling', 'load', 'purchase', 12, ?4, ?5, ?2, 1, 0, 'allowed', 1250, 'EUR', '', '', ?6, ?6)",
              -1, &insert_, nullptr), "prepare");
        for (int i = 0; i < 1000; ++i) visitors_.push_back(hex(rng_, 32));
    }
    ~Inserter() { sqlite3_finalize(insert_); }
    Inserter(const Inserter&) = delete;
    Inserter& operator=(const Inserter&) = delete;

    void row() {
        const std::string key = prefix_ + std::to_string(++count_);
        std::uint8_t blob[32];
        for (auto& b : blob) b = static_cast<std::uint8_t>(rng_());
        const std::string pass_id = hex(rng_, 8);
        const std::string& visitor = visitors_[rng_() % visitors_.size()];
        sqlite3_bind_text(insert_, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
        sqlite3_bind_blob(insert_, 2, blob, sizeof blob, SQLITE_TRANSIENT);
        sqlite3_bind_int64(insert_, 3, 1'790'000'000 + count_ / 1000);
        sqlite3_bind_text(insert_, 4, pass_id.data(), static_cast<int>(pass_id.size()), SQLITE_TRANSIENT);
        sqlite3_bind_text(insert_, 5, visitor.data(), static_cast<int>(visitor.size()), SQLITE_TRANSIENT);
        sqlite3_bind_blob(insert_, 6, blob, sizeof blob, SQLITE_TRANSIENT);
        check(db_, sqlite3_step(insert_), "insert");
        sqlite3_reset(insert_);
    }

private:
    sqlite3* db_;
    sqlite3_stmt* insert_ = nullptr;
    std::mt19937_64 rng_{std::random_device{}()};
    // Keys unique across runs on the same ledger.
    std::string prefix_ = "ceiling-" + hex(rng_, 8) + "-";
    std::vector<std::string> visitors_;
    std::int64_t count_ = 0;
};

// Inserts rows `batch` per transaction for `seconds`; prints the RESULT line.
void measure(sqlite3* db, Inserter& inserter, int batch, double seconds) {
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    std::int64_t rows = 0;
    double elapsed = 0;
    while (elapsed < seconds) {
        exec(db, "BEGIN IMMEDIATE");
        for (int i = 0; i < batch; ++i) inserter.row();
        exec(db, "COMMIT");
        rows += batch;
        elapsed = std::chrono::duration<double>(clock::now() - start).count();
    }
    const std::string mode = batch == 1 ? "per-row" : "batch-" + std::to_string(batch);
    std::printf("RESULT mode=%s rows=%lld seconds=%.3f rps=%.1f\n", mode.c_str(), static_cast<long long>(rows), elapsed,
                static_cast<double>(rows) / elapsed);
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s LEDGER_DB SECONDS [BATCH...]\n", argv[0]);
        return 2;
    }
    const double seconds = std::atof(argv[2]);
    std::vector<int> batches{1};
    for (int i = 3; i < argc; ++i) batches.push_back(std::max(1, std::atoi(argv[i])));
    if (argc == 3) batches.insert(batches.end(), {64, 1000});
    sqlite3* db = nullptr;
    try {
        check(db, sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE, nullptr), argv[1]);
        // passkoopd's settings (server/src/store/database.cpp).
        exec(db, "PRAGMA journal_mode=WAL");
        exec(db, "PRAGMA synchronous=FULL");
        {
            Inserter inserter(db);
            for (const int batch : batches) measure(db, inserter, batch, seconds);
        }
        sqlite3_close(db);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
        sqlite3_close(db);
        return 1;
    }
}

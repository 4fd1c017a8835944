// The shop's visiteurs ledger (DESIGN §7): append-only rows in SQLite with a hash chain,
// idempotent writes, grouped durable commits, retention purge and online backup.
// Thread-safe: any number of threads may append and read at once.
#pragma once

#include "sqlite.hpp"

#include <passkoop/bytes.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace passkoop::server {

inline constexpr std::string_view kVisitKinds[] = {"purchase", "deposit", "refund", "visit"};
bool is_visit_kind(std::string_view kind);
// The largest amount of one row: a million euros. Amounts are never negative (a refund is a kind).
inline constexpr std::int64_t kMaxAmountCents = 100'000'000;

// What a till asks to record. Strings are already validated by the caller (API layer).
struct VisitInput {
    std::string idempotency_key;
    std::int64_t occurred_at = 0;  // Unix seconds
    std::string till, cashier;
    std::string kind = "purchase";
    std::uint16_t origin_coop = 0;
    std::optional<std::string> pass_id;      // none for a declared (cardless) visitor
    std::optional<std::string> visitor_key;  // keyed hash of (coop, member); none when declared
    bool verified = true;                    // false for a declared visitor
    bool override_policy = false;            // a manager overrode a refusal
    std::string decision;                    // the policy decision at the time (DESIGN §6)
    std::int64_t amount_cents = 0;
    std::string currency = "EUR";
    std::string ticket, note;
    // Digest of the request as the client sent it: the same key with another body is a conflict.
    Hash256 request_digest{};
    // Another digest of the same request that a stored row may carry (the form earlier versions
    // stored): matching it is a replay too. Never stored.
    std::optional<Hash256> earlier_request_digest;
};

struct VisitRow : VisitInput {
    std::int64_t id = 0;
    std::int64_t recorded_at = 0;
    Hash256 personal_digest{};  // commits to pass id and visitor key; survives their erasure
    Hash256 previous_hash{}, hash{};
};

enum class AppendOutcome { created, replayed, conflict, refused };

struct AppendResult {
    AppendOutcome outcome;
    VisitRow row;  // the stored row (for a conflict: the row already stored under the key; refused: the input)
};

// Counts a visitor's purchases and plain visits since a time, inside the write transaction: the
// rows appended before in the same transaction count too.
using VisitCounter = std::function<std::int64_t(std::string_view visitor_key, std::int64_t since)>;

// One row to append. `admit`, when set, runs in the write transaction once the idempotency key
// is known to be new: it may set the row's decision, and returning false refuses the row
// (nothing stored). Counting and storing in one transaction means two tills recording the same
// visitor at once cannot both pass a visit limit.
struct AppendRequest {
    VisitInput input;
    std::function<bool(VisitInput& row, const VisitCounter& visits)> admit;
};

// Called once, on the ledger's writer thread, after the rows are durably committed (or failed).
// It must not throw.
using AppendDone = std::function<void(std::vector<AppendResult> results, std::exception_ptr error)>;

struct ChainReport {
    std::int64_t rows = 0;
    std::optional<std::int64_t> first_bad_id;  // the first row whose hash does not match
    std::string problem;
    bool ok() const { return !first_bad_id; }
};

struct VisitQuery {
    std::optional<std::int64_t> from, to;  // occurred_at bounds, Unix seconds, [from, to)
    std::optional<std::uint16_t> coop;
    std::optional<std::string> till;
    std::int64_t after_id = 0;  // cursor
    std::int64_t limit = 100;
};

class Ledger {
public:
    // Opens or creates the database and brings its schema up to date.
    explicit Ledger(const std::filesystem::path& path);
    ~Ledger();
    Ledger(const Ledger&) = delete;
    Ledger& operator=(const Ledger&) = delete;

    // Appends rows in order, or finds the rows already stored under their idempotency keys, and
    // calls `done` with one result per request once they are durably committed. Returns at once;
    // concurrent callers share one transaction (group commit).
    void append_async(std::vector<AppendRequest> requests, AppendDone done);
    // The same, waiting for the commit.
    std::vector<AppendResult> append_all(std::vector<AppendRequest> requests);
    std::vector<AppendResult> append_all(const std::vector<VisitInput>& inputs);
    AppendResult append(const VisitInput& input);

    // The row stored under an idempotency key, if any.
    std::optional<VisitRow> find(std::string_view idempotency_key) const;
    // Rows counted against a visitor policy: purchases and plain visits since `since`.
    std::int64_t count_visits(std::string_view visitor_key, std::int64_t since) const;
    std::vector<VisitRow> list(const VisitQuery& query) const;
    std::int64_t row_count() const;

    ChainReport verify_chain() const;
    // Erases pass ids and visitor keys of rows that occurred before `before`; returns rows changed.
    std::int64_t purge_personal_data(std::int64_t before);
    // Copies the live database to `out` with SQLite's online backup API.
    void backup(const std::filesystem::path& out) const;

    // Small named values kept with the ledger (the last trusted registry, ...).
    std::optional<std::string> meta(std::string_view key) const;
    void set_meta(std::string_view key, std::string_view value);

    // The shared database connection for other tables of the shop (tokens). Guarded by side_mutex().
    Database& side_connection() const { return *side_; }
    std::mutex& side_mutex() const { return side_mutex_; }

private:
    struct Pending {
        std::vector<AppendRequest> requests;
        AppendDone done;
    };
    void writer_loop();
    void commit_batch(std::vector<Pending>& batch);

    std::filesystem::path path_;
    std::unique_ptr<Database> writer_db_;
    std::unique_ptr<Database> side_;
    mutable std::mutex side_mutex_;
    mutable std::mutex read_mutex_;
    std::unique_ptr<Database> reader_;

    std::mutex queue_mutex_;
    std::condition_variable queue_cv_;
    std::deque<Pending> queue_;
    bool stopping_ = false;
    std::thread writer_;
};

// The row hash: BLAKE2b-256 over a domain tag, the previous hash and the row's fields.
Hash256 row_hash(const VisitRow& row);
// BLAKE2b-256 over pass id and visitor key (empty when absent), length-prefixed.
Hash256 personal_digest(const std::optional<std::string>& pass_id, const std::optional<std::string>& visitor_key);

}  // namespace passkoop::server

// The shop's visiteurs ledger (DESIGN §7): append-only rows in SQLite with a hash chain,
// idempotent writes, grouped durable commits, retention purge and online backup.
// Thread-safe: any number of threads may append and read at once.
#pragma once

#include "store/store.hpp"

#include <passkoop/bytes.hpp>
#include <passkoop/pass.hpp>
#include <passkoop/policy.hpp>
#include <passkoop/registry.hpp>

#include <atomic>
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
#include <string_view>
#include <thread>
#include <vector>

namespace passkoop::server {

// The largest amount of one row: a million euros. Amounts are never negative (a refund is a kind).
inline constexpr std::int64_t kMaxAmountCents = 100'000'000;

// What a till asks to record. Strings are already validated by the caller (API layer).
struct VisitInput {
    std::string idempotency_key;
    std::int64_t occurred_at = 0;  // Unix seconds
    std::string till, cashier;
    VisitKind kind = VisitKind::purchase;
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
    // Recorded by a till while it was offline: the purchase has happened. Never stored as such:
    // such a row keeps the server's own decision, even one that refuses (limit_reached, revoked…),
    // without an override.
    bool offline = false;
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
    // The host policy's decision when the writer applied it (a valid pass's new row); a refused row
    // without one was refused because its pass is not valid.
    std::optional<PolicyOutcome> policy;
};

// What the writer needs to admit the visit of a scanned pass, applied in the write transaction
// once the idempotency key is known to be new: counting and storing in one transaction means two
// tills recording the same visitor at once cannot both pass a visit limit.
struct Admission {
    bool pass_valid = false;  // an invalid pass is recorded only with an override
    VisitorPolicy policy;     // the host's policy when the request came
    std::uint16_t host_coop = 0;
    Pass pass;                     // a valid pass: its coop and kind decide
    std::int64_t window_start = 0;  // visits since then count (row.visitor_key's)
    // A visit a till recorded offline: stored whatever the decision, which the row keeps.
    bool record_anyway = false;
};

// One row to append; without an admission (a declared visitor) it is recorded as given.
struct AppendRequest {
    VisitInput input;
    std::optional<Admission> admission;
};

// Called once, on the ledger's writer thread, after the rows are durably committed (or failed).
// It must not throw.
using AppendDone = std::function<void(std::vector<AppendResult> results, std::exception_ptr error)>;

// Rows that occurred before this instant are past a retention of `retention_months` (a month
// counts 30 days). The purge erases identifiers before it and `ledger verify` accepts erased
// identifiers only before it: one boundary for both.
std::int64_t retention_horizon(std::int64_t now, std::int64_t retention_months);

// `noted` is never stored: it is a head a manager wrote down and gives back to the verification.
enum class CheckpointReason { purge, shutdown, periodic, noted };

// The chain's length and head at a moment. Stored at each purge, at a clean shutdown and every few
// minutes while serving; the verification fails when the chain is shorter than a checkpoint or
// has another hash at its length (rows deleted at the end, or the chain rewritten before it).
struct Checkpoint {
    std::int64_t at = 0;  // Unix seconds
    CheckpointReason reason = CheckpointReason::periodic;
    std::int64_t rows = 0;  // the last row's id: ids run from 1 without gaps
    Hash256 head{};         // the last row's hash; zero for an empty ledger
    // A purge only: rows that occurred before `erased_before` lost their identifiers, under this retention.
    std::optional<std::int64_t> erased_before, retention_months;
};

struct PurgeResult {
    std::int64_t erased = 0;  // rows whose identifiers were erased now
    Checkpoint checkpoint;    // recorded with the purge
};

enum class ChainProblem {
    none,
    missing_row,            // ids skip: a row was deleted before this one
    previous_hash,          // the row does not chain on the row before
    personal_data_altered,  // pass id or visitor key changed
    row_altered,            // any other field changed
    erased_too_early,       // identifiers erased from a row younger than the retention period
    truncated,              // fewer rows than a checkpoint recorded
    head_mismatch,          // the row at a checkpoint's length has another hash than recorded
};

struct ChainReport {
    std::int64_t rows = 0;  // rows read (all of them when ok)
    Hash256 head{};         // hash of the last row read
    ChainProblem problem = ChainProblem::none;
    std::optional<std::int64_t> first_bad_id;  // the row at fault, for the problems about one row
    std::optional<std::int64_t> occurred_at;   // erased_too_early: when that row occurred
    // truncated or head_mismatch: the checkpoint no longer matched; otherwise the latest stored one.
    std::optional<Checkpoint> checkpoint;
    // Erased identifiers are accepted on rows that occurred before this instant: the furthest
    // horizon of a recorded purge or of the retention in force (the latest purge's, else the
    // configured one), and never later than one month before now, the shortest retention allowed.
    std::int64_t erasable_before = 0;
    std::int64_t retention_months = 0;  // the retention in force used for erasable_before
    bool ok() const { return problem == ChainProblem::none; }
};

// The problem of a failed report in one line, in the current language.
std::string describe(const ChainReport& report);
// "rows:hex" of a head, the form `ledger verify` prints and takes back with --expect.
std::string format_head(std::int64_t rows, const Hash256& head);
std::optional<Checkpoint> parse_head(std::string_view text);

struct VisitQuery {
    std::optional<std::int64_t> from, to;  // occurred_at bounds, Unix seconds, [from, to)
    std::optional<std::uint16_t> coop;
    std::optional<std::string> till;
    std::int64_t after_id = 0;  // cursor
    std::int64_t limit = 100;
};

// Owned by the Store, over its connections.
class Ledger {
public:
    Ledger(Database& writer, Connection& reader, Connection& side);
    ~Ledger();
    Ledger(const Ledger&) = delete;
    Ledger& operator=(const Ledger&) = delete;

    // Appends rows in order, or finds the rows already stored under their idempotency keys, and
    // calls `done` with one result per request once they are durably committed. Returns at once;
    // concurrent callers share one transaction (group commit).
    void append_async(std::vector<AppendRequest> requests, AppendDone done);
    // The same, waiting for the commit.
    [[nodiscard]] std::vector<AppendResult> append_all(std::vector<AppendRequest> requests);
    [[nodiscard]] std::vector<AppendResult> append_all(const std::vector<VisitInput>& inputs);
    AppendResult append(const VisitInput& input);  // tests and the demo may ignore what it stored

    // The row stored under an idempotency key, if any.
    [[nodiscard]] std::optional<VisitRow> find(std::string_view idempotency_key) const;
    // Rows counted against a visitor policy: purchases and plain visits since `since`.
    // Counted up to `up_to` rows (visits_to_count(policy)): the cost stays flat as a history grows.
    [[nodiscard]] std::int64_t count_visits(std::string_view visitor_key, std::int64_t since, std::int64_t up_to) const;
    [[nodiscard]] std::vector<VisitRow> list(const VisitQuery& query) const;
    [[nodiscard]] std::int64_t row_count() const;

    // Recomputes the hash chain and checks it against the stored checkpoints (and `noted`, a head
    // written down earlier), at `now` with `retention_months` as the retention when no purge has
    // recorded one. One read snapshot: safe while the server appends.
    [[nodiscard]] ChainReport verify_chain(std::int64_t now, std::int64_t retention_months, const std::optional<Checkpoint>& noted = {}) const;
    // At the current time with the default retention.
    [[nodiscard]] ChainReport verify_chain() const;
    // Erases pass ids and visitor keys of rows that occurred before retention_horizon(now,
    // retention_months) and records a checkpoint with that horizon, in one transaction.
    PurgeResult purge_personal_data(std::int64_t now, std::int64_t retention_months);
    // Stores a checkpoint of the current head if the chain grew since the longest stored one;
    // returns it, or nothing when there was nothing new to record.
    std::optional<Checkpoint> record_checkpoint(CheckpointReason reason, std::int64_t now);
    // The current length and head (reason and time left at their defaults).
    [[nodiscard]] Checkpoint head() const;

private:
    struct Pending {
        std::vector<AppendRequest> requests;
        AppendDone done;
    };
    void writer_loop();
    void commit_batch(std::vector<Pending>& batch);
    // One request inside the write transaction: its result, and the row when one was inserted.
    AppendResult append_in_transaction(AppendRequest& request, std::int64_t now, std::int64_t& next_id, Hash256& previous);

    Database& writer_db_;  // the writer thread's alone
    Connection& reader_;
    Connection& side_;

    std::mutex queue_mutex_;
    std::condition_variable queue_cv_;
    std::deque<Pending> queue_;
    bool stopping_ = false;
    std::atomic<bool> appended_{false};  // this instance committed rows: record a checkpoint when closing
    std::thread writer_;
};

// The row hash: BLAKE2b-256 over a domain tag, the previous hash and the row's fields.
[[nodiscard]] Hash256 row_hash(const VisitRow& row);
// BLAKE2b-256 over pass id and visitor key (empty when absent), length-prefixed.
[[nodiscard]] Hash256 personal_digest(const std::optional<std::string>& pass_id, const std::optional<std::string>& visitor_key);

}  // namespace passkoop::server

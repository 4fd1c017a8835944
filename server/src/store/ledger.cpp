#include "store/ledger.hpp"

#include "store/visit_rows.hpp"

#include <passkoop/dates.hpp>

#include <future>

namespace passkoop::server {

namespace {

// The most rows one group commit takes: a batch of 1000 and a few single visits.
constexpr std::size_t kMaxRowsPerCommit = 2000;

bool same_request(const VisitRow& stored, const VisitInput& in) {
    return equal_constant_time(stored.request_digest, in.request_digest) ||
           (in.earlier_request_digest && equal_constant_time(stored.request_digest, *in.earlier_request_digest));
}

const std::string kFindByKey = std::string(rows::kSelectRow) + " WHERE idempotency_key = ?1";

struct Admitted {
    bool admitted = false;
    std::optional<PolicyOutcome> policy;  // decided for a valid pass
};

// Applies an admission to a new row, counting on the write connection: the rows appended before it
// in the same transaction count too. Sets the row's decision when the policy decided, refused or not.
// A visit recorded offline is admitted whatever the decision: it has happened, and another till's
// visits of the same person, unknown to the till that admitted it, may have passed the limit.
Admitted admit_row(Database& db, const Admission& a, VisitInput& row) {
    if (!a.pass_valid) return {row.override_policy || a.record_anyway, std::nullopt};
    const PolicyOutcome outcome =
        decide(a.policy, a.host_coop, a.pass, rows::count_visits_on(db, row.visitor_key.value_or(""), a.window_start, visits_to_count(a.policy)));
    row.decision = std::string(to_string(outcome.decision));
    return {admit(outcome, row.kind, row.override_policy) || a.record_anyway, outcome};
}

}  // namespace

Ledger::Ledger(Database& writer, Connection& reader, Connection& side)
    : writer_db_(writer), reader_(reader), side_(side), writer_([this] { writer_loop(); }) {}

Ledger::~Ledger() {
    {
        std::lock_guard lock(queue_mutex_);
        stopping_ = true;
    }
    queue_cv_.notify_all();
    writer_.join();
    // A clean close records where the chain ends, so deleting its last rows later shows.
    if (appended_.load()) {
        try {
            (void)record_checkpoint(CheckpointReason::shutdown, unix_now());
        } catch (const SqliteError&) {
        }
    }
}

void Ledger::append_async(std::vector<AppendRequest> requests, AppendDone done) {
    {
        std::lock_guard lock(queue_mutex_);
        if (stopping_) throw SqliteError("ledger is closing");
        queue_.push_back({std::move(requests), std::move(done)});
    }
    queue_cv_.notify_one();
}

std::vector<AppendResult> Ledger::append_all(std::vector<AppendRequest> requests) {
    std::promise<std::vector<AppendResult>> promise;
    auto future = promise.get_future();
    append_async(std::move(requests), [&promise](std::vector<AppendResult> results, std::exception_ptr error) {
        if (error) promise.set_exception(error);
        else promise.set_value(std::move(results));
    });
    return future.get();
}

std::vector<AppendResult> Ledger::append_all(const std::vector<VisitInput>& inputs) {
    std::vector<AppendRequest> requests;
    for (const VisitInput& in : inputs) requests.push_back({in, std::nullopt});
    return append_all(std::move(requests));
}

AppendResult Ledger::append(const VisitInput& input) { return append_all(std::vector{input}).front(); }

void Ledger::writer_loop() {
    for (;;) {
        std::vector<Pending> batch;
        {
            std::unique_lock lock(queue_mutex_);
            queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping and drained
            std::size_t rows = 0;
            while (!queue_.empty() && (batch.empty() || rows + queue_.front().requests.size() <= kMaxRowsPerCommit)) {
                rows += queue_.front().requests.size();
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        commit_batch(batch);
    }
}

AppendResult Ledger::append_in_transaction(AppendRequest& request, std::int64_t now, std::int64_t& next_id, Hash256& previous) {
    Database& db = writer_db_;
    VisitInput& in = request.input;
    {
        auto find = db.cached(kFindByKey.c_str());
        find->bind(1, in.idempotency_key);
        if (find->step()) {
            VisitRow existing = rows::read_row(*find);
            const AppendOutcome outcome = same_request(existing, in) ? AppendOutcome::replayed : AppendOutcome::conflict;
            return {outcome, std::move(existing), std::nullopt};
        }
    }
    std::optional<PolicyOutcome> policy;
    if (request.admission) {
        const Admitted admitted = admit_row(db, *request.admission, in);
        if (!admitted.admitted) {
            VisitRow refused;
            static_cast<VisitInput&>(refused) = std::move(in);
            return {AppendOutcome::refused, std::move(refused), admitted.policy};
        }
        policy = admitted.policy;
    }
    VisitRow row;
    static_cast<VisitInput&>(row) = std::move(in);
    row.id = next_id++;
    row.recorded_at = now;
    row.personal_digest = personal_digest(row.pass_id, row.visitor_key);
    row.previous_hash = previous;
    row.hash = row_hash(row);
    previous = row.hash;
    rows::insert_row(db, row);
    return {AppendOutcome::created, std::move(row), policy};
}

void Ledger::commit_batch(std::vector<Pending>& batch) {
    std::vector<std::vector<AppendResult>> results(batch.size());
    try {
        Transaction transaction(writer_db_, "BEGIN IMMEDIATE");
        const Checkpoint head = rows::head_on(writer_db_);
        std::int64_t next_id = head.rows + 1;
        Hash256 previous = head.head;
        const std::int64_t now = unix_now();
        for (std::size_t g = 0; g < batch.size(); ++g)
            for (AppendRequest& request : batch[g].requests)
                results[g].push_back(append_in_transaction(request, now, next_id, previous));
        transaction.commit();
        if (next_id != head.rows + 1) appended_.store(true, std::memory_order_relaxed);
    } catch (...) {
        const auto error = std::current_exception();
        for (Pending& p : batch) p.done({}, error);
        return;
    }
    // Acknowledge only after COMMIT returned: with synchronous=FULL every row is on disk.
    for (std::size_t g = 0; g < batch.size(); ++g) batch[g].done(std::move(results[g]), nullptr);
}

std::optional<VisitRow> Ledger::find(std::string_view idempotency_key) const {
    std::lock_guard lock(reader_.mutex);
    auto s = reader_.db.cached(kFindByKey.c_str());
    s->bind(1, idempotency_key);
    if (!s->step()) return std::nullopt;
    return rows::read_row(*s);
}

std::int64_t Ledger::count_visits(std::string_view visitor_key, std::int64_t since, std::int64_t up_to) const {
    std::lock_guard lock(reader_.mutex);
    return rows::count_visits_on(reader_.db, visitor_key, since, up_to);
}

std::vector<VisitRow> Ledger::list(const VisitQuery& q) const {
    std::lock_guard lock(reader_.mutex);
    auto s = reader_.db.prepare((std::string(rows::kSelectRow) +
                                 " WHERE id > ?1 AND (?2 IS NULL OR occurred_at >= ?2) AND (?3 IS NULL OR "
                                 "occurred_at < ?3) AND (?4 IS NULL OR origin_coop = ?4) AND (?5 IS NULL OR till = ?5) "
                                 "ORDER BY id LIMIT ?6")
                                    .c_str());
    s.bind(1, q.after_id);
    q.from ? s.bind(2, *q.from) : s.bind_null(2);
    q.to ? s.bind(3, *q.to) : s.bind_null(3);
    q.coop ? s.bind(4, std::int64_t{*q.coop}) : s.bind_null(4);
    s.bind(5, q.till);
    s.bind(6, q.limit);
    std::vector<VisitRow> found;
    while (s.step()) found.push_back(rows::read_row(s));
    return found;
}

std::int64_t Ledger::row_count() const {
    std::lock_guard lock(reader_.mutex);
    auto s = reader_.db.prepare("SELECT COUNT(*) FROM visits");
    s.step();
    return s.integer(0);
}

Checkpoint Ledger::head() const {
    std::lock_guard lock(reader_.mutex);
    return rows::head_on(reader_.db);
}

}  // namespace passkoop::server

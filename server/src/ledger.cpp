#include "ledger.hpp"

#include "config.hpp"

#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <future>
#include <limits>
#include <memory>

namespace passkoop::server {

namespace {

// Every schema change, in order; PRAGMA user_version records how many have run.
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

constexpr const char* kRowColumns =
    "id, idempotency_key, request_digest, occurred_at, recorded_at, till, cashier, kind, origin_coop, pass_id, "
    "visitor_key, personal_digest, verified, override, decision, amount_cents, currency, ticket, note, previous_hash, hash";
const std::string kFindByKey = std::string("SELECT ") + kRowColumns + " FROM visits WHERE idempotency_key = ?1";

template <std::size_t N>
std::array<std::uint8_t, N> to_array(const std::vector<std::uint8_t>& v) {
    std::array<std::uint8_t, N> out{};
    std::copy_n(v.begin(), std::min(N, v.size()), out.begin());
    return out;
}

VisitRow read_row(const Statement& s) {
    VisitRow r;
    r.id = s.integer(0);
    r.idempotency_key = s.text(1);
    r.request_digest = to_array<32>(s.blob(2));
    r.occurred_at = s.integer(3);
    r.recorded_at = s.integer(4);
    r.till = s.text(5);
    r.cashier = s.text(6);
    r.kind = s.text(7);
    r.origin_coop = static_cast<std::uint16_t>(s.integer(8));
    r.pass_id = s.optional_text(9);
    r.visitor_key = s.optional_text(10);
    r.personal_digest = to_array<32>(s.blob(11));
    r.verified = s.integer(12) != 0;
    r.override_policy = s.integer(13) != 0;
    r.decision = s.text(14);
    r.amount_cents = s.integer(15);
    r.currency = s.text(16);
    r.ticket = s.text(17);
    r.note = s.text(18);
    r.previous_hash = to_array<32>(s.blob(19));
    r.hash = to_array<32>(s.blob(20));
    return r;
}

constexpr const char* kLastRow = "SELECT id, hash FROM visits ORDER BY id DESC LIMIT 1";

// The chain's current length and head on `db` (inside the caller's transaction, if any).
Checkpoint head_on(Database& db) {
    Checkpoint c;
    auto last = db.cached(kLastRow);
    if (last->step()) {
        c.rows = last->integer(0);
        c.head = to_array<32>(last->blob(1));
    }
    return c;
}

const char* reason_name(CheckpointReason reason) {
    switch (reason) {
        case CheckpointReason::purge: return "purge";
        case CheckpointReason::shutdown: return "shutdown";
        case CheckpointReason::periodic: return "periodic";
        case CheckpointReason::noted: return "noted";
    }
    return "periodic";
}

CheckpointReason reason_from(std::string_view name) {
    if (name == "purge") return CheckpointReason::purge;
    if (name == "shutdown") return CheckpointReason::shutdown;
    return CheckpointReason::periodic;
}

void insert_checkpoint(Database& db, const Checkpoint& c) {
    auto s = db.prepare(
        "INSERT INTO checkpoints (at, reason, row_count, head, erased_before, retention_months) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    s.bind(1, c.at).bind(2, reason_name(c.reason)).bind(3, c.rows).bind_blob(4, c.head.data(), c.head.size());
    c.erased_before ? s.bind(5, *c.erased_before) : s.bind_null(5);
    c.retention_months ? s.bind(6, *c.retention_months) : s.bind_null(6);
    s.step();
}

// BEGIN IMMEDIATE (or a plain BEGIN for a read snapshot) that rolls back unless committed.
class Transaction {
public:
    Transaction(Database& db, const char* begin) : db_(db) { db_.exec(begin); }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction() {
        if (done_) return;
        try {
            db_.exec("ROLLBACK");
        } catch (const SqliteError&) {
        }
    }
    void commit() {
        db_.exec("COMMIT");
        done_ = true;
    }

private:
    Database& db_;
    bool done_ = false;
};

std::int64_t count_visits_on(Database& db, std::string_view visitor_key, std::int64_t since) {
    auto s = db.cached(
        "SELECT COUNT(*) FROM visits WHERE visitor_key = ?1 AND occurred_at >= ?2 AND kind IN ('purchase', 'visit')");
    s->bind(1, visitor_key).bind(2, since);
    s->step();
    return s->integer(0);
}

void migrate(Database& db) {
    const auto version = [&db] {
        auto s = db.prepare("PRAGMA user_version");  // finalised before the migrations run
        s.step();
        return s.integer(0);
    }();
    constexpr auto latest = static_cast<std::int64_t>(std::size(kMigrations));
    if (version > latest) throw SqliteError("database schema is newer than this passkoopd; upgrade passkoopd");
    for (auto v = version; v < latest; ++v) {
        db.exec("BEGIN IMMEDIATE");
        try {
            db.exec(kMigrations[v]);
            // PRAGMA takes no bound parameters; the value is our own loop counter.
            const std::string pragma = "PRAGMA user_version=" + std::to_string(v + 1);
            db.exec(pragma.c_str());
            db.exec("COMMIT");
        } catch (...) {
            db.exec("ROLLBACK");
            throw;
        }
    }
}

}  // namespace

bool is_visit_kind(std::string_view kind) { return std::find(std::begin(kVisitKinds), std::end(kVisitKinds), kind) != std::end(kVisitKinds); }

Hash256 personal_digest(const std::optional<std::string>& pass_id, const std::optional<std::string>& visitor_key) {
    const nlohmann::json parts = {pass_id.value_or(""), visitor_key.value_or("")};
    return blake2b256(as_bytes(parts.dump()));
}

Hash256 row_hash(const VisitRow& r) {
    const nlohmann::json fields = {r.id, r.idempotency_key, to_hex(r.request_digest), r.occurred_at, r.recorded_at, r.till,
                                   r.cashier, r.kind, r.origin_coop, to_hex(r.personal_digest), r.verified, r.override_policy,
                                   r.decision, r.amount_cents, r.currency, r.ticket, r.note};
    std::string message = "passkoop-ledger-row-v1\n" + to_hex(r.previous_hash) + "\n" + fields.dump();
    return blake2b256(as_bytes(message));
}

Ledger::Ledger(const std::filesystem::path& path) : path_(path) {
    ensure_sodium();
    writer_db_ = std::make_unique<Database>(path.string());
    migrate(*writer_db_);
    side_ = std::make_unique<Database>(path.string());
    reader_ = std::make_unique<Database>(path.string());
    writer_ = std::thread([this] { writer_loop(); });
}

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
            record_checkpoint(CheckpointReason::shutdown, unix_now());
        } catch (const SqliteError&) {
        }
    }
    // Fold the WAL back into the main file so the database is one clean file at rest.
    try {
        writer_db_->exec("PRAGMA wal_checkpoint(TRUNCATE)");
    } catch (const SqliteError&) {
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
    for (const VisitInput& in : inputs) requests.push_back({in, {}});
    return append_all(std::move(requests));
}

AppendResult Ledger::append(const VisitInput& input) { return append_all(std::vector{input}).front(); }

void Ledger::writer_loop() {
    constexpr std::size_t kMaxBatchRows = 2000;
    for (;;) {
        std::vector<Pending> batch;
        {
            std::unique_lock lock(queue_mutex_);
            queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping and drained
            std::size_t rows = 0;
            while (!queue_.empty() && (batch.empty() || rows + queue_.front().requests.size() <= kMaxBatchRows)) {
                rows += queue_.front().requests.size();
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        commit_batch(batch);
    }
}

void Ledger::commit_batch(std::vector<Pending>& batch) {
    Database& db = *writer_db_;
    std::vector<std::vector<AppendResult>> results(batch.size());
    try {
        db.exec("BEGIN IMMEDIATE");
        auto last = db.cached(kLastRow);
        std::int64_t next_id = 1;
        Hash256 previous{};
        if (last->step()) {
            next_id = last->integer(0) + 1;
            previous = to_array<32>(last->blob(1));
        }
        last->reset();
        const std::int64_t first_id = next_id;
        auto find = db.cached(kFindByKey.c_str());
        auto insert = db.cached(
            "INSERT INTO visits (id, idempotency_key, request_digest, occurred_at, recorded_at, till, cashier, kind, "
            "origin_coop, pass_id, visitor_key, personal_digest, verified, override, decision, amount_cents, currency, "
            "ticket, note, previous_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
            "?16, ?17, ?18, ?19, ?20, ?21)");
        const VisitCounter count_in_transaction = [&db](std::string_view visitor_key, std::int64_t since) {
            return count_visits_on(db, visitor_key, since);
        };
        const std::int64_t now = unix_now();
        for (std::size_t g = 0; g < batch.size(); ++g) {
            for (AppendRequest& request : batch[g].requests) {
                VisitInput& in = request.input;
                find->reset();
                find->bind(1, in.idempotency_key);
                if (find->step()) {
                    VisitRow existing = read_row(*find);
                    const bool same = equal_constant_time(existing.request_digest, in.request_digest) ||
                                      (in.earlier_request_digest &&
                                       equal_constant_time(existing.request_digest, *in.earlier_request_digest));
                    results[g].push_back({same ? AppendOutcome::replayed : AppendOutcome::conflict, std::move(existing)});
                    continue;
                }
                find->reset();
                VisitRow row;
                if (request.admit && !request.admit(in, count_in_transaction)) {
                    static_cast<VisitInput&>(row) = std::move(in);
                    results[g].push_back({AppendOutcome::refused, std::move(row)});
                    continue;
                }
                static_cast<VisitInput&>(row) = std::move(in);
                row.id = next_id++;
                row.recorded_at = now;
                row.personal_digest = personal_digest(row.pass_id, row.visitor_key);
                row.previous_hash = previous;
                row.hash = row_hash(row);
                previous = row.hash;
                insert->reset();
                insert->bind(1, row.id).bind(2, row.idempotency_key).bind_blob(3, row.request_digest.data(), 32)
                    .bind(4, row.occurred_at).bind(5, row.recorded_at).bind(6, row.till).bind(7, row.cashier)
                    .bind(8, row.kind).bind(9, std::int64_t{row.origin_coop}).bind(10, row.pass_id).bind(11, row.visitor_key)
                    .bind_blob(12, row.personal_digest.data(), 32).bind(13, std::int64_t{row.verified})
                    .bind(14, std::int64_t{row.override_policy}).bind(15, row.decision).bind(16, row.amount_cents)
                    .bind(17, row.currency).bind(18, row.ticket).bind(19, row.note)
                    .bind_blob(20, row.previous_hash.data(), 32).bind_blob(21, row.hash.data(), 32);
                insert->step();
                results[g].push_back({AppendOutcome::created, std::move(row)});
            }
        }
        db.exec("COMMIT");
        if (next_id != first_id) appended_.store(true, std::memory_order_relaxed);
    } catch (...) {
        try {
            db.exec("ROLLBACK");
        } catch (...) {
        }
        const auto error = std::current_exception();
        for (Pending& p : batch) p.done({}, error);
        return;
    }
    // Acknowledge only after COMMIT returned: with synchronous=FULL every row is on disk.
    for (std::size_t g = 0; g < batch.size(); ++g) batch[g].done(std::move(results[g]), nullptr);
}

std::optional<VisitRow> Ledger::find(std::string_view idempotency_key) const {
    std::lock_guard lock(read_mutex_);
    auto s = reader_->cached(kFindByKey.c_str());
    s->bind(1, idempotency_key);
    if (!s->step()) return std::nullopt;
    return read_row(*s);
}

std::int64_t Ledger::count_visits(std::string_view visitor_key, std::int64_t since) const {
    std::lock_guard lock(read_mutex_);
    return count_visits_on(*reader_, visitor_key, since);
}

std::vector<VisitRow> Ledger::list(const VisitQuery& q) const {
    std::lock_guard lock(read_mutex_);
    auto s = reader_->prepare((std::string("SELECT ") + kRowColumns +
                               " FROM visits WHERE id > ?1 AND (?2 IS NULL OR occurred_at >= ?2) AND (?3 IS NULL OR "
                               "occurred_at < ?3) AND (?4 IS NULL OR origin_coop = ?4) AND (?5 IS NULL OR till = ?5) "
                               "ORDER BY id LIMIT ?6")
                                  .c_str());
    s.bind(1, q.after_id);
    q.from ? s.bind(2, *q.from) : s.bind_null(2);
    q.to ? s.bind(3, *q.to) : s.bind_null(3);
    q.coop ? s.bind(4, std::int64_t{*q.coop}) : s.bind_null(4);
    s.bind(5, q.till);
    s.bind(6, q.limit);
    std::vector<VisitRow> rows;
    while (s.step()) rows.push_back(read_row(s));
    return rows;
}

std::int64_t Ledger::row_count() const {
    std::lock_guard lock(read_mutex_);
    auto s = reader_->prepare("SELECT COUNT(*) FROM visits");
    s.step();
    return s.integer(0);
}

ChainReport Ledger::verify_chain() const { return verify_chain(unix_now(), Config{}.retention_months); }

ChainReport Ledger::verify_chain(std::int64_t now, std::int64_t retention_months, const std::optional<Checkpoint>& noted) const {
    std::lock_guard lock(read_mutex_);
    // One snapshot: a checkpoint stored while we read must not look longer than the rows we read.
    Transaction snapshot(*reader_, "BEGIN");
    std::vector<Checkpoint> checkpoints;
    {
        auto s = reader_->prepare(
            "SELECT at, reason, row_count, head, erased_before, retention_months FROM checkpoints ORDER BY id");
        while (s.step()) {
            Checkpoint c;
            c.at = s.integer(0);
            c.reason = reason_from(s.text(1));
            c.rows = s.integer(2);
            c.head = to_array<32>(s.blob(3));
            if (!s.is_null(4)) c.erased_before = s.integer(4);
            if (!s.is_null(5)) c.retention_months = s.integer(5);
            checkpoints.push_back(c);
        }
    }
    ChainReport report;
    if (!checkpoints.empty()) report.checkpoint = checkpoints.back();
    // The retention in force is the latest purge's; a purge also vouches for every row it erased.
    report.retention_months = retention_months;
    std::int64_t erasable_before = std::numeric_limits<std::int64_t>::min();
    for (const Checkpoint& c : checkpoints) {
        if (c.reason != CheckpointReason::purge) continue;
        if (c.retention_months) report.retention_months = *c.retention_months;
        if (c.erased_before) erasable_before = std::max(erasable_before, *c.erased_before);
    }
    erasable_before = std::max(erasable_before, retention_horizon(now, report.retention_months));
    report.erasable_before = std::min(erasable_before, retention_horizon(now, 1));

    if (noted) checkpoints.push_back(*noted);
    std::stable_sort(checkpoints.begin(), checkpoints.end(), [](const Checkpoint& a, const Checkpoint& b) { return a.rows < b.rows; });
    auto next_checkpoint = std::find_if(checkpoints.begin(), checkpoints.end(), [](const Checkpoint& c) { return c.rows > 0; });

    static const Hash256 no_identifiers = personal_digest(std::nullopt, std::nullopt);
    auto s = reader_->prepare((std::string("SELECT ") + kRowColumns + " FROM visits ORDER BY id").c_str());
    Hash256 previous{};
    std::int64_t expected_id = 1;
    while (s.step()) {
        const VisitRow row = read_row(s);
        ++report.rows;
        const bool erased = !row.pass_id && !row.visitor_key;
        ChainProblem problem = ChainProblem::none;
        if (row.id != expected_id) problem = ChainProblem::missing_row;
        else if (row.previous_hash != previous) problem = ChainProblem::previous_hash;
        else if (!erased && row.personal_digest != personal_digest(row.pass_id, row.visitor_key)) problem = ChainProblem::personal_data_altered;
        else if (row.hash != row_hash(row)) problem = ChainProblem::row_altered;
        // A declared visitor's row never had identifiers; any other row may lose them only to the purge.
        else if (erased && row.personal_digest != no_identifiers && row.occurred_at >= report.erasable_before)
            problem = ChainProblem::erased_too_early;
        for (; problem == ChainProblem::none && next_checkpoint != checkpoints.end() && next_checkpoint->rows == row.id; ++next_checkpoint)
            if (next_checkpoint->head != row.hash) {
                problem = ChainProblem::head_mismatch;
                report.checkpoint = *next_checkpoint;
            }
        if (problem != ChainProblem::none) {
            report.problem = problem;
            report.first_bad_id = row.id;
            report.occurred_at = row.occurred_at;
            report.head = previous;
            return report;
        }
        previous = row.hash;
        expected_id = row.id + 1;
    }
    report.head = previous;
    if (next_checkpoint != checkpoints.end()) {
        report.problem = ChainProblem::truncated;
        report.checkpoint = checkpoints.back();  // the longest
    }
    return report;
}

PurgeResult Ledger::purge_personal_data(std::int64_t now, std::int64_t retention_months) {
    const std::int64_t before = retention_horizon(now, retention_months);
    std::lock_guard lock(side_mutex_);
    Transaction transaction(*side_, "BEGIN IMMEDIATE");
    PurgeResult result;
    {
        auto s = side_->prepare(
            "UPDATE visits SET pass_id = NULL, visitor_key = NULL WHERE occurred_at < ?1 AND (pass_id IS NOT NULL OR "
            "visitor_key IS NOT NULL)");
        s.bind(1, before);
        s.step();
        result.erased = sqlite3_changes(side_->handle());
    }
    // The horizon and retention go with the purge, so the verification knows what it may have erased.
    result.checkpoint = head_on(*side_);
    result.checkpoint.at = now;
    result.checkpoint.reason = CheckpointReason::purge;
    result.checkpoint.erased_before = before;
    result.checkpoint.retention_months = retention_months;
    insert_checkpoint(*side_, result.checkpoint);
    transaction.commit();
    return result;
}

std::optional<Checkpoint> Ledger::record_checkpoint(CheckpointReason reason, std::int64_t now) {
    std::lock_guard lock(side_mutex_);
    Transaction transaction(*side_, "BEGIN IMMEDIATE");
    Checkpoint c = head_on(*side_);
    c.at = now;
    c.reason = reason;
    std::int64_t longest = 0;
    {
        auto s = side_->prepare("SELECT COALESCE(MAX(row_count), 0) FROM checkpoints");
        s.step();
        longest = s.integer(0);
    }
    // Nothing new (or a chain shorter than recorded, which verification reports): store nothing.
    if (c.rows <= longest) return std::nullopt;
    insert_checkpoint(*side_, c);
    transaction.commit();
    return c;
}

Checkpoint Ledger::head() const {
    std::lock_guard lock(read_mutex_);
    return head_on(*reader_);
}

std::int64_t retention_horizon(std::int64_t now, std::int64_t retention_months) { return now - retention_months * 30 * 86400; }

std::string format_head(std::int64_t rows, const Hash256& head) { return std::to_string(rows) + ":" + to_hex(head); }

std::optional<Checkpoint> parse_head(std::string_view text) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 18) return std::nullopt;
    Checkpoint c;
    c.reason = CheckpointReason::noted;
    for (const char ch : text.substr(0, colon)) {
        if (ch < '0' || ch > '9') return std::nullopt;
        c.rows = c.rows * 10 + (ch - '0');
    }
    const std::string_view hex = text.substr(colon + 1);
    if (hex.size() != 64) return std::nullopt;
    const auto bytes = from_hex(hex);
    if (!bytes) return std::nullopt;
    c.head = to_array<32>(*bytes);
    return c;
}

std::string describe(const ChainReport& r) {
    const auto checkpoint_text = [&r] {
        if (!r.checkpoint) return std::string();
        const Checkpoint& c = *r.checkpoint;
        if (c.reason == CheckpointReason::noted) return tr("la tête notée", "the noted head");
        const std::string when = format_instant(c.at);
        switch (c.reason) {
            case CheckpointReason::purge: return tr("la purge du ", "the purge of ") + when;
            case CheckpointReason::shutdown: return tr("l'arrêt du ", "the shutdown of ") + when;
            default: return tr("le point de contrôle du ", "the checkpoint of ") + when;
        }
    };
    switch (r.problem) {
        case ChainProblem::none: return tr("chaîne intacte", "chain intact");
        case ChainProblem::missing_row: return tr("ligne manquante avant celle-ci", "missing row before this one");
        case ChainProblem::previous_hash:
            return tr("previous_hash ne correspond pas à la ligne précédente", "previous_hash does not match the row before");
        case ChainProblem::personal_data_altered:
            return tr("numéro de pass ou clé de visiteur modifié", "pass id or visitor key altered");
        case ChainProblem::row_altered: return tr("ligne modifiée", "row altered");
        case ChainProblem::erased_too_early:
            return tr("identifiants effacés d'une visite du ", "identifiers erased from a visit of ") + format_instant(r.occurred_at.value_or(0)) +
                   tr(", plus récente que la durée de conservation (effacement permis avant le ",
                      ", younger than the retention period (erasure allowed before ") +
                   format_instant(r.erasable_before) + ", " + std::to_string(r.retention_months) + tr(" mois)", " months)");
        case ChainProblem::truncated:
            return tr("lignes supprimées à la fin : ", "rows deleted at the end: ") + std::to_string(r.rows) +
                   tr(" ligne(s), alors que ", " row(s), while ") + checkpoint_text() + tr(" en comptait ", " counted ") +
                   std::to_string(r.checkpoint ? r.checkpoint->rows : 0);
        case ChainProblem::head_mismatch:
            return tr("cette ligne n'a plus le hachage enregistré par ", "this row no longer has the hash recorded by ") + checkpoint_text() +
                   tr(" : la chaîne a été réécrite jusqu'ici", ": the chain was rewritten up to here");
    }
    return {};
}

std::optional<std::string> Ledger::meta(std::string_view key) const {
    std::lock_guard lock(side_mutex_);
    auto s = side_->prepare("SELECT value FROM meta WHERE key = ?1");
    s.bind(1, key);
    if (!s.step()) return std::nullopt;
    return s.text(0);
}

void Ledger::set_meta(std::string_view key, std::string_view value) {
    std::lock_guard lock(side_mutex_);
    auto s = side_->prepare("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    s.bind(1, key).bind(2, value);
    s.step();
}

void Ledger::backup(const std::filesystem::path& out) const {
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

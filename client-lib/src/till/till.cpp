#include <passkoop/till.hpp>

#include "http/http_client.hpp"
#include "sqlite/database.hpp"

#include <passkoop/bytes.hpp>
#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/json_limits.hpp>
#include <passkoop/text.hpp>

#include <nlohmann/json.hpp>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <iterator>
#include <thread>

namespace passkoop {

using nlohmann::json;

namespace {

// The largest amount of one visit, as passkoopd: a million euros.
constexpr std::int64_t kMaxAmountCents = 100'000'000;
constexpr std::size_t kMaxBatchRows = 1000;

// Every schema change, in order; PRAGMA user_version records how many have run. Never edit one
// that has shipped: add the next.
constexpr const char* kMigrations[] = {
    R"sql(
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE queue (
        seq INTEGER PRIMARY KEY,
        idempotency_key TEXT NOT NULL UNIQUE,
        occurred_at INTEGER NOT NULL,
        visitor TEXT,
        counts INTEGER NOT NULL,
        body TEXT,
        state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'conflict', 'rejected')),
        answer TEXT,
        sent_at INTEGER
    );
    CREATE INDEX queue_by_state ON queue (state, seq);
    CREATE INDEX queue_by_visitor ON queue (visitor, state, occurred_at);
    CREATE TABLE counts (
        visitor TEXT PRIMARY KEY,
        visits INTEGER NOT NULL,
        as_of INTEGER NOT NULL
    );
    )sql",
};

void migrate(Database& db) {
    if (!migrate_schema(db, kMigrations)) throw TillError("till file schema is newer than this libpasskoop; upgrade it");
}

std::optional<std::string> get_meta(Database& db, std::string_view key) {
    auto s = db.cached("SELECT value FROM meta WHERE key = ?1");
    s->bind(1, key);
    if (!s->step()) return std::nullopt;
    return s->text(0);
}

void set_meta(Database& db, std::string_view key, std::string_view value) {
    auto s = db.cached("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    s->bind(1, key).bind(2, value);
    s->step();
}

std::int64_t meta_integer(Database& db, std::string_view key) {
    const auto v = get_meta(db, key);
    return v ? std::stoll(*v) : 0;
}

std::string random_hex(std::size_t bytes) {
    std::vector<std::uint8_t> buf(bytes);
    randombytes_buf(buf.data(), buf.size());
    return to_hex(ByteView(buf.data(), buf.size()));
}

std::array<std::uint8_t, 32> secret_from_hex(const std::string& hex) {
    std::array<std::uint8_t, 32> out{};
    std::size_t bin_len = 0;
    if (hex.size() != 64 || sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &bin_len, nullptr) != 0 ||
        bin_len != 32)
        throw TillError("till file: damaged visitor secret");
    return out;
}

std::string join_url(const std::string& base, std::string_view path) {
    std::string out = base;
    while (!out.empty() && out.back() == '/') out.pop_back();
    return out + std::string(path);
}

bool valid_till_id(std::string_view id) { return !id.empty() && id.size() <= 64 && is_printable_text(id); }

// Whether a failed batch (or row) may succeed later: the server or the network, not the row.
bool retryable(int status) { return status == 0 || status == 408 || status == 429 || status >= 500; }

}  // namespace

struct Till::State {
    TillOptions options;
    Database db;
    std::array<std::uint8_t, 32> secret{};
    std::optional<TrustedBundle> bundle;
    std::string bundle_serial;  // of the bundle in memory; another process adopting one changes it

    explicit State(TillOptions o) : options(std::move(o)), db(options.database.string()) {}

    VisitorPolicy policy() const { return host_policy(bundle->registry, options.host_coop, options.policy_overrides); }

    std::string visitor_of(const Pass& pass) const { return visitor_key(secret, pass.coop, pass.member); }

    // The server's last count while it still covers the window, plus the visits queued since.
    std::int64_t count_visits(const std::string& visitor, std::int64_t since) {
        std::int64_t total = 0;
        {
            auto s = db.cached("SELECT visits, as_of FROM counts WHERE visitor = ?1");
            s->bind(1, visitor);
            // A count taken before the window began counts visits that have all left it.
            if (s->step() && s->integer(1) >= since) total += s->integer(0);
        }
        auto s = db.cached("SELECT COUNT(*) FROM queue WHERE visitor = ?1 AND state = 'pending' AND counts = 1 AND occurred_at >= ?2");
        s->bind(1, visitor).bind(2, since);
        s->step();
        return total + s->integer(0);
    }

    // Another process on the same file (the volunteer's `passkoop till refresh`) may have adopted
    // a newer bundle: one small read per scan tells.
    void follow_file() {
        if (get_meta(db, "bundle_serial").value_or("") != bundle_serial) load_stored_bundle();
    }

    TillVerdict verify(std::string_view text, std::int64_t now) {
        follow_file();
        if (!bundle) throw TillError(tr("aucun registre : lancez refresh ou importez un bundle", "no registry: run refresh or import a bundle"));
        TillVerdict verdict{verify_pass(text, *bundle, now, VerifyOptions{options.grace_days}), std::nullopt, Light::red};
        const Verification& v = verdict.verification;
        if (v.valid()) {
            const VisitorPolicy p = policy();
            verdict.policy = decide(p, options.host_coop, *v.pass, count_visits(visitor_of(*v.pass), window_start(p, now)));
        }
        verdict.light = light_of(v, verdict.policy);
        return verdict;
    }

    void load_stored_bundle() {
        const auto bytes = get_meta(db, "bundle");
        const auto state_text = get_meta(db, "trust_state");
        if (!bytes || !state_text) return;
        auto state = read_trust_state(*state_text);
        if (!state) throw TillError("till file: damaged trust state: " + state.error().detail);
        auto loaded = load_bundle(*bytes, *state);
        if (!loaded) throw TillError("till file: stored bundle no longer loads: " + loaded.error().detail);
        bundle = std::move(*loaded);
        bundle_serial = get_meta(db, "bundle_serial").value_or("");
    }
};

Till::Till(TillOptions options) {
    ensure_sodium();
    if (options.host_coop == 0) throw TillError(tr("numéro de coop de la boutique requis", "the shop's coop number is required"));
    if (!valid_till_id(options.till_id))
        throw TillError(tr("identifiant de caisse : 1 à 64 caractères imprimables", "till id: 1 to 64 printable characters"));
    if (options.batch_rows == 0 || options.batch_rows > kMaxBatchRows) throw TillError("batch_rows: 1..1000");
    if (options.grace_days < 0) throw TillError("grace_days: 0 or more");
    try {
        state_ = std::make_unique<State>(std::move(options));
        Database& db = state_->db;
        migrate(db);
        Transaction transaction(db, "BEGIN IMMEDIATE");
        const auto till = get_meta(db, "till_id");
        const auto coop = get_meta(db, "host_coop");
        const TillOptions& o = state_->options;
        if (!till) {
            set_meta(db, "till_id", o.till_id);
            set_meta(db, "host_coop", std::to_string(o.host_coop));
            set_meta(db, "visitor_secret", random_hex(32));
        } else if (*till != o.till_id || *coop != std::to_string(o.host_coop)) {
            throw TillError(o.database.string() + tr(" appartient à la caisse ", " belongs to till ") + printable(*till) +
                            tr(" de la coop ", " of coop ") + *coop);
        }
        state_->secret = secret_from_hex(get_meta(db, "visitor_secret").value_or(""));
        transaction.commit();
        state_->load_stored_bundle();
    } catch (const SqliteError& e) {
        throw TillError(e.what());
    }
}

Till::~Till() = default;

bool Till::has_bundle() const {
    state_->follow_file();
    return state_->bundle.has_value();
}

std::expected<std::int64_t, TrustError> Till::adopt_bundle(std::string_view bytes, std::int64_t now) {
    State& s = *state_;
    try {
        // Under the file's write lock from the start: another process adopting a bundle meanwhile
        // could otherwise be overwritten by an older one.
        Transaction transaction(s.db, "BEGIN IMMEDIATE");
        s.follow_file();
        // A new bundle follows the state pinned in the file (or the first pin): never an older
        // registry, never other bytes under the same version, never fewer revocations.
        std::optional<TrustState> pinned;
        if (s.bundle) pinned = s.bundle->state();
        else if (!s.options.pin.empty()) {
            auto pin = read_trust_state(s.options.pin);
            if (!pin) return std::unexpected(pin.error());
            pinned = std::move(*pin);
        }
        auto loaded = pinned ? load_bundle(bytes, *pinned) : load_bundle(bytes, nullptr);
        if (!loaded) return std::unexpected(loaded.error());
        const std::string serial = random_hex(8);
        set_meta(s.db, "bundle", bytes);
        set_meta(s.db, "trust_state", trust_state_text(*loaded));
        set_meta(s.db, "last_refresh_at", std::to_string(now));
        set_meta(s.db, "bundle_serial", serial);
        transaction.commit();
        s.bundle = std::move(*loaded);
        s.bundle_serial = serial;
        return s.bundle->registry.version;
    } catch (const SqliteError& e) {
        throw TillError(e.what());
    }
}

TillVerdict Till::verify(std::string_view scanned_text, std::int64_t now) { return state_->verify(scanned_text, now); }

std::string Till::verify_json(std::string_view scanned_text, std::int64_t now) {
    const TillVerdict v = state_->verify(scanned_text, now);
    return verdict_json_text(v.verification, v.policy);
}

std::optional<std::int64_t> Till::visits_of(std::string_view scanned_text, std::int64_t now) {
    const TillVerdict v = state_->verify(scanned_text, now);
    if (!v.verification.pass) return std::nullopt;
    return state_->count_visits(state_->visitor_of(*v.verification.pass), window_start(state_->policy(), now));
}

RecordResult Till::record(const TillVisit& visit, std::int64_t now) {
    State& s = *state_;
    RecordResult out;
    auto invalid = [&out](std::string why) {
        out.outcome = RecordOutcome::invalid;
        out.message = std::move(why);
        return out;
    };
    if (visit.pass.empty() == !visit.declared_coop.has_value())
        return invalid(tr("donnez soit le pass, soit la coop déclarée", "give either the pass or the declared coop"));
    if (visit.amount_cents < 0 || visit.amount_cents > kMaxAmountCents)
        return invalid(tr("montant : entier de centimes entre 0 et 100000000", "amount: integer number of cents from 0 to 100000000"));
    if (visit.currency.size() != 3 || !std::all_of(visit.currency.begin(), visit.currency.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
        return invalid(tr("devise : code ISO 4217 (EUR)", "currency: ISO 4217 code (EUR)"));
    if (visit.ticket.size() > 64 || !is_printable_text(visit.ticket) || visit.note.size() > 500 || !is_printable_text(visit.note))
        return invalid(tr("ticket (64 octets) ou note (500 octets) trop longs ou non imprimables",
                          "ticket (64 bytes) or note (500 bytes) too long or not printable"));
    if (visit.pass.size() > kMaxPassTextBytes) return invalid(message(ResultCode::malformed));

    json body = {{"till", s.options.till_id}, {"kind", to_string(visit.kind)}, {"amount_cents", visit.amount_cents},
                 {"currency", visit.currency}, {"ticket", visit.ticket}, {"note", visit.note},
                 {"occurred_at", format_instant(now)}, {"override", visit.override_policy}, {"offline", true}};
    std::optional<std::string> visitor;
    bool counts = false;
    s.follow_file();
    if (visit.declared_coop) {
        if (!s.bundle) return invalid(tr("aucun registre", "no registry"));
        if (s.bundle->registry.find_coop(*visit.declared_coop) == nullptr)
            return invalid(tr("coop absente du registre", "coop not in the registry"));
        body["declared"] = {{"coop", *visit.declared_coop}};
    } else {
        TillVerdict verdict = s.verify(visit.pass, now);
        const Verification& v = verdict.verification;
        // Undecodable text names no one: nothing to record, even with an override.
        if (!v.pass) {
            out.verdict = std::move(verdict);
            return invalid(message(v.code));
        }
        const bool admitted = v.valid() ? admit(*verdict.policy, visit.kind, visit.override_policy) : visit.override_policy;
        if (!admitted) {
            out.outcome = RecordOutcome::refused;
            out.message = v.valid() ? message(verdict.policy->decision) : message(v.code);
            out.verdict = std::move(verdict);
            return out;
        }
        // Only a valid pass's visit counts against the visitor, as on the server.
        if (v.valid()) {
            visitor = s.visitor_of(*v.pass);
            counts = counts_as_visit(visit.kind);
        }
        body["pass"] = visit.pass;
        out.verdict = std::move(verdict);
    }
    out.idempotency_key = s.options.till_id + ":" + random_hex(16);
    body["idempotency_key"] = out.idempotency_key;
    try {
        // Committed with synchronous=FULL: on disk when this returns.
        Transaction transaction(s.db, "BEGIN IMMEDIATE");
        auto insert = s.db.cached(
            "INSERT INTO queue (idempotency_key, occurred_at, visitor, counts, body, state) VALUES (?1, ?2, ?3, ?4, ?5, 'pending')");
        insert->bind(1, out.idempotency_key).bind(2, now).bind(3, visitor).bind(4, std::int64_t{counts}).bind(5, body.dump());
        insert->step();
        transaction.commit();
    } catch (const SqliteError& e) {
        throw TillError(e.what());
    }
    out.outcome = RecordOutcome::recorded;
    return out;
}

RefreshResult Till::refresh(std::int64_t now) {
    State& s = *state_;
    RefreshResult out;
    out.version = s.bundle ? s.bundle->registry.version : 0;
    const std::string url = !s.options.bundle_url.empty() ? s.options.bundle_url : join_url(s.options.server_url, "/v1/bundle");
    HttpRequest request;
    request.url = url;
    const auto etag = get_meta(s.db, "bundle_etag");
    if (etag && s.bundle) request.headers.emplace_back("If-None-Match", *etag);
    HttpOptions http;
    http.ca_file = s.options.ca_file;
    http.timeout = s.options.timeout;
    http.max_body = kMaxBundleBytes;
    http.user_agent = "passkoop-till";
    const HttpResponse response = http_fetch(request, http);
    if (response.status == 304 || (response.status == 200 && s.bundle && get_meta(s.db, "bundle") == response.body)) {
        set_meta(s.db, "last_refresh_at", std::to_string(now));
        out.outcome = RefreshOutcome::unchanged;
        return out;
    }
    if (response.status != 200) {
        out.detail = response.status == 0 ? response.error : "HTTP " + std::to_string(response.status);
        return out;
    }
    const auto adopted = adopt_bundle(response.body, now);
    if (!adopted) {
        out.outcome = RefreshOutcome::refused;
        out.detail = std::string(to_string(adopted.error().failure)) + ": " + adopted.error().detail;
        return out;
    }
    set_meta(s.db, "bundle_etag", response.header("etag"));
    out.outcome = RefreshOutcome::updated;
    out.version = *adopted;
    return out;
}

SyncResult Till::sync(std::int64_t now) {
    State& s = *state_;
    SyncResult out;
    HttpOptions http;
    http.ca_file = s.options.ca_file;
    http.timeout = s.options.timeout;
    http.max_body = 64 * 1024 * 1024;
    http.user_agent = "passkoop-till";
    const std::string url = join_url(s.options.server_url, "/v1/visits/batch");
    int failures = 0;
    // A failure that waiting cannot mend (a refused token) ends the call at once.
    auto note_failure = [&](std::string why, bool worth_retrying) {
        out.error = std::move(why);
        failures = worth_retrying ? failures + 1 : s.options.sync_attempts;
        if (failures < s.options.sync_attempts)
            std::this_thread::sleep_for(s.options.backoff * (1 << std::min(failures - 1, 10)));
    };
    while (failures < s.options.sync_attempts) {
        struct Row {
            std::int64_t seq;
            std::optional<std::string> visitor;
            bool counts;
        };
        std::vector<Row> rows;
        // The stored bodies are sent as they were written: a replay is byte for byte the same visit.
        std::string payload = "{\"visits\":[";
        {
            auto select = s.db.cached("SELECT seq, visitor, counts, body FROM queue WHERE state = 'pending' ORDER BY seq LIMIT ?1");
            select->bind(1, static_cast<std::int64_t>(s.options.batch_rows));
            while (select->step()) {
                rows.push_back({select->integer(0), select->optional_text(1), select->integer(2) != 0});
                if (rows.size() > 1) payload += ',';
                payload += select->text(3);
            }
        }
        payload += "]}";
        if (rows.empty()) {
            out.complete = true;
            break;
        }
        HttpRequest request{"POST", url, {{"Authorization", "Bearer " + s.options.token}, {"Accept-Language", language() == Lang::en ? "en" : "fr"}}, payload};
        ++out.attempts;
        const HttpResponse response = http_fetch(request, http);
        if (response.status != 200) {
            note_failure(response.status == 0 ? response.error : "HTTP " + std::to_string(response.status) + " " + printable(response.body, 300),
                         retryable(response.status));
            continue;
        }
        const auto answer = parse_json_bounded(response.body);
        const json* results = answer && answer->is_object() && answer->contains("results") ? &(*answer)["results"] : nullptr;
        if (results == nullptr || !results->is_array() || results->size() != rows.size()) {
            note_failure(tr("réponse du serveur illisible", "unreadable answer from the server"), true);
            continue;
        }
        bool row_failed = false;
        // One transaction for the whole answer: a crash before it commits leaves every row queued,
        // and the next sync replays them (the server answers 200 with the rows it already holds).
        Transaction transaction(s.db, "BEGIN IMMEDIATE");
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const json& r = (*results)[i];
            const int status = r.is_object() && r.contains("status") && r["status"].is_number_integer() ? r["status"].get<int>() : 0;
            const Row& row = rows[i];
            if (status == 200 || status == 201) {
                // Sent: the pass text leaves the till (the server holds the visit now).
                auto sent = s.db.cached("UPDATE queue SET state = 'sent', body = NULL, sent_at = ?2 WHERE seq = ?1");
                sent->bind(1, row.seq).bind(2, now);
                sent->step();
                ++out.sent;
                if (!row.visitor) continue;
                const auto visits = r.find("visitor_visits");
                if (visits != r.end() && visits->is_number_integer()) {
                    auto merge = s.db.cached(
                        "INSERT INTO counts (visitor, visits, as_of) VALUES (?1, ?2, ?3) ON CONFLICT (visitor) DO UPDATE SET "
                        "visits = excluded.visits, as_of = excluded.as_of");
                    merge->bind(1, *row.visitor).bind(2, visits->get<std::int64_t>()).bind(3, now);
                    merge->step();
                } else if (row.counts) {
                    // A server that does not report counts: keep counting the visit here.
                    auto bump = s.db.cached(
                        "INSERT INTO counts (visitor, visits, as_of) VALUES (?1, 1, ?2) ON CONFLICT (visitor) DO UPDATE SET "
                        "visits = visits + 1");
                    bump->bind(1, *row.visitor).bind(2, now);
                    bump->step();
                }
            } else if (retryable(status)) {
                row_failed = true;
            } else {
                auto aside = s.db.cached("UPDATE queue SET state = ?2, answer = ?3, sent_at = ?4 WHERE seq = ?1");
                aside->bind(1, row.seq).bind(2, status == 409 ? "conflict" : "rejected").bind(3, r.dump()).bind(4, now);
                aside->step();
                ++(status == 409 ? out.conflicts : out.rejected);
            }
        }
        transaction.commit();
        if (row_failed) note_failure(tr("le serveur n'a pas pu enregistrer certaines visites", "the server could not record some visits"), true);
    }
    {
        auto pending = s.db.cached("SELECT COUNT(*) FROM queue WHERE state = 'pending'");
        pending->step();
        out.pending = pending->integer(0);
    }
    out.complete = out.pending == 0;
    if (out.complete) {
        out.error.clear();
        set_meta(s.db, "last_sync_at", std::to_string(now));
    }
    set_meta(s.db, "last_sync_error", out.error);
    return out;
}

TillStatus Till::status(std::int64_t now) {
    State& s = *state_;
    s.follow_file();
    TillStatus out;
    out.till_id = s.options.till_id;
    out.host_coop = s.options.host_coop;
    if (s.bundle) {
        const Registry& r = s.bundle->registry;
        out.registry_version = r.version;
        out.registry_issued_at = r.issued_at;
        out.registry_expires_at = r.expires_at;
        const std::int64_t at = std::max(now, r.issued_at);
        out.registry_stale = at > r.expires_at;
        out.registry_expired = at > r.expires_at + s.options.grace_days * kSecondsPerDay;
        out.revocations_held_back = static_cast<std::int64_t>(s.bundle->revocations_held_back.size());
    }
    out.bundle_etag = get_meta(s.db, "bundle_etag").value_or("");
    out.last_refresh_at = meta_integer(s.db, "last_refresh_at");
    out.last_sync_at = meta_integer(s.db, "last_sync_at");
    out.last_sync_error = get_meta(s.db, "last_sync_error").value_or("");
    auto q = s.db.cached(
        "SELECT (SELECT COUNT(*) FROM queue WHERE state = 'pending'), (SELECT MIN(occurred_at) FROM queue WHERE state = "
        "'pending'), (SELECT COUNT(*) FROM queue WHERE state IN ('conflict', 'rejected'))");
    q->step();
    out.queue_length = q->integer(0);
    if (!q->is_null(1)) out.oldest_unsynced = q->integer(1);
    out.set_aside = q->integer(2);
    return out;
}

}  // namespace passkoop

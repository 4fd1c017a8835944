// The offline till: verifies scanned passes, applies the host shop's visitor policy and records
// visits with no network, then syncs them to the shop's passkoopd exactly once.
//
// Everything lives in one local SQLite file (WAL, synchronous=FULL): the pinned trust state
// (registry and revocation lists in force, DESIGN §5), the last bundle and its ETag, the queue of
// visits, and the visit counts the server last reported.
//
// - verify() gives the same code, warnings and policy decision as passkoopd's POST /v1/verify for
//   the same bundle, visit history and time: both call verify_pass, host_policy, decide and
//   light_of.
// - record() is on disk (committed with fsync) before it returns, under an idempotency key it
//   generates, and counts at once in the local visit counts.
// - refresh() downloads a bundle (If-None-Match) and adopts it only when it follows the pinned
//   state (no rollback, no stripped revocations); otherwise the old one stays.
// - sync() sends the queue in batches (POST /v1/visits/batch), retrying with backoff; a visit
//   leaves the queue only on the server's answer for its row.
//
// Times are Unix seconds passed by the caller (the till's clock); nothing here reads the clock
// except the backoff between retries. A Till is not thread-safe: use one from one thread at a
// time (the C API serialises calls on one handle). Two Till objects (two processes) may open the
// same file; SQLite serialises their writes, and a bundle one adopts is used by the other from its
// next call on. Failures of the file itself throw TillError or std::runtime_error.
#pragma once

#include <passkoop/bundle.hpp>
#include <passkoop/policy.hpp>
#include <passkoop/verifier.hpp>

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace passkoop {

// The till's file could not be opened or written, or it belongs to another till or coop.
struct TillError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct TillOptions {
    std::filesystem::path database;  // created if missing
    std::uint16_t host_coop = 0;     // the shop's coop number; fixed when the file is created
    std::string till_id;             // e.g. "caisse-1" (1..64 printable characters); fixed too
    // The shop's passkoopd, e.g. "https://magasin.example" (sync posts to /v1/visits/batch).
    std::string server_url;
    // Where refresh() downloads the bundle; default server_url + "/v1/bundle".
    std::string bundle_url;
    std::string token;    // a cashier token of that passkoopd (sync only)
    std::string ca_file;  // PEM file of a shop's own CA for https://; empty = the system's CAs
    // First trust, used only while the file has no trust state yet: a registry envelope or a
    // saved trust state given by the shop's own coop. Without it, the first bundle is trusted on
    // its own admin threshold (as passkoopd does without --pin).
    std::string pin;
    PolicyOverrides policy_overrides;  // the shop's local settings, as passkoopd's config
    std::int64_t grace_days = kDefaultGraceDays;
    std::chrono::milliseconds timeout{10000};  // per HTTP request
    std::size_t batch_rows = 500;              // visits per batch, 1..1000
    int sync_attempts = 4;                     // per sync() call, with backoff between them
    std::chrono::milliseconds backoff{200};    // doubled after each failed attempt
};

// A verification at the till, with the policy decision for a valid pass.
struct TillVerdict {
    Verification verification;            // its coop pointer points into the till's bundle: use before the next refresh()
    std::optional<PolicyOutcome> policy;  // set for a valid pass
    Light light = Light::red;
};

// What the cashier records. Exactly one of `pass` and `declared_coop`.
struct TillVisit {
    std::string pass;                          // the scanned text, as scanned
    std::optional<std::uint16_t> declared_coop;  // a cardless visitor who says which coop
    VisitKind kind = VisitKind::purchase;
    std::int64_t amount_cents = 0;  // 0 .. 100 000 000
    std::string currency = "EUR";
    std::string ticket, note;
    bool override_policy = false;  // a manager lets in what the pass or the policy refuses
};

enum class RecordOutcome { recorded, refused, invalid };
struct RecordResult {
    RecordOutcome outcome = RecordOutcome::invalid;
    std::string idempotency_key;  // recorded: the key the server will see
    std::optional<TillVerdict> verdict;  // for a pass
    std::string message;  // refused or invalid: why, in the current language
};

enum class RefreshOutcome { updated, unchanged, refused, unreachable };
struct RefreshResult {
    RefreshOutcome outcome = RefreshOutcome::unreachable;
    std::int64_t version = 0;  // registry version in use afterwards (0: none yet)
    std::string detail;        // refused: the trust failure; unreachable: the network error
};

struct SyncResult {
    std::int64_t sent = 0;       // visits the server stored (or had already: identical replays)
    std::int64_t conflicts = 0;  // keys the server holds for another visit (409): kept aside
    std::int64_t rejected = 0;   // visits the server refused for good (4xx): kept aside
    std::int64_t pending = 0;    // still queued afterwards
    int attempts = 0;            // HTTP requests made
    bool complete = false;       // the queue was emptied
    std::string error;           // the last failure when not complete
};

struct TillStatus {
    std::string till_id;
    std::uint16_t host_coop = 0;
    std::int64_t registry_version = 0;  // 0: no bundle yet
    std::int64_t registry_issued_at = 0, registry_expires_at = 0;
    bool registry_stale = false;    // past expires_at: passes carry registry_stale
    bool registry_expired = false;  // past the grace: every pass is refused
    std::string bundle_etag;
    std::int64_t last_refresh_at = 0;  // last successful refresh (updated or unchanged)
    std::int64_t queue_length = 0;     // visits waiting for sync
    std::optional<std::int64_t> oldest_unsynced;  // occurred_at of the oldest waiting visit
    std::int64_t set_aside = 0;        // conflicts and rejections kept for a person to look at
    std::int64_t last_sync_at = 0;     // last sync that emptied the queue
    std::string last_sync_error;
    std::int64_t revocations_held_back = 0;
};

class Till {
public:
    explicit Till(TillOptions options);  // throws TillError
    ~Till();
    Till(const Till&) = delete;
    Till& operator=(const Till&) = delete;

    // Adopts a bundle from a file or a USB stick, as refresh() does from the network.
    [[nodiscard]] std::expected<std::int64_t, TrustError> adopt_bundle(std::string_view bytes, std::int64_t now);
    [[nodiscard]] bool has_bundle() const;  // (follows a bundle another process adopted meanwhile)

    [[nodiscard]] TillVerdict verify(std::string_view scanned_text, std::int64_t now);
    // The object POST /v1/verify answers: DESIGN §8 plus "color" and "policy".
    [[nodiscard]] std::string verify_json(std::string_view scanned_text, std::int64_t now);

    // Verifies again, applies the policy (admit) and queues the visit durably.
    [[nodiscard]] RecordResult record(const TillVisit& visit, std::int64_t now);

    [[nodiscard]] RefreshResult refresh(std::int64_t now);
    [[nodiscard]] SyncResult sync(std::int64_t now);
    [[nodiscard]] TillStatus status(std::int64_t now);

    // The visits a visitor has in the till's counts (server's last count plus queued ones), for a
    // valid pass; nothing for text that does not decode.
    [[nodiscard]] std::optional<std::int64_t> visits_of(std::string_view scanned_text, std::int64_t now);

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace passkoop

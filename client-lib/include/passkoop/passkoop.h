/* Pass'Koop C API: offline verification of scanned passes and the offline till (verify, decide,
 * record, sync), for tills written in any language that can call C (C, Python ctypes/cffi,
 * Java/JNA, C#, Go cgo, …). The passkoop_till_* functions exist in a libpasskoop built with the
 * till (the default; CMake option PASSKOOP_BUILD_TILL).
 *
 * Nothing here signs, and no private key is ever needed.
 *
 * Contract common to every function:
 *   - C99; no exception or C++ type crosses this boundary. Failures are status codes
 *     (enum passkoop_status, all < 0) and never abort the process.
 *   - Byte inputs are (pointer, length) pairs and need no terminating NUL; a NULL pointer is
 *     accepted only with a length of 0. The library never keeps a pointer to caller memory
 *     after a call returns.
 *   - Text outputs are UTF-8 and always NUL-terminated when the buffer size is > 0. Truncated
 *     text (error messages, names) is cut on a character boundary.
 *   - `lang` arguments choose the language of human-readable text: a string starting with "en"
 *     selects English; anything else, including NULL, selects French. The choice applies to that
 *     call only and never changes the process-wide language of the C++ API.
 *   - Times are Unix seconds (UTC).
 *
 * Thread safety: a passkoop_verifier is immutable once created. Any number of threads may call
 * passkoop_verify, passkoop_verify_json and the passkoop_verifier_registry_* functions on the
 * same verifier at the same time. passkoop_verifier_free must not run concurrently with any other
 * call on that verifier. passkoop_code_name and passkoop_message may be called from any thread.
 */
#ifndef PASSKOOP_PASSKOOP_H
#define PASSKOOP_PASSKOOP_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define PASSKOOP_WARN_UNUSED_RESULT __attribute__((warn_unused_result))
#else
#define PASSKOOP_WARN_UNUSED_RESULT
#endif

/* Tells C++ callers that nothing here throws. */
#if defined(__cplusplus) && __cplusplus >= 201103L
#define PASSKOOP_NOEXCEPT noexcept
#else
#define PASSKOOP_NOEXCEPT
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Result of a call. PASSKOOP_OK is 0; every failure is negative. */
enum passkoop_status {
    PASSKOOP_OK = 0,
    PASSKOOP_ERROR_INVALID_ARGUMENT = -1, /* NULL where a value is needed, or a value out of range */
    PASSKOOP_ERROR_BUNDLE_REJECTED = -2,  /* the bundle is malformed or fails the trust checks */
    PASSKOOP_ERROR_ANCHOR_REJECTED = -3,  /* the pinned registry envelope is malformed or unsigned */
    PASSKOOP_ERROR_BUFFER_TOO_SMALL = -4, /* see the `needed` output of the call */
    PASSKOOP_ERROR_NO_MEMORY = -5,
    PASSKOOP_ERROR_INTERNAL = -6, /* an unexpected failure (e.g. libsodium could not start) */
    /* The till's functions (below) add: */
    PASSKOOP_ERROR_NO_REGISTRY = -7, /* the till has no bundle yet: refresh or adopt one first */
    PASSKOOP_ERROR_NETWORK = -8,     /* the server could not be reached, or did not take every visit */
    PASSKOOP_ERROR_REFUSED = -9,     /* the pass or the host's policy refuses the visit: nothing recorded */
    PASSKOOP_ERROR_STORAGE = -10     /* the till's file could not be opened or written */
};

/* The stable result codes of a verification (DESIGN §6), same names as in the JSON output.
 * Their numeric values are part of the ABI and never change. Note that PASSKOOP_VALID is 0:
 * a zero-filled passkoop_result reads as valid, so always check the status of passkoop_verify
 * (which sets `code` to PASSKOOP_MALFORMED, never to valid, whenever it fails). */
enum passkoop_code {
    PASSKOOP_VALID = 0,
    PASSKOOP_MALFORMED = 1,
    PASSKOOP_TRUNCATED = 2,
    PASSKOOP_UNSUPPORTED_VERSION = 3,
    PASSKOOP_UNKNOWN_COOP = 4,
    PASSKOOP_UNKNOWN_KEY = 5,
    PASSKOOP_KEY_COMPROMISED = 6,
    PASSKOOP_BAD_SIGNATURE = 7,
    PASSKOOP_KEY_NOT_VALID = 8,
    PASSKOOP_NOT_YET_VALID = 9,
    PASSKOOP_EXPIRED = 10,
    PASSKOOP_REVOKED = 11,
    PASSKOOP_REGISTRY_EXPIRED = 12
};
#define PASSKOOP_CODE_COUNT 13

/* Warnings that may accompany a valid result (bits of passkoop_result.warnings). */
enum passkoop_warning {
    /* The scanner typed digits on the wrong keyboard layout (AZERTY/QWERTY): the text was
     * repaired; tell the cashier to fix the scanner's setting. */
    PASSKOOP_WARNING_KEYBOARD_LAYOUT_REPAIRED = 1,
    /* The registry is past its expires_at but inside the grace period: update it. */
    PASSKOOP_WARNING_REGISTRY_STALE = 2
};

/* Default number of days after the registry's expires_at during which passes are still accepted
 * (with PASSKOOP_WARNING_REGISTRY_STALE). */
#define PASSKOOP_DEFAULT_GRACE_DAYS 90
#define PASSKOOP_MAX_GRACE_DAYS 3650

/* Largest scanned text looked at; longer texts are PASSKOOP_MALFORMED. */
#define PASSKOOP_MAX_TEXT_BYTES 1024

/* Outcome of one verification. Plain data: copy it, keep it, no freeing needed.
 * The pass fields are filled as soon as the text decoded, even when the pass is then rejected
 * (e.g. bad signature): trust them only when code == PASSKOOP_VALID. When the text did not
 * decode, pass_id, member_name, coop_name and expiry are empty strings and coop and member 0
 * (coop numbers start at 1). */
typedef struct passkoop_result {
    int code;           /* enum passkoop_code */
    int warnings;       /* bitwise OR of enum passkoop_warning */
    char pass_id[17];   /* 16 lowercase hex characters + NUL */
    uint16_t coop;      /* the issuing coop's number, 1..65535 */
    uint64_t member;    /* the member number in that coop, < 2^48 */
    char member_name[100]; /* display name, UTF-8, at most 24 bytes in pass format v1; may be empty */
    char coop_name[256];   /* the coop's name from the registry; empty when the coop is unknown */
    char expiry[11];       /* last valid day, inclusive: "YYYY-MM-DD" */
} passkoop_result;

/* Opaque verifier: a bundle whose registry has been trusted, ready to verify passes. */
typedef struct passkoop_verifier passkoop_verifier;

/* Loads and checks a bundle (the shop's downloaded registry file, DESIGN §5).
 *
 * bundle, bundle_len: the bundle file's bytes (at most 16 MiB).
 * anchor, anchor_len: what the till trusts already, or NULL/0: either the trust state saved with
 *   passkoop_verifier_trust_state after the last accepted bundle (recommended), or a pinned
 *   registry envelope (a registry document as given by the shop's own coop, or the one saved with
 *   passkoop_verifier_registry_envelope). With an anchor the bundle must follow it: an older
 *   version is refused (rollback), the same version with other bytes is refused (an alarm), and
 *   admin-set changes must chain. With a trust state, a coop's revocation list also never goes
 *   below the one saved: a bundle that drops it or carries an older sequence keeps the saved
 *   list (see passkoop_verifier_revocations_held_back). Without an anchor only the bundle's
 *   internal consistency is checked.
 * grace_days: 0..PASSKOOP_MAX_GRACE_DAYS; pass PASSKOOP_DEFAULT_GRACE_DAYS unless configured.
 * lang: language of the error message.
 * out: receives the new verifier on success (free it with passkoop_verifier_free), NULL otherwise.
 * error, error_size: optional (NULL/0); on failure receives a NUL-terminated message that starts
 *   with a stable reason (e.g. "rollback: ", "version_conflict: ", "not_enough_signatures: ")
 *   followed by a human-readable detail. Set to "" on success. 256 bytes is plenty.
 *
 * Returns PASSKOOP_OK, PASSKOOP_ERROR_INVALID_ARGUMENT, PASSKOOP_ERROR_BUNDLE_REJECTED,
 * PASSKOOP_ERROR_ANCHOR_REJECTED, PASSKOOP_ERROR_NO_MEMORY or PASSKOOP_ERROR_INTERNAL.
 * Revocation lists that fail their own checks are ignored (as the C++ API does); they do not
 * make the bundle fail. Takes milliseconds: create once per bundle, not per scan. */
PASSKOOP_WARN_UNUSED_RESULT
int passkoop_verifier_new(const void* bundle, size_t bundle_len, const void* anchor, size_t anchor_len,
                          int grace_days, const char* lang, passkoop_verifier** out, char* error,
                          size_t error_size) PASSKOOP_NOEXCEPT;

/* Frees a verifier. NULL is accepted and does nothing. */
void passkoop_verifier_free(passkoop_verifier* verifier) PASSKOOP_NOEXCEPT;

/* The version number of the trusted registry, or -1 if verifier is NULL. */
int64_t passkoop_verifier_registry_version(const passkoop_verifier* verifier) PASSKOOP_NOEXCEPT;

/* Writes the trusted registry's envelope as JSON (NUL-terminated) into buf: save it and pass it
 * as the anchor of the next passkoop_verifier_new, so that a later bundle can never roll back.
 * needed (optional) receives the size required, NUL included, whatever the outcome.
 * Returns PASSKOOP_OK, PASSKOOP_ERROR_BUFFER_TOO_SMALL (buf then holds "" if buf_size > 0),
 * PASSKOOP_ERROR_INVALID_ARGUMENT, PASSKOOP_ERROR_NO_MEMORY or PASSKOOP_ERROR_INTERNAL. */
PASSKOOP_WARN_UNUSED_RESULT
int passkoop_verifier_registry_envelope(const passkoop_verifier* verifier, char* buf, size_t buf_size,
                                        size_t* needed) PASSKOOP_NOEXCEPT;

/* Writes the verifier's trust state as JSON (NUL-terminated) into buf: the trusted registry and
 * each coop's revocation list in force. Save it after every accepted bundle (atomically: write a
 * new file, then rename it) and pass it as the anchor of the next passkoop_verifier_new, so that a
 * later bundle can neither roll the registry back nor strip revocations. It is at most a little
 * larger than the bundle. needed (optional) receives the size required, NUL included.
 * Returns PASSKOOP_OK, PASSKOOP_ERROR_BUFFER_TOO_SMALL (buf then holds "" if buf_size > 0),
 * PASSKOOP_ERROR_INVALID_ARGUMENT, PASSKOOP_ERROR_NO_MEMORY or PASSKOOP_ERROR_INTERNAL. */
PASSKOOP_WARN_UNUSED_RESULT
int passkoop_verifier_trust_state(const passkoop_verifier* verifier, char* buf, size_t buf_size,
                                  size_t* needed) PASSKOOP_NOEXCEPT;
/* Number of coops whose revocation list was missing from the bundle or older than the one in the
 * trust state given as anchor, and was kept from the state (a mirror dropping or rolling back
 * revocations: worth a warning in the till's log). -1 if verifier is NULL. */
int64_t passkoop_verifier_revocations_held_back(const passkoop_verifier* verifier) PASSKOOP_NOEXCEPT;
/* Verifies a scanned text (what the QR scanner typed, as is: surrounding whitespace, "pk" in any
 * case and keyboard-mangled digits are handled) at the given Unix time (the till's clock; a clock
 * set before the registry's issued_at is ignored in favour of issued_at).
 *
 * A rejected pass is a normal outcome: it returns PASSKOOP_OK with out->code saying why.
 * Returns PASSKOOP_ERROR_INVALID_ARGUMENT (verifier or out NULL, or text NULL with text_len > 0),
 * PASSKOOP_ERROR_NO_MEMORY or PASSKOOP_ERROR_INTERNAL otherwise; *out (when non-NULL) is always
 * overwritten, and on any failure out->code is PASSKOOP_MALFORMED. */
PASSKOOP_WARN_UNUSED_RESULT
int passkoop_verify(const passkoop_verifier* verifier, const char* text, size_t text_len, int64_t unix_time,
                    passkoop_result* out) PASSKOOP_NOEXCEPT;

/* As passkoop_verify, but writes the verification as the JSON object of DESIGN §8 (code, valid,
 * message, warnings, warning_messages, pass_id, coop {number, name, city}, member {number, name,
 * card_sequence}, expiry, issued, kind), compact, UTF-8, NUL-terminated, with its messages in
 * `lang`.
 * needed (optional) receives the size required, NUL included, whatever the outcome; 4096 bytes
 * always suffice for pass format v1 and registry format v1 (coop name and city of at most 200
 * bytes each).
 * Returns PASSKOOP_OK, PASSKOOP_ERROR_BUFFER_TOO_SMALL (nothing partial is written: buf holds ""
 * if buf_size > 0; call again with *needed bytes), PASSKOOP_ERROR_INVALID_ARGUMENT (verifier
 * NULL, buf NULL with buf_size > 0, or text NULL with text_len > 0), PASSKOOP_ERROR_NO_MEMORY or
 * PASSKOOP_ERROR_INTERNAL. */
PASSKOOP_WARN_UNUSED_RESULT
int passkoop_verify_json(const passkoop_verifier* verifier, const char* text, size_t text_len, int64_t unix_time,
                         const char* lang, char* buf, size_t buf_size, size_t* needed) PASSKOOP_NOEXCEPT;

/* The stable name of a result code ("valid", "bad_signature", …), or NULL if code is not one of
 * enum passkoop_code. Static storage: never free it. */
const char* passkoop_code_name(int code) PASSKOOP_NOEXCEPT;

/* The short message for the cashier for a result code, in `lang` ("fr" or "en"), or NULL if code
 * is not one of enum passkoop_code. Static storage, built once per language on first use and
 * valid until the library is unloaded: never free it. */
const char* passkoop_message(int code, const char* lang) PASSKOOP_NOEXCEPT;

/* ---------------------------------------------------------------------------------------------
 * The offline till: verify, decide with the host's visitor policy, record visits with no network
 * and sync them to the shop's passkoopd exactly once (C++: <passkoop/till.hpp>).
 *
 * A till keeps everything in one SQLite file: the pinned trust state, the last bundle, the queue
 * of visits and the visit counts the server last reported. Keep that file (it is the till's
 * memory: deleting it loses unsynced visits and the rollback protection).
 *
 * Results that are more than a code come back as JSON text in a string the library allocates:
 * `*json_out` is set (or NULL on failure) and must be freed with passkoop_string_free. Every
 * call below may write *json_out even when it returns an error status (then with an "error"
 * member saying why); free it whenever it is not NULL.
 *
 * Thread safety: calls on one passkoop_till are serialised by the library (a mutex per handle),
 * so a handle may be shared between threads; passkoop_till_close must not run concurrently with
 * any other call on it. Several handles (or processes) may open the same file.
 * ------------------------------------------------------------------------------------------- */

/* The host policy's decision for a valid pass (DESIGN §6). Values are part of the ABI. */
enum passkoop_decision {
    PASSKOOP_DECISION_NONE = -1, /* no decision: the pass is not valid */
    PASSKOOP_ALLOWED = 0,
    PASSKOOP_OWN_MEMBER = 1,
    PASSKOOP_NOT_ACCEPTED = 2,
    PASSKOOP_LIMIT_REACHED = 3,
    PASSKOOP_LAST_ALLOWED_VISIT = 4
};

/* The cashier's light. */
enum passkoop_light { PASSKOOP_GREEN = 0, PASSKOOP_ORANGE = 1, PASSKOOP_RED = 2 };

typedef struct passkoop_till_result {
    passkoop_result pass; /* as passkoop_verify */
    int decision;         /* enum passkoop_decision */
    int64_t visits;       /* the visitor's counted visits before this one (0 without a decision) */
    int64_t limit;        /* the host's max_visits, 0 = unlimited */
    int light;            /* enum passkoop_light */
} passkoop_till_result;

typedef struct passkoop_till passkoop_till;

/* Opens (creating if needed) a till file.
 * options_json: a JSON object, NUL-terminated:
 *   "database" (path, required), "host_coop" (the shop's coop, required), "till_id" (1..64
 *   printable characters, required; host_coop and till_id are fixed when the file is created),
 *   "server_url" (the shop's passkoopd, e.g. "https://magasin.example"), "bundle_url" (default
 *   server_url + "/v1/bundle"), "token" (a cashier token, for sync), "ca_file" (PEM CA for
 *   https://; default the system's), "pin" (a registry envelope or trust state, as text, trusted
 *   while the file has none), "grace_days", "timeout_ms", "batch_rows" (1..1000),
 *   "sync_attempts", "backoff_ms", and the shop's policy settings "max_visits", "window_days",
 *   "welcomes_visitors".
 * out: receives the handle (NULL on failure). error: as passkoop_verifier_new.
 * Returns PASSKOOP_OK, PASSKOOP_ERROR_INVALID_ARGUMENT, PASSKOOP_ERROR_STORAGE,
 * PASSKOOP_ERROR_NO_MEMORY or PASSKOOP_ERROR_INTERNAL. */
PASSKOOP_WARN_UNUSED_RESULT
int passkoop_till_open(const char* options_json, const char* lang, passkoop_till** out, char* error,
                       size_t error_size) PASSKOOP_NOEXCEPT;

/* Closes a till (everything is already on disk). NULL is accepted and does nothing. */
void passkoop_till_close(passkoop_till* till) PASSKOOP_NOEXCEPT;

/* Frees a string the library returned. NULL is accepted and does nothing. */
void passkoop_string_free(char* text) PASSKOOP_NOEXCEPT;

/* Adopts a bundle from a file or a USB stick, as passkoop_till_refresh does from the network:
 * it must follow the trust state pinned in the file (no rollback, no stripped revocations).
 * Returns PASSKOOP_OK, PASSKOOP_ERROR_BUNDLE_REJECTED (error says why), PASSKOOP_ERROR_STORAGE,
 * PASSKOOP_ERROR_INVALID_ARGUMENT, PASSKOOP_ERROR_NO_MEMORY or PASSKOOP_ERROR_INTERNAL. */
PASSKOOP_WARN_UNUSED_RESULT
int passkoop_till_adopt_bundle(passkoop_till* till, const void* bundle, size_t bundle_len, int64_t unix_time,
                               const char* lang, char* error, size_t error_size) PASSKOOP_NOEXCEPT;

/* Verifies a scanned text at unix_time and applies the host's policy with the till's counts:
 * the same verdict as passkoopd's POST /v1/verify for the same bundle, history and time.
 * A refused pass is a normal outcome (PASSKOOP_OK). Returns PASSKOOP_ERROR_NO_REGISTRY before
 * any bundle was adopted; *out is always overwritten (code PASSKOOP_MALFORMED on failure). */
PASSKOOP_WARN_UNUSED_RESULT
int passkoop_till_verify(passkoop_till* till, const char* text, size_t text_len, int64_t unix_time,
                         passkoop_till_result* out) PASSKOOP_NOEXCEPT;

/* The same verdict as the JSON object of POST /v1/verify (DESIGN §8 plus "color" and "policy"),
 * messages in `lang`, into *json_out. */
PASSKOOP_WARN_UNUSED_RESULT
int passkoop_till_verify_json(passkoop_till* till, const char* text, size_t text_len, int64_t unix_time,
                              const char* lang, char** json_out) PASSKOOP_NOEXCEPT;

/* Records a visit at unix_time: verifies the pass again, applies the policy and queues the visit
 * durably (on disk when this returns) under an idempotency key it generates.
 * visit_json: {"pass": TEXT | "declared": {"coop": N}, "kind": "purchase"|"deposit"|"refund"|
 *   "visit", "amount_cents": N, "currency": "EUR", "ticket": "…", "note": "…", "override": false}.
 * *json_out: {"outcome": "recorded"|"refused"|"invalid", "idempotency_key", "message",
 *   "verification": the verify object or null}.
 * Returns PASSKOOP_OK (recorded), PASSKOOP_ERROR_REFUSED (the pass or the policy refuses),
 * PASSKOOP_ERROR_INVALID_ARGUMENT (a field is wrong, or the text is not a pass),
 * PASSKOOP_ERROR_NO_REGISTRY, PASSKOOP_ERROR_STORAGE, PASSKOOP_ERROR_NO_MEMORY or
 * PASSKOOP_ERROR_INTERNAL. */
PASSKOOP_WARN_UNUSED_RESULT
int passkoop_till_record(passkoop_till* till, const char* visit_json, int64_t unix_time, const char* lang,
                         char** json_out) PASSKOOP_NOEXCEPT;

/* Downloads the bundle (If-None-Match) and adopts it if it follows the pinned state.
 * *json_out: {"outcome": "updated"|"unchanged"|"refused"|"unreachable", "version", "detail"}.
 * Returns PASSKOOP_OK (updated or unchanged), PASSKOOP_ERROR_BUNDLE_REJECTED (the old bundle
 * stays), PASSKOOP_ERROR_NETWORK, or another failure status. Blocks for at most a few times the
 * timeout. */
PASSKOOP_WARN_UNUSED_RESULT
int passkoop_till_refresh(passkoop_till* till, int64_t unix_time, const char* lang, char** json_out) PASSKOOP_NOEXCEPT;

/* Sends the queued visits in batches, retrying with backoff; merges the server's visit counts.
 * *json_out: {"sent", "conflicts", "rejected", "pending", "attempts", "complete", "error"}.
 * Returns PASSKOOP_OK when the queue is empty afterwards, PASSKOOP_ERROR_NETWORK when visits
 * remain queued (call again later), or another failure status. */
PASSKOOP_WARN_UNUSED_RESULT
int passkoop_till_sync(passkoop_till* till, int64_t unix_time, const char* lang, char** json_out) PASSKOOP_NOEXCEPT;

/* *json_out: {"till_id", "host_coop", "registry_version", "registry_issued_at",
 *   "registry_expires_at", "registry_stale", "registry_expired", "bundle_etag",
 *   "last_refresh_at", "queue_length", "oldest_unsynced" (Unix seconds or null), "set_aside",
 *   "last_sync_at", "last_sync_error", "revocations_held_back"}. */
PASSKOOP_WARN_UNUSED_RESULT
int passkoop_till_status(passkoop_till* till, int64_t unix_time, char** json_out) PASSKOOP_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* PASSKOOP_PASSKOOP_H */

// The till's C API (passkoop.h): a Till behind an opaque handle with a mutex, JSON in and out.
#include <passkoop/passkoop.h>

#include "c_api_internal.hpp"
#include "sqlite/database.hpp"

#include <passkoop/dates.hpp>
#include <passkoop/json_limits.hpp>
#include <passkoop/till.hpp>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>

struct passkoop_till {
    explicit passkoop_till(passkoop::TillOptions options) : till(std::move(options)) {}
    std::mutex mutex;
    passkoop::Till till;
};

namespace {

using namespace passkoop;
using namespace passkoop::capi;
using nlohmann::json;

static_assert(PASSKOOP_ALLOWED == static_cast<int>(Decision::allowed));
static_assert(PASSKOOP_OWN_MEMBER == static_cast<int>(Decision::own_member));
static_assert(PASSKOOP_NOT_ACCEPTED == static_cast<int>(Decision::not_accepted));
static_assert(PASSKOOP_LIMIT_REACHED == static_cast<int>(Decision::limit_reached));
static_assert(PASSKOOP_LAST_ALLOWED_VISIT == static_cast<int>(Decision::last_allowed_visit));
static_assert(PASSKOOP_GREEN == static_cast<int>(Light::green) && PASSKOOP_ORANGE == static_cast<int>(Light::orange) &&
              PASSKOOP_RED == static_cast<int>(Light::red));

// A copy with malloc, so that the caller frees it with passkoop_string_free (free).
char* owned_copy(const std::string& text) {
    char* out = static_cast<char*>(std::malloc(text.size() + 1));
    if (out == nullptr) throw std::bad_alloc();
    std::memcpy(out, text.data(), text.size());
    out[text.size()] = '\0';
    return out;
}

int give(char** json_out, const json& value, int status) {
    *json_out = owned_copy(value.dump());
    return status;
}

// The till's own failures and the SQLite layer's are the file's: STORAGE; the rest as elsewhere.
int status_of_till_exception(char* error = nullptr, std::size_t error_size = 0) noexcept {
    try {
        throw;
    } catch (const TillError& e) {
        copy_text(error, error_size, std::string("storage: ") + e.what());
        return PASSKOOP_ERROR_STORAGE;
    } catch (const SqliteError& e) {
        copy_text(error, error_size, std::string("storage: ") + e.what());
        return PASSKOOP_ERROR_STORAGE;
    } catch (...) {
        return status_of_exception(error, error_size);
    }
}

template <class T>
bool read_optional(const json& j, const char* name, T& target) {
    const auto it = j.find(name);
    if (it == j.end() || it->is_null()) return true;
    try {
        // An std::optional member is read as its value type.
        if constexpr (requires(T t) { t.has_value(); })
            target = it->get<typename T::value_type>();
        else
            target = it->get<T>();
        return true;
    } catch (const json::exception&) {
        return false;
    }
}

std::optional<TillOptions> options_of(const json& j, std::string& why) {
    TillOptions o;
    std::string database;
    std::int64_t host_coop = 0, timeout_ms = 10000, backoff_ms = 200, batch_rows = 500, attempts = 4, grace = kDefaultGraceDays;
    std::optional<std::int64_t> max_visits, window_days;
    std::optional<bool> welcomes;
    const bool ok = read_optional(j, "database", database) && read_optional(j, "host_coop", host_coop) &&
                    read_optional(j, "till_id", o.till_id) && read_optional(j, "server_url", o.server_url) &&
                    read_optional(j, "bundle_url", o.bundle_url) && read_optional(j, "token", o.token) &&
                    read_optional(j, "ca_file", o.ca_file) && read_optional(j, "pin", o.pin) &&
                    read_optional(j, "grace_days", grace) && read_optional(j, "timeout_ms", timeout_ms) &&
                    read_optional(j, "batch_rows", batch_rows) && read_optional(j, "sync_attempts", attempts) &&
                    read_optional(j, "backoff_ms", backoff_ms) && read_optional(j, "max_visits", max_visits) &&
                    read_optional(j, "window_days", window_days) && read_optional(j, "welcomes_visitors", welcomes);
    if (!ok) return why = "a member of options has the wrong type", std::nullopt;
    if (database.empty()) return why = "database is required", std::nullopt;
    if (host_coop < 1 || host_coop > 65535) return why = "host_coop: 1..65535", std::nullopt;
    if (grace < 0 || grace > PASSKOOP_MAX_GRACE_DAYS) return why = "grace_days: 0..3650", std::nullopt;
    if (timeout_ms < 1 || timeout_ms > 600000 || backoff_ms < 0 || backoff_ms > 60000 || attempts < 1 || attempts > 20)
        return why = "timeout_ms 1..600000, backoff_ms 0..60000, sync_attempts 1..20", std::nullopt;
    if (batch_rows < 1 || batch_rows > 1000) return why = "batch_rows: 1..1000", std::nullopt;
    if ((max_visits && *max_visits < 0) || (window_days && *window_days < 0))
        return why = "max_visits and window_days: 0 or more", std::nullopt;
    o.database = database;
    o.host_coop = static_cast<std::uint16_t>(host_coop);
    o.grace_days = grace;
    o.timeout = std::chrono::milliseconds(timeout_ms);
    o.backoff = std::chrono::milliseconds(backoff_ms);
    o.batch_rows = static_cast<std::size_t>(batch_rows);
    o.sync_attempts = static_cast<int>(attempts);
    o.policy_overrides = {max_visits, window_days, welcomes};
    return o;
}

std::optional<TillVisit> visit_of(const json& j, std::string& why) {
    if (!j.is_object()) return why = "visit: object expected", std::nullopt;
    TillVisit v;
    std::string kind = "purchase";
    std::optional<json> declared;
    const bool ok = read_optional(j, "pass", v.pass) && read_optional(j, "kind", kind) &&
                    read_optional(j, "amount_cents", v.amount_cents) && read_optional(j, "currency", v.currency) &&
                    read_optional(j, "ticket", v.ticket) && read_optional(j, "note", v.note) &&
                    read_optional(j, "override", v.override_policy) && read_optional(j, "declared", declared);
    if (!ok) return why = "a member of the visit has the wrong type", std::nullopt;
    const auto k = visit_kind_from_string(kind);
    if (!k) return why = "kind: purchase, deposit, refund, visit", std::nullopt;
    v.kind = *k;
    if (declared) {
        std::int64_t coop = 0;
        if (!declared->is_object() || !read_optional(*declared, "coop", coop) || coop < 1 || coop > 65535)
            return why = "declared.coop: 1..65535", std::nullopt;
        v.declared_coop = static_cast<std::uint16_t>(coop);
    }
    return v;
}

json verdict_json(const TillVerdict& v) { return json::parse(verdict_json_text(v.verification, v.policy)); }

std::string_view outcome_name(RecordOutcome o) {
    switch (o) {
        case RecordOutcome::recorded: return "recorded";
        case RecordOutcome::refused: return "refused";
        case RecordOutcome::invalid: return "invalid";
    }
    return "invalid";
}

std::string_view outcome_name(RefreshOutcome o) {
    switch (o) {
        case RefreshOutcome::updated: return "updated";
        case RefreshOutcome::unchanged: return "unchanged";
        case RefreshOutcome::refused: return "refused";
        case RefreshOutcome::unreachable: return "unreachable";
    }
    return "unreachable";
}

json error_json(std::string_view why) { return {{"error", why}}; }

}  // namespace

extern "C" {

int passkoop_till_open(const char* options_json, const char* lang, passkoop_till** out, char* error, size_t error_size) noexcept {
    copy_text(error, error_size, "");
    if (out != nullptr) *out = nullptr;
    try {
        const ThreadLanguage scope(lang_of(lang));
        if (out == nullptr || options_json == nullptr) {
            copy_text(error, error_size, "invalid_argument: options_json and out are required");
            return PASSKOOP_ERROR_INVALID_ARGUMENT;
        }
        const auto parsed = parse_json_bounded(options_json);
        std::string why = "options: JSON object expected";
        const auto options = parsed && parsed->is_object() ? options_of(*parsed, why) : std::nullopt;
        if (!options) {
            copy_text(error, error_size, "invalid_argument: " + why);
            return PASSKOOP_ERROR_INVALID_ARGUMENT;
        }
        auto till = std::make_unique<passkoop_till>(*options);
        *out = till.release();
        return PASSKOOP_OK;
    } catch (...) {
        return status_of_till_exception(error, error_size);
    }
}

void passkoop_till_close(passkoop_till* till) noexcept { delete till; }

void passkoop_string_free(char* text) noexcept { std::free(text); }

int passkoop_till_adopt_bundle(passkoop_till* till, const void* bundle, size_t bundle_len, int64_t unix_time, const char* lang,
                               char* error, size_t error_size) noexcept {
    copy_text(error, error_size, "");
    if (till == nullptr || (bundle == nullptr && bundle_len > 0)) return PASSKOOP_ERROR_INVALID_ARGUMENT;
    try {
        const ThreadLanguage scope(lang_of(lang));
        std::lock_guard lock(till->mutex);
        const auto adopted = till->till.adopt_bundle(bytes_view(bundle, bundle_len), unix_time);
        if (!adopted) {
            copy_text(error, error_size, reason(adopted.error()));
            return PASSKOOP_ERROR_BUNDLE_REJECTED;
        }
        return PASSKOOP_OK;
    } catch (...) {
        return status_of_till_exception(error, error_size);
    }
}

int passkoop_till_verify(passkoop_till* till, const char* text, size_t text_len, int64_t unix_time,
                         passkoop_till_result* out) noexcept {
    if (out == nullptr) return PASSKOOP_ERROR_INVALID_ARGUMENT;
    *out = passkoop_till_result{};
    out->pass.code = PASSKOOP_MALFORMED;
    out->decision = PASSKOOP_DECISION_NONE;
    out->light = PASSKOOP_RED;
    if (till == nullptr || (text == nullptr && text_len > 0)) return PASSKOOP_ERROR_INVALID_ARGUMENT;
    try {
        std::lock_guard lock(till->mutex);
        if (!till->till.has_bundle()) return PASSKOOP_ERROR_NO_REGISTRY;
        const TillVerdict v = till->till.verify(bytes_view(text, text_len), unix_time);
        out->pass = result_of(v.verification);
        if (v.policy) {
            out->decision = static_cast<int>(v.policy->decision);
            out->visits = v.policy->visits;
            out->limit = v.policy->limit;
        }
        out->light = static_cast<int>(v.light);
        return PASSKOOP_OK;
    } catch (...) {
        return status_of_till_exception();
    }
}

int passkoop_till_verify_json(passkoop_till* till, const char* text, size_t text_len, int64_t unix_time, const char* lang,
                              char** json_out) noexcept {
    if (json_out == nullptr) return PASSKOOP_ERROR_INVALID_ARGUMENT;
    *json_out = nullptr;
    if (till == nullptr || (text == nullptr && text_len > 0)) return PASSKOOP_ERROR_INVALID_ARGUMENT;
    try {
        const ThreadLanguage scope(lang_of(lang));
        std::lock_guard lock(till->mutex);
        if (!till->till.has_bundle()) return give(json_out, error_json("no_registry"), PASSKOOP_ERROR_NO_REGISTRY);
        *json_out = owned_copy(till->till.verify_json(bytes_view(text, text_len), unix_time));
        return PASSKOOP_OK;
    } catch (...) {
        return status_of_till_exception();
    }
}

int passkoop_till_record(passkoop_till* till, const char* visit_json, int64_t unix_time, const char* lang, char** json_out) noexcept {
    if (json_out == nullptr) return PASSKOOP_ERROR_INVALID_ARGUMENT;
    *json_out = nullptr;
    if (till == nullptr || visit_json == nullptr) return PASSKOOP_ERROR_INVALID_ARGUMENT;
    try {
        const ThreadLanguage scope(lang_of(lang));
        const auto parsed = parse_json_bounded(visit_json);
        std::string why = "visit: JSON object expected";
        const auto visit = parsed ? visit_of(*parsed, why) : std::nullopt;
        if (!visit)
            return give(json_out, {{"outcome", "invalid"}, {"message", why}, {"verification", nullptr}}, PASSKOOP_ERROR_INVALID_ARGUMENT);
        std::lock_guard lock(till->mutex);
        if (!till->till.has_bundle()) return give(json_out, error_json("no_registry"), PASSKOOP_ERROR_NO_REGISTRY);
        const RecordResult r = till->till.record(*visit, unix_time);
        const json answer = {{"outcome", outcome_name(r.outcome)},
                             {"idempotency_key", r.idempotency_key.empty() ? json(nullptr) : json(r.idempotency_key)},
                             {"message", r.message},
                             {"verification", r.verdict ? verdict_json(*r.verdict) : json(nullptr)}};
        const int status = r.outcome == RecordOutcome::recorded  ? PASSKOOP_OK
                           : r.outcome == RecordOutcome::refused ? PASSKOOP_ERROR_REFUSED
                                                                 : PASSKOOP_ERROR_INVALID_ARGUMENT;
        return give(json_out, answer, status);
    } catch (...) {
        return status_of_till_exception();
    }
}

int passkoop_till_refresh(passkoop_till* till, int64_t unix_time, const char* lang, char** json_out) noexcept {
    if (json_out == nullptr) return PASSKOOP_ERROR_INVALID_ARGUMENT;
    *json_out = nullptr;
    if (till == nullptr) return PASSKOOP_ERROR_INVALID_ARGUMENT;
    try {
        const ThreadLanguage scope(lang_of(lang));
        std::lock_guard lock(till->mutex);
        const RefreshResult r = till->till.refresh(unix_time);
        const int status = r.outcome == RefreshOutcome::refused       ? PASSKOOP_ERROR_BUNDLE_REJECTED
                           : r.outcome == RefreshOutcome::unreachable ? PASSKOOP_ERROR_NETWORK
                                                                      : PASSKOOP_OK;
        return give(json_out, {{"outcome", outcome_name(r.outcome)}, {"version", r.version}, {"detail", r.detail}}, status);
    } catch (...) {
        return status_of_till_exception();
    }
}

int passkoop_till_sync(passkoop_till* till, int64_t unix_time, const char* lang, char** json_out) noexcept {
    if (json_out == nullptr) return PASSKOOP_ERROR_INVALID_ARGUMENT;
    *json_out = nullptr;
    if (till == nullptr) return PASSKOOP_ERROR_INVALID_ARGUMENT;
    try {
        const ThreadLanguage scope(lang_of(lang));
        std::lock_guard lock(till->mutex);
        const SyncResult r = till->till.sync(unix_time);
        return give(json_out,
                    {{"sent", r.sent}, {"conflicts", r.conflicts}, {"rejected", r.rejected}, {"pending", r.pending},
                     {"attempts", r.attempts}, {"complete", r.complete}, {"error", r.error}},
                    r.complete ? PASSKOOP_OK : PASSKOOP_ERROR_NETWORK);
    } catch (...) {
        return status_of_till_exception();
    }
}

int passkoop_till_status(passkoop_till* till, int64_t unix_time, char** json_out) noexcept {
    if (json_out == nullptr) return PASSKOOP_ERROR_INVALID_ARGUMENT;
    *json_out = nullptr;
    if (till == nullptr) return PASSKOOP_ERROR_INVALID_ARGUMENT;
    try {
        std::lock_guard lock(till->mutex);
        const TillStatus s = till->till.status(unix_time);
        return give(json_out,
                    {{"till_id", s.till_id}, {"host_coop", s.host_coop}, {"registry_version", s.registry_version},
                     {"registry_issued_at", s.registry_issued_at}, {"registry_expires_at", s.registry_expires_at},
                     {"registry_stale", s.registry_stale}, {"registry_expired", s.registry_expired}, {"bundle_etag", s.bundle_etag},
                     {"last_refresh_at", s.last_refresh_at}, {"queue_length", s.queue_length},
                     {"oldest_unsynced", s.oldest_unsynced ? json(*s.oldest_unsynced) : json(nullptr)}, {"set_aside", s.set_aside},
                     {"last_sync_at", s.last_sync_at}, {"last_sync_error", s.last_sync_error},
                     {"revocations_held_back", s.revocations_held_back}},
                    PASSKOOP_OK);
    } catch (...) {
        return status_of_till_exception();
    }
}

}  // extern "C"

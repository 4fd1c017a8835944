#include <passkoop/passkoop.h>

#include "c_api_internal.hpp"

#include <passkoop/bundle.hpp>
#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/text.hpp>
#include <passkoop/verifier.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>

struct passkoop_verifier {
    passkoop::TrustedBundle bundle;
    passkoop::VerifyOptions options;
};

namespace {

using namespace passkoop;

// The C codes are the C++ enum's values: both are stable contracts.
static_assert(PASSKOOP_CODE_COUNT == kResultCodeCount);
static_assert(PASSKOOP_DEFAULT_GRACE_DAYS == kDefaultGraceDays);
static_assert(PASSKOOP_VALID == static_cast<int>(ResultCode::valid));
static_assert(PASSKOOP_MALFORMED == static_cast<int>(ResultCode::malformed));
static_assert(PASSKOOP_TRUNCATED == static_cast<int>(ResultCode::truncated));
static_assert(PASSKOOP_UNSUPPORTED_VERSION == static_cast<int>(ResultCode::unsupported_version));
static_assert(PASSKOOP_UNKNOWN_COOP == static_cast<int>(ResultCode::unknown_coop));
static_assert(PASSKOOP_UNKNOWN_KEY == static_cast<int>(ResultCode::unknown_key));
static_assert(PASSKOOP_KEY_COMPROMISED == static_cast<int>(ResultCode::key_compromised));
static_assert(PASSKOOP_BAD_SIGNATURE == static_cast<int>(ResultCode::bad_signature));
static_assert(PASSKOOP_KEY_NOT_VALID == static_cast<int>(ResultCode::key_not_valid));
static_assert(PASSKOOP_NOT_YET_VALID == static_cast<int>(ResultCode::not_yet_valid));
static_assert(PASSKOOP_EXPIRED == static_cast<int>(ResultCode::expired));
static_assert(PASSKOOP_REVOKED == static_cast<int>(ResultCode::revoked));
static_assert(PASSKOOP_REGISTRY_EXPIRED == static_cast<int>(ResultCode::registry_expired));
static_assert(PASSKOOP_MAX_TEXT_BYTES == kMaxPassTextBytes);
static_assert(sizeof(passkoop_result::member_name) > kMaxNameBytes);
static_assert(sizeof(passkoop_result::pass_id) == 17 && sizeof(passkoop_result::expiry) == 11);

}  // namespace

// Shared with the till's C API (c_api_internal.hpp).
namespace passkoop::capi {

Lang lang_of(const char* lang) { return lang != nullptr && std::string_view(lang).starts_with("en") ? Lang::en : Lang::fr; }

std::string_view bytes_view(const void* data, std::size_t size) {
    if (size == 0) return {};
    return {static_cast<const char*>(data), size};
}

// Copies as much of `text` as fits, cut on a UTF-8 character boundary, always NUL-terminated.
void copy_text(char* dst, std::size_t capacity, std::string_view text) noexcept {
    if (dst == nullptr || capacity == 0) return;
    const std::size_t n = utf8_prefix(text, capacity - 1).size();
    std::memcpy(dst, text.data(), n);
    dst[n] = '\0';
}

// All or nothing: a JSON document cut short could still parse.
int write_whole(std::string_view text, char* buf, std::size_t buf_size, std::size_t* needed) noexcept {
    if (needed != nullptr) *needed = text.size() + 1;
    if (buf_size < text.size() + 1) {
        if (buf != nullptr && buf_size > 0) buf[0] = '\0';
        return PASSKOOP_ERROR_BUFFER_TOO_SMALL;
    }
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';
    return PASSKOOP_OK;
}

// Maps the exception being handled to a status; the message (if wanted) goes to `error`.
int status_of_exception(char* error, std::size_t error_size) noexcept {
    try {
        throw;
    } catch (const std::bad_alloc&) {
        copy_text(error, error_size, "no_memory");
        return PASSKOOP_ERROR_NO_MEMORY;
    } catch (const std::exception& e) {
        copy_text(error, error_size, "internal: ");
        if (error != nullptr && error_size > 10) copy_text(error + 10, error_size - 10, e.what());
        return PASSKOOP_ERROR_INTERNAL;
    } catch (...) {
        copy_text(error, error_size, "internal");
        return PASSKOOP_ERROR_INTERNAL;
    }
}

std::string reason(const TrustError& e) { return std::string(to_string(e.failure)) + ": " + e.detail; }

passkoop_result result_of(const Verification& v) {
    passkoop_result r{};
    r.code = static_cast<int>(v.code);
    for (const Warning w : v.warnings)
        r.warnings |= w == Warning::keyboard_layout_repaired ? PASSKOOP_WARNING_KEYBOARD_LAYOUT_REPAIRED
                                                             : PASSKOOP_WARNING_REGISTRY_STALE;
    if (v.pass) {
        const Pass& p = *v.pass;
        copy_text(r.pass_id, sizeof r.pass_id, v.pass_id);
        r.coop = p.coop;
        r.member = p.member;
        copy_text(r.member_name, sizeof r.member_name, p.name);
        if (v.coop != nullptr) copy_text(r.coop_name, sizeof r.coop_name, v.coop->name);
        copy_text(r.expiry, sizeof r.expiry, format_day(p.expiry_day));
    }
    return r;
}

}  // namespace passkoop::capi

namespace {

using namespace passkoop::capi;

// Zeroed, but never reading as valid.
passkoop_result failed_result() {
    passkoop_result r{};
    r.code = PASSKOOP_MALFORMED;
    return r;
}

using MessageTable = std::array<std::string, kResultCodeCount>;

MessageTable build_messages(Lang lang) {
    const ThreadLanguage scope(lang);
    MessageTable table;
    for (int i = 0; i < kResultCodeCount; ++i) table[static_cast<std::size_t>(i)] = message(static_cast<ResultCode>(i));
    return table;
}

// Built on first use; function-local statics make that thread-safe.
const MessageTable& messages(Lang lang) {
    if (lang == Lang::en) {
        static const MessageTable en = build_messages(Lang::en);
        return en;
    }
    static const MessageTable fr = build_messages(Lang::fr);
    return fr;
}

bool valid_code(int code) { return code >= 0 && code < kResultCodeCount; }

}  // namespace

extern "C" {

int passkoop_verifier_new(const void* bundle, size_t bundle_len, const void* anchor, size_t anchor_len, int grace_days,
                          const char* lang, passkoop_verifier** out, char* error, size_t error_size) noexcept {
    copy_text(error, error_size, "");
    if (out != nullptr) *out = nullptr;
    try {
        const ThreadLanguage scope(lang_of(lang));
        auto fail = [&](int status, const std::string& why) {
            copy_text(error, error_size, why);
            return status;
        };
        if (out == nullptr) return fail(PASSKOOP_ERROR_INVALID_ARGUMENT, "invalid_argument: out is NULL");
        if (bundle == nullptr && bundle_len > 0)
            return fail(PASSKOOP_ERROR_INVALID_ARGUMENT, "invalid_argument: bundle is NULL");
        if (anchor == nullptr && anchor_len > 0)
            return fail(PASSKOOP_ERROR_INVALID_ARGUMENT, "invalid_argument: anchor is NULL");
        if (grace_days < 0 || grace_days > PASSKOOP_MAX_GRACE_DAYS)
            return fail(PASSKOOP_ERROR_INVALID_ARGUMENT, "invalid_argument: grace_days outside 0..3650");
        ensure_sodium();

        // A pinned registry or saved trust state must at least carry its own admins' threshold,
        // as the CLI's --pin.
        std::optional<TrustState> pinned;
        if (anchor != nullptr) {
            auto state = read_trust_state(bytes_view(anchor, anchor_len));
            if (!state) return fail(PASSKOOP_ERROR_ANCHOR_REJECTED, reason(state.error()));
            pinned = std::move(*state);
        }
        auto loaded = pinned ? load_bundle(bytes_view(bundle, bundle_len), *pinned)
                             : load_bundle(bytes_view(bundle, bundle_len), nullptr);
        if (!loaded) return fail(PASSKOOP_ERROR_BUNDLE_REJECTED, reason(loaded.error()));

        auto verifier = std::make_unique<passkoop_verifier>();
        verifier->bundle = std::move(*loaded);
        verifier->options.grace_days = grace_days;
        *out = verifier.release();
        return PASSKOOP_OK;
    } catch (...) {
        return status_of_exception(error, error_size);
    }
}

void passkoop_verifier_free(passkoop_verifier* verifier) noexcept { delete verifier; }

int64_t passkoop_verifier_registry_version(const passkoop_verifier* verifier) noexcept {
    return verifier == nullptr ? -1 : verifier->bundle.registry.version;
}

int passkoop_verifier_registry_envelope(const passkoop_verifier* verifier, char* buf, size_t buf_size,
                                        size_t* needed) noexcept {
    if (needed != nullptr) *needed = 0;
    if (verifier == nullptr || (buf == nullptr && buf_size > 0)) return PASSKOOP_ERROR_INVALID_ARGUMENT;
    try {
        const std::string text = envelope_to_json(verifier->bundle.registry_envelope).dump();
        return write_whole(text, buf, buf_size, needed);
    } catch (...) {
        return status_of_exception();
    }
}

int passkoop_verifier_trust_state(const passkoop_verifier* verifier, char* buf, size_t buf_size, size_t* needed) noexcept {
    if (needed != nullptr) *needed = 0;
    if (verifier == nullptr || (buf == nullptr && buf_size > 0)) return PASSKOOP_ERROR_INVALID_ARGUMENT;
    try {
        return write_whole(trust_state_text(verifier->bundle), buf, buf_size, needed);
    } catch (...) {
        return status_of_exception();
    }
}

int64_t passkoop_verifier_revocations_held_back(const passkoop_verifier* verifier) noexcept {
    return verifier == nullptr ? -1 : static_cast<int64_t>(verifier->bundle.revocations_held_back.size());
}

int passkoop_verify(const passkoop_verifier* verifier, const char* text, size_t text_len, int64_t unix_time,
                    passkoop_result* out) noexcept {
    if (out == nullptr) return PASSKOOP_ERROR_INVALID_ARGUMENT;
    *out = failed_result();
    if (verifier == nullptr || (text == nullptr && text_len > 0)) return PASSKOOP_ERROR_INVALID_ARGUMENT;
    try {
        const Verification v = verify_pass(bytes_view(text, text_len), verifier->bundle, unix_time, verifier->options);
        *out = result_of(v);
        return PASSKOOP_OK;
    } catch (...) {
        *out = failed_result();
        return status_of_exception();
    }
}

int passkoop_verify_json(const passkoop_verifier* verifier, const char* text, size_t text_len, int64_t unix_time,
                         const char* lang, char* buf, size_t buf_size, size_t* needed) noexcept {
    if (needed != nullptr) *needed = 0;
    if (buf != nullptr && buf_size > 0) buf[0] = '\0';
    if (verifier == nullptr || (text == nullptr && text_len > 0) || (buf == nullptr && buf_size > 0))
        return PASSKOOP_ERROR_INVALID_ARGUMENT;
    try {
        const ThreadLanguage scope(lang_of(lang));
        const Verification v = verify_pass(bytes_view(text, text_len), verifier->bundle, unix_time, verifier->options);
        return write_whole(verification_json_text(v), buf, buf_size, needed);
    } catch (...) {
        return status_of_exception();
    }
}

const char* passkoop_code_name(int code) noexcept {
    // The names are string literals: NUL-terminated and static.
    return valid_code(code) ? to_string(static_cast<ResultCode>(code)).data() : nullptr;
}

const char* passkoop_message(int code, const char* lang) noexcept {
    if (!valid_code(code)) return nullptr;
    try {
        return messages(lang_of(lang))[static_cast<std::size_t>(code)].c_str();
    } catch (...) {
        // Out of memory while building the table: the code name is better than nothing.
        return passkoop_code_name(code);
    }
}

}  // extern "C"

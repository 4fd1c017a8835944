// The C API as a till in any language calls it. Input: a flags byte, then parts separated by
// 0x1E: bundle, anchor (trust state or registry envelope), scanned text, buffer sizes. Flag bit 0
// uses the network's valid bundle instead of the first part, so that verification is reached;
// bit 5 takes the clock from the last 8 bytes of the text.
// Properties: no status outside the documented ones, output text always NUL-terminated inside
// its buffer, `needed` exact, BUFFER_TOO_SMALL leaves "" and nothing partial.
#include "fuzz_support.hpp"

#include <passkoop/passkoop.h>

#include <cstring>
#include <memory>

using namespace pk_fuzz;

namespace {

struct VerifierDeleter {
    void operator()(passkoop_verifier* v) const { passkoop_verifier_free(v); }
};

bool terminated(const char* buf, std::size_t size) { return std::memchr(buf, '\0', size) != nullptr; }

// Calls a "write text into buf" function with a buffer of `size` bytes and checks its contract.
template <typename Write>
void check_text_output(std::size_t size, Write write) {
    std::vector<char> buf(size + 1, 'x');  // one guard byte past the end
    std::size_t needed = 0;
    const int status = write(size ? buf.data() : nullptr, size, &needed);
    PK_FUZZ_CHECK(buf[size] == 'x');
    if (status == PASSKOOP_OK) {
        PK_FUZZ_CHECK(needed <= size && terminated(buf.data(), size) && std::strlen(buf.data()) + 1 == needed);
    } else if (status == PASSKOOP_ERROR_BUFFER_TOO_SMALL) {
        PK_FUZZ_CHECK(needed > size);
        PK_FUZZ_CHECK(size == 0 || buf[0] == '\0');
    } else {
        PK_FUZZ_CHECK(status == PASSKOOP_ERROR_INVALID_ARGUMENT || status == PASSKOOP_ERROR_NO_MEMORY);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::uint8_t flags = data[0];
    const std::uint8_t sizes = data[1];
    const auto parts = split(as_view(data + 2, size - 2), 4);
    static const std::string network_bundle = network().bundle();
    const std::string_view bundle = flags & 1 ? std::string_view(network_bundle) : parts[0];
    const std::string_view anchor = parts.size() > 1 ? parts[1] : std::string_view();
    const std::string_view text = parts.size() > 2 ? parts[2] : std::string_view();
    const char* lang = flags & 2 ? "en" : flags & 4 ? nullptr : "fr";
    const int grace = flags & 8 ? PASSKOOP_MAX_GRACE_DAYS : PASSKOOP_DEFAULT_GRACE_DAYS;

    char error[64];
    std::memset(error, 'x', sizeof error);
    passkoop_verifier* raw = nullptr;
    const std::size_t error_size = sizes & 1 ? sizeof error : sizes % 8;
    const int status = passkoop_verifier_new(bundle.data(), bundle.size(), anchor.empty() ? nullptr : anchor.data(),
                                             anchor.size(), grace, lang, &raw, error, error_size);
    std::unique_ptr<passkoop_verifier, VerifierDeleter> verifier(raw);
    if (error_size > 0) PK_FUZZ_CHECK(terminated(error, error_size));
    PK_FUZZ_CHECK((status == PASSKOOP_OK) == (raw != nullptr));
    PK_FUZZ_CHECK(status == PASSKOOP_OK || status == PASSKOOP_ERROR_BUNDLE_REJECTED ||
                  status == PASSKOOP_ERROR_ANCHOR_REJECTED || status == PASSKOOP_ERROR_INVALID_ARGUMENT);
    if (!verifier) return 0;

    // Small buffers on purpose: 0..31 bytes, or enough.
    const std::size_t small = sizes >> 3;
    const std::size_t buffer = flags & 16 ? 4096 : small;
    // The till's clock: the vectors' day, or any int64 read from the end of the input.
    std::int64_t clock = 1795219200;
    if (flags & 32 && text.size() >= 8) std::memcpy(&clock, text.data() + text.size() - 8, 8);

    passkoop_result result;
    std::memset(&result, 0x7f, sizeof result);
    PK_FUZZ_CHECK(passkoop_verify(verifier.get(), text.data(), text.size(), clock, &result) == PASSKOOP_OK);
    PK_FUZZ_CHECK(result.code >= 0 && result.code < PASSKOOP_CODE_COUNT);
    PK_FUZZ_CHECK(terminated(result.pass_id, sizeof result.pass_id) && terminated(result.member_name, sizeof result.member_name) &&
                  terminated(result.coop_name, sizeof result.coop_name) && terminated(result.expiry, sizeof result.expiry));
    PK_FUZZ_CHECK(passkoop_code_name(result.code) != nullptr && passkoop_message(result.code, lang) != nullptr);

    check_text_output(buffer, [&](char* buf, std::size_t n, std::size_t* needed) {
        return passkoop_verify_json(verifier.get(), text.data(), text.size(), clock, lang, buf, n, needed);
    });
    if (flags & 64) {
        check_text_output(flags & 128 ? std::size_t{1} << 20 : small, [&](char* buf, std::size_t n, std::size_t* needed) {
            return passkoop_verifier_trust_state(verifier.get(), buf, n, needed);
        });
        check_text_output(flags & 128 ? std::size_t{1} << 20 : small, [&](char* buf, std::size_t n, std::size_t* needed) {
            return passkoop_verifier_registry_envelope(verifier.get(), buf, n, needed);
        });
    }
    return 0;
}

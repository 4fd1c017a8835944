// The scanned-text normaliser and the pass codecs. Properties: whatever decodes re-encodes to
// the same canonical text, which decodes to the same bytes; every reading of a scanned text is
// a strict "PK"+digits text; a decoded binary pass writes back to the same bytes.
#include "fuzz_support.hpp"

#include <passkoop/pass.hpp>

using namespace pk_fuzz;

namespace {

bool is_strict_text(std::string_view text) {
    if (!text.starts_with("PK")) return false;
    for (const char c : text.substr(2))
        if (c < '0' || c > '9') return false;
    return true;
}

void check_binary(ByteView bytes) {
    const auto pass = decode_binary(bytes);
    if (!pass) return;
    const Bytes again = pass->to_binary();
    PK_FUZZ_CHECK(again.size() == bytes.size() && std::equal(again.begin(), again.end(), bytes.begin()));
    PK_FUZZ_CHECK(is_valid_display_name(pass->name));
}

void check_text(std::string_view text) {
    const auto bytes = decode_text(text);
    if (!bytes) return;
    const std::string canonical = encode_text(*bytes);
    PK_FUZZ_CHECK(canonical == text);
    const auto again = decode_text(canonical);
    PK_FUZZ_CHECK(again && *again == *bytes);
    check_binary(*bytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = as_view(data, size);
    check_text(input);
    if (const auto scanned = normalise_scanned_text(input)) {
        PK_FUZZ_CHECK(!scanned->readings.empty());
        for (const std::string& reading : scanned->readings) {
            PK_FUZZ_CHECK(is_strict_text(reading));
            check_text(reading);
        }
    }
    // The input as binary: its text form decodes back to it and reads back as itself.
    const ByteView bytes(data, size);
    const std::string text = encode_text(bytes);
    if (text.size() <= kMaxPassTextBytes) {
        const auto decoded = decode_text(text);
        PK_FUZZ_CHECK(decoded && decoded->size() == size && std::equal(decoded->begin(), decoded->end(), data));
        const auto scanned = normalise_scanned_text(text);
        PK_FUZZ_CHECK(scanned && !scanned->readings.empty() && scanned->readings.front() == text && !scanned->repaired);
    }
    check_binary(bytes);
    return 0;
}

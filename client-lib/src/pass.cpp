#include <passkoop/pass.hpp>
#include <passkoop/text.hpp>

#include <algorithm>
#include <array>

namespace passkoop {
namespace {

constexpr std::size_t kChunkBytes = 7;
constexpr std::size_t kChunkDigits = 17;
// Digits for a final chunk of k bytes, k = 0..6 (k = 0: no final chunk).
constexpr std::array<std::size_t, 7> kTailDigits = {0, 3, 5, 8, 10, 13, 15};

void put_be(Bytes& out, std::uint64_t value, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

std::uint64_t get_be(ByteView in, std::size_t offset, std::size_t bytes) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < bytes; ++i) value = value << 8 | in[offset + i];
    return value;
}

// The two keyboard mix-ups of DESIGN §3, as the character typed for each digit 0..9.
// US scanner on a French AZERTY till:
constexpr std::array<char32_t, 10> kAzertyMangled = {U'à', U'&', U'é', U'"', U'\'', U'(', U'-', U'è', U'_', U'ç'};
// French scanner on a US till:
constexpr std::array<char32_t, 10> kUsMangled = {U')', U'!', U'@', U'#', U'$', U'%', U'^', U'&', U'*', U'('};

// Maps one typed character to a digit under a reading (plain digits fit every reading).
int digit_under(char32_t c, const std::array<char32_t, 10>* mangled) {
    if (c >= U'0' && c <= U'9') return static_cast<int>(c - U'0');
    if (mangled == nullptr) return -1;
    const auto it = std::find(mangled->begin(), mangled->end(), c);
    return it == mangled->end() ? -1 : static_cast<int>(it - mangled->begin());
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

}  // namespace

Bytes Pass::signed_bytes() const {
    Bytes out;
    out.reserve(kPassHeaderSize + name.size() + signature.size());
    out.push_back(kPassVersion);
    put_be(out, coop, 2);
    put_be(out, key_number, 1);
    put_be(out, member, 6);
    put_be(out, card_sequence, 1);
    put_be(out, issued_day, 2);
    put_be(out, expiry_day, 2);
    put_be(out, static_cast<std::uint8_t>(kind), 1);
    put_be(out, name.size(), 1);
    out.insert(out.end(), name.begin(), name.end());
    return out;
}

Bytes Pass::to_binary() const {
    Bytes out = signed_bytes();
    out.insert(out.end(), signature.begin(), signature.end());
    return out;
}

bool is_valid_display_name(std::string_view name) { return name.size() <= kMaxNameBytes && is_printable_text(name); }

std::expected<Pass, DecodeError> decode_binary(ByteView bytes) {
    if (bytes.empty()) return std::unexpected(DecodeError::truncated);
    if (bytes[0] != kPassVersion) return std::unexpected(DecodeError::unsupported_version);
    if (bytes.size() < kPassHeaderSize) return std::unexpected(DecodeError::truncated);
    const std::size_t name_len = bytes[16];
    if (name_len > kMaxNameBytes) return std::unexpected(DecodeError::malformed);
    const std::size_t total = kPassHeaderSize + name_len + 64;
    if (bytes.size() < total) return std::unexpected(DecodeError::truncated);
    if (bytes.size() > total) return std::unexpected(DecodeError::malformed);

    Pass pass;
    pass.coop = static_cast<std::uint16_t>(get_be(bytes, 1, 2));
    pass.key_number = bytes[3];
    pass.member = get_be(bytes, 4, 6);
    pass.card_sequence = bytes[10];
    pass.issued_day = static_cast<std::uint16_t>(get_be(bytes, 11, 2));
    pass.expiry_day = static_cast<std::uint16_t>(get_be(bytes, 13, 2));
    const std::uint8_t kind = bytes[15];
    pass.name.assign(reinterpret_cast<const char*>(bytes.data()) + kPassHeaderSize, name_len);
    std::copy(bytes.begin() + static_cast<std::ptrdiff_t>(kPassHeaderSize + name_len), bytes.end(),
              pass.signature.begin());

    if (pass.coop == 0 || (kind != 1 && kind != 2) || !is_valid_display_name(pass.name))
        return std::unexpected(DecodeError::malformed);
    pass.kind = static_cast<PassKind>(kind);
    return pass;
}

std::string pass_id(ByteView signed_bytes) {
    const Hash256 h = blake2b256(signed_bytes);
    return to_hex(ByteView(h.data(), 8));
}

std::uint64_t pass_id_value(ByteView signed_bytes) {
    const Hash256 h = blake2b256(signed_bytes);
    return get_be(h, 0, 8);
}

std::string encode_text(ByteView bytes) {
    std::string out = "PK";
    out.reserve(2 + (bytes.size() / kChunkBytes + 1) * kChunkDigits);
    for (std::size_t offset = 0; offset < bytes.size(); offset += kChunkBytes) {
        const std::size_t k = std::min(kChunkBytes, bytes.size() - offset);
        const std::size_t width = k == kChunkBytes ? kChunkDigits : kTailDigits[k];
        std::uint64_t value = get_be(bytes, offset, k);
        std::string group(width, '0');
        for (std::size_t i = width; i-- > 0; value /= 10) group[i] = static_cast<char>('0' + value % 10);
        out += group;
    }
    return out;
}

std::expected<Bytes, DecodeError> decode_text(std::string_view text) {
    if (text.size() > kMaxPassTextBytes || !text.starts_with("PK")) return std::unexpected(DecodeError::malformed);
    const std::string_view digits = text.substr(2);
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::unexpected(DecodeError::malformed);
    const std::size_t tail_digits = digits.size() % kChunkDigits;
    const auto tail = std::find(kTailDigits.begin(), kTailDigits.end(), tail_digits);
    // A digit count that stops inside a chunk is a scan cut short.
    if (tail == kTailDigits.end()) return std::unexpected(DecodeError::truncated);

    Bytes out;
    out.reserve(digits.size() / 2);
    for (std::size_t pos = 0; pos < digits.size();) {
        const std::size_t width = digits.size() - pos >= kChunkDigits ? kChunkDigits : tail_digits;
        const std::size_t k = width == kChunkDigits ? kChunkBytes : static_cast<std::size_t>(tail - kTailDigits.begin());
        std::uint64_t value = 0;
        for (std::size_t i = 0; i < width; ++i) value = value * 10 + static_cast<std::uint64_t>(digits[pos + i] - '0');
        // 17 digits stay below 2^64, so only the byte-count bound needs checking.
        if (value >> (8 * k) != 0) return std::unexpected(DecodeError::malformed);
        put_be(out, value, static_cast<int>(k));
        pos += width;
    }
    return out;
}

std::expected<ScannedText, DecodeError> normalise_scanned_text(std::string_view raw) {
    if (raw.size() > kMaxPassTextBytes) return std::unexpected(DecodeError::malformed);
    while (!raw.empty() && is_space(raw.front())) raw.remove_prefix(1);
    while (!raw.empty() && is_space(raw.back())) raw.remove_suffix(1);
    if (raw.size() < 2 || (raw[0] != 'P' && raw[0] != 'p') || (raw[1] != 'K' && raw[1] != 'k'))
        return std::unexpected(DecodeError::malformed);
    // The common case, a scanner on the right layout: nothing to repair (the same result as below).
    if (const std::string_view digits = raw.substr(2); std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return ScannedText{{"PK" + std::string(digits)}, false};

    // What was typed after "PK", one Unicode character at a time. A till that is not UTF-8 may
    // deliver é, è, ç, à as single Latin-1 bytes; those are read as such.
    std::vector<char32_t> typed;
    typed.reserve(raw.size());
    for (std::size_t pos = 2; pos < raw.size();) {
        const Utf8Character c = decode_utf8(raw.substr(pos));
        typed.push_back(c.length == 0 ? static_cast<unsigned char>(raw[pos]) : c.value);
        pos += c.length == 0 ? 1 : c.length;
    }

    ScannedText result;
    const std::array<const std::array<char32_t, 10>*, 3> readings = {nullptr, &kAzertyMangled, &kUsMangled};
    for (const auto* mangled : readings) {
        std::string text = "PK";
        text.reserve(2 + typed.size());
        bool fits = true;
        for (const char32_t c : typed) {
            const int digit = digit_under(c, mangled);
            if (digit < 0) {
                fits = false;
                break;
            }
            text += static_cast<char>('0' + digit);
        }
        if (fits && std::find(result.readings.begin(), result.readings.end(), text) == result.readings.end())
            result.readings.push_back(std::move(text));
    }
    if (result.readings.empty()) return std::unexpected(DecodeError::malformed);
    const bool plain = std::all_of(typed.begin(), typed.end(), [](char32_t c) { return c >= U'0' && c <= U'9'; });
    result.repaired = !plain;
    return result;
}

void sign_pass(Pass& pass, const SigningKey& key) {
    const Bytes body = pass.signed_bytes();
    pass.signature = key.sign_typed(kPassPayloadType, body);
}

}  // namespace passkoop

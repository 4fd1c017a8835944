// The pass (DESIGN §3): binary layout, its signed bytes, pass id, and the "PK"+digits text
// carried by the QR code, including the tolerant normalisation of scanner-typed text.
#pragma once

#include <passkoop/bytes.hpp>

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace passkoop {

enum class PassKind : std::uint8_t { member = 1, tester = 2 };

inline constexpr std::uint8_t kPassVersion = 1;
inline constexpr std::size_t kPassHeaderSize = 17;
inline constexpr std::size_t kMaxNameBytes = 24;
inline constexpr std::uint64_t kMaxMemberNumber = (std::uint64_t{1} << 48) - 1;
// Any scanned text longer than this is refused before it is looked at.
inline constexpr std::size_t kMaxPassTextBytes = 1024;

struct Pass {
    std::uint16_t coop = 0;
    std::uint8_t key_number = 0;
    std::uint64_t member = 0;  // u48
    std::uint8_t card_sequence = 0;
    std::uint16_t issued_day = 0;  // days since 2020-01-01
    std::uint16_t expiry_day = 0;  // last valid day, inclusive
    PassKind kind = PassKind::member;
    std::string name;  // UTF-8, at most 24 bytes, no control characters
    Signature signature{};

    // bytes[0..17+N): what the signature covers and what the pass id hashes.
    Bytes signed_bytes() const;
    // The full binary pass: signed bytes followed by the 64-byte signature.
    Bytes to_binary() const;
    bool operator==(const Pass&) const = default;
};

// Why a byte string or a text is not a pass (the first three §6 result codes).
enum class DecodeError { malformed, truncated, unsupported_version };

// True if `name` is valid UTF-8 of at most 24 bytes without control characters.
[[nodiscard]] bool is_valid_display_name(std::string_view name);

// Strict binary decoding: version 1, every field in range, no trailing bytes.
[[nodiscard]] std::expected<Pass, DecodeError> decode_binary(ByteView bytes);

// Pass id: lowercase hex of the first 8 bytes of BLAKE2b-256(signed bytes).
std::string pass_id(ByteView signed_bytes);
std::uint64_t pass_id_value(ByteView signed_bytes);  // the same 8 bytes, big-endian

// Text form: "PK" then each 7-byte chunk as 17 digits, a final k-byte chunk as
// 3, 5, 8, 10, 13 or 15 digits for k = 1..6.
std::string encode_text(ByteView bytes);
// Strict decoding of "PK" + digits (uppercase PK, nothing else): the inverse of encode_text.
// A digit count that ends mid-chunk is `truncated`; a group too large for its bytes is `malformed`.
[[nodiscard]] std::expected<Bytes, DecodeError> decode_text(std::string_view text);

// Tolerant reading of what a scanner typed (DESIGN §3): trims whitespace, accepts "pk" in any
// case and maps both keyboard-mangled digit alphabets back to digits. A text may fit more than
// one alphabet (they share '&' and '('): every distinct reading is returned, plain first, and the
// caller keeps the one whose signature verifies.
struct ScannedText {
    std::vector<std::string> readings;  // each a strict "PK"+digits text
    bool repaired = false;              // a mangled keyboard layout was undone
};
[[nodiscard]] std::expected<ScannedText, DecodeError> normalise_scanned_text(std::string_view raw);

// Signs a pass with its coop key (fills pass.signature).
void sign_pass(Pass& pass, const SigningKey& key);

}  // namespace passkoop

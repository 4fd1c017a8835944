#include "support.hpp"

#include <doctest/doctest.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <random>

using namespace pk_test;

namespace {

// Digits of a final chunk of k bytes (k = 0: no final chunk), straight from DESIGN §3.
constexpr std::array<std::size_t, 7> kTailWidths = {0, 3, 5, 8, 10, 13, 15};

Bytes deterministic_bytes(std::size_t n, std::uint32_t seed) {
    std::mt19937 rng(seed);
    Bytes out(n);
    for (auto& b : out) b = static_cast<std::uint8_t>(rng());
    return out;
}

// A syntactically complete binary pass (header, name, zero signature) built byte by byte,
// independent of Pass::to_binary.
Bytes raw_pass(std::string_view name, std::uint16_t coop = 12, std::uint8_t kind = 1) {
    const std::uint8_t header[] = {0x01,
               static_cast<std::uint8_t>(coop >> 8), static_cast<std::uint8_t>(coop),
               0x01,
               0x00, 0x00, 0x00, 0x00, 0x10, 0x92,
               0x00,
               0x08, 0x90,
               0x09, 0xFD,
               kind,
               static_cast<std::uint8_t>(name.size())};
    // Byte by byte: GCC 12 warns falsely on vector::insert of small ranges here.
    Bytes b;
    for (const std::uint8_t h : header) b.push_back(h);
    for (const char c : name) b.push_back(static_cast<std::uint8_t>(c));
    for (int i = 0; i < 64; ++i) b.push_back(0xAB);
    return b;
}

// Independent hex of the first 8 bytes of BLAKE2b-256, straight from libsodium.
std::string independent_pass_id(ByteView signed_bytes) {
    std::array<unsigned char, crypto_generichash_BYTES> h{};
    static_assert(crypto_generichash_BYTES == 32);
    REQUIRE(crypto_generichash(h.data(), h.size(), signed_bytes.data(), signed_bytes.size(), nullptr, 0) == 0);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < 8; ++i) {
        out += kHex[h[i] >> 4];
        out += kHex[h[i] & 0x0F];
    }
    return out;
}

}  // namespace

TEST_CASE("pass text round trip for every name length 0 to 24") {
    const SigningKey key = key_named("coop-12-key-1");
    for (std::size_t len = 0; len <= kMaxNameBytes; ++len) {
        CAPTURE(len);
        Pass p = make_pass(12, 1, 4242, "2026-01-01", "2027-01-01", std::string(len, 'x'));
        sign_pass(p, key);
        const Bytes bin = p.to_binary();
        const std::string text = encode_text(bin);
        const auto back = decode_text(text);
        REQUIRE(back.has_value());
        CHECK(*back == bin);
        const auto decoded = decode_binary(*back);
        REQUIRE(decoded.has_value());
        CHECK(*decoded == p);
    }
}

TEST_CASE("text codec round trips byte strings of every length 0 to 30") {
    for (std::size_t n = 0; n <= 30; ++n) {
        for (std::uint32_t seed = 0; seed < 8; ++seed) {
            CAPTURE(n);
            CAPTURE(seed);
            Bytes bytes = deterministic_bytes(n, seed);
            // Seeds 0 and 1 pin the extremes: every chunk all zeros, every chunk all ones.
            if (seed == 0) std::fill(bytes.begin(), bytes.end(), 0x00);
            if (seed == 1) std::fill(bytes.begin(), bytes.end(), 0xFF);
            const std::string text = encode_text(bytes);
            CHECK(text.size() == 2 + 17 * (n / 7) + kTailWidths[n % 7]);
            CHECK(text.starts_with("PK"));
            CHECK(text.find_first_not_of("0123456789", 2) == std::string::npos);
            const auto back = decode_text(text);
            REQUIRE(back.has_value());
            CHECK(*back == bytes);
            // Zero-padded groups make the text canonical: decoding then encoding gives it back.
            CHECK(encode_text(*back) == text);
        }
    }
}

TEST_CASE("text codec digit widths per chunk size") {
    // The largest value of each chunk size fills its width exactly.
    CHECK(encode_text(Bytes{}) == "PK");
    CHECK(encode_text(Bytes(1, 0xFF)) == "PK255");
    CHECK(encode_text(Bytes(2, 0xFF)) == "PK65535");
    CHECK(encode_text(Bytes(3, 0xFF)) == "PK16777215");
    CHECK(encode_text(Bytes(4, 0xFF)) == "PK4294967295");
    CHECK(encode_text(Bytes(5, 0xFF)) == "PK1099511627775");
    CHECK(encode_text(Bytes(6, 0xFF)) == "PK281474976710655");
    CHECK(encode_text(Bytes(7, 0xFF)) == "PK72057594037927935");
    // Zeros are padded to the full width.
    CHECK(encode_text(Bytes(1, 0x00)) == "PK000");
    CHECK(encode_text(Bytes(2, 0x00)) == "PK00000");
    CHECK(encode_text(Bytes(3, 0x00)) == "PK00000000");
    CHECK(encode_text(Bytes(4, 0x00)) == "PK0000000000");
    CHECK(encode_text(Bytes(5, 0x00)) == "PK0000000000000");
    CHECK(encode_text(Bytes(6, 0x00)) == "PK000000000000000");
    CHECK(encode_text(Bytes(7, 0x00)) == "PK00000000000000000");
    // Big-endian chunks: 01 02 03 04 05 06 07 | 08.
    CHECK(encode_text(Bytes{1, 2, 3, 4, 5, 6, 7, 8}) == "PK00283686952306183008");
    CHECK(encode_text(Bytes{0x01}) == "PK001");
    CHECK(encode_text(Bytes{0x01, 0x00}) == "PK00256");
}

TEST_CASE("text decoding of known digit groups") {
    CHECK(decode_text("PK").value() == Bytes{});
    CHECK(decode_text("PK255").value() == Bytes{0xFF});
    CHECK(decode_text("PK000").value() == Bytes{0x00});
    CHECK(decode_text("PK00256").value() == (Bytes{0x01, 0x00}));
    CHECK(decode_text("PK00283686952306183008").value() == (Bytes{1, 2, 3, 4, 5, 6, 7, 8}));
    CHECK(decode_text("PK72057594037927935").value() == Bytes(7, 0xFF));
}

TEST_CASE("text digit group too large for its byte count is malformed") {
    // One past the largest value of each chunk size, in its own width.
    const std::array<std::string_view, 7> too_large = {
        "256", "65536", "16777216", "4294967296", "1099511627776", "281474976710656", "72057594037927936"};
    for (const std::string_view group : too_large) {
        CAPTURE(group);
        const auto alone = decode_text("PK" + std::string(group));
        REQUIRE_FALSE(alone.has_value());
        CHECK(alone.error() == DecodeError::malformed);
        // Also as the final group after a good full chunk.
        const auto after = decode_text("PK00000000000000000" + std::string(group));
        REQUIRE_FALSE(after.has_value());
        CHECK(after.error() == DecodeError::malformed);
    }
    // A full chunk that overflows, followed by a good tail.
    const auto first = decode_text("PK99999999999999999000");
    REQUIRE_FALSE(first.has_value());
    CHECK(first.error() == DecodeError::malformed);
    const auto nines = decode_text("PK999");
    REQUIRE_FALSE(nines.has_value());
    CHECK(nines.error() == DecodeError::malformed);
}

TEST_CASE("text digit count ending mid chunk is truncated") {
    for (std::size_t full = 0; full <= 2; ++full) {
        for (std::size_t rest = 1; rest < 17; ++rest) {
            CAPTURE(full);
            CAPTURE(rest);
            const std::string text = "PK" + std::string(17 * full + rest, '0');
            const auto r = decode_text(text);
            const bool is_tail_width = std::find(kTailWidths.begin(), kTailWidths.end(), rest) != kTailWidths.end();
            if (is_tail_width) {
                REQUIRE(r.has_value());
                const auto k = static_cast<std::size_t>(
                    std::find(kTailWidths.begin(), kTailWidths.end(), rest) - kTailWidths.begin());
                CHECK(r->size() == 7 * full + k);
            } else {
                REQUIRE_FALSE(r.has_value());
                CHECK(r.error() == DecodeError::truncated);
            }
        }
    }
    // A real pass text cut short by one digit.
    const std::string text = signed_text(make_pass(12, 1, 4242, "2026-01-01", "2027-01-01"), key_named("coop-12-key-1"));
    const auto cut = decode_text(std::string_view(text).substr(0, text.size() - 1));
    REQUIRE_FALSE(cut.has_value());
    CHECK(cut.error() == DecodeError::truncated);
}

TEST_CASE("strict text decoding refuses anything but uppercase PK and digits") {
    const std::array<std::string_view, 12> bad = {
        "", "P", "pk255", "Pk255", "pK255", " PK255", "PK255 ", "PK255\n", "PK 255", "PK25a", "KP255", "PK-25"};
    for (const std::string_view text : bad) {
        CAPTURE(text);
        const auto r = decode_text(text);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == DecodeError::malformed);
    }
    // Over the size cap even when every digit is fine (1024 = 2 + 17 * 60 + 2 would otherwise be truncated).
    const std::string long_text = "PK" + std::string(17 * 61, '0');
    REQUIRE(long_text.size() > kMaxPassTextBytes);
    const auto r = decode_text(long_text);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == DecodeError::malformed);
}

TEST_CASE("signed bytes layout known answer") {
    Pass p = make_pass(12, 1, 4242, "2026-01-01", "2027-01-01");
    CHECK(to_hex(p.signed_bytes()) == "01000c0100000000109200089009fd010a43616d696c6c6520442e");
    Bytes expected = raw_pass("Camille D.");
    expected.resize(expected.size() - 64);
    CHECK(p.signed_bytes() == expected);
    CHECK(p.to_binary().size() == 17 + 10 + 64);

    // Every field at its maximum lands at its offset, big-endian.
    Pass m;
    m.coop = 0xFFFE;
    m.key_number = 0xFD;
    m.member = kMaxMemberNumber;
    m.card_sequence = 0xFC;
    m.issued_day = 0x1234;
    m.expiry_day = 0xFFFF;
    m.kind = PassKind::tester;
    m.name = "";
    CHECK(to_hex(m.signed_bytes()) == "01fffefdfffffffffffffc1234ffff0200");
    m.signature.fill(0x5A);
    const auto back = decode_binary(m.to_binary());
    REQUIRE(back.has_value());
    CHECK(*back == m);
    CHECK(back->member == kMaxMemberNumber);
    CHECK(back->kind == PassKind::tester);
}

TEST_CASE("signed pass text known answer computed independently") {
    // Computed with Python (hashlib.blake2b, cryptography's Ed25519) from the same inputs:
    // seed = BLAKE2b-256("coop-12-key-1"), pass 12/1/4242, 2026-01-01..2027-01-01, "Camille D.".
    const std::string text = signed_text(make_pass(12, 1, 4242, "2026-01-01", "2027-01-01"), key_named("coop-12-key-1"));
    CHECK(text ==
          "PK00281526533095424000182192518307937121431269955517730518479073586694204213991947978802276010220000151439"
          "192319129218298460496097078344625386319982710293006098572364476411548960377678466201469753802306358763086"
          "300964788230");
    CHECK(text.size() == 223);
}

TEST_CASE("pass id known value") {
    const Pass p = make_pass(12, 1, 4242, "2026-01-01", "2027-01-01");
    const Bytes sb = p.signed_bytes();
    CHECK(pass_id(sb) == "8e8ca7fa20b33699");
    CHECK(pass_id(sb) == independent_pass_id(sb));
    CHECK(pass_id_value(sb) == 0x8e8ca7fa20b33699ULL);
    // The id covers the signed bytes only: the signature does not change it.
    Pass signed_p = p;
    sign_pass(signed_p, key_named("coop-12-key-1"));
    CHECK(pass_id(signed_p.signed_bytes()) == "8e8ca7fa20b33699");
    // Any field change gives another id.
    Pass other = p;
    other.card_sequence = 1;
    CHECK(pass_id(other.signed_bytes()) != pass_id(sb));
    CHECK(pass_id(other.signed_bytes()) == independent_pass_id(other.signed_bytes()));
    for (std::size_t len = 0; len <= kMaxNameBytes; ++len) {
        CAPTURE(len);
        const Bytes b = make_pass(3, 2, len, "2026-02-01", "2026-03-01", std::string(len, 'n')).signed_bytes();
        const std::string id = pass_id(b);
        CHECK(id == independent_pass_id(b));
        CHECK(id.size() == 16);
        CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
    }
}

TEST_CASE("verifier reports the pass id of the scanned pass") {
    const Network net;
    const TrustedBundle bundle = net.trusted();
    const std::string text = signed_text(make_pass(12, 1, 4242, "2026-01-01", "2027-01-01"), net.cagette);
    const Verification v = verify_pass(text, bundle, start_of_day(day("2026-11-21")));
    CHECK(v.code == ResultCode::valid);
    CHECK(v.pass_id == "8e8ca7fa20b33699");
}

TEST_CASE("decode_binary rejects empty input as truncated") {
    const auto r = decode_binary(Bytes{});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == DecodeError::truncated);
}

TEST_CASE("decode_binary rejects other versions as unsupported") {
    for (const std::uint8_t version : {std::uint8_t{0}, std::uint8_t{2}, std::uint8_t{0x81}, std::uint8_t{0xFF}}) {
        CAPTURE(int(version));
        const auto lone = decode_binary(Bytes{version});
        REQUIRE_FALSE(lone.has_value());
        CHECK(lone.error() == DecodeError::unsupported_version);
        Bytes full = raw_pass("Camille D.");
        full[0] = version;
        const auto whole = decode_binary(full);
        REQUIRE_FALSE(whole.has_value());
        CHECK(whole.error() == DecodeError::unsupported_version);
    }
}

TEST_CASE("decode_binary rejects a short header as truncated") {
    const Bytes full = raw_pass("");
    for (std::size_t n = 1; n < kPassHeaderSize; ++n) {
        CAPTURE(n);
        const auto r = decode_binary(ByteView(full.data(), n));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == DecodeError::truncated);
    }
}

TEST_CASE("decode_binary rejects a name length over 24 as malformed") {
    for (const std::size_t len : {std::size_t{25}, std::size_t{26}, std::size_t{255}}) {
        CAPTURE(len);
        const auto r = decode_binary(raw_pass(std::string(len, 'x')));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == DecodeError::malformed);
    }
    // The length byte alone decides, even when the bytes that follow are too few.
    Bytes header = raw_pass("");
    header.resize(kPassHeaderSize);
    header[16] = 25;
    const auto r = decode_binary(header);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == DecodeError::malformed);
}

TEST_CASE("decode_binary rejects a short signature or name as truncated") {
    const Bytes full = raw_pass("Camille D.");
    REQUIRE(decode_binary(full).has_value());
    for (std::size_t n = kPassHeaderSize; n < full.size(); ++n) {
        CAPTURE(n);
        const auto r = decode_binary(ByteView(full.data(), n));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == DecodeError::truncated);
    }
}

TEST_CASE("decode_binary rejects trailing bytes as malformed") {
    for (const std::size_t extra : {std::size_t{1}, std::size_t{7}, std::size_t{64}}) {
        CAPTURE(extra);
        Bytes b = raw_pass("Camille D.");
        b.insert(b.end(), extra, 0x00);
        const auto r = decode_binary(b);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == DecodeError::malformed);
    }
}

TEST_CASE("decode_binary rejects coop zero as malformed") {
    const auto r = decode_binary(raw_pass("Camille D.", 0));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == DecodeError::malformed);
    // Both extremes of the range are fine.
    CHECK(decode_binary(raw_pass("Camille D.", 1)).value().coop == 1);
    CHECK(decode_binary(raw_pass("Camille D.", 65535)).value().coop == 65535);
}

TEST_CASE("decode_binary accepts kinds 1 and 2 only") {
    CHECK(decode_binary(raw_pass("x", 12, 1)).value().kind == PassKind::member);
    CHECK(decode_binary(raw_pass("x", 12, 2)).value().kind == PassKind::tester);
    for (const std::uint8_t kind : {std::uint8_t{0}, std::uint8_t{3}, std::uint8_t{4}, std::uint8_t{0x81}, std::uint8_t{0xFF}}) {
        CAPTURE(int(kind));
        const auto r = decode_binary(raw_pass("x", 12, kind));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == DecodeError::malformed);
    }
}

TEST_CASE("decode_binary rejects names that are not clean UTF-8") {
    const std::array<std::string_view, 20> bad = {
        "\xC3",                  // lead byte without continuation
        "Chlo\xC3",              // cut at the end
        "\xC3\x28",              // bad continuation
        "\x80",                  // lone continuation byte
        "\xFF",                  // never valid
        "\xFE",                  // never valid
        "\xC0\xAF",              // overlong '/'
        "\xE0\x80\xAF",          // overlong '/'
        "\xF0\x80\x80\xAF",      // overlong '/'
        "\xED\xA0\x80",          // UTF-16 surrogate
        "\xF4\x90\x80\x80",      // beyond U+10FFFF
        "\xF8\x88\x80\x80\x80",  // five-byte form
        "A\x01" "B",             // control character
        "A\tB",                  // tab
        "A\nB",                  // line feed
        "A\x7F",                 // DEL
        "A\xC2\x85",             // U+0085 NEL (C1 control)
        "A\xE2\x80\xAE" "B",     // U+202E right-to-left override
        "A\xE2\x81\xA6" "B",     // U+2066 left-to-right isolate
        "A\xE2\x80\xA8" "B",     // U+2028 line separator
    };
    for (const std::string_view name : bad) {
        CAPTURE(to_hex(as_bytes(name)));
        CHECK_FALSE(is_valid_display_name(name));
        const auto r = decode_binary(raw_pass(name));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == DecodeError::malformed);
    }
    // A NUL inside the name (std::string_view of a literal stops at it, so build it explicitly).
    const std::string with_nul("A\0B", 3);
    CHECK_FALSE(is_valid_display_name(with_nul));
    CHECK(decode_binary(raw_pass(with_nul)).error() == DecodeError::malformed);
    // Every bidi embedding, override and isolate U+202A..U+202E and U+2066..U+2069.
    for (const char32_t c : {0x202AU, 0x202BU, 0x202CU, 0x202DU, 0x202EU, 0x2066U, 0x2067U, 0x2068U, 0x2069U, 0x2029U}) {
        CAPTURE(static_cast<std::uint32_t>(c));
        const std::string name = {'\xE2', static_cast<char>(0x80 | ((c >> 6) & 0x3F)), static_cast<char>(0x80 | (c & 0x3F))};
        CHECK_FALSE(is_valid_display_name(name));
        CHECK(decode_binary(raw_pass(name)).error() == DecodeError::malformed);
    }
}

TEST_CASE("decode_binary accepts clean UTF-8 names") {
    const std::array<std::string_view, 7> good = {
        "",
        "Camille D.",
        "Chlo\xC3\xA9",                    // Chloé, NFC
        "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9",  // 12 é = 24 bytes
        "Zo\xC3\xAB \xF0\x9F\x8C\xB1",     // Zoë and a four-byte emoji
        "\xE2\x80\x8F",                    // U+200F right-to-left mark: not an override
        "~!@#$%^&*()_+{}|:<>?",
    };
    for (const std::string_view name : good) {
        CAPTURE(name);
        CHECK(is_valid_display_name(name));
        const auto r = decode_binary(raw_pass(name));
        REQUIRE(r.has_value());
        CHECK(r->name == name);
    }
    CHECK_FALSE(is_valid_display_name(std::string(25, 'x')));
}

TEST_CASE("every single bit flip of a signed pass never verifies") {
    const Network net;
    const TrustedBundle bundle = net.trusted();
    const std::int64_t clock = start_of_day(day("2026-11-21"));
    Pass p = make_pass(12, 1, 4242, "2026-01-01", "2027-01-01");
    sign_pass(p, net.cagette);
    const Bytes bin = p.to_binary();
    REQUIRE(verify_pass(encode_text(bin), bundle, clock).code == ResultCode::valid);
    const std::size_t signature_offset = bin.size() - 64;
    std::size_t flips = 0;
    for (std::size_t i = 0; i < bin.size(); ++i) {
        for (int bit = 0; bit < 8; ++bit) {
            CAPTURE(i);
            CAPTURE(bit);
            Bytes flipped = bin;
            flipped[i] ^= static_cast<std::uint8_t>(1u << bit);
            const Verification v = verify_pass(encode_text(flipped), bundle, clock);
            CHECK(v.code != ResultCode::valid);
            if (i == 0) CHECK(v.code == ResultCode::unsupported_version);
            if (i >= signature_offset) CHECK(v.code == ResultCode::bad_signature);
            ++flips;
        }
    }
    CHECK(flips == 8 * bin.size());
}

TEST_CASE("every single digit change of a pass text never verifies") {
    const Network net;
    const TrustedBundle bundle = net.trusted();
    const std::int64_t clock = start_of_day(day("2026-11-21"));
    const std::string text = signed_text(make_pass(12, 1, 4242, "2026-01-01", "2027-01-01"), net.cagette);
    REQUIRE(verify_pass(text, bundle, clock).code == ResultCode::valid);
    for (std::size_t i = 2; i < text.size(); ++i) {
        for (char d = '0'; d <= '9'; ++d) {
            if (d == text[i]) continue;
            CAPTURE(i);
            CAPTURE(d);
            std::string changed = text;
            changed[i] = d;
            CHECK(verify_pass(changed, bundle, clock).code != ResultCode::valid);
        }
    }
}

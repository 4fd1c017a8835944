#include "support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>

using namespace pk_test;

namespace {

// What a scanner types for each digit 0..9 (DESIGN §3), written out independently of the library.
// US scanner on a French AZERTY till, UTF-8 till:
const std::array<std::string, 10> kAzertyUtf8 = {"\xC3\xA0", "&", "\xC3\xA9", "\"", "'", "(", "-", "\xC3\xA8", "_", "\xC3\xA7"};
// The same on a till that delivers Latin-1 single bytes:
const std::array<std::string, 10> kAzertyLatin1 = {"\xE0", "&", "\xE9", "\"", "'", "(", "-", "\xE8", "_", "\xE7"};
// French scanner on a US till:
const std::array<std::string, 10> kUs = {")", "!", "@", "#", "$", "%", "^", "&", "*", "("};

// Replaces every digit after "PK" by the character the mismatched scanner types for it.
std::string mangle(std::string_view text, const std::array<std::string, 10>& typed) {
    std::string out(text.substr(0, 2));
    for (const char c : text.substr(2)) out += typed[static_cast<std::size_t>(c - '0')];
    return out;
}

// Replaces only the listed digits (after "PK") by the given characters.
std::string replace_digits(std::string_view text, std::initializer_list<std::pair<char, char>> pairs) {
    std::string out(text);
    for (std::size_t i = 2; i < out.size(); ++i)
        for (const auto& [from, to] : pairs)
            if (text[i] == from) out[i] = to;
    return out;
}

bool has(const std::vector<std::string>& v, std::string_view s) { return std::find(v.begin(), v.end(), s) != v.end(); }

struct Fixture {
    Network net;
    TrustedBundle bundle = net.trusted();
    std::int64_t clock = start_of_day(day("2026-11-21"));
    std::string text = signed_text(make_pass(12, 1, 4242, "2026-01-01", "2027-01-01"), net.cagette);

    Verification verify(std::string_view scanned) const { return verify_pass(scanned, bundle, clock); }
};

const std::vector<Warning> kRepaired = {Warning::keyboard_layout_repaired};

}  // namespace

TEST_CASE("plain valid text verifies without warning") {
    const Fixture f;
    const auto n = normalise_scanned_text(f.text);
    REQUIRE(n.has_value());
    CHECK(n->readings == std::vector<std::string>{f.text});
    CHECK_FALSE(n->repaired);
    const Verification v = f.verify(f.text);
    CHECK(v.code == ResultCode::valid);
    CHECK(v.warnings.empty());
    // The test text really exercises both ambiguous digits and the shared characters' digits.
    CHECK(f.text.find('1', 2) != std::string::npos);
    CHECK(f.text.find('5', 2) != std::string::npos);
    CHECK(f.text.find('7', 2) != std::string::npos);
    CHECK(f.text.find('9', 2) != std::string::npos);
}

TEST_CASE("surrounding whitespace and line ends are trimmed") {
    const Fixture f;
    const std::array<std::pair<std::string_view, std::string_view>, 7> wraps = {{
        {"", "\n"}, {"", "\r\n"}, {"", "\r"}, {" ", " "}, {"\t", "\t\r\n"}, {"\r\n", ""}, {" \t\r\n\v\f", "\n\n"},
    }};
    for (const auto& [before, after] : wraps) {
        const std::string scanned = std::string(before) + f.text + std::string(after);
        CAPTURE(to_hex(as_bytes(scanned.substr(0, 8))));
        const auto n = normalise_scanned_text(scanned);
        REQUIRE(n.has_value());
        CHECK(n->readings == std::vector<std::string>{f.text});
        CHECK_FALSE(n->repaired);
        const Verification v = f.verify(scanned);
        CHECK(v.code == ResultCode::valid);
        CHECK(v.warnings.empty());
    }
}

TEST_CASE("whitespace inside the text is not trimmed") {
    const Fixture f;
    std::string scanned = f.text;
    scanned.insert(40, " ");
    const auto n = normalise_scanned_text(scanned);
    REQUIRE_FALSE(n.has_value());
    CHECK(n.error() == DecodeError::malformed);
    CHECK(f.verify(scanned).code == ResultCode::malformed);
    CHECK(f.verify("P K" + f.text.substr(2)).code == ResultCode::malformed);
}

TEST_CASE("pk prefix is accepted in any case") {
    const Fixture f;
    for (const std::string_view prefix : {"pk", "Pk", "pK", "PK"}) {
        CAPTURE(prefix);
        const std::string scanned = std::string(prefix) + f.text.substr(2);
        const auto n = normalise_scanned_text(scanned);
        REQUIRE(n.has_value());
        CHECK(n->readings == std::vector<std::string>{f.text});
        const Verification v = f.verify(scanned);
        CHECK(v.code == ResultCode::valid);
        // Letter case is not a keyboard layout problem: P and K never move.
        CHECK(v.warnings.empty());
    }
    for (const std::string_view prefix : {"KP", "PQ", "QK", "P", "", "P0", "0K", "PKK"}) {
        CAPTURE(prefix);
        CHECK(f.verify(std::string(prefix) + f.text.substr(2)).code == ResultCode::malformed);
    }
}

TEST_CASE("each mangled alphabet maps back to the ten digits") {
    const std::string all = "PK0123456789";
    for (const auto* alphabet : {&kAzertyUtf8, &kAzertyLatin1, &kUs}) {
        const std::string scanned = mangle(all, *alphabet);
        CAPTURE(to_hex(as_bytes(scanned)));
        const auto n = normalise_scanned_text(scanned);
        REQUIRE(n.has_value());
        // Both alphabets have characters of their own here, so only one reading fits.
        CHECK(n->readings == std::vector<std::string>{all});
        CHECK(n->repaired);
    }
    // Digit by digit, including the ones a lone character decides.
    for (std::size_t d = 0; d < 10; ++d) {
        CAPTURE(d);
        const std::string digit(1, static_cast<char>('0' + d));
        CHECK(has(normalise_scanned_text("PK" + kAzertyUtf8[d]).value().readings, "PK" + digit));
        CHECK(has(normalise_scanned_text("PK" + kAzertyLatin1[d]).value().readings, "PK" + digit));
        CHECK(has(normalise_scanned_text("PK" + kUs[d]).value().readings, "PK" + digit));
    }
}

TEST_CASE("AZERTY mangled text is repaired and verifies with a warning") {
    const Fixture f;
    const std::string scanned = mangle(f.text, kAzertyUtf8);
    REQUIRE(scanned != f.text);
    const auto n = normalise_scanned_text(scanned);
    REQUIRE(n.has_value());
    CHECK(n->repaired);
    CHECK(n->readings == std::vector<std::string>{f.text});
    const Verification v = f.verify(scanned);
    CHECK(v.code == ResultCode::valid);
    CHECK(v.warnings == kRepaired);
    REQUIRE(v.pass.has_value());
    CHECK(v.pass->member == 4242);
    // With the line end the scanner adds.
    CHECK(f.verify(scanned + "\r\n").code == ResultCode::valid);
}

TEST_CASE("US mangled text is repaired and verifies with a warning") {
    const Fixture f;
    const std::string scanned = mangle(f.text, kUs);
    const auto n = normalise_scanned_text(scanned);
    REQUIRE(n.has_value());
    CHECK(n->repaired);
    CHECK(n->readings == std::vector<std::string>{f.text});
    const Verification v = f.verify(scanned);
    CHECK(v.code == ResultCode::valid);
    CHECK(v.warnings == kRepaired);
    CHECK(f.verify("pk" + scanned.substr(2) + "\n").code == ResultCode::valid);
}

TEST_CASE("Latin-1 single bytes for the accented letters are accepted") {
    const Fixture f;
    const std::string scanned = mangle(f.text, kAzertyLatin1);
    // The till really sent single bytes, so the text is not UTF-8.
    CHECK(scanned.find('\xE0') != std::string::npos);
    CHECK(scanned.find('\xC3') == std::string::npos);
    const auto n = normalise_scanned_text(scanned);
    REQUIRE(n.has_value());
    CHECK(n->readings == std::vector<std::string>{f.text});
    const Verification v = f.verify(scanned);
    CHECK(v.code == ResultCode::valid);
    CHECK(v.warnings == kRepaired);
    // Each of the four letters alone.
    CHECK(normalise_scanned_text("PK\xE0\xE9\xE8\xE7").value().readings == std::vector<std::string>{"PK0279"});
}

TEST_CASE("a text mixing both alphabets is malformed") {
    const Fixture f;
    // à, é, ", ', -, è, _, ç belong only to AZERTY; ), !, @, #, $, %, ^, * only to US.
    const std::array<std::string_view, 8> mixed = {
        "PK\xC3\xA0!", "PK!\xC3\xA0", "PK\xC3\xA9@", "PK\"#", "PK'$", "PK-%", "PK_^", "PK\xC3\xA8*"};
    for (const std::string_view scanned : mixed) {
        CAPTURE(to_hex(as_bytes(scanned)));
        const auto n = normalise_scanned_text(scanned);
        REQUIRE_FALSE(n.has_value());
        CHECK(n.error() == DecodeError::malformed);
    }
    // A whole pass half mangled one way and half the other.
    const std::string half = mangle(f.text.substr(0, 60), kAzertyUtf8) + mangle("PK" + f.text.substr(60), kUs).substr(2);
    CHECK(f.verify(half).code == ResultCode::malformed);
}

TEST_CASE("a text of only ampersands and parentheses has two readings") {
    const auto n = normalise_scanned_text("PK&(");
    REQUIRE(n.has_value());
    CHECK(n->repaired);
    CHECK(n->readings.size() == 2);
    CHECK(has(n->readings, "PK15"));  // AZERTY reading
    CHECK(has(n->readings, "PK79"));  // US reading
    const auto longer = normalise_scanned_text("pk&&((&\r\n");
    REQUIRE(longer.has_value());
    CHECK(longer->readings.size() == 2);
    CHECK(has(longer->readings, "PK11551"));
    CHECK(has(longer->readings, "PK77997"));
    // Plain digits fit both readings.
    const auto with_digits = normalise_scanned_text("PK0&2");
    REQUIRE(with_digits.has_value());
    CHECK(with_digits->readings.size() == 2);
    CHECK(has(with_digits->readings, "PK012"));
    CHECK(has(with_digits->readings, "PK072"));
}

TEST_CASE("ambiguous AZERTY text is kept by its signature") {
    const Fixture f;
    const std::string scanned = replace_digits(f.text, {{'1', '&'}, {'5', '('}});
    const auto n = normalise_scanned_text(scanned);
    REQUIRE(n.has_value());
    REQUIRE(n->readings.size() == 2);
    CHECK(has(n->readings, f.text));
    CHECK(has(n->readings, replace_digits(f.text, {{'1', '7'}, {'5', '9'}})));
    const Verification v = f.verify(scanned);
    CHECK(v.code == ResultCode::valid);
    CHECK(v.warnings == kRepaired);
    CHECK(v.pass_id == pass_id(decode_binary(decode_text(f.text).value()).value().signed_bytes()));
}

TEST_CASE("ambiguous US text is kept by its signature") {
    const Fixture f;
    const std::string scanned = replace_digits(f.text, {{'7', '&'}, {'9', '('}});
    const auto n = normalise_scanned_text(scanned);
    REQUIRE(n.has_value());
    REQUIRE(n->readings.size() == 2);
    CHECK(has(n->readings, f.text));
    const Verification v = f.verify(scanned);
    CHECK(v.code == ResultCode::valid);
    CHECK(v.warnings == kRepaired);
}

TEST_CASE("ambiguous text of a forged pass does not verify") {
    const Fixture f;
    // Change one signature digit (the last group is the signature's tail) then mangle.
    std::string forged = f.text;
    forged[forged.size() - 1] = forged.back() == '0' ? '1' : '0';
    REQUIRE(f.verify(forged).code == ResultCode::bad_signature);
    const std::string scanned = replace_digits(forged, {{'1', '&'}, {'5', '('}});
    const Verification v = f.verify(scanned);
    CHECK(v.code != ResultCode::valid);
    CHECK(f.verify(mangle(forged, kAzertyUtf8)).code == ResultCode::bad_signature);
    CHECK(f.verify(mangle(forged, kUs)).code == ResultCode::bad_signature);
}

TEST_CASE("mangled text cut short is truncated") {
    const Fixture f;
    const std::string cut = f.text.substr(0, f.text.size() - 1);
    CHECK(f.verify(mangle(cut, kAzertyUtf8)).code == ResultCode::truncated);
    CHECK(f.verify(mangle(cut, kUs)).code == ResultCode::truncated);
    CHECK(f.verify(cut).code == ResultCode::truncated);
    // A UTF-8 letter cut in half leaves a lone lead byte that is no digit in any reading.
    std::string half_letter = mangle(f.text, kAzertyUtf8);
    const std::size_t at = half_letter.rfind('\xC3');
    REQUIRE(at != std::string::npos);
    half_letter.resize(at + 1);
    CHECK(f.verify(half_letter).code == ResultCode::malformed);
}

TEST_CASE("scanned text over 1024 bytes is malformed before parsing") {
    const Fixture f;
    // Trailing whitespace that would be trimmed still counts against the cap.
    const std::string at_cap = f.text + std::string(kMaxPassTextBytes - f.text.size(), ' ');
    REQUIRE(at_cap.size() == kMaxPassTextBytes);
    CHECK(f.verify(at_cap).code == ResultCode::valid);
    const std::string over = at_cap + " ";
    const auto n = normalise_scanned_text(over);
    REQUIRE_FALSE(n.has_value());
    CHECK(n.error() == DecodeError::malformed);
    const Verification v = f.verify(over);
    CHECK(v.code == ResultCode::malformed);
    CHECK_FALSE(v.pass.has_value());
    CHECK(f.verify("PK" + std::string(5000, '0')).code == ResultCode::malformed);
    CHECK(f.verify(std::string(2000, '&')).code == ResultCode::malformed);
}

TEST_CASE("scanned text that is not a pass is malformed") {
    const Fixture f;
    const std::array<std::string_view, 11> junk = {
        "", "   ", "\r\n", "P", "k", "PKa", "PK12x3", "PK\xC2\xA7", "PK\xE1", "PK\xC3\x80", "3760123456789"};
    for (const std::string_view scanned : junk) {
        CAPTURE(to_hex(as_bytes(scanned)));
        const auto n = normalise_scanned_text(scanned);
        REQUIRE_FALSE(n.has_value());
        CHECK(n.error() == DecodeError::malformed);
        const Verification v = f.verify(scanned);
        CHECK(v.code == ResultCode::malformed);
        CHECK(v.warnings.empty());
    }
    // "PK" alone is a (truncated) empty pass, not junk.
    const auto empty = normalise_scanned_text(" pk ");
    REQUIRE(empty.has_value());
    CHECK(empty->readings == std::vector<std::string>{"PK"});
    CHECK(f.verify(" pk ").code == ResultCode::truncated);
}

TEST_CASE("repair warning is only given with a decoded pass") {
    const Fixture f;
    // A repaired text that decodes to something that is not a pass carries no pass and no warning.
    const Verification v = f.verify(mangle("PK00000000000000000", kUs));
    CHECK(v.code != ResultCode::valid);
    CHECK_FALSE(v.pass.has_value());
    CHECK(v.warnings.empty());
    // A repaired text of an expired pass is still refused, with the pass decoded.
    const std::string old = signed_text(make_pass(12, 1, 7, "2025-01-01", "2025-12-31"), f.net.cagette);
    const Verification expired = f.verify(mangle(old, kAzertyUtf8));
    CHECK(expired.code == ResultCode::expired);
    REQUIRE(expired.pass.has_value());
}

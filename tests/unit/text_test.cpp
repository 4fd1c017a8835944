// Untrusted text on its way to people (passkoop/text.hpp).
#include <passkoop/text.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace passkoop;

TEST_CASE("text printable for logs and screens") {
    CHECK(printable("Caisse 1 — entrée") == "Caisse 1 — entrée");
    CHECK(printable("a\x01" "b\nc\x7F") == "a?b?c?");
    CHECK(printable("bad \xC3 utf8") == "bad ? utf8");
    CHECK(printable("\xE2\x80\xAE" "evil") == "?evil");
    CHECK(printable(std::string(300, 'x'), 10) == "xxxxxxx…");
    // Cut on a character boundary.
    CHECK(printable("ééééé", 8) == "éé…");
    CHECK(printable("", 10).empty());
    CHECK(is_printable_text("Visite découverte"));
    CHECK_FALSE(is_printable_text("tab\there"));
    // ANSI escape sequences and C1 controls cannot reach a terminal.
    CHECK(printable("\x1B[31mrouge\x1B[0m") == "?[31mrouge?[0m");
    CHECK(printable("a\xC2\x9B" "b") == "a?b");
}

TEST_CASE("text UTF-8 validity follows RFC 3629") {
    CHECK(is_valid_utf8("Épicerie coopérative 🍅"));
    CHECK(is_valid_utf8(""));
    for (const std::string bad : {"\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xC3", "\x80", "\xFF"}) {
        CAPTURE(bad.size());
        CHECK_FALSE(is_valid_utf8(bad));
        CHECK(printable(bad).find('?') != std::string::npos);
    }
}

TEST_CASE("text decode_utf8 gives the scalar value and length, or length 0") {
    CHECK(decode_utf8("A").value == U'A');
    CHECK(decode_utf8("Abc").length == 1);
    CHECK(decode_utf8("é!").value == U'é');
    CHECK(decode_utf8("é!").length == 2);
    CHECK(decode_utf8("€").value == U'€');
    CHECK(decode_utf8("€").length == 3);
    CHECK(decode_utf8("🥕").value == U'🥕');
    CHECK(decode_utf8("🥕").length == 4);
    CHECK(decode_utf8("\xF4\x8F\xBF\xBF").value == 0x10FFFF);
    CHECK(decode_utf8(std::string_view("\0", 1)).length == 1);
    // Empty, truncated, overlong, surrogate, beyond U+10FFFF, lone continuation, bytes never in UTF-8.
    for (const std::string bad : {"", "\xC3", "\xE2\x82", "\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF", "\xF0\x80\x80\xAF", "\xED\xA0\x80",
                                  "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\x80", "\xFF", "\xC3(", "\xE2\x28\xA1"}) {
        CAPTURE(bad);
        CHECK(decode_utf8(bad).length == 0);
    }
}

TEST_CASE("text utf8_prefix never cuts a character") {
    CHECK(utf8_prefix("abc", 10) == "abc");
    CHECK(utf8_prefix("abc", 2) == "ab");
    CHECK(utf8_prefix("aé", 2) == "a");
    CHECK(utf8_prefix("aé", 3) == "aé");
    CHECK(utf8_prefix("€€", 5) == "€");
    CHECK(utf8_prefix("🥕", 3).empty());
    CHECK(utf8_prefix("abc", 0).empty());
}

TEST_CASE("text printable characters exclude controls, line separators and bidirectional overrides") {
    for (const char32_t c : {U' ', U'a', U'~', U'\u00A0', U'é', U'€', U'\u2027', U'\u202F', U'\u2065', U'\u206A', U'🥕'}) {
        CAPTURE(static_cast<std::uint32_t>(c));
        CHECK(is_printable_character(c));
    }
    for (const char32_t c : {U'\0', U'\t', U'\n', U'\x1F', U'\x7F', U'\u0080', U'\u009F', U'\u2028', U'\u2029', U'\u202A',
                             U'\u202E', U'\u2066', U'\u2069'}) {
        CAPTURE(static_cast<std::uint32_t>(c));
        CHECK_FALSE(is_printable_character(c));
    }
}

TEST_CASE("text markup_escaped leaves no character that opens a tag, an entity or ends a quoted attribute") {
    CHECK(markup_escaped("Tom & Jerry's <b>\"coop\"</b>") == "Tom &amp; Jerry&#39;s &lt;b&gt;&quot;coop&quot;&lt;/b&gt;");
    CHECK(markup_escaped("Épicerie") == "Épicerie");
    CHECK(markup_escaped("") == "");
}

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

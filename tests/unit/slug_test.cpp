#include "support.hpp"

#include <passkoop/slug.hpp>

#include <doctest/doctest.h>

using namespace pk_test;

TEST_CASE("slugify keeps ASCII letters and digits joined by dashes, accented letters without accent") {
    CHECK(slugify("Les 400 Coop") == "les-400-coop");
    CHECK(slugify("La Roch’coop") == "la-roch-coop");
    CHECK(slugify("Co-é-sion - La Cagette 1791") == "co-e-sion-la-cagette-1791");
    CHECK(slugify("Épicerie Coopérative de l'Œuvre") == "epicerie-cooperative-de-l-oeuvre");
    CHECK(slugify("Ça Gère à Île-Tudy") == "ca-gere-a-ile-tudy");
    // Other scripts and symbols separate words; a lone UTF-8 byte is skipped like punctuation.
    CHECK(slugify("Coop \xe2\x98\x85 Zoë") == "coop-zoe");
    CHECK(slugify("abc\xc3") == "abc");
    CHECK(slugify("  ??  ") == "coop");
    CHECK(slugify("") == "coop");
}

#include "support.hpp"

#include <passkoop/slug.hpp>

#include <doctest/doctest.h>

using namespace pk_test;

TEST_CASE("slugify keeps ASCII letters and digits joined by dashes") {
    CHECK(slugify("Les 400 Coop") == "les-400-coop");
    CHECK(slugify("La Roch’coop") == "la-roch-coop");
    CHECK(slugify("Co-é-sion - La Cagette 1791") == "co-sion-la-cagette-1791");
    CHECK(slugify("  ??  ") == "coop");
    CHECK(slugify("") == "coop");
}

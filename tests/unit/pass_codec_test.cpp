#include "support.hpp"

#include <doctest/doctest.h>

using namespace pk_test;

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

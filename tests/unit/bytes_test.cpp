#include "support.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <sodium.h>

#include <array>
#include <stdexcept>
#include <string>

using namespace pk_test;

namespace {

Bytes hex(std::string_view h) { return from_hex(h).value(); }

// Used for constants built before any test runs: a wrong size throws rather than asserts.
template <std::size_t N>
std::array<std::uint8_t, N> hex_array(std::string_view h) {
    const Bytes b = hex(h);
    if (b.size() != N) throw std::logic_error("hex constant of the wrong size");
    std::array<std::uint8_t, N> out{};
    std::copy(b.begin(), b.end(), out.begin());
    return out;
}

const std::array<std::uint8_t, 32> kRfc8032Seed =
    hex_array<32>("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
const PublicKey kRfc8032Public = hex_array<32>("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");

}  // namespace

TEST_CASE("pae matches the DSSE specification vector") {
    CHECK(pae("http://example.com/HelloWorld", as_bytes("hello world")) ==
          "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
}

TEST_CASE("pae edge cases") {
    CHECK(pae("", Bytes{}) == "DSSEv1 0  0 ");
    CHECK(pae("t", Bytes{}) == "DSSEv1 1 t 0 ");
    // Lengths are byte counts, not character counts: é is two bytes in UTF-8.
    CHECK(pae("\xC3\xA9", as_bytes("\xC3\xA9")) == "DSSEv1 2 \xC3\xA9 2 \xC3\xA9");
    // Binary bodies are copied as they are, NUL bytes included.
    const Bytes body = {0x00, 0x20, 0xFF};
    CHECK(pae("x", body) == std::string("DSSEv1 1 x 3 \x00 \xFF", 16));
    // Multi-digit lengths.
    const std::string big(1000, 'a');
    CHECK(pae(std::string(12, 't'), as_bytes(big)) == "DSSEv1 12 tttttttttttt 1000 " + big);
    CHECK(pae(kPassPayloadType, Bytes{0x01}) == std::string("DSSEv1 32 application/vnd.passkoop.pass.v1 1 \x01"));
    CHECK(pae(kRegistryPayloadType, Bytes{}) == "DSSEv1 41 application/vnd.passkoop.registry.v1+json 0 ");
    CHECK(pae(kRevocationsPayloadType, Bytes{}) == "DSSEv1 44 application/vnd.passkoop.revocations.v1+json 0 ");
    // Moving the boundary between type and body changes the encoding.
    CHECK(pae("a", as_bytes("b c")) != pae("a b", as_bytes("c")));
}

TEST_CASE("base64 RFC 4648 vectors round trip") {
    const std::array<std::pair<std::string_view, std::string_view>, 7> vectors = {{
        {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
    }};
    for (const auto& [plain, encoded] : vectors) {
        CAPTURE(plain);
        CHECK(to_base64(as_bytes(plain)) == encoded);
        const auto back = from_base64(encoded);
        REQUIRE(back.has_value());
        CHECK(*back == Bytes(as_bytes(plain).begin(), as_bytes(plain).end()));
    }
    // Both characters outside A-Z a-z 0-9 of the standard alphabet.
    CHECK(to_base64(Bytes{0xFB, 0xFF}) == "+/8=");
    CHECK(from_base64("+/8=").value() == (Bytes{0xFB, 0xFF}));
    Bytes all(256);
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::uint8_t>(i);
    for (std::size_t n = 0; n <= all.size(); n += 1) {
        CAPTURE(n);
        const ByteView part(all.data(), n);
        const auto back = from_base64(to_base64(part));
        REQUIRE(back.has_value());
        CHECK(std::equal(back->begin(), back->end(), part.begin(), part.end()));
    }
}

TEST_CASE("base64 rejects non canonical padding bits") {
    // "Zg==" is the only encoding of "f"; "Zh==" .. "Zv==" set bits the padding must leave zero.
    for (const std::string_view text : {"Zh==", "Zi==", "Zv==", "Zm9=", "Zm/=", "Zm9vYh==", "Zm9vYmF="}) {
        CAPTURE(text);
        CHECK_FALSE(from_base64(text).has_value());
    }
}

TEST_CASE("base64 rejects missing or misplaced padding") {
    for (const std::string_view text : {"Zg", "Zg=", "Zm8", "Zm9vYg", "Zm9vYmE", "Zg===", "Zm9v====", "Zg==Zg==",
                                        "=Zg=", "====", "Z===", "Zm=8"}) {
        CAPTURE(text);
        CHECK_FALSE(from_base64(text).has_value());
    }
}

TEST_CASE("base64 rejects whitespace and foreign alphabets") {
    for (const std::string_view text : {" Zm9v", "Zm9v ", "Zm 9v", "Zm9v\n", "Zm9v\r\n", "Zm\t9v", "Zm9v\nYmFy",
                                        "-_8=", "Zm9*"}) {
        CAPTURE(text);
        CHECK_FALSE(from_base64(text).has_value());
    }
    CHECK_FALSE(from_base64(std::string("Zm9v\0Zm9v", 9)).has_value());
    CHECK_FALSE(from_base64(std::string("Zm9v\0\0\0\0", 8)).has_value());
}

TEST_CASE("from_base64_exact requires the exact size") {
    const Bytes b31(31, 0x11), b32(32, 0x22), b33(33, 0x33), b64(64, 0x44);
    const auto ok = from_base64_exact<32>(to_base64(b32));
    REQUIRE(ok.has_value());
    CHECK(std::equal(ok->begin(), ok->end(), b32.begin(), b32.end()));
    CHECK_FALSE(from_base64_exact<32>(to_base64(b31)).has_value());
    CHECK_FALSE(from_base64_exact<32>(to_base64(b33)).has_value());
    CHECK_FALSE(from_base64_exact<32>(to_base64(b64)).has_value());
    CHECK_FALSE(from_base64_exact<32>("").has_value());
    CHECK(from_base64_exact<64>(to_base64(b64)).has_value());
    CHECK_FALSE(from_base64_exact<64>(to_base64(b32)).has_value());
    // Right size but not canonical, or with a line end, is still refused.
    std::string text = to_base64(b32);
    REQUIRE(text.back() == '=');
    CHECK_FALSE(from_base64_exact<32>(text + "\n").has_value());
    text[text.size() - 2] = static_cast<char>(text[text.size() - 2] + 1);
    CHECK_FALSE(from_base64_exact<32>(text).has_value());
}

TEST_CASE("hex encoding is lowercase and decoding strict") {
    CHECK(to_hex(Bytes{}) == "");
    CHECK(to_hex(Bytes{0x00, 0x0A, 0xAB, 0xFF}) == "000aabff");
    CHECK(from_hex("000AaBfF").value() == (Bytes{0x00, 0x0A, 0xAB, 0xFF}));
    CHECK(from_hex("").value().empty());
    for (const std::string_view text : {"0", "abc", "0g", "0x00", " 00", "00 ", "0 0", "zz"}) {
        CAPTURE(text);
        CHECK_FALSE(from_hex(text).has_value());
    }
}

TEST_CASE("blake2b256 known answers") {
    CHECK(to_hex(blake2b256(Bytes{})) == "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
    CHECK(to_hex(blake2b256(as_bytes("abc"))) == "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
}

TEST_CASE("key id is the first 8 bytes of BLAKE2b-256 of the public key") {
    CHECK(key_id(kRfc8032Public) == "7849ac3049680be1");
    const SigningKey k = key_named("coop-12-key-1");
    CHECK(k.id() == "b24e3d94b56165c6");
    for (const std::string_view label : {"admin-a", "admin-b", "coop-3-key-2"}) {
        CAPTURE(label);
        const SigningKey key = key_named(label);
        std::array<unsigned char, 32> h{};
        REQUIRE(crypto_generichash(h.data(), h.size(), key.public_key().data(), key.public_key().size(), nullptr, 0) == 0);
        char expected[17] = {};
        REQUIRE(sodium_bin2hex(expected, sizeof expected, h.data(), 8) != nullptr);
        CHECK(key.id() == expected);
        CHECK(key_id(key.public_key()) == expected);
    }
}

TEST_CASE("SigningKey from_seed matches RFC 8032 test 1") {
    const SigningKey key = SigningKey::from_seed(kRfc8032Seed);
    CHECK(key.public_key() == kRfc8032Public);
    CHECK(std::equal(key.seed().begin(), key.seed().end(), kRfc8032Seed.begin(), kRfc8032Seed.end()));
    // The RFC's signature of the empty message verifies against the key we derived.
    const Bytes rfc_sig = hex(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe2465"
        "5141438e7a100b");
    CHECK(crypto_sign_verify_detached(rfc_sig.data(), nullptr, 0, key.public_key().data()) == 0);
    // Ed25519 is deterministic: the signature over PAE of the DSSE vector, computed independently.
    const Signature sig = key.sign_typed("http://example.com/HelloWorld", as_bytes("hello world"));
    CHECK(to_hex(sig) ==
          "e031d7dd99f8aa904abc48fb99a13c3bdbbd6e35c49cf2cb9f25d5509d8f5c947c0d22dc2f7403a45bdf24e8f7a41fd23c7b25e898386e8c"
          "6c31be8abee60007");
}

TEST_CASE("signing keys from seeds are deterministic and generated keys differ") {
    const SigningKey a = key_named("same"), b = key_named("same"), c = key_named("other");
    CHECK(a.public_key() == b.public_key());
    CHECK(a.public_key() != c.public_key());
    const SigningKey g1 = SigningKey::generate(), g2 = SigningKey::generate();
    CHECK(g1.public_key() != g2.public_key());
    // A moved key keeps signing with the same secret.
    SigningKey source = SigningKey::from_seed(kRfc8032Seed);
    SigningKey moved(std::move(source));
    CHECK(moved.public_key() == kRfc8032Public);
    CHECK(verify_typed("t", as_bytes("b"), moved.sign_typed("t", as_bytes("b")), kRfc8032Public));
}

TEST_CASE("sign_typed and verify_typed round trip") {
    const SigningKey key = key_named("bytes-test");
    const Bytes body = {0x01, 0x02, 0x03};
    const Signature sig = key.sign_typed(kPassPayloadType, body);
    CHECK(verify_typed(kPassPayloadType, body, sig, key.public_key()));
    const Signature empty_sig = key.sign_typed(kRegistryPayloadType, Bytes{});
    CHECK(verify_typed(kRegistryPayloadType, Bytes{}, empty_sig, key.public_key()));
}

TEST_CASE("verify_typed rejects another payload type") {
    const SigningKey key = key_named("bytes-test");
    const Bytes body = {0x01, 0x02, 0x03};
    const Signature sig = key.sign_typed(kPassPayloadType, body);
    CHECK_FALSE(verify_typed(kRegistryPayloadType, body, sig, key.public_key()));
    CHECK_FALSE(verify_typed(kRevocationsPayloadType, body, sig, key.public_key()));
    CHECK_FALSE(verify_typed("", body, sig, key.public_key()));
    CHECK_FALSE(verify_typed("application/vnd.passkoop.pass.v2", body, sig, key.public_key()));
    // The boundary between type and body is part of what is signed.
    const Signature split = key.sign_typed("a", as_bytes("b c"));
    CHECK_FALSE(verify_typed("a b", as_bytes("c"), split, key.public_key()));
    // A bare Ed25519 signature of the body, without PAE, is not a typed signature.
    std::array<unsigned char, crypto_sign_SECRETKEYBYTES> sk{};
    PublicKey pk{};
    REQUIRE(crypto_sign_seed_keypair(pk.data(), sk.data(), key.seed().data()) == 0);
    Signature bare{};
    REQUIRE(crypto_sign_detached(bare.data(), nullptr, body.data(), body.size(), sk.data()) == 0);
    sodium_memzero(sk.data(), sk.size());
    CHECK_FALSE(verify_typed(kPassPayloadType, body, bare, key.public_key()));
    // Signing the PAE string itself as a body does not collide either.
    const std::string encoded = pae(kPassPayloadType, body);
    CHECK_FALSE(verify_typed(kPassPayloadType, as_bytes(encoded), sig, key.public_key()));
}

TEST_CASE("verify_typed rejects mutations of body key and signature") {
    const SigningKey key = key_named("bytes-test");
    const SigningKey other = key_named("bytes-test-other");
    const Bytes body = {0x10, 0x20, 0x30, 0x40};
    const Signature sig = key.sign_typed(kPassPayloadType, body);
    CHECK_FALSE(verify_typed(kPassPayloadType, body, sig, other.public_key()));
    for (std::size_t i = 0; i < body.size(); ++i) {
        CAPTURE(i);
        Bytes changed = body;
        changed[i] ^= 0x01;
        CHECK_FALSE(verify_typed(kPassPayloadType, changed, sig, key.public_key()));
    }
    CHECK_FALSE(verify_typed(kPassPayloadType, ByteView(body.data(), 3), sig, key.public_key()));
    for (std::size_t i = 0; i < sig.size(); ++i) {
        for (int bit = 0; bit < 8; ++bit) {
            CAPTURE(i);
            CAPTURE(bit);
            Signature flipped = sig;
            flipped[i] ^= static_cast<std::uint8_t>(1u << bit);
            CHECK_FALSE(verify_typed(kPassPayloadType, body, flipped, key.public_key()));
        }
    }
    // Non-canonical S (all ones, far above the group order) and the all-zero signature.
    Signature high_s = sig;
    std::fill(high_s.begin() + 32, high_s.end(), 0xFF);
    CHECK_FALSE(verify_typed(kPassPayloadType, body, high_s, key.public_key()));
    CHECK_FALSE(verify_typed(kPassPayloadType, body, Signature{}, key.public_key()));
    // Low-order public keys: the identity point and the all-zero encoding.
    PublicKey identity{};
    identity[0] = 0x01;
    CHECK_FALSE(verify_typed(kPassPayloadType, body, sig, identity));
    CHECK_FALSE(verify_typed(kPassPayloadType, body, sig, PublicKey{}));
}

TEST_CASE("equal_constant_time compares contents and sizes") {
    const Bytes a = {1, 2, 3, 4}, same = {1, 2, 3, 4}, last = {1, 2, 3, 5}, first = {0, 2, 3, 4}, shorter = {1, 2, 3};
    CHECK(equal_constant_time(a, same));
    CHECK(equal_constant_time(a, a));
    CHECK_FALSE(equal_constant_time(a, last));
    CHECK_FALSE(equal_constant_time(a, first));
    CHECK_FALSE(equal_constant_time(a, shorter));
    CHECK_FALSE(equal_constant_time(shorter, a));
    // A prefix of the very same buffer: only the size check can tell them apart.
    CHECK_FALSE(equal_constant_time(a, ByteView(a.data(), 3)));
    CHECK_FALSE(equal_constant_time(ByteView(a.data(), 3), a));
    CHECK(equal_constant_time(ByteView(a.data(), 3), shorter));
    CHECK(equal_constant_time(Bytes{}, Bytes{}));
    CHECK_FALSE(equal_constant_time(Bytes{}, a));
    const Hash256 h1 = blake2b256(as_bytes("x")), h2 = blake2b256(as_bytes("x")), h3 = blake2b256(as_bytes("y"));
    CHECK(equal_constant_time(h1, h2));
    CHECK_FALSE(equal_constant_time(h1, h3));
}

// UBSan: the empty inputs used to reach libsodium's codecs with a null pointer.
TEST_CASE("empty base64 and hex round trip without a null pointer reaching libsodium") {
    CHECK(to_base64(ByteView{}) == "");
    CHECK(to_hex(ByteView{}) == "");
    CHECK(from_base64(std::string_view{}).value().empty());
    CHECK(from_hex(std::string_view{}).value().empty());
    const auto env = envelope_from_json(nlohmann::json{{"payloadType", "x"}, {"payload", ""}, {"signatures", nlohmann::json::array()}});
    REQUIRE(env.has_value());
    CHECK(env->payload.empty());
}

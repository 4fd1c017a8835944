// What a verifier keeps between runs (DESIGN §5): the registry it trusts and each coop's
// revocation list in force, so that a mirror can neither roll revocations back nor strip them;
// and untrusted bundles nested deep enough to overflow a recursive parser or walk.
#include <passkoop/passkoop.h>

#include "support.hpp"

#include <passkoop/json_limits.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>

using namespace pk_test;
using nlohmann::json;

namespace {

std::string nested_arrays(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

struct Scene {
    Network net;
    std::int64_t clock = start_of_day(day("2026-11-21"));
    Pass cagette_pass = make_pass(12, 1, 4242, "2026-01-01", "2027-06-30");
    Pass cagette_other = make_pass(12, 1, 4343, "2026-02-01", "2027-06-30");
    Pass louve_pass = make_pass(7, 1, 7777, "2026-01-01", "2027-06-30");

    Scene() {
        sign_pass(cagette_pass, net.cagette);
        sign_pass(cagette_other, net.cagette);
        sign_pass(louve_pass, net.louve);
    }

    Envelope cagette_list(std::int64_t sequence, std::initializer_list<const Pass*> passes) const {
        RevocationList list;
        list.coop = 12;
        list.sequence = sequence;
        list.issued_at = instant("2026-11-10T09:00:00Z");
        for (const Pass* p : passes) list.entries.push_back({pass_id_value(p->signed_bytes()), p->expiry_day});
        return sign_revocations(list, {&net.cagette});
    }

    std::string code(const Pass& p, const TrustedBundle& bundle) const {
        return std::string(to_string(verify_pass(encode_text(p.to_binary()), bundle, clock).code));
    }

    TrustedBundle follow(const TrustState& state, const std::vector<Envelope>& lists) const {
        auto loaded = load_bundle(net.bundle(lists), state);
        REQUIRE_MESSAGE(loaded.has_value(), loaded.error().detail);
        return std::move(*loaded);
    }
};

}  // namespace

TEST_CASE("trust state a bundle without the revocation list keeps the one already accepted") {
    const Scene s;
    const TrustedBundle first = s.net.trusted({s.cagette_list(3, {&s.cagette_pass})});
    REQUIRE(s.code(s.cagette_pass, first) == "revoked");

    const TrustedBundle stripped = s.follow(first.state(), {});
    CHECK(s.code(s.cagette_pass, stripped) == "revoked");
    CHECK(stripped.revocation_sequences.at(12) == 3);
    CHECK(stripped.revocations_held_back == std::vector<std::uint16_t>{12});
    REQUIRE(stripped.warnings.size() == 1);
    CHECK(stripped.warnings[0].find("absente du bundle") != std::string::npos);
    // Without the state, the same bundle would have turned the revoked pass green.
    CHECK(s.code(s.cagette_pass, s.net.trusted()) == "valid");
}

TEST_CASE("trust state an older sequence or other bytes under the same one keep the accepted list") {
    const Scene s;
    const TrustedBundle first = s.net.trusted({s.cagette_list(3, {&s.cagette_pass})});
    for (const Envelope& offered : {s.cagette_list(2, {}), s.cagette_list(3, {&s.cagette_other})}) {
        const TrustedBundle next = s.follow(first.state(), {offered});
        CHECK(s.code(s.cagette_pass, next) == "revoked");
        CHECK(s.code(s.cagette_other, next) == "valid");
        CHECK(next.revocations_held_back == std::vector<std::uint16_t>{12});
    }
    // The same list again is no rollback.
    const TrustedBundle same = s.follow(first.state(), {s.cagette_list(3, {&s.cagette_pass})});
    CHECK(same.revocations_held_back.empty());
    CHECK(same.warnings.empty());
}

TEST_CASE("trust state a higher sequence replaces the accepted list") {
    const Scene s;
    const TrustedBundle first = s.net.trusted({s.cagette_list(3, {&s.cagette_pass})});
    const TrustedBundle next = s.follow(first.state(), {s.cagette_list(4, {&s.cagette_other})});
    CHECK(next.revocations_held_back.empty());
    CHECK(next.revocation_sequences.at(12) == 4);
    CHECK(s.code(s.cagette_pass, next) == "valid");
    CHECK(s.code(s.cagette_other, next) == "revoked");
}

TEST_CASE("trust state survives its text form, and a lone registry envelope is a state without lists") {
    const Scene s;
    const TrustedBundle first = s.net.trusted({s.cagette_list(3, {&s.cagette_pass})});
    const auto restored = read_trust_state(trust_state_text(first));
    REQUIRE_MESSAGE(restored.has_value(), restored.error().detail);
    CHECK(restored->anchor.registry.version == 1);
    CHECK(equal_constant_time(restored->anchor.payload_hash, first.registry_hash));
    REQUIRE(restored->revocations.size() == 1);
    CHECK(restored->revocations.at(12).sequence == 3);
    CHECK(s.code(s.cagette_pass, s.follow(*restored, {})) == "revoked");

    const auto lone = read_trust_state(envelope_to_json(s.net.signed_registry()).dump());
    REQUIRE(lone.has_value());
    CHECK(lone->revocations.empty());
    // A state is checked like a bundle: an unsigned one is refused.
    CHECK_FALSE(read_trust_state(bundle_to_string(sign_registry(s.net.registry, {&s.net.admin_a}), {}, {})).has_value());
}

TEST_CASE("trust state the C API exports the state and a stripped bundle then keeps the revocation") {
    const Scene s;
    const std::string full = s.net.bundle({s.cagette_list(3, {&s.cagette_pass})});
    const std::string pass_text = encode_text(s.cagette_pass.to_binary());
    auto load = [](const std::string& bundle, const std::string* anchor) {
        passkoop_verifier* v = nullptr;
        char error[256];
        const int status = passkoop_verifier_new(bundle.data(), bundle.size(), anchor ? anchor->data() : nullptr,
                                                 anchor ? anchor->size() : 0, 30, "en", &v, error, sizeof error);
        REQUIRE_MESSAGE(status == PASSKOOP_OK, error);
        return std::unique_ptr<passkoop_verifier, void (*)(passkoop_verifier*)>(v, passkoop_verifier_free);
    };
    auto code_of = [&](const passkoop_verifier* v) {
        passkoop_result r{};
        REQUIRE(passkoop_verify(v, pass_text.data(), pass_text.size(), s.clock, &r) == PASSKOOP_OK);
        return r.code;
    };
    const auto first = load(full, nullptr);
    size_t needed = 0;
    CHECK(passkoop_verifier_trust_state(first.get(), nullptr, 0, &needed) == PASSKOOP_ERROR_BUFFER_TOO_SMALL);
    std::string state(needed, '\0');
    REQUIRE(passkoop_verifier_trust_state(first.get(), state.data(), state.size(), &needed) == PASSKOOP_OK);
    state.resize(needed - 1);

    const std::string stripped = s.net.bundle();
    const auto followed = load(stripped, &state);
    CHECK(code_of(followed.get()) == PASSKOOP_REVOKED);
    CHECK(passkoop_verifier_revocations_held_back(followed.get()) == 1);
    // With only the registry envelope as anchor the list is forgotten: that is why the state exists.
    const std::string envelope = envelope_to_json(s.net.signed_registry()).dump();
    const auto envelope_only = load(stripped, &envelope);
    CHECK(code_of(envelope_only.get()) == PASSKOOP_VALID);
    CHECK(passkoop_verifier_revocations_held_back(envelope_only.get()) == 0);
}

TEST_CASE("trust state a coop that left the registry takes its pinned list with it") {
    const Scene s;
    const TrustedBundle first = s.net.trusted({s.cagette_list(3, {&s.cagette_pass})});
    Network smaller;
    std::erase_if(smaller.registry.coops, [](const Coop& c) { return c.number == 12; });
    smaller.registry.version = 2;
    smaller.registry.previous = first.registry_hash;
    auto next = load_bundle(smaller.bundle(), first.state());
    REQUIRE_MESSAGE(next.has_value(), next.error().detail);
    CHECK(next->revocation_lists.empty());
    CHECK(next->revocations_held_back.empty());
}

// Regression: 100,000 nested '[' (no signature at all) overflowed the stack of every verifier.
TEST_CASE("untrusted JSON nested deeper than the limit is refused before any tree is built") {
    const std::string deep = nested_arrays(100000);
    const auto bundle = load_bundle(deep, nullptr);
    REQUIRE_FALSE(bundle.has_value());
    CHECK(bundle.error().failure == TrustFailure::malformed);
    CHECK(bundle.error().detail.find("trop profondément") != std::string::npos);
    CHECK_FALSE(read_trust_state(deep).has_value());
    CHECK_FALSE(parse_envelope_text(deep).has_value());
    CHECK_FALSE(parse_registry_payload(deep).has_value());
    CHECK_FALSE(parse_revocations_payload(deep).has_value());

    // Inside an otherwise well-formed bundle, as the registry or as a revocation document.
    const Network net;
    json doc = json::parse(net.bundle());
    const std::string with_deep_revocations = doc.dump().replace(doc.dump().find("\"revocations\":[]"), 16,
                                                                   "\"revocations\":[" + deep + "]");
    CHECK_FALSE(load_bundle(with_deep_revocations, nullptr).has_value());

    passkoop_verifier* v = nullptr;
    char error[256];
    CHECK(passkoop_verifier_new(deep.data(), deep.size(), nullptr, 0, 30, "en", &v, error, sizeof error) ==
          PASSKOOP_ERROR_BUNDLE_REJECTED);
    CHECK(v == nullptr);
    CHECK(passkoop_verifier_new(net.bundle().data(), net.bundle().size(), deep.data(), deep.size(), 30, "en", &v, error,
                                sizeof error) == PASSKOOP_ERROR_ANCHOR_REJECTED);
}

TEST_CASE("untrusted JSON a signed registry or revocation payload nested too deep is refused, not walked") {
    const Scene s;
    const std::string deep_payload = R"({"type":"passkoop-registry","x":)" + nested_arrays(5000) + "}";
    Envelope env{std::string(kRegistryPayloadType), deep_payload, {}};
    env.sign(s.net.admin_a);
    env.sign(s.net.admin_b);
    const auto accepted = accept_registry(env, {}, nullptr);
    REQUIRE_FALSE(accepted.has_value());
    CHECK(accepted.error().failure == TrustFailure::bad_payload);

    Envelope list{std::string(kRevocationsPayloadType), R"({"type":"passkoop-revocations","coop":12,"x":)" +
                                                            nested_arrays(5000) + "}",
                  {}};
    list.sign(s.net.cagette);
    const TrustedBundle bundle = s.net.trusted({list});
    REQUIRE(bundle.warnings.size() == 1);
    CHECK(bundle.warnings[0].find("trop profondément") != std::string::npos);
}

TEST_CASE("untrusted JSON depth is measured as the lexer reads strings") {
    CHECK(json_nesting_depth("[]") == 1);
    CHECK(json_nesting_depth(R"({"a":[{"b":[]}]})") == 4);
    // Brackets inside strings, escaped quotes included, do not count.
    CHECK(json_nesting_depth(R"(["[[[[", "\"[[[[", "\\"])") == 1);
    CHECK(json_nesting_depth(nested_arrays(kMaxJsonDepth)) == kMaxJsonDepth);
    CHECK(parse_json_bounded(nested_arrays(kMaxJsonDepth)).has_value());
    CHECK(parse_json_bounded(nested_arrays(kMaxJsonDepth + 1)).error() == JsonProblem::too_deep);
    CHECK(parse_json_bounded("[1,").error() == JsonProblem::invalid);
    // nlohmann alone reads up to a NUL byte and ignores the rest.
    CHECK(parse_json_bounded(std::string_view("{\"a\":1}\0garbage", 15)).error() == JsonProblem::invalid);
    // A tree built in memory rather than parsed is still walked to a bounded depth only.
    json deep = json::array();
    for (int i = 0; i < 10000; ++i) deep = json::array({std::move(deep)});
    std::string where;
    CHECK_FALSE(has_only_exact_values(deep, where));
}

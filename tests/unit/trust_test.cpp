// Registry trust (DESIGN §5): thresholds, admin-set change chains, rollback protection and the
// bundle's structural checks (accept_registry, load_bundle, count_threshold).
#include "support.hpp"

#include <passkoop/i18n.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <string>
#include <vector>

using namespace pk_test;
using nlohmann::json;

namespace {

// "accepted" or the failure's stable name, so that CHECK prints something readable.
std::string outcome(const std::expected<Registry, TrustError>& r) {
    return r ? std::string("accepted") : std::string(to_string(r.error().failure));
}
std::string outcome(const std::expected<TrustedBundle, TrustError>& r) {
    return r ? std::string("accepted") : std::string(to_string(r.error().failure));
}

// The next version of `prev`, chained to its payload.
Registry successor(const Registry& prev, const Envelope& prev_env) {
    Registry next = prev;
    next.version = prev.version + 1;
    next.previous = prev_env.payload_hash();
    next.issued_at = prev.issued_at + 86400;
    next.expires_at = prev.expires_at + 86400;
    return next;
}

TrustAnchor anchor_of(const Envelope& env) {
    auto reg = read_registry_envelope(env);
    REQUIRE(reg.has_value());
    return {std::move(*reg), env.payload_hash()};
}

// Admin rotation: v1 admins A, B, C (threshold 2); v2 changes them to B, C, D, signed by A, B, D
// (exactly two of the old set and two of the new one); v3 keeps B, C, D and is signed by C, D;
// v4 changes them to D, E, F, signed by C, D, E; v5 keeps them, signed by E, F.
struct Rotation {
    Network net;
    SigningKey d = key_named("admin-d"), e = key_named("admin-e"), f = key_named("admin-f");
    Registry r1, r2, r3, r4, r5;
    Envelope v1, v2, v3, v4, v5;

    Rotation() {
        r1 = net.registry;
        v1 = sign_registry(r1, {&net.admin_a, &net.admin_b});
        r2 = successor(r1, v1);
        r2.admins.keys = {admin_of(net.admin_b, "Bruno", 7), admin_of(net.admin_c, "Chloé", 3),
                          admin_of(d, "Dominique", 12)};
        v2 = sign_registry(r2, {&net.admin_a, &net.admin_b, &d});
        r3 = successor(r2, v2);
        v3 = sign_registry(r3, {&net.admin_c, &d});
        r4 = successor(r3, v3);
        r4.admins.keys = {admin_of(d, "Dominique", 12), admin_of(e, "Emma", 7), admin_of(f, "Fanny", 3)};
        v4 = sign_registry(r4, {&net.admin_c, &d, &e});
        r5 = successor(r4, v4);
        v5 = sign_registry(r5, {&e, &f});
    }
};

}  // namespace

TEST_CASE("trust count_threshold counts distinct valid admin signatures") {
    const Network net;
    const Registry& reg = net.registry;
    CHECK(count_threshold(sign_registry(reg, {}), reg.admins).valid == 0);
    const ThresholdCount one = count_threshold(sign_registry(reg, {&net.admin_c}), reg.admins);
    CHECK(one.valid == 1);
    CHECK(one.needed == 2);
    CHECK_FALSE(one.met());
    const ThresholdCount two = count_threshold(sign_registry(reg, {&net.admin_a, &net.admin_c}), reg.admins);
    CHECK(two.valid == 2);
    CHECK(two.met());
    const ThresholdCount three =
        count_threshold(sign_registry(reg, {&net.admin_a, &net.admin_b, &net.admin_c}), reg.admins);
    CHECK(three.valid == 3);
    CHECK(three.met());
}

TEST_CASE("trust exactly threshold signatures are accepted by any two of three admins") {
    const Network net;
    const std::vector<std::pair<const SigningKey*, const SigningKey*>> pairs = {
        {&net.admin_a, &net.admin_b}, {&net.admin_a, &net.admin_c}, {&net.admin_b, &net.admin_c}};
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        CAPTURE(i);
        const Envelope env = sign_registry(net.registry, {pairs[i].first, pairs[i].second});
        CHECK(outcome(accept_registry(env, {}, nullptr)) == "accepted");
        CHECK(outcome(load_bundle(bundle_to_string(env, {}, {}), nullptr)) == "accepted");
    }
}

TEST_CASE("trust one signature short of the threshold is not_enough_signatures") {
    const Network net;
    for (const SigningKey* only : {&net.admin_a, &net.admin_b, &net.admin_c}) {
        const Envelope env = sign_registry(net.registry, {only});
        const auto r = accept_registry(env, {}, nullptr);
        CHECK(outcome(r) == "not_enough_signatures");
        CHECK(outcome(load_bundle(bundle_to_string(env, {}, {}), nullptr)) == "not_enough_signatures");
    }
    CHECK(outcome(accept_registry(sign_registry(net.registry, {}), {}, nullptr)) == "not_enough_signatures");
}

TEST_CASE("trust not_enough_signatures detail shows the count found and the count needed") {
    const Network net;
    const Envelope env = sign_registry(net.registry, {&net.admin_b});
    {
        const auto r = accept_registry(env, {}, nullptr);
        REQUIRE_FALSE(r.has_value());
        CAPTURE(r.error().detail);
        CHECK(r.error().detail.find("version 1") != std::string::npos);
        CHECK(r.error().detail.find("1 signature(s) valide(s) distincte(s) sur 2 requise(s)") != std::string::npos);
    }
    {
        const ThreadLanguage english(Lang::en);
        const auto r = accept_registry(env, {}, nullptr);
        REQUIRE_FALSE(r.has_value());
        CAPTURE(r.error().detail);
        CHECK(r.error().detail.find("1 valid distinct signature(s) of 2 needed") != std::string::npos);
    }
}

TEST_CASE("trust duplicate signatures by the same key count once") {
    const Network net;
    Envelope env = sign_registry(net.registry, {&net.admin_a});
    env.signatures.push_back(env.signatures[0]);
    env.signatures.push_back(env.signatures[0]);
    REQUIRE(env.signatures.size() == 3);
    CHECK(count_threshold(env, net.registry.admins).valid == 1);
    CHECK(outcome(accept_registry(env, {}, nullptr)) == "not_enough_signatures");
    // The duplicated envelope also survives the JSON round trip of a bundle.
    CHECK(outcome(load_bundle(bundle_to_string(env, {}, {}), nullptr)) == "not_enough_signatures");
}

TEST_CASE("trust a bad signature under an admin key id neither counts nor hides a good one") {
    const Network net;
    const Envelope good = sign_registry(net.registry, {&net.admin_a, &net.admin_b});
    Envelope env = good;
    Signature garbage = env.signatures[0].sig;
    garbage[10] ^= 0x01;
    env.signatures.insert(env.signatures.begin(), EnvelopeSignature{net.admin_a.id(), garbage});
    CHECK(count_threshold(env, net.registry.admins).valid == 2);
    CHECK(outcome(accept_registry(env, {}, nullptr)) == "accepted");

    // A's only signature corrupted: A does not count.
    Envelope corrupted = good;
    corrupted.signatures[0].sig[0] ^= 0x80;
    CHECK(count_threshold(corrupted, net.registry.admins).valid == 1);
    CHECK(outcome(accept_registry(corrupted, {}, nullptr)) == "not_enough_signatures");
}

TEST_CASE("trust signatures with unknown key ids are ignored") {
    const Network net;
    const SigningKey x = key_named("stranger-x"), y = key_named("stranger-y"), z = key_named("stranger-z");
    const Envelope strangers = sign_registry(net.registry, {&net.admin_a, &x, &y, &z});
    CHECK(count_threshold(strangers, net.registry.admins).valid == 1);
    CHECK(outcome(accept_registry(strangers, {}, nullptr)) == "not_enough_signatures");
    // Coop keys are not admin keys either.
    const Envelope coops = sign_registry(net.registry, {&net.admin_a, &net.cagette, &net.louve});
    CHECK(outcome(accept_registry(coops, {}, nullptr)) == "not_enough_signatures");

    const Envelope enough = sign_registry(net.registry, {&x, &net.admin_a, &y, &net.admin_b, &z});
    CHECK(count_threshold(enough, net.registry.admins).valid == 2);
    CHECK(outcome(accept_registry(enough, {}, nullptr)) == "accepted");
}

TEST_CASE("trust a signature filed under another admin's key id does not count") {
    const Network net;
    const Envelope by_b = sign_registry(net.registry, {&net.admin_b});
    const Envelope by_c = sign_registry(net.registry, {&net.admin_c});
    Envelope env = sign_registry(net.registry, {&net.admin_a});
    // B's and C's genuine signatures, both relabelled as A's.
    env.signatures.push_back({net.admin_a.id(), by_b.signatures[0].sig});
    env.signatures.push_back({net.admin_a.id(), by_c.signatures[0].sig});
    CHECK(count_threshold(env, net.registry.admins).valid == 1);
    CHECK(outcome(accept_registry(env, {}, nullptr)) == "not_enough_signatures");
}

TEST_CASE("trust an admin key listed twice counts once") {
    const Network net;
    Registry reg = net.registry;
    reg.admins.keys = {admin_of(net.admin_a, "Alice", 12), admin_of(net.admin_a, "Alice bis", 12),
                       admin_of(net.admin_b, "Bruno", 7)};
    reg.admins.threshold = 2;
    const Envelope alone = sign_registry(reg, {&net.admin_a});
    const ThresholdCount count = count_threshold(alone, reg.admins);
    CHECK(count.valid == 1);
    CHECK(count.needed == 2);
    CHECK(outcome(accept_registry(alone, {}, nullptr)) == "not_enough_signatures");
    CHECK(outcome(accept_registry(sign_registry(reg, {&net.admin_a, &net.admin_b}), {}, nullptr)) == "accepted");
}

TEST_CASE("trust signatures made for another payload type do not count") {
    const Network net;
    const std::string payload = registry_payload(net.registry);
    for (const std::string_view type : {kRevocationsPayloadType, kPassPayloadType}) {
        CAPTURE(type);
        Envelope other{std::string(type), payload, {}};
        other.sign(net.admin_a);
        Envelope env = sign_registry(net.registry, {&net.admin_b});
        env.signatures.push_back(other.signatures[0]);
        CHECK(count_threshold(env, net.registry.admins).valid == 1);
        CHECK(outcome(accept_registry(env, {}, nullptr)) == "not_enough_signatures");
    }
    // And the reverse: a registry signature does not make a revocation list admin-signed.
    Envelope as_revocations{std::string(kRevocationsPayloadType), payload, {}};
    const Envelope registry_env = sign_registry(net.registry, {&net.admin_a, &net.admin_b});
    as_revocations.signatures = registry_env.signatures;
    CHECK(count_threshold(as_revocations, net.registry.admins).valid == 0);
}

TEST_CASE("trust a registry envelope of another payload type is wrong_payload_type") {
    const Network net;
    const std::string payload = registry_payload(net.registry);
    for (const std::string& type : {std::string(kRevocationsPayloadType), std::string(kPassPayloadType),
                                    std::string(kRegistryPayloadType) + " ", std::string("application/json"),
                                    std::string("")}) {
        CAPTURE(type);
        // Properly signed for the type it claims.
        Envelope env{type, payload, {}};
        env.sign(net.admin_a);
        env.sign(net.admin_b);
        CHECK(outcome(accept_registry(env, {}, nullptr)) == "wrong_payload_type");
        CHECK(outcome(load_bundle(bundle_to_string(env, {}, {}), nullptr)) == "wrong_payload_type");
    }
}

TEST_CASE("trust a signed payload that is not a valid registry is bad_payload") {
    const Network net;
    Registry bad = net.registry;
    bad.admins.threshold = 5;  // more than the three admin keys
    for (const std::string& payload : {std::string("{}"), std::string("not json"), registry_payload(bad)}) {
        CAPTURE(payload.substr(0, 40));
        Envelope env{std::string(kRegistryPayloadType), payload, {}};
        env.sign(net.admin_a);
        env.sign(net.admin_b);
        const auto r = accept_registry(env, {}, nullptr);
        CHECK(outcome(r) == "bad_payload");
        CHECK(outcome(read_registry_envelope(env)) == "bad_payload");
    }
}

TEST_CASE("trust without an anchor only self-consistency is checked") {
    // A registry run by complete strangers is self-consistent: without a pinned anchor this is
    // all that can be checked (first trust comes from the shop's own coop).
    const Rotation rot;
    Registry strangers = rot.r1;
    strangers.admins.keys = {admin_of(rot.d, "D", 1), admin_of(rot.e, "E", 1), admin_of(rot.f, "F", 1)};
    CHECK(outcome(accept_registry(sign_registry(strangers, {&rot.d, &rot.e}), {}, nullptr)) == "accepted");
    // With the anchor it is refused.
    const TrustAnchor anchor = anchor_of(rot.v1);
    Registry later = strangers;
    later.version = 9;
    later.previous = Hash256{};
    CHECK(outcome(accept_registry(sign_registry(later, {&rot.d, &rot.e}), {}, &anchor)) == "broken_admin_chain");
}

TEST_CASE("trust admin rotation signed by both sets is accepted as the next version") {
    const Rotation rot;
    const TrustAnchor anchor = anchor_of(rot.v1);
    // v2 carries exactly a threshold of the old set (A, B) and of the new set (B, D).
    CHECK(count_threshold(rot.v2, rot.r1.admins).valid == 2);
    CHECK(count_threshold(rot.v2, rot.r2.admins).valid == 2);
    const auto r = accept_registry(rot.v2, {}, &anchor);
    REQUIRE(outcome(r) == "accepted");
    CHECK(r->version == 2);
    CHECK(r->admins.same_trust_as(rot.r2.admins));
}

TEST_CASE("trust admin rotation chain through the bundle history is accepted") {
    const Rotation rot;
    const TrustAnchor anchor = anchor_of(rot.v1);
    // v3 is signed only by C and D: trusted through v2, which the history carries.
    CHECK(count_threshold(rot.v3, rot.r1.admins).valid == 1);
    const auto r = accept_registry(rot.v3, {rot.v2}, &anchor);
    REQUIRE(outcome(r) == "accepted");
    CHECK(r->version == 3);

    const auto bundle = load_bundle(bundle_to_string(rot.v3, {rot.v2}, {}), &anchor);
    REQUIRE(outcome(bundle) == "accepted");
    CHECK(bundle->registry.version == 3);
    CHECK(bundle->registry_hash == rot.v3.payload_hash());

    // History documents outside (anchor, candidate) are ignored: the anchor itself, the
    // candidate itself and later versions.
    CHECK(outcome(accept_registry(rot.v3, {rot.v5, rot.v3, rot.v1, rot.v2, rot.v4}, &anchor)) == "accepted");
}

TEST_CASE("trust two admin rotations chain in any history order") {
    const Rotation rot;
    const TrustAnchor anchor = anchor_of(rot.v1);
    CHECK(outcome(accept_registry(rot.v5, {rot.v2, rot.v4}, &anchor)) == "accepted");
    CHECK(outcome(accept_registry(rot.v5, {rot.v4, rot.v2}, &anchor)) == "accepted");
    CHECK(outcome(accept_registry(rot.v5, {rot.v4, rot.v3, rot.v2}, &anchor)) == "accepted");
    // Each link is needed.
    CHECK(outcome(accept_registry(rot.v5, {rot.v2}, &anchor)) == "broken_admin_chain");
    CHECK(outcome(accept_registry(rot.v5, {rot.v4}, &anchor)) == "broken_admin_chain");
    CHECK(outcome(accept_registry(rot.v5, {}, &anchor)) == "broken_admin_chain");
    // From an anchor after the first rotation only the second link is needed.
    const TrustAnchor anchor3 = anchor_of(rot.v3);
    CHECK(outcome(accept_registry(rot.v5, {rot.v4}, &anchor3)) == "accepted");
    // Accepted bundles chain: the result of one load is the anchor of the next.
    const auto b3 = load_bundle(bundle_to_string(rot.v3, {rot.v2}, {}), &anchor);
    REQUIRE(outcome(b3) == "accepted");
    const TrustAnchor next = b3->anchor();
    CHECK(outcome(load_bundle(bundle_to_string(rot.v5, {rot.v4}, {}), &next)) == "accepted");
}

TEST_CASE("trust admin rotation with its link missing from the history is broken_admin_chain") {
    const Rotation rot;
    const TrustAnchor anchor = anchor_of(rot.v1);
    const auto r = accept_registry(rot.v3, {}, &anchor);
    CHECK(outcome(r) == "broken_admin_chain");
    CHECK(outcome(load_bundle(bundle_to_string(rot.v3, {}, {}), &anchor)) == "broken_admin_chain");
    // An unrelated history document does not stand in for the missing link.
    CHECK(outcome(accept_registry(rot.v3, {rot.v1}, &anchor)) == "broken_admin_chain");
}

TEST_CASE("trust an admin change signed only by the new set is broken_admin_chain") {
    const Rotation rot;
    const TrustAnchor anchor = anchor_of(rot.v1);
    Registry takeover = successor(rot.r1, rot.v1);
    takeover.admins.keys = {admin_of(rot.d, "D", 1), admin_of(rot.e, "E", 1), admin_of(rot.f, "F", 1)};
    const Envelope v2 = sign_registry(takeover, {&rot.d, &rot.e, &rot.f});
    CHECK(outcome(accept_registry(v2, {}, &anchor)) == "broken_admin_chain");

    // The same forged change offered as a history link.
    const Registry r3 = successor(takeover, v2);
    const Envelope v3 = sign_registry(r3, {&rot.d, &rot.e});
    CHECK(outcome(accept_registry(v3, {v2}, &anchor)) == "broken_admin_chain");
    CHECK(outcome(load_bundle(bundle_to_string(v3, {v2}, {}), &anchor)) == "broken_admin_chain");

    // A change signed by one old admin and the new ones is still short of the old threshold.
    const Envelope one_old = sign_registry(rot.r2, {&rot.net.admin_c, &rot.d});
    CHECK(count_threshold(one_old, rot.r2.admins).met());
    CHECK(outcome(accept_registry(one_old, {}, &anchor)) == "broken_admin_chain");
}

TEST_CASE("trust an admin change signed only by the old set is refused") {
    const Rotation rot;
    const TrustAnchor anchor = anchor_of(rot.v1);
    // A and B (old) sign v2 but only B of the new set B, C, D.
    const Envelope v2 = sign_registry(rot.r2, {&rot.net.admin_a, &rot.net.admin_b});
    CHECK(outcome(accept_registry(v2, {}, &anchor)) == "not_enough_signatures");
    // As a history link it breaks the chain.
    CHECK(outcome(accept_registry(rot.v3, {v2}, &anchor)) == "broken_admin_chain");
}

TEST_CASE("trust lowering the threshold is an admin change that needs the old threshold") {
    const Network net;
    const Envelope v1 = sign_registry(net.registry, {&net.admin_a, &net.admin_b});
    const TrustAnchor anchor = anchor_of(v1);
    Registry r2 = successor(net.registry, v1);
    r2.admins.threshold = 1;
    CHECK(outcome(accept_registry(sign_registry(r2, {&net.admin_a}), {}, &anchor)) == "broken_admin_chain");
    CHECK(outcome(accept_registry(sign_registry(r2, {&net.admin_a, &net.admin_c}), {}, &anchor)) == "accepted");
    // Renaming admins is not an admin change.
    Registry renamed = successor(net.registry, v1);
    renamed.admins.keys[0].name = "Alice M.";
    CHECK(outcome(accept_registry(sign_registry(renamed, {&net.admin_b, &net.admin_c}), {}, &anchor)) == "accepted");
}

TEST_CASE("trust a broken or duplicated history document is broken_admin_chain") {
    const Rotation rot;
    const TrustAnchor anchor = anchor_of(rot.v1);
    Envelope garbage{std::string(kRegistryPayloadType), "{}", {}};
    garbage.sign(rot.net.admin_a);
    CHECK(outcome(accept_registry(rot.v3, {rot.v2, garbage}, &anchor)) == "broken_admin_chain");
    Envelope wrong_type = rot.v2;
    wrong_type.payload_type = std::string(kRevocationsPayloadType);
    CHECK(outcome(accept_registry(rot.v3, {wrong_type}, &anchor)) == "broken_admin_chain");

    // Two different documents for version 2.
    Registry other2 = rot.r2;
    other2.expires_at += 1;
    const Envelope v2b = sign_registry(other2, {&rot.net.admin_a, &rot.net.admin_b, &rot.d});
    CHECK(outcome(accept_registry(rot.v3, {rot.v2, v2b}, &anchor)) == "broken_admin_chain");
}

TEST_CASE("trust a candidate older than the anchor is a rollback") {
    const Rotation rot;
    const Envelope v2 = sign_registry(successor(rot.r1, rot.v1), {&rot.net.admin_a, &rot.net.admin_b});
    const TrustAnchor anchor2 = anchor_of(v2);
    CHECK(outcome(accept_registry(rot.v1, {}, &anchor2)) == "rollback");
    CHECK(outcome(load_bundle(bundle_to_string(rot.v1, {}, {}), &anchor2)) == "rollback");
    const TrustAnchor anchor5 = anchor_of(rot.v5);
    CHECK(outcome(accept_registry(rot.v3, {rot.v2}, &anchor5)) == "rollback");
    const auto r = accept_registry(rot.v1, {}, &anchor2);
    REQUIRE_FALSE(r.has_value());
    CAPTURE(r.error().detail);
    CHECK(r.error().detail.find("version 1") != std::string::npos);
}

TEST_CASE("trust the same version with the same payload bytes is accepted") {
    const Network net;
    const Envelope v1 = sign_registry(net.registry, {&net.admin_a, &net.admin_b});
    const TrustAnchor anchor = anchor_of(v1);
    CHECK(outcome(accept_registry(v1, {}, &anchor)) == "accepted");
    // Other signers over the same bytes: still the same document.
    CHECK(outcome(accept_registry(sign_registry(net.registry, {&net.admin_b, &net.admin_c}), {}, &anchor)) ==
          "accepted");
    const auto bundle = load_bundle(net.bundle(), &anchor);
    REQUIRE(outcome(bundle) == "accepted");
    CHECK(bundle->registry_hash == anchor.payload_hash);
}

TEST_CASE("trust the same version with different bytes is a version_conflict") {
    const Network net;
    const Envelope v1 = sign_registry(net.registry, {&net.admin_a, &net.admin_b});
    const TrustAnchor anchor = anchor_of(v1);
    Registry changed = net.registry;
    changed.expires_at += 1;
    CHECK(outcome(accept_registry(sign_registry(changed, {&net.admin_a, &net.admin_b}), {}, &anchor)) ==
          "version_conflict");

    // The same content serialised differently is other bytes: still a conflict.
    Envelope reformatted{std::string(kRegistryPayloadType), json::parse(v1.payload).dump(2), {}};
    reformatted.sign(net.admin_a);
    reformatted.sign(net.admin_b);
    REQUIRE(reformatted.payload != v1.payload);
    const auto r = accept_registry(reformatted, {}, &anchor);
    CHECK(outcome(r) == "version_conflict");
    CHECK(outcome(load_bundle(bundle_to_string(reformatted, {}, {}), &anchor)) == "version_conflict");
}

TEST_CASE("trust the next version must name the anchor's payload hash as previous") {
    const Network net;
    const Envelope v1 = sign_registry(net.registry, {&net.admin_a, &net.admin_b});
    const TrustAnchor anchor = anchor_of(v1);
    Registry r2 = successor(net.registry, v1);
    CHECK(outcome(accept_registry(sign_registry(r2, {&net.admin_a, &net.admin_b}), {}, &anchor)) == "accepted");

    const std::vector<Hash256> wrong = {blake2b256(as_bytes(std::string_view("another version 1"))),
                                        blake2b256(as_bytes(pae(kRegistryPayloadType, as_bytes(v1.payload)))),
                                        Hash256{}};
    for (std::size_t i = 0; i < wrong.size(); ++i) {
        CAPTURE(i);
        r2.previous = wrong[i];
        const Envelope env = sign_registry(r2, {&net.admin_a, &net.admin_b});
        CHECK(outcome(accept_registry(env, {}, &anchor)) == "previous_mismatch");
        CHECK(outcome(load_bundle(bundle_to_string(env, {}, {}), &anchor)) == "previous_mismatch");
    }
}

TEST_CASE("trust a bundle over 16 MiB is too_large before parsing") {
    const Network net;
    const std::string bundle = net.bundle();
    REQUIRE(bundle.size() < kMaxBundleBytes);
    // Valid JSON padded with trailing whitespace: exactly at the limit it loads, one byte over
    // it is refused without being parsed.
    std::string padded = bundle;
    padded.resize(kMaxBundleBytes, ' ');
    CHECK(outcome(load_bundle(padded, nullptr)) == "accepted");
    padded.push_back(' ');
    CHECK(outcome(load_bundle(padded, nullptr)) == "too_large");
    // Garbage over the limit is too_large, not malformed: the size is checked first.
    const std::string garbage(kMaxBundleBytes + 1, '{');
    CHECK(outcome(load_bundle(garbage, nullptr)) == "too_large");
    CHECK(outcome(load_bundle(std::string_view(garbage).substr(0, kMaxBundleBytes), nullptr)) == "malformed");

    const auto env = parse_envelope_text(garbage);
    REQUIRE_FALSE(env.has_value());
    CHECK(to_string(env.error().failure) == "too_large");
}

TEST_CASE("trust a bundle with too many history documents is too_large") {
    const Network net;
    const Envelope v1 = net.signed_registry();
    json doc = json::parse(net.bundle());
    doc["admin_history"] = json::array();
    for (std::size_t i = 0; i < kMaxHistoryEnvelopes; ++i) doc["admin_history"].push_back(envelope_to_json(v1));
    CHECK(outcome(load_bundle(doc.dump(), nullptr)) == "accepted");
    doc["admin_history"].push_back(envelope_to_json(v1));
    CHECK(outcome(load_bundle(doc.dump(), nullptr)) == "too_large");
}

TEST_CASE("trust malformed bundles are malformed") {
    const Network net;
    const json good = json::parse(net.bundle());
    REQUIRE(outcome(load_bundle(good.dump(), nullptr)) == "accepted");
    std::vector<std::pair<std::string, std::string>> cases = {
        {"empty", ""},
        {"truncated", net.bundle().substr(0, 200)},
        {"not json", "PK0123"},
        {"array", "[]"},
        {"null", "null"},
        {"string", "\"passkoop-bundle\""},
        {"type only", R"({"type":"passkoop-bundle"})"},
    };
    auto mutate = [&](const char* label, auto&& change) {
        json doc = good;
        change(doc);
        cases.emplace_back(label, doc.dump());
    };
    mutate("no type", [](json& d) { d.erase("type"); });
    mutate("registry type", [](json& d) { d["type"] = "passkoop-registry"; });
    mutate("no registry", [](json& d) { d.erase("registry"); });
    mutate("no admin_history", [](json& d) { d.erase("admin_history"); });
    mutate("admin_history object", [](json& d) { d["admin_history"] = json::object(); });
    mutate("no revocations", [](json& d) { d.erase("revocations"); });
    mutate("revocations null", [](json& d) { d["revocations"] = nullptr; });
    mutate("registry not an object", [](json& d) { d["registry"] = "envelope"; });
    mutate("registry without signatures", [](json& d) { d["registry"].erase("signatures"); });
    mutate("registry without payload", [](json& d) { d["registry"].erase("payload"); });
    mutate("registry without payloadType", [](json& d) { d["registry"].erase("payloadType"); });
    mutate("registry extra field", [](json& d) { d["registry"]["payloadtype"] = "x"; });
    mutate("registry payload not base64", [](json& d) { d["registry"]["payload"] = "not base64!"; });
    mutate("registry payload not a string", [](json& d) { d["registry"]["payload"] = 12; });
    mutate("registry signatures object", [](json& d) { d["registry"]["signatures"] = json::object(); });
    mutate("keyid uppercase", [](json& d) {
        std::string id = d["registry"]["signatures"][0]["keyid"];
        for (char& c : id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        d["registry"]["signatures"][0]["keyid"] = id;
    });
    mutate("keyid short", [](json& d) { d["registry"]["signatures"][0]["keyid"] = "0123456789abcde"; });
    mutate("sig 63 bytes", [](json& d) { d["registry"]["signatures"][0]["sig"] = to_base64(Bytes(63, 1)); });
    mutate("sig missing", [](json& d) { d["registry"]["signatures"][0].erase("sig"); });
    mutate("65 signatures", [](json& d) {
        while (d["registry"]["signatures"].size() <= kMaxSignaturesPerEnvelope)
            d["registry"]["signatures"].push_back(d["registry"]["signatures"][0]);
    });
    mutate("history entry broken", [](json& d) { d["admin_history"].push_back(json::object()); });
    for (const auto& [label, text] : cases) {
        CAPTURE(label);
        CHECK(outcome(load_bundle(text, nullptr)) == "malformed");
    }
}

TEST_CASE("trust load_bundle exposes the accepted registry its envelope and hash") {
    const Network net;
    const Envelope env = net.signed_registry();
    const auto bundle = load_bundle(net.bundle(), nullptr);
    REQUIRE(outcome(bundle) == "accepted");
    CHECK(bundle->registry.version == 1);
    CHECK(bundle->registry.coops.size() == 3);
    CHECK(bundle->registry_envelope.payload == env.payload);
    CHECK(bundle->registry_hash == blake2b256(as_bytes(env.payload)));
    CHECK(bundle->warnings.empty());
    CHECK(bundle->revoked.empty());
    const TrustAnchor anchor = bundle->anchor();
    CHECK(anchor.payload_hash == bundle->registry_hash);
    CHECK(anchor.registry.version == 1);
}

TEST_CASE("trust parse_envelope_text reads a lone envelope strictly") {
    const Network net;
    const Envelope env = net.signed_registry();
    const auto parsed = parse_envelope_text(envelope_to_json(env).dump());
    REQUIRE(parsed.has_value());
    CHECK(parsed->payload == env.payload);
    CHECK(parsed->payload_type == env.payload_type);
    CHECK(parsed->signatures.size() == 2);
    CHECK(outcome(accept_registry(*parsed, {}, nullptr)) == "accepted");
    for (const std::string text : {"", "{", "[]", R"({"payloadType":"x","payload":"","signatures":[],"x":1})"}) {
        CAPTURE(text);
        const auto bad = parse_envelope_text(text);
        REQUIRE_FALSE(bad.has_value());
        CHECK(to_string(bad.error().failure) == "malformed");
    }
}

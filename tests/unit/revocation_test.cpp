// Revocation lists (DESIGN §5): the payload format, and how load_bundle decides which lists are
// in force (own coop key or admin threshold, highest sequence) without ever failing the bundle.
#include "support.hpp"

#include <passkoop/i18n.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <string>
#include <vector>

using namespace pk_test;
using nlohmann::json;

namespace {

std::uint64_t id_of(const Pass& p) { return pass_id_value(p.signed_bytes()); }

RevocationList list_for(std::uint16_t coop, std::int64_t sequence, std::initializer_list<const Pass*> passes) {
    RevocationList list;
    list.coop = coop;
    list.sequence = sequence;
    list.issued_at = instant("2026-11-10T09:00:00Z");
    for (const Pass* p : passes) list.entries.push_back({id_of(*p), p->expiry_day});
    return list;
}

// The path part of a rejection, or "<accepted>".
std::string rejected_path(const std::string& payload) {
    const auto parsed = parse_revocations_payload(payload);
    if (parsed) return "<accepted>";
    const auto sep = parsed.error().find(" : ");
    return sep == std::string::npos ? "<no path in: " + parsed.error() + ">" : parsed.error().substr(0, sep);
}

// The network, one pass per coop (and a second and third one for La Cagette), checked at
// 2026-11-21 when every pass is valid unless revoked.
struct Scene {
    Network net;
    std::int64_t clock = start_of_day(day("2026-11-21"));
    Pass cagette_pass = make_pass(12, 1, 4242, "2026-01-01", "2027-06-30", "Camille D.");
    Pass cagette_other = make_pass(12, 1, 4343, "2026-02-01", "2027-06-30", "Dominique P.");
    Pass cagette_third = make_pass(12, 1, 4444, "2026-03-01", "2027-06-30", "Eden R.");
    Pass louve_pass = make_pass(7, 1, 7777, "2026-01-01", "2027-06-30", "Louis L.");
    Pass coopalim_old_pass = make_pass(3, 1, 3333, "2025-06-01", "2027-06-30", "Anna C.");
    Pass coopalim_pass = make_pass(3, 2, 3434, "2026-06-01", "2027-06-30", "Bea C.");

    Scene() {
        sign_pass(cagette_pass, net.cagette);
        sign_pass(cagette_other, net.cagette);
        sign_pass(cagette_third, net.cagette);
        sign_pass(louve_pass, net.louve);
        sign_pass(coopalim_old_pass, net.coopalim_old);
        sign_pass(coopalim_pass, net.coopalim);
    }

    std::string code(const Pass& p, const TrustedBundle& bundle) const {
        return std::string(to_string(verify_pass(encode_text(p.to_binary()), bundle, clock).code));
    }

    TrustedBundle load(const std::vector<Envelope>& revocations) const {
        auto bundle = load_bundle(net.bundle(revocations), nullptr);
        REQUIRE_MESSAGE(bundle.has_value(), bundle.error().detail);
        return std::move(*bundle);
    }

    TrustedBundle load_raw(const json& revocations) const {
        json doc = json::parse(net.bundle());
        doc["revocations"] = revocations;
        auto bundle = load_bundle(doc.dump(), nullptr);
        REQUIRE_MESSAGE(bundle.has_value(), bundle.error().detail);
        return std::move(*bundle);
    }
};

std::string joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

}  // namespace

TEST_CASE("revocations payload round trip") {
    RevocationList list;
    list.coop = 65535;
    list.sequence = (std::int64_t{1} << 53) - 1;
    list.issued_at = instant("2026-11-10T09:30:15Z");
    list.entries = {{0, day("2026-01-01")}, {0xffffffffffffffffULL, day("2099-12-31")}, {0x3f2a00000000beefULL, 0}};
    const std::string payload = revocations_payload(list);
    const auto parsed = parse_revocations_payload(payload);
    REQUIRE_MESSAGE(parsed.has_value(), parsed.error());
    CHECK(parsed->coop == 65535);
    CHECK(parsed->sequence == (std::int64_t{1} << 53) - 1);
    CHECK(parsed->issued_at == list.issued_at);
    REQUIRE(parsed->entries.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        CAPTURE(i);
        CHECK(parsed->entries[i].pass_id == list.entries[i].pass_id);
        CHECK(parsed->entries[i].until == list.entries[i].until);
    }
    CHECK(revocations_payload(*parsed) == payload);

    const json doc = json::parse(payload);
    CHECK(doc.at("type") == "passkoop-revocations");
    CHECK(doc.at("entries")[1].at("pass_id") == "ffffffffffffffff");
    CHECK(doc.at("entries")[2].at("pass_id") == "3f2a00000000beef");
    CHECK(doc.at("entries")[2].at("until") == "2020-01-01");
    CHECK(doc.at("issued_at") == "2026-11-10T09:30:15Z");

    RevocationList empty;
    empty.coop = 1;
    empty.issued_at = list.issued_at;
    const auto parsed_empty = parse_revocations_payload(revocations_payload(empty));
    REQUIRE(parsed_empty.has_value());
    CHECK(parsed_empty->entries.empty());
    CHECK(parsed_empty->sequence == 0);
}

TEST_CASE("revocations payload reads the same whatever its JSON layout") {
    // The compact sorted text revocations_payload writes, and the same document laid out
    // otherwise (indented, keys reordered), must give the same list.
    const Scene scene;
    const RevocationList list = list_for(12, 42, {&scene.cagette_pass, &scene.cagette_other, &scene.louve_pass});
    const std::string compact = revocations_payload(list);
    const json doc = json::parse(compact);
    std::string reordered = "{\"type\":\"passkoop-revocations\",\"sequence\":42,\"issued_at\":" +
                            doc.at("issued_at").dump() + ",\"entries\":" + doc.at("entries").dump() + ",\"coop\":12}";
    for (const std::string& text : {compact, doc.dump(2), reordered}) {
        CAPTURE(text.substr(0, 60));
        const auto parsed = parse_revocations_payload(text);
        REQUIRE_MESSAGE(parsed.has_value(), parsed.error());
        CHECK(parsed->coop == 12);
        CHECK(parsed->sequence == 42);
        CHECK(parsed->issued_at == list.issued_at);
        REQUIRE(parsed->entries.size() == 3);
        for (std::size_t i = 0; i < 3; ++i) {
            CAPTURE(i);
            CHECK(parsed->entries[i].pass_id == list.entries[i].pass_id);
            CHECK(parsed->entries[i].until == list.entries[i].until);
        }
        CHECK(revocations_payload(*parsed) == compact);
    }
    // Near-canonical texts that are not valid lists are refused whatever the layout.
    for (const std::string& bad :
         {compact.substr(0, compact.size() - 1), compact + " x", compact + "{}",
          std::string(compact).replace(compact.find("\"coop\":12"), 9, "\"coop\":012"),
          std::string(compact).replace(compact.find("\"sequence\":42"), 13, "\"sequence\":-42")}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_revocations_payload(bad).has_value());
    }
}

TEST_CASE("revocations pass id hex is 16 lowercase characters and round trips") {
    CHECK(pass_id_hex(0) == "0000000000000000");
    CHECK(pass_id_hex(0xffffffffffffffffULL) == "ffffffffffffffff");
    CHECK(pass_id_hex(0x0123456789abcdefULL) == "0123456789abcdef");
    const std::array<std::uint64_t, 5> ids = {0, 1, 0x8000000000000000ULL, 0x0123456789abcdefULL,
                                              0xffffffffffffffffULL};
    for (const std::uint64_t id : ids) {
        CAPTURE(id);
        const auto back = parse_pass_id(pass_id_hex(id));
        REQUIRE(back.has_value());
        CHECK(*back == id);
    }
    // The id of a pass, as text, is the pass id of DESIGN §3.
    const Scene scene;
    const Bytes signed_part = scene.cagette_pass.signed_bytes();
    CHECK(pass_id_hex(pass_id_value(signed_part)) == pass_id(signed_part));

    for (const std::string bad : {"0123456789ABCDEF", "0123456789abcde", "0123456789abcdef0", "0123456789abcdeg",
                                  "", " 123456789abcdef", "0x23456789abcdef", "-123456789abcdef",
                                  "+123456789abcdef"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_pass_id(bad).has_value());
    }
}

TEST_CASE("revocations payload rejections name the field") {
    const Scene scene;
    const json good = json::parse(revocations_payload(list_for(12, 4, {&scene.cagette_pass, &scene.cagette_other})));
    REQUIRE(rejected_path(good.dump()) == "<accepted>");
    struct Case {
        std::string label;
        std::function<void(json&)> change;
        std::string path;
    };
    const std::vector<Case> cases = {
        {"type missing", [](json& d) { d.erase("type"); }, "revocations.type"},
        {"type registry", [](json& d) { d["type"] = "passkoop-registry"; }, "revocations.type"},
        {"coop missing", [](json& d) { d.erase("coop"); }, "revocations.coop"},
        {"coop 0", [](json& d) { d["coop"] = 0; }, "revocations.coop"},
        {"coop 65536", [](json& d) { d["coop"] = 65536; }, "revocations.coop"},
        {"coop negative", [](json& d) { d["coop"] = -12; }, "revocations.coop"},
        {"coop text", [](json& d) { d["coop"] = "12"; }, "revocations.coop"},
        {"coop bool", [](json& d) { d["coop"] = true; }, "revocations.coop"},
        {"coop float", [](json& d) { d["coop"] = 12.0; }, "revocations.coop"},
        {"sequence missing", [](json& d) { d.erase("sequence"); }, "revocations.sequence"},
        {"sequence null", [](json& d) { d["sequence"] = nullptr; }, "revocations.sequence"},
        {"sequence negative", [](json& d) { d["sequence"] = -1; }, "revocations.sequence"},
        {"sequence text", [](json& d) { d["sequence"] = "4"; }, "revocations.sequence"},
        {"sequence float", [](json& d) { d["sequence"] = 4.5; }, "revocations.sequence"},
        {"sequence 2^53", [](json& d) { d["sequence"] = std::int64_t{1} << 53; }, "revocations.sequence"},
        {"sequence u64", [](json& d) { d["sequence"] = 0xffffffffffffffffULL; }, "revocations.sequence"},
        {"issued_at missing", [](json& d) { d.erase("issued_at"); }, "revocations.issued_at"},
        {"issued_at date", [](json& d) { d["issued_at"] = "2026-11-10"; }, "revocations.issued_at"},
        {"issued_at number", [](json& d) { d["issued_at"] = 1762765200; }, "revocations.issued_at"},
        {"entries missing", [](json& d) { d.erase("entries"); }, "revocations.entries"},
        {"entries object", [](json& d) { d["entries"] = json::object(); }, "revocations.entries"},
        {"entry text", [](json& d) { d["entries"][0] = "3f2a3f2a3f2a3f2a"; }, "revocations.entries[0]"},
        {"entry without until", [](json& d) { d["entries"][0].erase("until"); }, "revocations.entries[0]"},
        {"entry without pass_id", [](json& d) { d["entries"][1].erase("pass_id"); }, "revocations.entries[1]"},
        {"pass_id number", [](json& d) { d["entries"][1]["pass_id"] = 12; }, "revocations.entries[1]"},
        {"until number", [](json& d) { d["entries"][1]["until"] = 20271121; }, "revocations.entries[1]"},
        {"pass_id uppercase", [](json& d) { d["entries"][1]["pass_id"] = "3F2A3F2A3F2A3F2A"; },
         "revocations.entries[1].pass_id"},
        {"pass_id short", [](json& d) { d["entries"][1]["pass_id"] = "3f2a3f2a3f2a3f2"; },
         "revocations.entries[1].pass_id"},
        {"pass_id long", [](json& d) { d["entries"][1]["pass_id"] = "3f2a3f2a3f2a3f2a0"; },
         "revocations.entries[1].pass_id"},
        {"pass_id not hex", [](json& d) { d["entries"][1]["pass_id"] = "3f2a3f2a3f2a3f2z"; },
         "revocations.entries[1].pass_id"},
        {"until bad", [](json& d) { d["entries"][1]["until"] = "2027-13-01"; }, "revocations.entries[1].until"},
        {"until instant", [](json& d) { d["entries"][1]["until"] = "2027-01-01T00:00:00Z"; },
         "revocations.entries[1].until"},
        {"float in an unknown field", [](json& d) { d["entries"][1]["note"] = 0.5; }, "revocations.entries[1].note"},
        {"big integer in an unknown field", [](json& d) { d["extra"] = -(std::int64_t{1} << 53); },
         "revocations.extra"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.label);
        json doc = good;
        c.change(doc);
        CHECK(rejected_path(doc.dump()) == c.path);
    }
    for (const std::string bad : {"", "[]", "\"passkoop-revocations\"", "{", "null"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_revocations_payload(bad).has_value());
    }
}

TEST_CASE("revocations a list signed by the coop's own key revokes its passes only") {
    const Scene s;
    const TrustedBundle bundle = s.load({sign_revocations(list_for(12, 1, {&s.cagette_pass}), {&s.net.cagette})});
    CHECK(bundle.warnings.empty());
    CHECK(bundle.revocation_sequences == std::map<std::uint16_t, std::int64_t>{{12, 1}});
    CHECK(s.code(s.cagette_pass, bundle) == "revoked");
    CHECK(s.code(s.cagette_other, bundle) == "valid");
    CHECK(s.code(s.louve_pass, bundle) == "valid");
    // Without the list the same pass is valid.
    CHECK(s.code(s.cagette_pass, s.load({})) == "valid");
}

TEST_CASE("revocations a retired but not compromised key may sign its coop's list") {
    const Scene s;
    const TrustedBundle by_retired =
        s.load({sign_revocations(list_for(3, 1, {&s.coopalim_pass}), {&s.net.coopalim_old})});
    CHECK(by_retired.warnings.empty());
    CHECK(s.code(s.coopalim_pass, by_retired) == "revoked");
    CHECK(s.code(s.coopalim_old_pass, by_retired) == "valid");
    const TrustedBundle by_active =
        s.load({sign_revocations(list_for(3, 1, {&s.coopalim_old_pass}), {&s.net.coopalim})});
    CHECK(by_active.warnings.empty());
    CHECK(s.code(s.coopalim_old_pass, by_active) == "revoked");
}

TEST_CASE("revocations signed by another coop's key are ignored with a warning") {
    const Scene s;
    const TrustedBundle bundle = s.load({sign_revocations(list_for(7, 1, {&s.louve_pass}), {&s.net.cagette})});
    REQUIRE(bundle.warnings.size() == 1);
    CAPTURE(bundle.warnings[0]);
    CHECK(bundle.warnings[0].starts_with("revocations[0]"));
    CHECK_FALSE(bundle.revocation_sequences.contains(7));
    CHECK(bundle.revoked.empty());
    CHECK(s.code(s.louve_pass, bundle) == "valid");
}

TEST_CASE("revocations signed by a compromised key of the coop are ignored") {
    const Scene s;
    const TrustedBundle bundle =
        s.load({sign_revocations(list_for(7, 1, {&s.louve_pass}), {&s.net.louve_stolen})});
    REQUIRE(bundle.warnings.size() == 1);
    CHECK(bundle.warnings[0].starts_with("revocations[0]"));
    CHECK(bundle.revocation_sequences.empty());
    CHECK(s.code(s.louve_pass, bundle) == "valid");
}

TEST_CASE("revocations signed by an admin threshold are accepted") {
    const Scene s;
    const TrustedBundle bundle =
        s.load({sign_revocations(list_for(7, 3, {&s.louve_pass}), {&s.net.admin_a, &s.net.admin_c})});
    CHECK(bundle.warnings.empty());
    CHECK(bundle.revocation_sequences.at(7) == 3);
    CHECK(s.code(s.louve_pass, bundle) == "revoked");

    // One admin is not a threshold, even with its signature repeated.
    Envelope one = sign_revocations(list_for(7, 3, {&s.louve_pass}), {&s.net.admin_a});
    one.signatures.push_back(one.signatures[0]);
    const TrustedBundle weak = s.load({one});
    CHECK(weak.warnings.size() == 1);
    CHECK(s.code(s.louve_pass, weak) == "valid");
}

TEST_CASE("revocations signed by an admin threshold count even beside another coop's signature") {
    const Scene s;
    // La Cagette's key first, then two admins: the admin threshold alone makes it valid.
    const Envelope env =
        sign_revocations(list_for(7, 1, {&s.louve_pass}), {&s.net.cagette, &s.net.admin_a, &s.net.admin_b});
    const TrustedBundle bundle = s.load({env});
    CAPTURE(joined(bundle.warnings));
    CHECK(bundle.warnings.empty());
    CHECK(s.code(s.louve_pass, bundle) == "revoked");
}

TEST_CASE("revocations the coop's own signature counts whatever signatures come before it") {
    const Scene s;
    const RevocationList list = list_for(7, 1, {&s.louve_pass});
    for (const bool own_first : {true, false}) {
        CAPTURE(own_first);
        const Envelope env = own_first ? sign_revocations(list, {&s.net.louve, &s.net.cagette})
                                       : sign_revocations(list, {&s.net.cagette, &s.net.louve});
        const TrustedBundle bundle = s.load({env});
        CAPTURE(joined(bundle.warnings));
        CHECK(bundle.warnings.empty());
        CHECK(s.code(s.louve_pass, bundle) == "revoked");
    }
    // The compromised key before the good one does not spoil it either.
    const TrustedBundle bundle = s.load({sign_revocations(list, {&s.net.louve_stolen, &s.net.louve})});
    CHECK(bundle.warnings.empty());
    CHECK(s.code(s.louve_pass, bundle) == "revoked");
}

TEST_CASE("revocations a coop's list cannot revoke another coop's pass") {
    const Scene s;
    // La Cagette's own, well-signed list names a pass of La Louve beside one of its own.
    const TrustedBundle bundle =
        s.load({sign_revocations(list_for(12, 1, {&s.louve_pass, &s.cagette_pass}), {&s.net.cagette})});
    CHECK(s.code(s.cagette_pass, bundle) == "revoked");
    CHECK(s.code(s.louve_pass, bundle) == "valid");

    // La Louve's own list still revokes it, whatever La Cagette's list says, in either order.
    const Envelope cagette_list =
        sign_revocations(list_for(12, 1, {&s.louve_pass, &s.cagette_pass}), {&s.net.cagette});
    const Envelope louve_list = sign_revocations(list_for(7, 1, {&s.louve_pass}), {&s.net.louve});
    for (const bool louve_first : {true, false}) {
        CAPTURE(louve_first);
        const TrustedBundle both =
            louve_first ? s.load({louve_list, cagette_list}) : s.load({cagette_list, louve_list});
        CHECK(s.code(s.louve_pass, both) == "revoked");
        CHECK(s.code(s.cagette_pass, both) == "revoked");
        CHECK(s.code(s.cagette_other, both) == "valid");
    }
}

// A bundle carries each coop's current list once; the signature flood of a hostile mirror (many
// lists, many signatures) must not cost one verification each.
TEST_CASE("revocations one list per coop: later lists of the same coop are ignored with a warning") {
    const Scene s;
    const std::vector<Envelope> lists = {
        sign_revocations(list_for(12, 1, {&s.cagette_pass}), {&s.net.cagette}),
        sign_revocations(list_for(12, 2, {&s.cagette_other}), {&s.net.cagette}),
        sign_revocations(list_for(12, 3, {&s.cagette_third}), {&s.net.cagette}),
    };
    const TrustedBundle bundle = s.load({lists[2], lists[0], lists[1]});
    CHECK(bundle.revocation_sequences.at(12) == 3);
    REQUIRE(bundle.warnings.size() == 2);
    CHECK(bundle.warnings[0].starts_with("revocations[1]"));
    CHECK(bundle.warnings[1].starts_with("revocations[2]"));
    CHECK(s.code(s.cagette_pass, bundle) == "valid");
    CHECK(s.code(s.cagette_third, bundle) == "revoked");

    // A list signed by the admins takes the coop's place just the same.
    const Envelope admin_list =
        sign_revocations(list_for(12, 5, {&s.cagette_pass}), {&s.net.admin_b, &s.net.admin_c});
    const TrustedBundle mixed = s.load({admin_list, lists[2]});
    CHECK(mixed.revocation_sequences.at(12) == 5);
    CHECK(mixed.warnings.size() == 1);
    CHECK(s.code(s.cagette_pass, mixed) == "revoked");
    CHECK(s.code(s.cagette_third, mixed) == "valid");
}

TEST_CASE("revocations a list with more signatures than the admin threshold and one coop key is ignored") {
    const Scene s;
    // Threshold 2: three signatures are the most a list can need.
    Envelope flooded = sign_revocations(list_for(7, 1, {&s.louve_pass}), {&s.net.louve});
    for (int i = 0; i < 3; ++i) flooded.signatures.push_back({s.net.admin_a.id(), flooded.signatures[0].sig});
    const TrustedBundle bundle = s.load({flooded});
    REQUIRE(bundle.warnings.size() == 1);
    CHECK(bundle.warnings[0].find("trop de signatures") != std::string::npos);
    CHECK(s.code(s.louve_pass, bundle) == "valid");
}

TEST_CASE("revocations no more lists than coops are looked at") {
    const Scene s;
    // The registry has 3 coops: a 4th document is not even read.
    const std::vector<Envelope> lists = {
        sign_revocations(list_for(12, 1, {}), {&s.net.cagette}),
        sign_revocations(list_for(7, 1, {}), {&s.net.louve}),
        sign_revocations(list_for(3, 1, {}), {&s.net.coopalim}),
        sign_revocations(list_for(12, 2, {&s.cagette_pass}), {&s.net.cagette}),
    };
    const TrustedBundle bundle = s.load(lists);
    REQUIRE(bundle.warnings.size() == 1);
    CHECK(bundle.warnings[0].find("plus de listes que de coops") != std::string::npos);
    CHECK(s.code(s.cagette_pass, bundle) == "valid");
}

TEST_CASE("revocations lists of different coops apply side by side") {
    const Scene s;
    const TrustedBundle bundle = s.load({
        sign_revocations(list_for(12, 9, {&s.cagette_pass}), {&s.net.cagette}),
        sign_revocations(list_for(7, 2, {&s.louve_pass}), {&s.net.louve}),
        sign_revocations(list_for(3, 1, {}), {&s.net.coopalim}),
    });
    CHECK(bundle.warnings.empty());
    CHECK(bundle.revocation_sequences == std::map<std::uint16_t, std::int64_t>{{3, 1}, {7, 2}, {12, 9}});
    CHECK(s.code(s.cagette_pass, bundle) == "revoked");
    CHECK(s.code(s.louve_pass, bundle) == "revoked");
    CHECK(s.code(s.coopalim_pass, bundle) == "valid");
    CHECK(s.code(s.cagette_other, bundle) == "valid");
}

TEST_CASE("revocations a broken revocation document never fails the whole bundle") {
    const Scene s;
    const Envelope good = sign_revocations(list_for(12, 1, {&s.cagette_pass}), {&s.net.cagette});
    const json good_json = envelope_to_json(good);
    const RevocationList louve_list = list_for(7, 1, {&s.louve_pass});

    auto signed_payload = [&](const std::string& payload, std::initializer_list<const SigningKey*> keys) {
        Envelope env{std::string(kRevocationsPayloadType), payload, {}};
        for (const SigningKey* k : keys) env.sign(*k);
        return envelope_to_json(env);
    };
    json float_list = json::parse(revocations_payload(louve_list));
    float_list["sequence"] = 1.5;
    json registry_typed = json::parse(revocations_payload(louve_list));
    registry_typed["type"] = "passkoop-registry";
    Envelope corrupted = sign_revocations(louve_list, {&s.net.louve});
    corrupted.signatures[0].sig[7] ^= 0x20;
    // Signed by the coop's key, but for the registry's payload type.
    Envelope cross_type{std::string(kRevocationsPayloadType), revocations_payload(louve_list), {}};
    cross_type.signatures.push_back(
        {s.net.louve.id(), s.net.louve.sign_typed(kRegistryPayloadType, as_bytes(cross_type.payload))});
    json missing_sigs = envelope_to_json(sign_revocations(louve_list, {&s.net.louve}));
    missing_sigs.erase("signatures");
    json extra_field = envelope_to_json(sign_revocations(louve_list, {&s.net.louve}));
    extra_field["signed_by"] = "La Louve";
    json bad_base64 = envelope_to_json(sign_revocations(louve_list, {&s.net.louve}));
    bad_base64["payload"] = "%%%";
    json bad_keyid = envelope_to_json(sign_revocations(louve_list, {&s.net.louve}));
    bad_keyid["signatures"][0]["keyid"] = "LOUVE";
    const SigningKey stranger = key_named("stranger");

    const std::vector<std::pair<std::string, json>> broken = {
        {"number", 42},
        {"text", "revoke everything"},
        {"null", nullptr},
        {"array", json::array()},
        {"empty object", json::object()},
        {"missing signatures", missing_sigs},
        {"extra envelope field", extra_field},
        {"payload not base64", bad_base64},
        {"bad keyid", bad_keyid},
        {"registry envelope", envelope_to_json(s.net.signed_registry())},
        {"unsigned", signed_payload(revocations_payload(louve_list), {})},
        {"signed by a stranger", signed_payload(revocations_payload(louve_list), {&stranger})},
        {"corrupted signature", envelope_to_json(corrupted)},
        {"signed for another payload type", envelope_to_json(cross_type)},
        {"payload not json", signed_payload("revoke 7777", {&s.net.louve})},
        {"float in payload", signed_payload(float_list.dump(), {&s.net.louve})},
        {"payload of another type", signed_payload(registry_typed.dump(), {&s.net.louve})},
        {"unknown coop by admins",
         envelope_to_json(sign_revocations(list_for(99, 1, {&s.louve_pass}), {&s.net.admin_a, &s.net.admin_b}))},
        {"another coop's key", envelope_to_json(sign_revocations(louve_list, {&s.net.cagette}))},
        {"compromised key", envelope_to_json(sign_revocations(louve_list, {&s.net.louve_stolen}))},
    };
    for (const auto& [label, doc] : broken) {
        CAPTURE(label);
        for (const bool broken_first : {true, false}) {
            CAPTURE(broken_first);
            const json revocations =
                broken_first ? json::array({doc, good_json}) : json::array({good_json, doc});
            const TrustedBundle bundle = s.load_raw(revocations);
            REQUIRE(bundle.warnings.size() == 1);
            CAPTURE(bundle.warnings[0]);
            CHECK(bundle.warnings[0].starts_with(broken_first ? "revocations[0]" : "revocations[1]"));
            CHECK(bundle.revocation_sequences == std::map<std::uint16_t, std::int64_t>{{12, 1}});
            CHECK(s.code(s.cagette_pass, bundle) == "revoked");
            CHECK(s.code(s.louve_pass, bundle) == "valid");
        }
    }
}

TEST_CASE("revocations a lower sequence after a higher one is ignored with a warning") {
    const Scene s;
    const TrustedBundle bundle = s.load({
        sign_revocations(list_for(12, 4, {&s.cagette_other}), {&s.net.cagette}),
        sign_revocations(list_for(12, 2, {&s.cagette_pass}), {&s.net.cagette}),
    });
    REQUIRE(bundle.warnings.size() == 1);
    CHECK(bundle.warnings[0].starts_with("revocations[1]"));
    CHECK(s.code(s.cagette_pass, bundle) == "valid");
    CHECK(s.code(s.cagette_other, bundle) == "revoked");
}

TEST_CASE("revocations warnings are written in the current language") {
    const Scene s;
    const std::vector<Envelope> lists = {sign_revocations(list_for(7, 1, {&s.louve_pass}), {&s.net.cagette})};
    const TrustedBundle fr = s.load(lists);
    REQUIRE(fr.warnings.size() == 1);
    CHECK(fr.warnings[0].find("ignorée") != std::string::npos);
    const ThreadLanguage english(Lang::en);
    const TrustedBundle en = s.load(lists);
    REQUIRE(en.warnings.size() == 1);
    CHECK(en.warnings[0].find("ignored") != std::string::npos);
}

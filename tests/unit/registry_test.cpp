// parse_registry_payload / registry_payload (DESIGN §5): strict parsing, exact values only, and
// every rejection names the JSON path of the first problem.
#include "support.hpp"

#include <passkoop/i18n.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using namespace pk_test;
using nlohmann::json;

namespace {

// A registry using every field: version 7 with a previous hash, coordinates (one negative),
// a restrictive surcharge policy with a coop list, and keys in all three states.
Registry rich_registry() {
    const Network net;
    Registry reg = net.registry;
    reg.version = 7;
    reg.previous = blake2b256(as_bytes(std::string_view("payload of version 6")));
    Coop& cagette = *reg.find_coop(12);
    cagette.website = "https://lacagette-coop.fr";
    cagette.latitude_e6 = 43610769;
    cagette.longitude_e6 = -3876716;
    cagette.policy.welcomes_visitors = false;
    cagette.policy.max_visits = 4;
    cagette.policy.window_days = 60;
    cagette.policy.conditions = "surcharge";
    cagette.policy.surcharge_percent = 10;
    cagette.policy.accepts_all_coops = false;
    cagette.policy.accepted_coops = {3, 7};
    cagette.policy.note = "Carte « Pass'Koop » demandée à l'accueil";
    return reg;
}

json payload_json(const Registry& reg) { return json::parse(registry_payload(reg)); }

// The path part of a rejection ("registry.coops[0].stage : …" → "registry.coops[0].stage"),
// or "<accepted>" when the payload parsed.
std::string rejected_path(const std::string& payload) {
    const auto parsed = parse_registry_payload(payload);
    if (parsed) return "<accepted>";
    const auto sep = parsed.error().find(" : ");
    return sep == std::string::npos ? "<no path in: " + parsed.error() + ">" : parsed.error().substr(0, sep);
}
std::string rejected_path(const json& doc) { return rejected_path(doc.dump()); }

std::string rejection(const json& doc) {
    const auto parsed = parse_registry_payload(doc.dump());
    return parsed ? std::string("<accepted>") : parsed.error();
}

// Every value below the root, as JSON pointers, containers before their contents.
void collect_pointers(const json& j, const json::json_pointer& at, std::vector<json::json_pointer>& out) {
    if (j.is_object()) {
        for (const auto& [k, v] : j.items()) {
            out.push_back(at / k);
            collect_pointers(v, at / k, out);
        }
    } else if (j.is_array()) {
        for (std::size_t i = 0; i < j.size(); ++i) {
            out.push_back(at / i);
            collect_pointers(j[i], at / i, out);
        }
    }
}

std::vector<json::json_pointer> all_pointers(const json& doc) {
    std::vector<json::json_pointer> out;
    collect_pointers(doc, json::json_pointer(), out);
    return out;
}

// "/coops/0/policy/max_visits" → "registry.coops[0].policy.max_visits".
std::string path_of(const json& doc, const json::json_pointer& ptr) {
    std::string path = "registry";
    json::json_pointer walked;
    for (const std::string& token : [&] {
             std::vector<std::string> tokens;
             json::json_pointer p = ptr;
             while (!p.empty()) {
                 tokens.insert(tokens.begin(), p.back());
                 p.pop_back();
             }
             return tokens;
         }()) {
        if (doc.at(walked).is_array()) path += "[" + token + "]";
        else path += "." + token;
        walked /= token;
    }
    return path;
}

bool is_accepted_coops_element(const json::json_pointer& ptr) {
    return !ptr.empty() && ptr.parent_pointer().to_string().ends_with("/accepted_coops");
}

std::string payload_with_raw(std::string payload, const std::string& from, const std::string& to) {
    const auto at = payload.find(from);
    REQUIRE(at != std::string::npos);
    payload.replace(at, from.size(), to);
    return payload;
}

}  // namespace

TEST_CASE("registry payload round trip keeps every field") {
    const Registry reg = rich_registry();
    const std::string payload = registry_payload(reg);
    const auto parsed = parse_registry_payload(payload);
    REQUIRE_MESSAGE(parsed.has_value(), parsed.error());

    // Encoding then decoding is the identity on the bytes.
    CHECK(registry_payload(*parsed) == payload);

    CHECK(parsed->version == 7);
    REQUIRE(parsed->previous.has_value());
    CHECK(*parsed->previous == *reg.previous);
    CHECK(parsed->issued_at == instant("2026-11-01T10:00:00Z"));
    CHECK(parsed->expires_at == instant("2027-02-01T10:00:00Z"));
    CHECK(parsed->admins.threshold == 2);
    REQUIRE(parsed->admins.keys.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        CAPTURE(i);
        CHECK(parsed->admins.keys[i].name == reg.admins.keys[i].name);
        CHECK(parsed->admins.keys[i].coop == reg.admins.keys[i].coop);
        CHECK(parsed->admins.keys[i].public_key == reg.admins.keys[i].public_key);
    }
    CHECK(parsed->admins.keys[2].name == "Chloé");

    REQUIRE(parsed->coops.size() == 3);
    const Coop* c = parsed->find_coop(12);
    REQUIRE(c != nullptr);
    CHECK(c->slug == "coop-12");
    CHECK(c->name == "La Cagette");
    CHECK(c->city == "Montpellier");
    CHECK(c->department == "34");
    CHECK(c->country == "FR");
    CHECK(c->stage == 5);
    CHECK(c->website == "https://lacagette-coop.fr");
    CHECK(c->latitude_e6 == std::optional<std::int64_t>(43610769));
    CHECK(c->longitude_e6 == std::optional<std::int64_t>(-3876716));
    CHECK_FALSE(c->policy.welcomes_visitors);
    CHECK(c->policy.max_visits == 4);
    CHECK(c->policy.window_days == 60);
    CHECK(c->policy.conditions == "surcharge");
    CHECK(c->policy.surcharge_percent == 10);
    CHECK_FALSE(c->policy.accepts_all_coops);
    CHECK(c->policy.accepted_coops == std::vector<std::uint16_t>{3, 7});
    CHECK(c->policy.note == "Carte « Pass'Koop » demandée à l'accueil");

    const Coop* louve = parsed->find_coop(7);
    REQUIRE(louve != nullptr);
    CHECK(louve->city == "Paris");
    CHECK_FALSE(louve->latitude_e6.has_value());
    CHECK_FALSE(louve->longitude_e6.has_value());
    CHECK(louve->policy.accepts_all_coops);
    CHECK(louve->policy.accepted_coops.empty());
    REQUIRE(louve->keys.size() == 2);
    CHECK(louve->find_key(2)->status == KeyStatus::compromised);
    CHECK(louve->find_key(2)->public_key == reg.find_coop(7)->keys[1].public_key);

    const Coop* coopalim = parsed->find_coop(3);
    REQUIRE(coopalim != nullptr);
    CHECK(coopalim->policy.max_visits == 3);
    const CoopKey* old_key = coopalim->find_key(1);
    REQUIRE(old_key != nullptr);
    CHECK(old_key->status == KeyStatus::retired);
    CHECK(old_key->not_before == day("2024-01-01"));
    CHECK(old_key->not_after == day("2025-12-31"));
    CHECK(coopalim->find_key(2)->status == KeyStatus::active);
    CHECK(coopalim->find_key(3) == nullptr);
}

TEST_CASE("registry payload of the network fixture round trips as version 1 with a null previous") {
    const Network net;
    const std::string payload = registry_payload(net.registry);
    const auto parsed = parse_registry_payload(payload);
    REQUIRE_MESSAGE(parsed.has_value(), parsed.error());
    CHECK(parsed->version == 1);
    CHECK_FALSE(parsed->previous.has_value());
    CHECK(registry_payload(*parsed) == payload);
    CHECK(json::parse(payload).at("previous").is_null());
}

TEST_CASE("registry payload bytes are deterministic compact JSON with sorted keys") {
    const Registry reg = rich_registry();
    const std::string payload = registry_payload(reg);
    CHECK(payload == registry_payload(reg));
    // Compact and sorted: re-dumping the parsed document gives the very same bytes.
    CHECK(json::parse(payload).dump() == payload);
    CHECK(payload.find('\n') == std::string::npos);
    CHECK(payload.starts_with("{\"admins\":"));
    CHECK(json::parse(payload).at("type") == "passkoop-registry");
}

TEST_CASE("registry payload parsing sorts coops by number") {
    json doc = payload_json(Network().registry);
    // Reverse the coops: 12, 7, 3.
    std::reverse(doc["coops"].begin(), doc["coops"].end());
    REQUIRE(doc["coops"][0]["number"] == 12);
    const auto parsed = parse_registry_payload(doc.dump());
    REQUIRE_MESSAGE(parsed.has_value(), parsed.error());
    REQUIRE(parsed->coops.size() == 3);
    CHECK(parsed->coops[0].number == 3);
    CHECK(parsed->coops[1].number == 7);
    CHECK(parsed->coops[2].number == 12);
    REQUIRE(parsed->find_coop(7) != nullptr);
    CHECK(parsed->find_coop(7)->name == "La Louve");
    CHECK(parsed->find_coop(8) == nullptr);
}

TEST_CASE("registry payload rejects a float in place of any value with its path") {
    const json doc = payload_json(rich_registry());
    REQUIRE(rejected_path(doc) == "<accepted>");
    const auto pointers = all_pointers(doc);
    REQUIRE(pointers.size() > 80);
    for (const auto& ptr : pointers) {
        json mutated = doc;
        mutated[ptr] = 1.5;
        const std::string expected = path_of(doc, ptr);
        CAPTURE(expected);
        CHECK(rejected_path(mutated) == expected);
    }
}

TEST_CASE("registry payload rejects an integral float like 2.0 where an integer is expected") {
    const json doc = payload_json(rich_registry());
    for (const auto& ptr : all_pointers(doc)) {
        if (!doc[ptr].is_number_integer()) continue;
        json mutated = doc;
        mutated[ptr] = static_cast<double>(doc[ptr].get<std::int64_t>());
        REQUIRE(mutated.dump().find(".0") != std::string::npos);
        const std::string expected = path_of(doc, ptr);
        CAPTURE(expected);
        CHECK(rejected_path(mutated) == expected);
    }
}

TEST_CASE("registry payload rejects floats in unknown fields and in exponent notation") {
    const json doc = payload_json(rich_registry());
    for (const auto& ptr : all_pointers(doc)) {
        if (!doc[ptr].is_object()) continue;
        json mutated = doc;
        mutated[ptr]["zz_extra"] = json::array({1, 0.25});
        const std::string expected = path_of(doc, ptr) + ".zz_extra[1]";
        CAPTURE(expected);
        CHECK(rejected_path(mutated) == expected);
    }
    json top = doc;
    top["zz_extra"] = 0.5;
    CHECK(rejected_path(top) == "registry.zz_extra");

    // Exponent notation is a float even when its value is integral.
    const std::string payload = registry_payload(rich_registry());
    CHECK(rejected_path(payload_with_raw(payload, "\"stage\":5", "\"stage\":5e0")) == "registry.coops[0].stage");
    CHECK(rejected_path(payload_with_raw(payload, "\"version\":7", "\"version\":7.0")) == "registry.version");
    CHECK(rejected_path(payload_with_raw(payload, "\"threshold\":2", "\"threshold\":2E0")) ==
          "registry.admins.threshold");
    CHECK(rejected_path(std::string("1.5")) == "registry");
}

TEST_CASE("registry payload rejection reason for floats and big integers") {
    const ThreadLanguage english(Lang::en);
    json doc = payload_json(rich_registry());
    doc["coops"][2]["latitude_e6"] = 43.610769;
    CHECK(rejection(doc) == "registry.coops[2].latitude_e6 : decimal number not allowed");
    doc = payload_json(rich_registry());
    doc["version"] = std::int64_t{1} << 53;
    CHECK(rejection(doc) == "registry.version : integer beyond 2^53");
}

TEST_CASE("registry payload rejects integers of magnitude 2 to the 53 or more anywhere") {
    const json doc = payload_json(rich_registry());
    const std::int64_t limit = std::int64_t{1} << 53;
    const std::vector<json> too_big = {json(limit), json(-limit), json(limit + 1),
                                       json(std::numeric_limits<std::int64_t>::min()),
                                       json(std::numeric_limits<std::uint64_t>::max())};
    for (const auto& ptr : all_pointers(doc)) {
        for (const json& value : too_big) {
            json mutated = doc;
            mutated[ptr] = value;
            const std::string expected = path_of(doc, ptr);
            CAPTURE(expected);
            CAPTURE(value.dump());
            CHECK(rejected_path(mutated) == expected);
        }
    }
    // Beyond 64 bits the JSON parser yields a float: still refused.
    const std::string payload = registry_payload(rich_registry());
    CHECK(rejected_path(payload_with_raw(payload, "\"version\":7", "\"version\":18446744073709551616")) ==
          "registry.version");
}

TEST_CASE("registry payload accepts the largest exact integer 2 to the 53 minus 1 as a version") {
    json doc = payload_json(rich_registry());
    doc["version"] = (std::int64_t{1} << 53) - 1;
    const auto parsed = parse_registry_payload(doc.dump());
    REQUIRE_MESSAGE(parsed.has_value(), parsed.error());
    CHECK(parsed->version == (std::int64_t{1} << 53) - 1);
}

TEST_CASE("registry payload rejects every missing required field with its path") {
    const json doc = payload_json(rich_registry());
    const std::vector<std::string> optional = {"city", "department", "country", "website",
                                               "latitude_e6", "longitude_e6", "note"};
    int required_seen = 0;
    for (const auto& ptr : all_pointers(doc)) {
        if (!doc[ptr.parent_pointer()].is_object()) continue;
        json mutated = doc;
        mutated[ptr.parent_pointer()].erase(ptr.back());
        const std::string expected = path_of(doc, ptr);
        CAPTURE(expected);
        if (std::find(optional.begin(), optional.end(), ptr.back()) != optional.end()) {
            CHECK(rejected_path(mutated) == "<accepted>");
        } else {
            ++required_seen;
            CHECK(rejected_path(mutated) == expected);
        }
    }
    CHECK(required_seen > 40);
}

TEST_CASE("registry payload optional fields may be null and read back as empty") {
    json doc = payload_json(rich_registry());
    for (const char* field : {"city", "department", "country", "website", "latitude_e6", "longitude_e6"}) {
        CAPTURE(field);
        doc["coops"][2][field] = nullptr;
    }
    doc["coops"][2]["policy"]["note"] = nullptr;
    const auto parsed = parse_registry_payload(doc.dump());
    REQUIRE_MESSAGE(parsed.has_value(), parsed.error());
    const Coop* c = parsed->find_coop(12);
    CHECK(c->city.empty());
    CHECK(c->website.empty());
    CHECK_FALSE(c->latitude_e6.has_value());
    CHECK(c->policy.note.empty());
}

TEST_CASE("registry payload rejects a value of the wrong type anywhere with its path") {
    const json doc = payload_json(rich_registry());
    int mutated_count = 0;
    for (const auto& ptr : all_pointers(doc)) {
        const json& original = doc[ptr];
        // One plausible confusion per JSON type.
        json wrong;
        if (original.is_string()) wrong = 5;
        else if (original.is_number_integer()) wrong = std::to_string(original.get<std::int64_t>());
        else if (original.is_boolean()) wrong = original.get<bool>() ? 1 : 0;
        else if (original.is_null()) wrong = "43";
        else if (original.is_array()) wrong = json::object();
        else if (original.is_object()) wrong = json::array();
        json mutated = doc;
        mutated[ptr] = wrong;
        // An element of accepted_coops is reported on the list itself.
        const std::string expected =
            is_accepted_coops_element(ptr) ? path_of(doc, ptr.parent_pointer()) : path_of(doc, ptr);
        CAPTURE(expected);
        CAPTURE(wrong.dump());
        CHECK(rejected_path(mutated) == expected);
        ++mutated_count;
    }
    CHECK(mutated_count > 80);
}

TEST_CASE("registry payload rejects documents that are not a registry object") {
    CHECK(rejected_path(json::array()) == "registry");
    CHECK(rejected_path(json("registry")) == "registry");
    json doc = payload_json(rich_registry());
    doc["type"] = "passkoop-revocations";
    CHECK(rejected_path(doc) == "registry.type");
    doc["type"] = "Passkoop-Registry";
    CHECK(rejected_path(doc) == "registry.type");
    CHECK_FALSE(parse_registry_payload("").has_value());
    CHECK_FALSE(parse_registry_payload("{\"type\":\"passkoop-registry\"").has_value());
    // Trailing content after the document is not JSON.
    CHECK_FALSE(parse_registry_payload(registry_payload(rich_registry()) + "{}").has_value());
}

TEST_CASE("registry payload rejects out of range integers with their path") {
    struct Case {
        const char* pointer;
        json value;
    };
    const std::vector<Case> cases = {
        {"/version", 0},
        {"/version", -7},
        {"/admins/threshold", 65},
        {"/admins/keys/0/coop", 0},
        {"/admins/keys/0/coop", 65536},
        {"/coops/0/number", 0},
        {"/coops/0/number", 65536},
        {"/coops/0/stage", 0},
        {"/coops/0/stage", 6},
        {"/coops/2/latitude_e6", 90000001},
        {"/coops/2/latitude_e6", -90000001},
        {"/coops/2/longitude_e6", 180000001},
        {"/coops/2/policy/max_visits", -1},
        {"/coops/2/policy/max_visits", 100001},
        {"/coops/2/policy/window_days", -1},
        {"/coops/2/policy/surcharge_percent", 101},
        {"/coops/2/policy/surcharge_percent", -1},
        {"/coops/0/keys/0/number", 256},
        {"/coops/0/keys/0/number", -1},
    };
    const json doc = payload_json(rich_registry());
    for (const Case& c : cases) {
        const json::json_pointer ptr(c.pointer);
        json mutated = doc;
        mutated[ptr] = c.value;
        const std::string expected = path_of(doc, ptr);
        CAPTURE(expected);
        CAPTURE(c.value.dump());
        CHECK(rejected_path(mutated) == expected);
    }
    // The bounds themselves are accepted.
    json edges = doc;
    edges["coops"][2]["latitude_e6"] = 90000000;
    edges["coops"][2]["longitude_e6"] = -180000000;
    edges["coops"][2]["policy"]["surcharge_percent"] = 100;
    edges["coops"][0]["keys"][0]["number"] = 255;
    edges["coops"][0]["keys"][1]["number"] = 0;
    edges["coops"][2]["number"] = 65535;
    const auto parsed = parse_registry_payload(edges.dump());
    REQUIRE_MESSAGE(parsed.has_value(), parsed.error());
    CHECK(parsed->find_coop(65535) != nullptr);
    CHECK(parsed->find_coop(3)->find_key(255) != nullptr);
    CHECK(parsed->find_coop(3)->find_key(0) != nullptr);
}

TEST_CASE("registry payload rejects an unknown key status") {
    const json doc = payload_json(rich_registry());
    for (const char* status : {"revoked", "Active", "ACTIVE", "", "expired", "compromised "}) {
        CAPTURE(status);
        json mutated = doc;
        mutated["coops"][1]["keys"][1]["status"] = status;
        CHECK(rejected_path(mutated) == "registry.coops[1].keys[1].status");
    }
    for (const auto& [text, status] : {std::pair{"active", KeyStatus::active}, std::pair{"retired", KeyStatus::retired},
                                       std::pair{"compromised", KeyStatus::compromised}}) {
        CAPTURE(text);
        json mutated = doc;
        mutated["coops"][1]["keys"][1]["status"] = text;
        const auto parsed = parse_registry_payload(mutated.dump());
        REQUIRE_MESSAGE(parsed.has_value(), parsed.error());
        CHECK(parsed->find_coop(7)->find_key(2)->status == status);
        CHECK(to_string(status) == text);
    }
}

TEST_CASE("registry payload rejects an unknown policy condition") {
    const json doc = payload_json(rich_registry());
    for (const char* conditions : {"free", "Members", "", "surcharges"}) {
        CAPTURE(conditions);
        json mutated = doc;
        mutated["coops"][2]["policy"]["conditions"] = conditions;
        CHECK(rejected_path(mutated) == "registry.coops[2].policy.conditions");
    }
}

TEST_CASE("registry payload rejects a duplicate coop number") {
    json doc = payload_json(rich_registry());
    json copy = doc["coops"][0];
    copy["slug"] = "other";
    doc["coops"].push_back(copy);
    CHECK(rejected_path(doc) == "registry.coops[3].number");

    // Duplicates are found whatever their distance and order.
    json spread = payload_json(rich_registry());
    spread["coops"][2]["number"] = 3;
    CHECK(rejected_path(spread) == "registry.coops[2].number");
}

TEST_CASE("registry payload rejects a duplicate key number within a coop but not across coops") {
    json doc = payload_json(rich_registry());
    doc["coops"][1]["keys"][1]["number"] = 1;
    CHECK(rejected_path(doc) == "registry.coops[1].keys[1].number");

    json three = payload_json(rich_registry());
    json extra = three["coops"][0]["keys"][1];
    extra["number"] = 1;
    three["coops"][0]["keys"].push_back(extra);
    CHECK(rejected_path(three) == "registry.coops[0].keys[2].number");

    // Every coop has a key 1: numbers are per coop.
    const json ok = payload_json(rich_registry());
    CHECK(ok["coops"][0]["keys"][0]["number"] == ok["coops"][2]["keys"][0]["number"]);
    CHECK(rejected_path(ok) == "<accepted>");
}

TEST_CASE("registry payload threshold must be between 1 and the number of distinct admin keys") {
    const json doc = payload_json(rich_registry());
    for (const int threshold : {0, -1, 4, 64}) {
        CAPTURE(threshold);
        json mutated = doc;
        mutated["admins"]["threshold"] = threshold;
        CHECK(rejected_path(mutated) == "registry.admins.threshold");
    }
    for (const int threshold : {1, 2, 3}) {
        CAPTURE(threshold);
        json mutated = doc;
        mutated["admins"]["threshold"] = threshold;
        const auto parsed = parse_registry_payload(mutated.dump());
        REQUIRE_MESSAGE(parsed.has_value(), parsed.error());
        CHECK(parsed->admins.threshold == threshold);
    }

    // A key listed twice counts once: A, A, B allows a threshold of 2 but not 3.
    json dup = doc;
    dup["admins"]["keys"][2] = dup["admins"]["keys"][0];
    dup["admins"]["keys"][2]["name"] = "Alice again";
    dup["admins"]["threshold"] = 3;
    CHECK(rejected_path(dup) == "registry.admins.threshold");
    dup["admins"]["threshold"] = 2;
    CHECK(rejected_path(dup) == "<accepted>");

    json none = doc;
    none["admins"]["keys"] = json::array();
    none["admins"]["threshold"] = 1;
    CHECK(rejected_path(none) == "registry.admins.threshold");
}

TEST_CASE("registry payload previous is null for version 1 and only for it") {
    const std::string hash_hex = to_hex(blake2b256(as_bytes(std::string_view("v1"))));
    json v1 = payload_json(Network().registry);
    REQUIRE(rejected_path(v1) == "<accepted>");
    v1["previous"] = hash_hex;
    CHECK(rejected_path(v1) == "registry.previous");

    json v1_missing = payload_json(Network().registry);
    v1_missing.erase("previous");
    CHECK(rejected_path(v1_missing) == "<accepted>");

    json v2 = payload_json(Network().registry);
    v2["version"] = 2;
    CHECK(rejected_path(v2) == "registry.previous");  // still null
    v2.erase("previous");
    CHECK(rejected_path(v2) == "registry.previous");
    v2["previous"] = hash_hex;
    const auto parsed = parse_registry_payload(v2.dump());
    REQUIRE_MESSAGE(parsed.has_value(), parsed.error());
    CHECK(to_hex(*parsed->previous) == hash_hex);

    // The hash is exactly 64 lowercase hex characters.
    std::string upper = hash_hex;
    std::transform(upper.begin(), upper.end(), upper.begin(), [](char c) { return static_cast<char>(std::toupper(c)); });
    REQUIRE(upper != hash_hex);
    for (const std::string& bad : {upper, hash_hex.substr(0, 62), hash_hex + "00", hash_hex.substr(0, 63) + "g",
                                   std::string(""), std::string(" ") + hash_hex.substr(1)}) {
        CAPTURE(bad);
        v2["previous"] = bad;
        CHECK(rejected_path(v2) == "registry.previous");
    }
}

TEST_CASE("registry payload expires_at must come after issued_at") {
    json doc = payload_json(rich_registry());
    doc["expires_at"] = "2026-10-31T10:00:00Z";
    CHECK(rejected_path(doc) == "registry.expires_at");
    doc["expires_at"] = doc["issued_at"];
    CHECK(rejected_path(doc) == "registry.expires_at");
    doc["expires_at"] = "2026-11-01T10:00:01Z";
    CHECK(rejected_path(doc) == "<accepted>");
}

TEST_CASE("registry payload rejects malformed dates and instants with their path") {
    const json doc = payload_json(rich_registry());
    for (const char* bad : {"2026-11-01 10:00:00Z", "2026-11-01T10:00:00", "2026-11-01T10:00:00+00:00",
                            "2026-11-01T24:00:00Z", "2026-02-30T10:00:00Z", "2026-11-01T10:00:00.5Z", "2026-11-01"}) {
        CAPTURE(bad);
        json mutated = doc;
        mutated["issued_at"] = bad;
        CHECK(rejected_path(mutated) == "registry.issued_at");
    }
    for (const char* bad : {"2024-1-1", "2024-01-01T00:00:00Z", "2023-02-29", "01/01/2024", "2024-13-01"}) {
        CAPTURE(bad);
        json mutated = doc;
        mutated["coops"][1]["keys"][0]["not_before"] = bad;
        CHECK(rejected_path(mutated) == "registry.coops[1].keys[0].not_before");
    }
    json inverted = doc;
    inverted["coops"][1]["keys"][0]["not_after"] = "2023-12-31";
    CHECK(rejected_path(inverted) == "registry.coops[1].keys[0]");
    json same_day = doc;
    same_day["coops"][1]["keys"][0]["not_after"] = "2024-01-01";
    CHECK(rejected_path(same_day) == "<accepted>");
}

TEST_CASE("registry payload public keys must be canonical base64 of exactly 32 bytes") {
    const json doc = payload_json(rich_registry());
    const Bytes b31(31, 0x42), b33(33, 0x42);
    const std::string good = doc["coops"][2]["keys"][0]["public_key"];
    REQUIRE(from_base64(good)->size() == 32);
    std::string no_padding = good;
    no_padding.pop_back();
    std::string url_alphabet = to_base64(Bytes(32, 0xFB));
    REQUIRE(url_alphabet.find_first_of("+/") != std::string::npos);
    std::replace(url_alphabet.begin(), url_alphabet.end(), '+', '-');
    std::replace(url_alphabet.begin(), url_alphabet.end(), '/', '_');
    // Same 32 bytes, but a non-zero padding bit in the last character.
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    REQUIRE(good.size() == 44);
    std::string non_canonical = good;
    non_canonical[42] = alphabet[alphabet.find(good[42]) ^ 1];
    REQUIRE(non_canonical != good);
    const std::vector<std::string> bad = {to_base64(b31), to_base64(b33), no_padding, url_alphabet,
                                          " " + good.substr(1), non_canonical, "", std::string(64, 'A')};
    for (const std::string& key : bad) {
        CAPTURE(key);
        json coop_key = doc;
        coop_key["coops"][2]["keys"][0]["public_key"] = key;
        CHECK(rejected_path(coop_key) == "registry.coops[2].keys[0].public_key");
        json admin_key = doc;
        admin_key["admins"]["keys"][1]["public_key"] = key;
        CHECK(rejected_path(admin_key) == "registry.admins.keys[1].public_key");
    }
}

TEST_CASE("registry payload accepted_coops is all or a list of coop numbers") {
    const json doc = payload_json(rich_registry());
    SUBCASE("all") {
        json mutated = doc;
        mutated["coops"][2]["policy"]["accepted_coops"] = "all";
        const auto parsed = parse_registry_payload(mutated.dump());
        REQUIRE_MESSAGE(parsed.has_value(), parsed.error());
        CHECK(parsed->find_coop(12)->policy.accepts_all_coops);
        CHECK(parsed->find_coop(12)->policy.accepted_coops.empty());
        CHECK(json::parse(registry_payload(*parsed))["coops"][2]["policy"]["accepted_coops"] == "all");
    }
    SUBCASE("a list") {
        json mutated = doc;
        mutated["coops"][2]["policy"]["accepted_coops"] = json::array({65535, 1, 7});
        const auto parsed = parse_registry_payload(mutated.dump());
        REQUIRE_MESSAGE(parsed.has_value(), parsed.error());
        CHECK_FALSE(parsed->find_coop(12)->policy.accepts_all_coops);
        CHECK(parsed->find_coop(12)->policy.accepted_coops == std::vector<std::uint16_t>{65535, 1, 7});
        CHECK(json::parse(registry_payload(*parsed))["coops"][2]["policy"]["accepted_coops"] ==
              json::array({65535, 1, 7}));
    }
    SUBCASE("an empty list accepts nobody") {
        json mutated = doc;
        mutated["coops"][2]["policy"]["accepted_coops"] = json::array();
        const auto parsed = parse_registry_payload(mutated.dump());
        REQUIRE_MESSAGE(parsed.has_value(), parsed.error());
        CHECK_FALSE(parsed->find_coop(12)->policy.accepts_all_coops);
        CHECK(parsed->find_coop(12)->policy.accepted_coops.empty());
        CHECK(registry_payload(*parsed) == mutated.dump());
    }
    SUBCASE("anything else") {
        const std::vector<json> bad = {"ALL", "none", "", 12, true, nullptr, json::object(), json::array({0}),
                                       json::array({65536}), json::array({"12"}), json::array({true}),
                                       json::array({-3}), json::array({12, json::array({7})})};
        for (const json& value : bad) {
            CAPTURE(value.dump());
            json mutated = doc;
            mutated["coops"][2]["policy"]["accepted_coops"] = value;
            CHECK(rejected_path(mutated) == "registry.coops[2].policy.accepted_coops");
        }
    }
}

TEST_CASE("registry payload rejects empty coop names and overlong strings") {
    json doc = payload_json(rich_registry());
    doc["coops"][1]["name"] = "";
    CHECK(rejected_path(doc) == "registry.coops[1].name");
    doc = payload_json(rich_registry());
    doc["coops"][1]["country"] = "FRA";
    CHECK(rejected_path(doc) == "registry.coops[1].country");
    doc = payload_json(rich_registry());
    doc["coops"][2]["policy"]["note"] = std::string(2001, 'n');
    CHECK(rejected_path(doc) == "registry.coops[2].policy.note");
    doc["coops"][2]["policy"]["note"] = std::string(2000, 'n');
    CHECK(rejected_path(doc) == "<accepted>");
}

TEST_CASE("registry payload reports the first problem in document order") {
    json doc = payload_json(rich_registry());
    doc["coops"][0]["stage"] = 9;
    doc["coops"][2]["stage"] = 9;
    CHECK(rejected_path(doc) == "registry.coops[0].stage");
}

TEST_CASE("has_only_exact_values accepts exact JSON and names the first offender") {
    std::string where;
    CHECK(has_only_exact_values(json::parse(R"({"a":[1,-2,"x",true,null,{"b":9007199254740991}]})"), where));
    CHECK(where.empty());
    CHECK_FALSE(has_only_exact_values(json::parse(R"({"a":[1,{"b":-9007199254740992}]})"), where));
    CHECK(where.starts_with(".a[1].b : "));
    CHECK_FALSE(has_only_exact_values(json::parse(R"([0, [1, 0.5]])"), where));
    CHECK(where.starts_with("[1][1] : "));
}

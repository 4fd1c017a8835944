#include "support.hpp"
#include "vectors/vectors.hpp"

#include <passkoop/i18n.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <set>

using namespace pk_test;
using nlohmann::json;

namespace {
const std::filesystem::path kVectorDir = std::filesystem::path(PASSKOOP_SOURCE_DIR) / "tests" / "vectors";
}

TEST_CASE("committed vectors match what the generator writes") {
    TempDir tmp;
    write_vectors(tmp.path);
    CHECK(read_file(tmp / "passes.json") == read_file(kVectorDir / "passes.json"));
    CHECK(read_file(tmp / "bundle.json") == read_file(kVectorDir / "bundle.json"));
}

TEST_CASE("every vector verifies to its expected result") {
    const json doc = json::parse(read_file(kVectorDir / "passes.json"));
    const auto bundle = load_bundle(read_file(kVectorDir / "bundle.json"), nullptr);
    REQUIRE(bundle.has_value());
    CHECK(bundle->warnings.empty());
    std::set<std::string> codes_seen, warnings_seen;
    for (const json& v : doc.at("vectors")) {
        CAPTURE(v.at("name").get<std::string>());
        const auto at = parse_day(v.at("at").get<std::string>());
        REQUIRE(at.has_value());
        const Verification result = verify_pass(v.at("scanned").get<std::string>(), *bundle, start_of_day(*at));
        CHECK(to_string(result.code) == v.at("expected").at("code").get<std::string>());
        json warnings = json::array();
        for (const Warning w : result.warnings) warnings.push_back(to_string(w));
        CHECK(warnings == v.at("expected").at("warnings"));
        codes_seen.insert(std::string(to_string(result.code)));
        for (const Warning w : result.warnings) warnings_seen.insert(std::string(to_string(w)));
        if (v.contains("bytes_hex")) {
            // The text decodes to exactly the listed bytes, and the pass id is of the signed bytes.
            const auto bytes = decode_text(v.at("text").get<std::string>());
            REQUIRE(bytes.has_value());
            CHECK(to_hex(*bytes) == v.at("bytes_hex").get<std::string>());
            CHECK(encode_text(*bytes) == v.at("text").get<std::string>());
            const auto signed_bytes = from_hex(v.at("signed_bytes_hex").get<std::string>());
            REQUIRE(signed_bytes.has_value());
            CHECK(pass_id(*signed_bytes) == v.at("pass_id").get<std::string>());
            if (result.pass) CHECK(result.pass_id == v.at("pass_id").get<std::string>());
        }
    }
    CHECK(codes_seen.size() == kResultCodeCount);
    CHECK(warnings_seen == std::set<std::string>{"keyboard_layout_repaired", "registry_stale"});
}

TEST_CASE("verification JSON text of every vector is the canonical dump of valid JSON in both languages") {
    const json doc = json::parse(read_file(kVectorDir / "passes.json"));
    const auto bundle = load_bundle(read_file(kVectorDir / "bundle.json"), nullptr);
    REQUIRE(bundle.has_value());
    for (const Lang lang : {Lang::fr, Lang::en}) {
        ThreadLanguage language(lang);
        for (const json& v : doc.at("vectors")) {
            CAPTURE(v.at("name").get<std::string>());
            const auto at = parse_day(v.at("at").get<std::string>());
            REQUIRE(at.has_value());
            const Verification result = verify_pass(v.at("scanned").get<std::string>(), *bundle, start_of_day(*at));
            const std::string text = verification_json_text(result);
            const json parsed = json::parse(text);  // throws if the hand-written text is not JSON
            CHECK(parsed.dump() == text);             // sorted keys, compact, nlohmann's escaping
            CHECK(parsed.at("code") == to_string(result.code));
            CHECK(parsed.at("message") == message(result.code));
        }
    }
}

TEST_CASE("JSON strings are escaped as nlohmann dump escapes them") {
    for (const std::string& s : {std::string(""), std::string("La \"Coop\" \\ Brest"), std::string("é à ç — Œ 🥕"),
                                std::string("\b\f\n\r\t"), std::string("\x01\x1f\x7f", 3), std::string("a\0b", 3)}) {
        std::string out;
        append_json_string(out, s);
        CHECK(out == json(s).dump());
    }
}

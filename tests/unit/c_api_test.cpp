// The C API <passkoop/passkoop.h>, called as a C till would: the committed vectors through
// passkoop_verify and passkoop_verify_json, pinning, refusals, buffer sizes and messages.
#include <passkoop/passkoop.h>

#include "support.hpp"

#include <passkoop/envelope.hpp>
#include <passkoop/i18n.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace pk_test;
using nlohmann::json;

namespace {

const std::filesystem::path kVectorDir = std::filesystem::path(PASSKOOP_SOURCE_DIR) / "tests" / "vectors";

struct VerifierDeleter {
    void operator()(passkoop_verifier* v) const { passkoop_verifier_free(v); }
};
using VerifierPtr = std::unique_ptr<passkoop_verifier, VerifierDeleter>;

struct Loaded {
    int status = 0;
    VerifierPtr verifier;
    std::string error;
};

Loaded load(std::string_view bundle, const std::string* anchor = nullptr, const char* lang = "en",
            int grace_days = PASSKOOP_DEFAULT_GRACE_DAYS) {
    char error[512];
    std::memset(error, 'x', sizeof error);
    passkoop_verifier* raw = nullptr;
    Loaded out;
    out.status = passkoop_verifier_new(bundle.data(), bundle.size(), anchor ? anchor->data() : nullptr,
                                       anchor ? anchor->size() : 0, grace_days, lang, &raw, error, sizeof error);
    out.verifier.reset(raw);
    out.error = error;
    return out;
}

std::int64_t at_of(const json& vector) { return start_of_day(parse_day(vector.at("at").get<std::string>()).value()); }

int warning_bits(const json& names) {
    int bits = 0;
    for (const json& w : names) {
        if (w == "keyboard_layout_repaired") bits |= PASSKOOP_WARNING_KEYBOARD_LAYOUT_REPAIRED;
        else if (w == "registry_stale") bits |= PASSKOOP_WARNING_REGISTRY_STALE;
        else FAIL("unknown warning " << w.dump());
    }
    return bits;
}

std::string verify_json(const passkoop_verifier* v, std::string_view text, std::int64_t at, const char* lang) {
    std::size_t needed = 0;
    REQUIRE(passkoop_verify_json(v, text.data(), text.size(), at, lang, nullptr, 0, &needed) ==
            PASSKOOP_ERROR_BUFFER_TOO_SMALL);
    std::string buf(needed, '\x7f');
    std::size_t again = 0;
    REQUIRE(passkoop_verify_json(v, text.data(), text.size(), at, lang, buf.data(), buf.size(), &again) == PASSKOOP_OK);
    CHECK(again == needed);
    CHECK(buf.back() == '\0');
    buf.pop_back();
    CHECK(buf.find('\0') == std::string::npos);
    return buf;
}

// True if no multi-byte UTF-8 sequence is cut short at the end of `text`.
bool is_whole_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        const std::size_t length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
        if (length == 0 || i + length > text.size()) return false;
        for (std::size_t k = 1; k < length; ++k)
            if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
        i += length;
    }
    return true;
}

// The vector bundle's registry, re-signed by two of its three admins after `change`.
template <class Change>
std::string resigned_registry(Change change) {
    const json bundle = json::parse(read_file(kVectorDir / "bundle.json"));
    const auto envelope = envelope_from_json(bundle.at("registry"));
    REQUIRE(envelope.has_value());
    auto registry = read_registry_envelope(*envelope);
    REQUIRE(registry.has_value());
    change(*registry);
    const SigningKey a = key_named("admin-a"), b = key_named("admin-b");
    return envelope_to_json(sign_registry(*registry, {&a, &b})).dump();
}

}  // namespace

TEST_CASE("c_api every vector gives its expected code and warnings") {
    const json doc = json::parse(read_file(kVectorDir / "passes.json"));
    const Loaded loaded = load(read_file(kVectorDir / "bundle.json"));
    REQUIRE(loaded.status == PASSKOOP_OK);
    REQUIRE(loaded.verifier != nullptr);
    CHECK(loaded.error.empty());
    CHECK(passkoop_verifier_registry_version(loaded.verifier.get()) == 1);

    std::set<int> codes_seen;
    int warnings_seen = 0;
    for (const json& v : doc.at("vectors")) {
        const std::string name = v.at("name").get<std::string>();
        CAPTURE(name);
        const std::string text = v.at("scanned").get<std::string>();
        passkoop_result r;
        std::memset(&r, 0x5a, sizeof r);
        REQUIRE(passkoop_verify(loaded.verifier.get(), text.data(), text.size(), at_of(v), &r) == PASSKOOP_OK);
        REQUIRE(passkoop_code_name(r.code) != nullptr);
        CHECK(std::string(passkoop_code_name(r.code)) == v.at("expected").at("code").get<std::string>());
        CHECK(r.warnings == warning_bits(v.at("expected").at("warnings")));
        codes_seen.insert(r.code);
        warnings_seen |= r.warnings;

        // Every text field is NUL-terminated inside its array.
        CHECK(std::memchr(r.pass_id, '\0', sizeof r.pass_id) != nullptr);
        CHECK(std::memchr(r.member_name, '\0', sizeof r.member_name) != nullptr);
        CHECK(std::memchr(r.coop_name, '\0', sizeof r.coop_name) != nullptr);
        CHECK(std::memchr(r.expiry, '\0', sizeof r.expiry) != nullptr);

        // The struct and the JSON tell the same story.
        const json j = json::parse(verify_json(loaded.verifier.get(), text, at_of(v), "en"));
        CHECK(j.at("code") == passkoop_code_name(r.code));
        CHECK(j.at("valid") == (r.code == PASSKOOP_VALID));
        if (v.contains("pass_id")) {
            CHECK(std::string(r.pass_id) == v.at("pass_id").get<std::string>());
            const json& f = v.at("fields");
            CHECK(r.coop == f.at("coop").get<int>());
            CHECK(r.member == f.at("member").get<std::uint64_t>());
            CHECK(std::string(r.member_name) == f.at("name").get<std::string>());
            CHECK(std::string(r.expiry) == f.at("expiry").get<std::string>());
            CHECK(j.at("pass_id") == r.pass_id);
            CHECK(j.at("member").at("number") == r.member);
            CHECK(j.at("coop").at("number") == r.coop);
            CHECK(j.at("expiry") == r.expiry);
            if (j.at("coop").at("name").is_string()) CHECK(j.at("coop").at("name") == r.coop_name);
            else CHECK(std::string(r.coop_name).empty());
        } else if (r.code <= PASSKOOP_UNSUPPORTED_VERSION) {
            // Not decoded: nothing to show.
            CHECK(std::string(r.pass_id).empty());
            CHECK(r.coop == 0);
            CHECK(r.member == 0);
            CHECK(std::string(r.member_name).empty());
            CHECK(std::string(r.coop_name).empty());
            CHECK(std::string(r.expiry).empty());
            CHECK(j.at("pass_id").is_null());
        }
        if (name == "valid") {
            CHECK(std::string(r.coop_name) == "La Cagette");
            CHECK(std::string(r.expiry) == "2027-10-31");
        }
    }
    CHECK(codes_seen.size() == PASSKOOP_CODE_COUNT);
    CHECK(warnings_seen == (PASSKOOP_WARNING_KEYBOARD_LAYOUT_REPAIRED | PASSKOOP_WARNING_REGISTRY_STALE));
}

TEST_CASE("c_api bad bundle bytes are refused with a message") {
    for (const std::string& bytes : {std::string("not json at all"), std::string("{\"type\": \"passkoop-bundle\"}"),
                                    std::string("[1, 2, 3]"), std::string()}) {
        CAPTURE(bytes);
        const Loaded loaded = load(bytes);
        CHECK(loaded.status == PASSKOOP_ERROR_BUNDLE_REJECTED);
        CHECK(loaded.verifier == nullptr);
        CHECK(loaded.error.starts_with("malformed: "));
        CHECK(loaded.error.size() > std::strlen("malformed: "));
    }

    // A registry whose signatures do not verify.
    std::string bundle = read_file(kVectorDir / "bundle.json");
    json doc = json::parse(bundle);
    std::string sig = doc.at("registry").at("signatures").at(0).at("sig").get<std::string>();
    sig[0] = sig[0] == 'A' ? 'B' : 'A';
    doc["registry"]["signatures"][0]["sig"] = sig;
    doc["registry"]["signatures"][1] = doc["registry"]["signatures"][0];
    const Loaded forged = load(doc.dump());
    CHECK(forged.status == PASSKOOP_ERROR_BUNDLE_REJECTED);
    CHECK(forged.error.starts_with("not_enough_signatures: "));

    // The message follows the requested language.
    CHECK(load("nope", nullptr, "fr").error != load("nope", nullptr, "en").error);
}

TEST_CASE("c_api verifier_new checks its arguments and truncates the error on a character boundary") {
    const std::string bundle = read_file(kVectorDir / "bundle.json");
    char error[64] = "";
    CHECK(passkoop_verifier_new(bundle.data(), bundle.size(), nullptr, 0, 30, "en", nullptr, error, sizeof error) ==
          PASSKOOP_ERROR_INVALID_ARGUMENT);
    CHECK(std::string(error).starts_with("invalid_argument: "));
    passkoop_verifier* v = reinterpret_cast<passkoop_verifier*>(&error);
    CHECK(passkoop_verifier_new(nullptr, 10, nullptr, 0, 30, "en", &v, error, sizeof error) ==
          PASSKOOP_ERROR_INVALID_ARGUMENT);
    CHECK(v == nullptr);
    CHECK(passkoop_verifier_new(bundle.data(), bundle.size(), nullptr, 5, 30, "en", &v, error, sizeof error) ==
          PASSKOOP_ERROR_INVALID_ARGUMENT);
    CHECK(passkoop_verifier_new(bundle.data(), bundle.size(), nullptr, 0, -1, "en", &v, error, sizeof error) ==
          PASSKOOP_ERROR_INVALID_ARGUMENT);
    CHECK(passkoop_verifier_new(bundle.data(), bundle.size(), nullptr, 0, PASSKOOP_MAX_GRACE_DAYS + 1, "en", &v, error,
                                sizeof error) == PASSKOOP_ERROR_INVALID_ARGUMENT);
    // No error buffer at all is fine.
    CHECK(passkoop_verifier_new("x", 1, nullptr, 0, 30, "en", &v, nullptr, 0) == PASSKOOP_ERROR_BUNDLE_REJECTED);

    // French messages carry multi-byte characters: a short buffer never splits one.
    for (std::size_t size = 1; size < 40; ++size) {
        CAPTURE(size);
        std::vector<char> small(size, 'x');
        CHECK(passkoop_verifier_new("{}", 2, nullptr, 0, 30, "fr", &v, small.data(), small.size()) ==
              PASSKOOP_ERROR_BUNDLE_REJECTED);
        const std::string got(small.data());
        CHECK(got.size() < size);
        CHECK(is_whole_utf8(got));
    }
}

TEST_CASE("c_api pinned anchor is followed or refused") {
    const std::string bundle = read_file(kVectorDir / "bundle.json");

    SUBCASE("the bundle's own registry as anchor") {
        const std::string anchor = json::parse(bundle).at("registry").dump();
        const Loaded loaded = load(bundle, &anchor);
        CHECK(loaded.status == PASSKOOP_OK);
        CHECK(loaded.error.empty());

        // What the verifier exports to pin next time is accepted as an anchor too.
        std::size_t needed = 0;
        CHECK(passkoop_verifier_registry_envelope(loaded.verifier.get(), nullptr, 0, &needed) ==
              PASSKOOP_ERROR_BUFFER_TOO_SMALL);
        std::string saved(needed, '\0');
        REQUIRE(passkoop_verifier_registry_envelope(loaded.verifier.get(), saved.data(), saved.size(), &needed) ==
                PASSKOOP_OK);
        saved.pop_back();
        CHECK(load(bundle, &saved).status == PASSKOOP_OK);
    }
    SUBCASE("a newer pinned version makes the bundle a rollback") {
        const std::string anchor = resigned_registry([](Registry& r) {
            r.version = 2;
            r.previous = Hash256{};  // the anchor alone is not checked against its predecessor
        });
        const Loaded loaded = load(bundle, &anchor);
        CHECK(loaded.status == PASSKOOP_ERROR_BUNDLE_REJECTED);
        CHECK(loaded.error.starts_with("rollback: "));
        CHECK(loaded.verifier == nullptr);
    }
    SUBCASE("the same version with other bytes is an alarm") {
        const std::string anchor = resigned_registry([](Registry& r) { r.coops.back().name = "La Cagette bis"; });
        const Loaded loaded = load(bundle, &anchor);
        CHECK(loaded.status == PASSKOOP_ERROR_BUNDLE_REJECTED);
        CHECK(loaded.error.starts_with("version_conflict: "));
    }
    SUBCASE("an anchor that is not a signed registry") {
        // (A bundle is a trust state, accepted as an anchor: see trust_state_test.cpp.)
        for (const std::string& anchor : {std::string("garbage"), std::string()}) {
            CAPTURE(anchor.substr(0, 20));
            const Loaded loaded = load(bundle, &anchor);
            CHECK(loaded.status == PASSKOOP_ERROR_ANCHOR_REJECTED);
            CHECK(loaded.error.starts_with("malformed: "));
        }
        json unsigned_registry = json::parse(bundle).at("registry");
        unsigned_registry["signatures"] = json::array();
        const std::string anchor = unsigned_registry.dump();
        const Loaded loaded = load(bundle, &anchor);
        CHECK(loaded.status == PASSKOOP_ERROR_ANCHOR_REJECTED);
        CHECK(loaded.error.starts_with("not_enough_signatures: "));
    }
}

TEST_CASE("c_api grace days decide between registry_stale and registry_expired") {
    const json doc = json::parse(read_file(kVectorDir / "passes.json"));
    const std::string bundle = read_file(kVectorDir / "bundle.json");
    for (const json& v : doc.at("vectors")) {
        if (v.at("name") != "registry-stale") continue;
        const std::string text = v.at("scanned").get<std::string>();
        passkoop_result r;
        const Loaded strict = load(bundle, nullptr, "en", 0);
        REQUIRE(strict.status == PASSKOOP_OK);
        REQUIRE(passkoop_verify(strict.verifier.get(), text.data(), text.size(), at_of(v), &r) == PASSKOOP_OK);
        CHECK(r.code == PASSKOOP_REGISTRY_EXPIRED);
        const Loaded lenient = load(bundle, nullptr, "en", PASSKOOP_MAX_GRACE_DAYS);
        REQUIRE(lenient.status == PASSKOOP_OK);
        REQUIRE(passkoop_verify(lenient.verifier.get(), text.data(), text.size(), at_of(v), &r) == PASSKOOP_OK);
        CHECK(r.code == PASSKOOP_VALID);
        CHECK(r.warnings == PASSKOOP_WARNING_REGISTRY_STALE);
    }
}

TEST_CASE("c_api tiny JSON buffer gets the needed size and nothing partial") {
    const json doc = json::parse(read_file(kVectorDir / "passes.json"));
    const Loaded loaded = load(read_file(kVectorDir / "bundle.json"));
    REQUIRE(loaded.status == PASSKOOP_OK);
    const json& v = doc.at("vectors").at(0);
    REQUIRE(v.at("name") == "valid");
    const std::string text = v.at("scanned").get<std::string>();

    char tiny[8];
    std::memset(tiny, 'x', sizeof tiny);
    std::size_t needed = 0;
    CHECK(passkoop_verify_json(loaded.verifier.get(), text.data(), text.size(), at_of(v), "fr", tiny, sizeof tiny,
                               &needed) == PASSKOOP_ERROR_BUFFER_TOO_SMALL);
    CHECK(needed > sizeof tiny);
    CHECK(tiny[0] == '\0');

    std::string exact(needed, 'x');
    std::size_t needed_again = 0;
    CHECK(passkoop_verify_json(loaded.verifier.get(), text.data(), text.size(), at_of(v), "fr", exact.data(),
                               exact.size(), &needed_again) == PASSKOOP_OK);
    CHECK(needed_again == needed);
    CHECK(std::strlen(exact.c_str()) + 1 == needed);
    const json fr = json::parse(exact.c_str());
    CHECK(fr.at("code") == "valid");
    CHECK(fr.at("message") == passkoop_message(PASSKOOP_VALID, "fr"));
    CHECK(fr.at("member").at("name") == "Camille D.");

    // One byte short is still too small.
    std::string short_by_one(needed - 1, 'x');
    CHECK(passkoop_verify_json(loaded.verifier.get(), text.data(), text.size(), at_of(v), "fr", short_by_one.data(),
                               short_by_one.size(), nullptr) == PASSKOOP_ERROR_BUFFER_TOO_SMALL);
    CHECK(short_by_one[0] == '\0');

    const json en = json::parse(verify_json(loaded.verifier.get(), text, at_of(v), "en"));
    CHECK(en.at("message") == passkoop_message(PASSKOOP_VALID, "en"));
    CHECK(en.at("message") != fr.at("message"));
}

TEST_CASE("c_api messages differ between French and English and are cached") {
    const Lang before = language();
    std::set<std::string> names;
    for (int code = 0; code < PASSKOOP_CODE_COUNT; ++code) {
        CAPTURE(code);
        const char* name = passkoop_code_name(code);
        REQUIRE(name != nullptr);
        CHECK(std::string(name) == to_string(static_cast<ResultCode>(code)));
        names.insert(name);
        const char* fr = passkoop_message(code, "fr");
        const char* en = passkoop_message(code, "en");
        REQUIRE(fr != nullptr);
        REQUIRE(en != nullptr);
        CHECK(std::string(fr) != std::string(en));
        CHECK(std::strlen(fr) > 0);
        // Same storage on every call; NULL and unknown languages mean French.
        CHECK(passkoop_message(code, "fr") == fr);
        CHECK(passkoop_message(code, "en-GB") == en);
        CHECK(passkoop_message(code, nullptr) == fr);
        CHECK(passkoop_message(code, "de") == fr);
    }
    CHECK(names.size() == PASSKOOP_CODE_COUNT);
    CHECK(std::string(passkoop_message(PASSKOOP_EXPIRED, "fr")) == "Pass expiré");
    CHECK(std::string(passkoop_message(PASSKOOP_EXPIRED, "en")) == "Pass expired");
    CHECK(passkoop_code_name(-1) == nullptr);
    CHECK(passkoop_code_name(PASSKOOP_CODE_COUNT) == nullptr);
    CHECK(passkoop_message(PASSKOOP_CODE_COUNT, "fr") == nullptr);
    CHECK(passkoop_message(-1, "en") == nullptr);
    // Asking for English never switches the process-wide language.
    CHECK(language() == before);
}

TEST_CASE("c_api invalid arguments are refused and never read as valid") {
    const Loaded loaded = load(read_file(kVectorDir / "bundle.json"));
    REQUIRE(loaded.status == PASSKOOP_OK);
    passkoop_result r{};  // zeroed: code reads as valid until overwritten
    CHECK(passkoop_verify(nullptr, "PK", 2, 0, &r) == PASSKOOP_ERROR_INVALID_ARGUMENT);
    CHECK(r.code == PASSKOOP_MALFORMED);
    r = {};
    CHECK(passkoop_verify(loaded.verifier.get(), nullptr, 5, 0, &r) == PASSKOOP_ERROR_INVALID_ARGUMENT);
    CHECK(r.code == PASSKOOP_MALFORMED);
    CHECK(passkoop_verify(loaded.verifier.get(), "PK", 2, 0, nullptr) == PASSKOOP_ERROR_INVALID_ARGUMENT);

    // An empty or oversized text is a normal rejection.
    r = {};
    CHECK(passkoop_verify(loaded.verifier.get(), nullptr, 0, 0, &r) == PASSKOOP_OK);
    CHECK(r.code == PASSKOOP_MALFORMED);
    const std::string huge(PASSKOOP_MAX_TEXT_BYTES + 1, '1');
    CHECK(passkoop_verify(loaded.verifier.get(), huge.data(), huge.size(), 0, &r) == PASSKOOP_OK);
    CHECK(r.code == PASSKOOP_MALFORMED);

    char buf[16];
    std::size_t needed = 99;
    CHECK(passkoop_verify_json(nullptr, "PK", 2, 0, "en", buf, sizeof buf, &needed) == PASSKOOP_ERROR_INVALID_ARGUMENT);
    CHECK(needed == 0);
    CHECK(passkoop_verify_json(loaded.verifier.get(), "PK", 2, 0, "en", nullptr, 16, &needed) ==
          PASSKOOP_ERROR_INVALID_ARGUMENT);
    CHECK(passkoop_verifier_registry_envelope(nullptr, buf, sizeof buf, &needed) == PASSKOOP_ERROR_INVALID_ARGUMENT);
    CHECK(passkoop_verifier_registry_version(nullptr) == -1);
    passkoop_verifier_free(nullptr);
}

TEST_CASE("c_api one verifier serves several threads at once") {
    const json doc = json::parse(read_file(kVectorDir / "passes.json"));
    const Loaded loaded = load(read_file(kVectorDir / "bundle.json"));
    REQUIRE(loaded.status == PASSKOOP_OK);
    struct Case {
        std::string text;
        std::int64_t at;
        std::string code;
    };
    std::vector<Case> cases;
    for (const json& v : doc.at("vectors"))
        cases.push_back({v.at("scanned").get<std::string>(), at_of(v), v.at("expected").at("code").get<std::string>()});

    std::vector<int> mismatches(4, 0);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < mismatches.size(); ++t)
        threads.emplace_back([&, t] {
            const char* lang = t % 2 == 0 ? "fr" : "en";
            for (int round = 0; round < 5; ++round)
                for (const Case& c : cases) {
                    passkoop_result r;
                    if (passkoop_verify(loaded.verifier.get(), c.text.data(), c.text.size(), c.at, &r) != PASSKOOP_OK ||
                        c.code != passkoop_code_name(r.code))
                        ++mismatches[t];
                    char json_buf[4096];
                    if (passkoop_verify_json(loaded.verifier.get(), c.text.data(), c.text.size(), c.at, lang, json_buf,
                                             sizeof json_buf, nullptr) != PASSKOOP_OK ||
                        json::parse(json_buf).at("message") != passkoop_message(r.code, lang))
                        ++mismatches[t];
                }
        });
    for (std::thread& t : threads) t.join();
    CHECK(mismatches == std::vector<int>(mismatches.size(), 0));
}

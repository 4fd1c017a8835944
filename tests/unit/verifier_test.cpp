// Verifying a scanned pass (DESIGN §6): every result code, the order of the checks, registry
// freshness, the verifier's notion of now, the JSON object and the cashier's messages.
#include "support.hpp"

#include <passkoop/i18n.hpp>
#include <passkoop/passkoop.h>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <set>
#include <string>
#include <vector>

using namespace pk_test;
using nlohmann::json;

namespace {

// The network's bundle, checked on 2026-11-21 at midnight UTC unless a test says otherwise.
struct Scene {
    Network net;
    TrustedBundle bundle = net.trusted();
    std::int64_t clock = start_of_day(day("2026-11-21"));

    Verification verify(std::string_view text, std::int64_t at, const VerifyOptions& options = {}) const {
        return verify_pass(text, bundle, at, options);
    }
    Verification verify(std::string_view text) const { return verify(text, clock); }
    std::string code(std::string_view text) const { return std::string(to_string(verify(text).code)); }
    std::string code_at(std::string_view text, std::int64_t at, const VerifyOptions& options = {}) const {
        return std::string(to_string(verify(text, at, options).code));
    }
};

std::string text_of(const Bytes& binary) { return encode_text(binary); }

// A valid La Cagette pass's binary form with one byte changed.
Bytes with_byte(Bytes binary, std::size_t at, std::uint8_t value) {
    binary.at(at) = value;
    return binary;
}

// The text a US-layout scanner types on a French AZERTY till.
std::string azerty_mangled(std::string_view text) {
    static const std::array<const char*, 10> typed = {"à", "&", "é", "\"", "'", "(", "-", "è", "_", "ç"};
    std::string out(text.substr(0, 2));
    for (const char c : text.substr(2)) out += typed[static_cast<std::size_t>(c - '0')];
    return out;
}

std::string warnings_of(const Verification& v) {
    std::string out;
    for (const Warning w : v.warnings) out += std::string(to_string(w)) + " ";
    return out;
}

}  // namespace

TEST_CASE("verify a genuine pass of each coop is valid") {
    const Scene s;
    struct Case {
        std::uint16_t coop;
        std::uint8_t key;
        const SigningKey* signer;
        const char* name;
    };
    const std::vector<Case> cases = {{12, 1, &s.net.cagette, "La Cagette"},
                                     {7, 1, &s.net.louve, "La Louve"},
                                     {3, 2, &s.net.coopalim, "Coopalim"}};
    for (const Case& c : cases) {
        CAPTURE(c.name);
        Pass p = make_pass(c.coop, c.key, 123456789012ULL, "2026-06-01", "2027-05-31");
        sign_pass(p, *c.signer);
        const Verification v = s.verify(encode_text(p.to_binary()));
        CHECK(to_string(v.code) == "valid");
        CHECK(v.valid());
        CHECK(v.warnings.empty());
        REQUIRE(v.pass.has_value());
        CHECK(*v.pass == p);
        CHECK(v.pass_id == pass_id(p.signed_bytes()));
        REQUIRE(v.coop != nullptr);
        CHECK(v.coop->name == c.name);
        CHECK(v.today == day("2026-11-21"));
        CHECK(v.registry_issued_at == s.net.registry.issued_at);
    }
}

TEST_CASE("verify accepts a tester pass an empty name and the largest member number") {
    const Scene s;
    Pass p = make_pass(12, 1, kMaxMemberNumber, "2026-11-01", "2026-12-31", "");
    p.kind = PassKind::tester;
    p.card_sequence = 255;
    CHECK(s.code(signed_text(p, s.net.cagette)) == "valid");
}

TEST_CASE("verify tolerates what scanners add around the text") {
    const Scene s;
    const std::string text = signed_text(make_pass(12, 1, 4242, "2026-01-01", "2027-01-01"), s.net.cagette);
    for (const std::string& typed : {"  " + text + "\r\n", "\t" + text, "pk" + text.substr(2), "Pk" + text.substr(2)}) {
        CAPTURE(typed);
        const Verification v = s.verify(typed);
        CHECK(to_string(v.code) == "valid");
        CHECK(v.warnings.empty());
    }
}

TEST_CASE("verify repairs a keyboard mangled scan and says so") {
    const Scene s;
    const std::string text = signed_text(make_pass(12, 1, 4242, "2026-01-01", "2028-01-01"), s.net.cagette);
    const std::string mangled = azerty_mangled(text);
    REQUIRE(mangled != text);
    const Verification v = s.verify(mangled);
    CHECK(to_string(v.code) == "valid");
    CHECK(warnings_of(v) == "keyboard_layout_repaired ");
    // Both warnings together, repair first.
    const Verification stale = s.verify(mangled, s.net.registry.expires_at + 1);
    CHECK(to_string(stale.code) == "valid");
    CHECK(warnings_of(stale) == "keyboard_layout_repaired registry_stale ");
}

TEST_CASE("verify malformed texts are malformed") {
    const Scene s;
    const Pass good = make_pass(12, 1, 4242, "2026-01-01", "2027-01-01");
    Pass signed_good = good;
    sign_pass(signed_good, s.net.cagette);
    const Bytes bin = signed_good.to_binary();
    REQUIRE(bin.size() == 91);
    const std::string text = encode_text(bin);

    Bytes extra = bin;
    extra.push_back(0);
    std::string bad_digit = text;
    bad_digit[40] = 'x';
    std::string group_too_large = text;
    group_too_large.replace(2, 17, std::string(17, '9'));  // 10^17 - 1 does not fit in 7 bytes

    std::vector<std::pair<std::string, std::string>> cases = {
        {"empty", ""},
        {"blank", "   \r\n"},
        {"word", "hello"},
        {"no prefix", text.substr(2)},
        {"other prefix", "QK" + text.substr(2)},
        {"letter among digits", bad_digit},
        {"space among digits", text.substr(0, 50) + " " + text.substr(50)},
        {"too long", "PK" + std::string(1100, '0')},
        {"group too large", group_too_large},
        {"trailing byte", text_of(extra)},
        {"kind 0", text_of(with_byte(bin, 15, 0))},
        {"kind 3", text_of(with_byte(bin, 15, 3))},
        {"coop 0", text_of(with_byte(with_byte(bin, 1, 0), 2, 0))},
        {"name length 25", text_of(with_byte(bin, 16, 25))},
        {"name length 255", text_of(with_byte(bin, 16, 255))},
    };
    for (const std::string& name : {std::string("Camille\nD."), std::string("\xff\xfe"), std::string("Cam\xc3"),
                                    std::string("\xe2\x80\xae" "evil")}) {
        Pass p = good;
        p.name = name;
        sign_pass(p, s.net.cagette);
        cases.emplace_back("bad name", text_of(p.to_binary()));
    }
    for (const auto& [label, typed] : cases) {
        CAPTURE(label);
        const Verification v = s.verify(typed);
        CHECK(to_string(v.code) == "malformed");
        CHECK_FALSE(v.valid());
        CHECK_FALSE(v.pass.has_value());
        CHECK(v.pass_id.empty());
        CHECK(v.coop == nullptr);
    }
}

TEST_CASE("verify a text cut short is truncated") {
    const Scene s;
    const std::string text = signed_text(make_pass(12, 1, 4242, "2026-01-01", "2027-01-01"), s.net.cagette);
    const std::size_t digits = text.size() - 2;
    REQUIRE(digits == 13 * 17);
    const std::set<std::size_t> tail_widths = {3, 5, 8, 10, 13, 15};
    int checked = 0;
    for (std::size_t keep = 0; keep < digits; ++keep) {
        // A digit count ending mid-chunk, or a whole number of chunks short of a full pass.
        if (tail_widths.contains(keep % 17)) continue;
        CAPTURE(keep);
        const Verification v = s.verify(text.substr(0, 2 + keep));
        CHECK(to_string(v.code) == "truncated");
        CHECK_FALSE(v.pass.has_value());
        ++checked;
    }
    CHECK(checked > 100);
    CHECK(s.code(text.substr(0, text.size() - 1)) == "truncated");
    CHECK(s.code(text.substr(0, text.size() - 17)) == "truncated");
    CHECK(s.code("PK") == "truncated");
}

TEST_CASE("verify a pass of another format version is unsupported_version") {
    const Scene s;
    Pass p = make_pass(12, 1, 4242, "2026-01-01", "2027-01-01");
    sign_pass(p, s.net.cagette);
    const Bytes bin = p.to_binary();
    for (const int version : {0, 2, 3, 0x7f, 0xff}) {
        CAPTURE(version);
        const Verification v = s.verify(text_of(with_byte(bin, 0, static_cast<std::uint8_t>(version))));
        CHECK(to_string(v.code) == "unsupported_version");
        CHECK_FALSE(v.pass.has_value());
    }
    // A future version may be shorter or longer: the version byte is read first.
    CHECK(s.code(text_of(Bytes{2, 0, 12})) == "unsupported_version");
    CHECK(s.code(text_of(Bytes(200, 2))) == "unsupported_version");
}

TEST_CASE("verify a pass of a coop absent from the registry is unknown_coop") {
    const Scene s;
    for (const std::uint16_t coop : {std::uint16_t{1}, std::uint16_t{13}, std::uint16_t{99}, std::uint16_t{65535}}) {
        CAPTURE(coop);
        Pass p = make_pass(coop, 1, 4242, "2026-01-01", "2027-01-01");
        const Verification v = s.verify(signed_text(p, s.net.cagette));
        CHECK(to_string(v.code) == "unknown_coop");
        REQUIRE(v.pass.has_value());
        CHECK(v.pass->coop == coop);
        CHECK(v.pass_id.size() == 16);
        CHECK(v.coop == nullptr);
    }
}

TEST_CASE("verify a pass naming a key its coop does not have is unknown_key") {
    const Scene s;
    for (const auto& [coop, key] : {std::pair<std::uint16_t, std::uint8_t>{12, 2}, {12, 0}, {7, 3}, {3, 255}}) {
        CAPTURE(coop);
        CAPTURE(static_cast<int>(key));
        const Verification v = s.verify(signed_text(make_pass(coop, key, 4242, "2026-01-01", "2027-01-01"), s.net.cagette));
        CHECK(to_string(v.code) == "unknown_key");
        REQUIRE(v.coop != nullptr);
        CHECK(v.coop->number == coop);
    }
}

TEST_CASE("verify a pass signed by a compromised key is key_compromised") {
    const Scene s;
    // The thief's pass is perfectly signed with La Louve's stolen key 2.
    const Pass p = make_pass(7, 2, 666, "2026-01-01", "2027-01-01", "Voleur");
    CHECK(s.code(signed_text(p, s.net.louve_stolen)) == "key_compromised");
    // Checked before the signature: even a pass that would fail it says key_compromised.
    CHECK(s.code(signed_text(p, s.net.louve)) == "key_compromised");
    // Every pass it ever signed, however old.
    CHECK(s.code(signed_text(make_pass(7, 2, 1, "2024-01-01", "2030-01-01"), s.net.louve_stolen)) == "key_compromised");
    // The stolen key cannot pass itself off as La Louve's key 1.
    CHECK(s.code(signed_text(make_pass(7, 1, 666, "2026-01-01", "2027-01-01"), s.net.louve_stolen)) == "bad_signature");
}

TEST_CASE("verify a pass signed with the wrong key or altered is bad_signature") {
    const Scene s;
    const Pass p = make_pass(12, 1, 4242, "2026-01-01", "2027-01-01");
    CHECK(s.code(signed_text(p, s.net.louve)) == "bad_signature");
    CHECK(s.code(signed_text(p, s.net.admin_a)) == "bad_signature");

    Pass genuine = p;
    sign_pass(genuine, s.net.cagette);
    REQUIRE(s.code(encode_text(genuine.to_binary())) == "valid");

    // Any field changed after signing.
    std::vector<Pass> altered(6, genuine);
    altered[0].member = 4243;
    altered[1].expiry_day = static_cast<std::uint16_t>(day("2030-01-01"));
    altered[2].name = "Camille E.";
    altered[3].card_sequence = 1;
    altered[4].kind = PassKind::tester;
    altered[5].issued_day = static_cast<std::uint16_t>(genuine.issued_day + 1);
    for (std::size_t i = 0; i < altered.size(); ++i) {
        CAPTURE(i);
        CHECK(s.code(encode_text(altered[i].to_binary())) == "bad_signature");
    }
    // Any bit of the signature flipped.
    for (std::size_t byte = 0; byte < genuine.signature.size(); ++byte) {
        CAPTURE(byte);
        Pass flipped = genuine;
        flipped.signature[byte] ^= static_cast<std::uint8_t>(1u << (byte % 8));
        CHECK(s.code(encode_text(flipped.to_binary())) == "bad_signature");
    }
    // A signature of the same bytes under another payload type (domain separation).
    Pass cross = p;
    cross.signature = s.net.cagette.sign_typed(kRegistryPayloadType, cross.signed_bytes());
    CHECK(s.code(encode_text(cross.to_binary())) == "bad_signature");
}

// A leaked retired key must not mint passes valid until 2199.
TEST_CASE("verify a pass expiring beyond its key's not_after plus max_pass_days is key_not_valid") {
    Scene s;
    // Coopalim's key 1 was retired with not_after 2025-12-31; the default allows 730 days more.
    CHECK(s.code(signed_text(make_pass(3, 1, 33, "2025-06-01", "2027-12-31"), s.net.coopalim_old)) == "valid");
    CHECK(s.code(signed_text(make_pass(3, 1, 33, "2025-06-01", "2028-01-01"), s.net.coopalim_old)) == "key_not_valid");
    CHECK(s.code(signed_text(make_pass(3, 1, 33, "2025-06-01", "2150-01-01"), s.net.coopalim_old)) == "key_not_valid");
    // The coop's policy may allow longer passes.
    Network longer;
    longer.registry.find_coop(3)->policy.max_pass_days = 3650;
    s.bundle = longer.trusted();
    CHECK(s.code(signed_text(make_pass(3, 1, 33, "2025-06-01", "2028-01-01"), s.net.coopalim_old)) == "valid");
    CHECK(s.code(signed_text(make_pass(3, 1, 33, "2025-06-01", "2036-01-01"), s.net.coopalim_old)) == "key_not_valid");
    // The field round trips through the registry payload, and is written only when set.
    CHECK(parse_registry_payload(registry_payload(longer.registry))->find_coop(3)->policy.max_pass_days == 3650);
    CHECK(registry_payload(s.net.registry).find("max_pass_days") == std::string::npos);
}

TEST_CASE("verify a pass issued outside its key's validity is key_not_valid") {
    const Scene s;
    // Coopalim's key 1 was retired with not_after 2025-12-31.
    CHECK(s.code(signed_text(make_pass(3, 1, 33, "2026-06-01", "2027-06-01"), s.net.coopalim_old)) == "key_not_valid");
    CHECK(s.code(signed_text(make_pass(3, 1, 33, "2026-01-01", "2027-06-01"), s.net.coopalim_old)) == "key_not_valid");
    // Retired keys' passes stay valid until they expire.
    CHECK(s.code(signed_text(make_pass(3, 1, 33, "2025-06-01", "2027-06-01"), s.net.coopalim_old)) == "valid");
    CHECK(s.code(signed_text(make_pass(3, 1, 33, "2025-12-31", "2027-06-01"), s.net.coopalim_old)) == "valid");
    CHECK(s.code(signed_text(make_pass(3, 1, 33, "2024-01-01", "2027-06-01"), s.net.coopalim_old)) == "valid");
    // Before a key's not_before.
    CHECK(s.code(signed_text(make_pass(3, 1, 33, "2023-12-31", "2027-06-01"), s.net.coopalim_old)) == "key_not_valid");
    CHECK(s.code(signed_text(make_pass(3, 2, 33, "2025-12-31", "2027-06-01"), s.net.coopalim)) == "key_not_valid");
    CHECK(s.code(signed_text(make_pass(3, 2, 33, "2026-01-01", "2027-06-01"), s.net.coopalim)) == "valid");
    CHECK(s.code(signed_text(make_pass(12, 1, 33, "2023-12-31", "2027-06-01"), s.net.cagette)) == "key_not_valid");
}

TEST_CASE("verify a pass issued in the future allows one day of tolerance") {
    const Scene s;
    auto issued = [&](const char* when) {
        return signed_text(make_pass(12, 1, 4242, when, "2027-12-31"), s.net.cagette);
    };
    CHECK(s.code(issued("2026-11-21")) == "valid");
    CHECK(s.code(issued("2026-11-22")) == "valid");
    CHECK(s.code(issued("2026-11-23")) == "not_yet_valid");
    CHECK(s.code(issued("2027-06-01")) == "not_yet_valid");
    // The whole of the day counts as that day.
    const std::int64_t last_second = s.clock + 86399;
    CHECK(s.code_at(issued("2026-11-23"), last_second) == "not_yet_valid");
    CHECK(s.code_at(issued("2026-11-23"), last_second + 1) == "valid");
}

TEST_CASE("verify a pass after its expiry day is expired") {
    const Scene s;
    auto expiring = [&](const char* when) {
        return signed_text(make_pass(12, 1, 4242, "2026-01-01", when), s.net.cagette);
    };
    CHECK(s.code(expiring("2026-11-20")) == "expired");
    CHECK(s.code(expiring("2026-01-01")) == "expired");
    // The expiry day is the last valid day, inclusive, to its last second.
    CHECK(s.code(expiring("2026-11-21")) == "valid");
    CHECK(s.code_at(expiring("2026-11-21"), s.clock + 86399) == "valid");
    CHECK(s.code_at(expiring("2026-11-21"), s.clock + 86400) == "expired");
}

TEST_CASE("verify a revoked pass is revoked") {
    const Scene s;
    Pass lost = make_pass(12, 1, 4242, "2026-01-01", "2027-01-01", "Camille D.");
    sign_pass(lost, s.net.cagette);
    Pass new_card = lost;
    new_card.card_sequence = 1;
    sign_pass(new_card, s.net.cagette);
    RevocationList list;
    list.coop = 12;
    list.sequence = 1;
    list.issued_at = instant("2026-11-15T08:00:00Z");
    list.entries.push_back({pass_id_value(lost.signed_bytes()), lost.expiry_day});
    const TrustedBundle bundle = s.net.trusted({sign_revocations(list, {&s.net.cagette})});
    const Verification v = verify_pass(encode_text(lost.to_binary()), bundle, s.clock);
    CHECK(to_string(v.code) == "revoked");
    CHECK(v.pass_id == pass_id(lost.signed_bytes()));
    // The re-issued card of the same member is another pass.
    CHECK(to_string(verify_pass(encode_text(new_card.to_binary()), bundle, s.clock).code) == "valid");
}

TEST_CASE("verify registry freshness warns after expires_at then refuses after the grace") {
    const Scene s;
    const std::string text = signed_text(make_pass(12, 1, 4242, "2026-01-01", "2028-12-31"), s.net.cagette);
    const std::int64_t expires = s.net.registry.expires_at;
    REQUIRE(expires == instant("2027-02-01T10:00:00Z"));

    const Verification fresh = s.verify(text, expires);
    CHECK(to_string(fresh.code) == "valid");
    CHECK(fresh.warnings.empty());

    const Verification stale = s.verify(text, expires + 1);
    CHECK(to_string(stale.code) == "valid");
    CHECK(warnings_of(stale) == "registry_stale ");

    const Verification end_of_grace = s.verify(text, expires + 90 * 86400);
    CHECK(to_string(end_of_grace.code) == "valid");
    CHECK(warnings_of(end_of_grace) == "registry_stale ");

    const Verification refused = s.verify(text, expires + 90 * 86400 + 1);
    CHECK(to_string(refused.code) == "registry_expired");
    CHECK_FALSE(refused.valid());
    CHECK(to_string(s.verify(text, expires + 400 * 86400).code) == "registry_expired");
}

TEST_CASE("verify the registry grace period is configurable") {
    const Scene s;
    const std::string text = signed_text(make_pass(12, 1, 4242, "2026-01-01", "2028-12-31"), s.net.cagette);
    const std::int64_t expires = s.net.registry.expires_at;
    VerifyOptions none;
    none.grace_days = 0;
    CHECK(s.code_at(text, expires, none) == "valid");
    CHECK(s.code_at(text, expires + 1, none) == "registry_expired");
    VerifyOptions short_grace;
    short_grace.grace_days = 30;
    CHECK(s.code_at(text, expires + 20 * 86400, short_grace) == "valid");
    CHECK(warnings_of(s.verify(text, expires + 20 * 86400, short_grace)) == "registry_stale ");
    CHECK(s.code_at(text, expires + 30 * 86400, short_grace) == "valid");
    CHECK(s.code_at(text, expires + 30 * 86400 + 1, short_grace) == "registry_expired");
    // The default is 90 days (DESIGN §5), the same in the C API.
    CHECK(VerifyOptions{}.grace_days == 90);
    CHECK(kDefaultGraceDays == PASSKOOP_DEFAULT_GRACE_DAYS);
}

TEST_CASE("verify a clock set before the registry was issued cannot revive expired data") {
    const Scene s;
    const std::int64_t issued_at = s.net.registry.issued_at;  // 2026-11-01T10:00:00Z
    const std::int64_t past = instant("2026-10-01T12:00:00Z");
    const std::string expired_before =
        signed_text(make_pass(12, 1, 4242, "2026-01-01", "2026-10-31"), s.net.cagette);
    const Verification v = s.verify(expired_before, past);
    CHECK(to_string(v.code) == "expired");
    CHECK(v.today == day("2026-11-01"));
    CHECK(s.code_at(expired_before, 0) == "expired");
    CHECK(s.code_at(expired_before, -86400 * 365) == "expired");
    // A pass still valid on the registry's issue day is valid.
    const std::string until_issue_day =
        signed_text(make_pass(12, 1, 4242, "2026-01-01", "2026-11-01"), s.net.cagette);
    CHECK(s.code_at(until_issue_day, past) == "valid");
    // Issue dates are judged against the same "now": a pass issued two days after the
    // registry is not valid yet, one day after is (tolerance).
    CHECK(s.code_at(signed_text(make_pass(12, 1, 1, "2026-11-03", "2027-11-03"), s.net.cagette), past) ==
          "not_yet_valid");
    CHECK(s.code_at(signed_text(make_pass(12, 1, 1, "2026-11-02", "2027-11-02"), s.net.cagette), past) == "valid");
    CHECK(s.verify(until_issue_day, issued_at - 1).today == day("2026-11-01"));
}

TEST_CASE("verify checks run in the order of the design") {
    const Scene s;
    // unknown_key before the signature.
    CHECK(s.code(signed_text(make_pass(12, 9, 1, "2026-01-01", "2027-01-01"), s.net.admin_a)) == "unknown_key");
    // unknown_coop before the signature.
    CHECK(s.code(signed_text(make_pass(50, 1, 1, "2026-01-01", "2027-01-01"), s.net.admin_a)) == "unknown_coop");
    // A forged pass says bad_signature, not what its forged dates would say.
    CHECK(s.code(signed_text(make_pass(12, 1, 1, "2026-01-01", "2026-02-01"), s.net.louve)) == "bad_signature");
    CHECK(s.code(signed_text(make_pass(12, 1, 1, "2030-01-01", "2031-01-01"), s.net.louve)) == "bad_signature");
    // key_not_valid before expired.
    CHECK(s.code(signed_text(make_pass(3, 1, 1, "2026-06-01", "2026-07-01"), s.net.coopalim_old)) == "key_not_valid");
    // not_yet_valid before expired (expiry before issue).
    CHECK(s.code(signed_text(make_pass(12, 1, 1, "2026-12-01", "2026-11-01"), s.net.cagette)) == "not_yet_valid");

    // expired before revoked, revoked before registry freshness.
    Pass old = make_pass(12, 1, 1, "2026-01-01", "2026-11-20");
    sign_pass(old, s.net.cagette);
    Pass current = make_pass(12, 1, 2, "2026-01-01", "2029-01-01");
    sign_pass(current, s.net.cagette);
    RevocationList list;
    list.coop = 12;
    list.sequence = 1;
    list.issued_at = s.net.registry.issued_at;
    list.entries = {{pass_id_value(old.signed_bytes()), old.expiry_day},
                    {pass_id_value(current.signed_bytes()), current.expiry_day}};
    const TrustedBundle bundle = s.net.trusted({sign_revocations(list, {&s.net.cagette})});
    CHECK(to_string(verify_pass(encode_text(old.to_binary()), bundle, s.clock).code) == "expired");
    CHECK(to_string(verify_pass(encode_text(current.to_binary()), bundle, s.clock).code) == "revoked");
    const std::int64_t long_after = s.net.registry.expires_at + 100 * 86400;
    CHECK(to_string(verify_pass(encode_text(current.to_binary()), bundle, long_after).code) == "revoked");
    // expired before registry_expired.
    CHECK(s.code_at(encode_text(old.to_binary()), long_after) == "expired");
    // A stale registry does not warn on a refused pass.
    const Verification refused = verify_pass(encode_text(old.to_binary()), bundle, s.net.registry.expires_at + 1);
    CHECK(to_string(refused.code) == "expired");
    CHECK(refused.warnings.empty());
}

TEST_CASE("verify verification_to_json of a valid pass carries the contract fields") {
    const Scene s;
    const Pass p = make_pass(12, 1, 2400000012345ULL, "2026-01-01", "2027-01-01", "Camille D.");
    Pass signed_pass = p;
    sign_pass(signed_pass, s.net.cagette);
    const json j = verification_to_json(s.verify(encode_text(signed_pass.to_binary())));
    CAPTURE(j.dump());
    CHECK(j.at("code") == "valid");
    CHECK(j.at("valid") == true);
    CHECK(j.at("warnings") == json::array());
    CHECK(j.at("pass_id") == pass_id(p.signed_bytes()));
    CHECK(j.at("pass_id").get<std::string>().size() == 16);
    CHECK(j.at("coop").at("number") == 12);
    CHECK(j.at("coop").at("name") == "La Cagette");
    CHECK(j.at("member").at("number") == 2400000012345ULL);
    CHECK(j.at("member").at("name") == "Camille D.");
    CHECK(j.at("expiry") == "2027-01-01");
    CHECK(j.at("message") == "Pass valide");
}

TEST_CASE("verify verification_to_json of stale refused and unreadable results") {
    const Scene s;
    const std::string text = signed_text(make_pass(7, 1, 77, "2026-01-01", "2028-01-01", "Louis L."), s.net.louve);
    const json stale = verification_to_json(s.verify(text, s.net.registry.expires_at + 86400));
    CHECK(stale.at("code") == "valid");
    CHECK(stale.at("valid") == true);
    CHECK(stale.at("warnings") == json::array({"registry_stale"}));
    CHECK(stale.at("coop").at("name") == "La Louve");

    const json expired = verification_to_json(s.verify(text, s.net.registry.expires_at + (kDefaultGraceDays + 1) * 86400));
    CHECK(expired.at("code") == "registry_expired");
    CHECK(expired.at("valid") == false);
    CHECK(expired.at("member").at("number") == 77);

    const json unknown = verification_to_json(
        s.verify(signed_text(make_pass(99, 1, 5, "2026-01-01", "2027-01-01", "X"), s.net.louve)));
    CHECK(unknown.at("code") == "unknown_coop");
    CHECK(unknown.at("valid") == false);
    CHECK(unknown.at("coop").at("number") == 99);
    CHECK(unknown.at("coop").at("name").is_null());
    CHECK(unknown.at("member").at("name") == "X");
    CHECK(unknown.at("expiry") == "2027-01-01");

    const json unreadable = verification_to_json(s.verify("not a pass"));
    CHECK(unreadable.at("code") == "malformed");
    CHECK(unreadable.at("valid") == false);
    CHECK(unreadable.at("warnings") == json::array());
    CHECK(unreadable.at("pass_id").is_null());
    CHECK(unreadable.at("coop").is_null());
    CHECK(unreadable.at("member").is_null());
    CHECK(unreadable.at("expiry").is_null());
}

TEST_CASE("verify messages are French by default and English on request") {
    REQUIRE(language() == Lang::fr);
    CHECK(message(ResultCode::valid) == "Pass valide");
    CHECK(message(ResultCode::expired) == "Pass expiré");
    CHECK(message(Warning::registry_stale, instant("2026-11-01T10:00:00Z")) ==
          "Registre non mis à jour depuis le 01/11/2026");
    std::vector<std::string> french;
    for (int i = 0; i < kResultCodeCount; ++i) french.push_back(message(static_cast<ResultCode>(i)));
    const std::string french_repair = message(Warning::keyboard_layout_repaired);
    {
        const ThreadLanguage english(Lang::en);
        CHECK(message(ResultCode::valid) == "Valid pass");
        CHECK(message(ResultCode::expired) == "Pass expired");
        CHECK(message(Warning::registry_stale, instant("2026-11-01T10:00:00Z")) ==
              "Registry not updated since 2026-11-01");
        CHECK(message(Warning::keyboard_layout_repaired) != french_repair);
        for (int i = 0; i < kResultCodeCount; ++i) {
            const auto code = static_cast<ResultCode>(i);
            CAPTURE(to_string(code));
            CHECK_FALSE(message(code).empty());
            CHECK(message(code) != french[static_cast<std::size_t>(i)]);
        }
        const Scene s;
        CHECK(verification_to_json(s.verify("nothing")).at("message") == "Not a readable Pass'Koop pass");
    }
    CHECK(language() == Lang::fr);
    CHECK(message(ResultCode::valid) == "Pass valide");
    // Each code has its own message.
    CHECK(std::set<std::string>(french.begin(), french.end()).size() == static_cast<std::size_t>(kResultCodeCount));
    for (const std::string& m : french) CHECK_FALSE(m.empty());
}

TEST_CASE("verify result codes round trip through their stable names") {
    const std::vector<std::string> names = {"valid", "malformed", "truncated", "unsupported_version",
                                            "unknown_coop", "unknown_key", "key_compromised", "bad_signature",
                                            "key_not_valid", "not_yet_valid", "expired", "revoked",
                                            "registry_expired"};
    REQUIRE(names.size() == static_cast<std::size_t>(kResultCodeCount));
    for (int i = 0; i < kResultCodeCount; ++i) {
        const auto code = static_cast<ResultCode>(i);
        CAPTURE(i);
        CHECK(to_string(code) == names[static_cast<std::size_t>(i)]);
        const auto back = result_code_from_string(to_string(code));
        REQUIRE(back.has_value());
        CHECK(*back == code);
    }
    for (const char* bad : {"", "VALID", "Valid", "valid ", " valid", "registry_stale", "keyboard_layout_repaired",
                            "allowed", "ok", "revoke"}) {
        CAPTURE(bad);
        CHECK_FALSE(result_code_from_string(bad).has_value());
    }
    CHECK(to_string(Warning::keyboard_layout_repaired) == "keyboard_layout_repaired");
    CHECK(to_string(Warning::registry_stale) == "registry_stale");
}

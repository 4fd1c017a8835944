#include "vectors/vectors.hpp"

#include "support.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace pk_test {

namespace {

using nlohmann::json;

// The two keyboard mix-ups, as the UTF-8 typed for each digit 0..9.
constexpr const char* kAzerty[10] = {"à", "&", "é", "\"", "'", "(", "-", "è", "_", "ç"};
constexpr const char* kUs[10] = {")", "!", "@", "#", "$", "%", "^", "&", "*", "("};

std::string mangle(const std::string& text, const char* const (&alphabet)[10]) {
    std::string out = text.substr(0, 2);
    for (std::size_t i = 2; i < text.size(); ++i) out += alphabet[text[i] - '0'];
    return out;
}

struct Builder {
    Network net;
    json vectors = json::array();

    // A signed pass vector; `scanned` is what the till received when it differs from the text.
    void pass(const std::string& name, const std::string& description, Pass p, const SigningKey& key, const std::string& at,
              const std::string& code, json warnings = json::array(),
              const std::function<std::string(const std::string&)>& scan = nullptr) {
        sign_pass(p, key);
        const Bytes bytes = p.to_binary();
        const std::string text = encode_text(bytes);
        json v = {{"name", name}, {"description", description}, {"signing_key", key.id()},
                  {"fields", {{"version", 1}, {"coop", p.coop}, {"key_number", p.key_number}, {"member", p.member},
                              {"card_sequence", p.card_sequence}, {"issued", format_day(p.issued_day)},
                              {"expiry", format_day(p.expiry_day)}, {"kind", static_cast<int>(p.kind)}, {"name", p.name}}},
                  {"bytes_hex", to_hex(bytes)}, {"signed_bytes_hex", to_hex(p.signed_bytes())},
                  {"pass_id", pass_id(p.signed_bytes())}, {"text", text},
                  {"scanned", scan ? scan(text) : text}, {"at", at},
                  {"expected", {{"code", code}, {"warnings", warnings}}}};
        vectors.push_back(v);
    }

    void raw(const std::string& name, const std::string& description, const std::string& scanned, const std::string& at,
             const std::string& code) {
        vectors.push_back({{"name", name}, {"description", description}, {"scanned", scanned}, {"at", at},
                           {"expected", {{"code", code}, {"warnings", json::array()}}}});
    }
};

}  // namespace

void write_vectors(const std::filesystem::path& dir) {
    Builder b;
    Network& n = b.net;
    const std::string today = "2026-11-21";
    const Pass camille = make_pass(12, 1, 4242, "2026-11-01", "2027-10-31", "Camille D.");

    b.pass("valid", "A member pass of La Cagette, read as printed.", camille, n.cagette, today, "valid");
    b.pass("valid-no-name", "Name length 0.", make_pass(12, 1, 1, "2026-11-01", "2027-10-31", ""), n.cagette, today, "valid");
    b.pass("valid-accented-name", "UTF-8 name of exactly 24 bytes, largest member number.", make_pass(12, 1, 281474976710655ULL, "2026-11-01", "2027-10-31", "Zoé Émilie-Françoise."), n.cagette, today, "valid");
    Pass tester = make_pass(3, 2, 777, "2026-11-15", "2027-01-13", "Léa T.");
    tester.kind = PassKind::tester;
    tester.card_sequence = 2;
    b.pass("valid-tester", "A tester pass (kind 2), third card (sequence 2).", tester, n.coopalim, today, "valid");
    b.pass("azerty-mangled", "A US-layout scanner on a French AZERTY till typed the digits as à&é\"'(-è_ç; lower-case pk and a trailing CR LF.",
           camille, n.cagette, today, "valid", {"keyboard_layout_repaired"},
           [](const std::string& t) { return "pk" + mangle(t, kAzerty).substr(2) + "\r\n"; });
    b.pass("us-mangled", "A French-layout scanner on a US till typed the digits as )!@#$%^&*(; leading spaces.", camille, n.cagette,
           today, "valid", {"keyboard_layout_repaired"}, [](const std::string& t) { return "  " + mangle(t, kUs); });
    b.pass("ambiguous-mangled", "Only 1 and 5 typed as & and ( (shared by both alphabets, where the US reading gives 7 and 9): "
           "both readings are tried and only the signature picks the AZERTY one.", camille, n.cagette, today, "valid",
           {"keyboard_layout_repaired"}, [](const std::string& t) {
               std::string s = t;
               for (char& c : s) c = c == '1' ? '&' : c == '5' ? '(' : c;
               return s;
           });
    b.raw("malformed-letters", "Not digits.", "PK12345ABC", today, "malformed");
    b.raw("malformed-prefix", "No PK prefix.", "QR0123456789", today, "malformed");
    b.raw("malformed-group-overflow", "A final 3-digit group of 256 does not fit one byte.", "PK256", today, "malformed");
    b.raw("malformed-mixed-alphabets", "Characters unique to both mangled alphabets at once.", "PKé!", today, "malformed");
    {
        Pass p = camille;
        sign_pass(p, n.cagette);
        const std::string text = encode_text(p.to_binary());
        b.raw("truncated", "The valid pass with its last 20 digits lost.", text.substr(0, text.size() - 20), today, "truncated");
        Bytes v2 = p.to_binary();
        v2[0] = 2;
        b.raw("unsupported-version", "Version byte 2.", encode_text(v2), today, "unsupported_version");
        Bytes flipped = p.to_binary();
        flipped[5] ^= 0x01;
        b.raw("bad-signature-bit-flip", "The valid pass with one bit of the member number flipped.", encode_text(flipped), today, "bad_signature");
    }
    b.pass("unknown-coop", "Coop 99 is not in the registry.", make_pass(99, 1, 5, "2026-11-01", "2027-10-31"), key_named("coop-99-key-1"), today, "unknown_coop");
    b.pass("unknown-key", "La Cagette has no key 9.", make_pass(12, 9, 5, "2026-11-01", "2027-10-31"), n.cagette, today, "unknown_key");
    b.pass("key-compromised", "La Louve's key 2 is marked compromised.", make_pass(7, 2, 5, "2026-11-01", "2027-10-31"), n.louve_stolen, today, "key_compromised");
    b.pass("bad-signature-wrong-key", "Claims La Cagette key 1, signed with La Louve's key.", make_pass(12, 1, 5, "2026-11-01", "2027-10-31"), n.louve, today, "bad_signature");
    b.pass("key-not-valid", "Coopalim key 1 was retired on 2025-12-31; this pass claims issue on 2026-06-01.", make_pass(3, 1, 5, "2026-06-01", "2027-05-31"), n.coopalim_old, today, "key_not_valid");
    b.pass("retired-key-still-valid", "Issued by Coopalim key 1 while it was active: retired keys' passes stay valid.", make_pass(3, 1, 6, "2025-06-01", "2027-05-31"), n.coopalim_old, today, "valid");
    b.pass("not-yet-valid", "Issued 2026-11-23, checked 2026-11-21 (beyond the one-day tolerance).", make_pass(12, 1, 5, "2026-11-23", "2027-11-22"), n.cagette, today, "not_yet_valid");
    b.pass("issued-tomorrow-tolerated", "Issued 2026-11-22, checked 2026-11-21: within the one-day tolerance.", make_pass(12, 1, 5, "2026-11-22", "2027-11-21"), n.cagette, today, "valid");
    b.pass("expired", "Last valid day 2026-11-20, checked 2026-11-21.", make_pass(12, 1, 5, "2025-11-21", "2026-11-20"), n.cagette, today, "expired");
    b.pass("expiry-day-inclusive", "Last valid day 2026-11-21, checked that day.", make_pass(12, 1, 5, "2025-11-22", "2026-11-21"), n.cagette, today, "valid");
    const Pass lost = make_pass(12, 1, 9001, "2026-11-01", "2027-10-31", "Perdue P.");
    b.pass("revoked", "Listed in La Cagette's revocation list (sequence 3).", lost, n.cagette, today, "revoked");
    b.pass("registry-stale", "Checked 2027-02-10: after the registry's expires_at (2027-02-01T10:00:00Z), inside the 90-day grace.", camille, n.cagette, "2027-02-10", "valid", {"registry_stale"});
    b.pass("registry-expired", "Checked 2027-05-10: more than 90 days after the registry's expires_at.", camille, n.cagette, "2027-05-10", "registry_expired");
    b.pass("clock-in-the-past", "The till's clock says 2020-06-01; the registry was issued 2026-11-01, so that date is used and this pass, expired 2026-10-31, stays expired.",
           make_pass(12, 1, 5, "2025-11-01", "2026-10-31"), n.cagette, "2020-06-01", "expired");

    Pass lost_signed = lost;
    sign_pass(lost_signed, n.cagette);
    const RevocationList revocations{12, 3, instant("2026-11-10T08:00:00Z"),
                                     {{pass_id_value(lost_signed.signed_bytes()), lost_signed.expiry_day}}};
    const std::string bundle = n.bundle({sign_revocations(revocations, {&n.cagette})});

    json keys = json::array();
    for (const auto& [label, key] : std::initializer_list<std::pair<const char*, const SigningKey*>>{
             {"admin-a", &n.admin_a}, {"admin-b", &n.admin_b}, {"admin-c", &n.admin_c}, {"coop-12-key-1", &n.cagette},
             {"coop-7-key-1", &n.louve}, {"coop-7-key-2", &n.louve_stolen}, {"coop-3-key-1", &n.coopalim_old},
             {"coop-3-key-2", &n.coopalim}})
        keys.push_back({{"label", label}, {"seed_hex", to_hex(key->seed())}, {"public_key", to_base64(key->public_key())},
                        {"key_id", key->id()}});
    const json doc = {
        {"description",
         "Pass'Koop pass test vectors. Each vector: the fields, the exact binary (bytes_hex), the signed bytes, the pass id, "
         "the text form, what the till received (scanned), the date of the check (at, 00:00:00Z) and the expected result "
         "when verified against bundle.json without a pinned anchor and a grace of 90 days (the default). Keys are Ed25519 from the listed seeds "
         "(seed = BLAKE2b-256 of the label). Seeds are public: never use them for real passes."},
        {"pass_payload_type", kPassPayloadType},
        {"bundle", "bundle.json"},
        {"keys", keys},
        {"vectors", b.vectors}};
    std::filesystem::create_directories(dir);
    write_file(dir / "bundle.json", bundle);
    write_file(dir / "passes.json", doc.dump(2) + "\n");
}

}  // namespace pk_test

// The till on its own, with no server: verification and policy with its own counts, durable
// records, the pinned trust state (rollback, stripped revocations), the stale registry, and the C
// API. The fixed Network and explicit times: nothing here reads today's date.
#include "support.hpp"

#include <passkoop/passkoop.h>
#include <passkoop/till.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>

using namespace pk_test;
using nlohmann::json;

namespace {

const std::int64_t kNow = instant("2026-11-21T15:00:00Z");

// The shop of Coopalim (coop 3, three visits per visitor) with a till whose server is unreachable.
struct OfflineTill {
    TempDir dir;
    Network net;
    TillOptions options;

    OfflineTill() {
        options.database = dir / "caisse-1.till";
        options.host_coop = 3;
        options.till_id = "caisse-1";
        options.server_url = "http://127.0.0.1:1";  // nothing listens on port 1
        options.sync_attempts = 2;
        options.backoff = std::chrono::milliseconds(1);
        options.timeout = std::chrono::milliseconds(2000);
    }
    std::unique_ptr<Till> open(const std::string& bundle) const {
        auto till = std::make_unique<Till>(options);
        if (!till->has_bundle()) REQUIRE(till->adopt_bundle(bundle, kNow).has_value());
        return till;
    }
    std::unique_ptr<Till> open() const { return open(net.bundle()); }
    std::string louve_pass(std::uint64_t member) const {
        return signed_text(make_pass(7, 1, member, "2026-01-10", "2027-06-30"), net.louve);
    }
    // Version 2 of the registry, chained to version 1.
    Envelope version_2() const {
        Registry next = net.registry;
        next.version = 2;
        next.previous = net.signed_registry().payload_hash();
        next.issued_at += 3600;
        return sign_registry(next, {&net.admin_a, &net.admin_b});
    }
};

TillVisit purchase(const std::string& pass) {
    TillVisit v;
    v.pass = pass;
    v.amount_cents = 1250;
    return v;
}

}  // namespace

TEST_CASE("till verifies and records offline, and the visit is still queued after reopening") {
    OfflineTill t;
    std::string key;
    {
        auto till = t.open();
        const TillVerdict v = till->verify(t.louve_pass(42), kNow);
        CHECK(v.verification.code == ResultCode::valid);
        REQUIRE(v.policy.has_value());
        CHECK(v.policy->decision == Decision::allowed);
        CHECK(v.light == Light::green);
        const RecordResult r = till->record(purchase(t.louve_pass(42)), kNow);
        REQUIRE(r.outcome == RecordOutcome::recorded);
        CHECK(r.idempotency_key.starts_with("caisse-1:"));
        CHECK(r.idempotency_key.size() == 9 + 32);
        key = r.idempotency_key;
        // No server: the visit stays queued, and the failure is said.
        const SyncResult s = till->sync(kNow);
        CHECK_FALSE(s.complete);
        CHECK(s.pending == 1);
        CHECK(s.attempts == 2);
        CHECK_FALSE(s.error.empty());
    }
    // The file alone holds the visit: a till reopened after a crash or a reboot has it.
    auto till = std::make_unique<Till>(t.options);
    REQUIRE(till->has_bundle());
    const TillStatus st = till->status(kNow);
    CHECK(st.queue_length == 1);
    CHECK(st.oldest_unsynced == kNow);
    CHECK(st.registry_version == 1);
    CHECK_FALSE(st.last_sync_error.empty());
    CHECK(st.last_sync_at == 0);
    CHECK(till->visits_of(t.louve_pass(42), kNow) == 1);
}

TEST_CASE("till applies the host policy with its own counts: last allowed visit, then limit reached") {
    OfflineTill t;
    auto till = t.open();
    const std::string pass = t.louve_pass(43);
    REQUIRE(till->record(purchase(pass), kNow).outcome == RecordOutcome::recorded);
    REQUIRE(till->record(purchase(pass), kNow + 60).outcome == RecordOutcome::recorded);
    TillVerdict third = till->verify(pass, kNow + 120);
    CHECK(third.policy->decision == Decision::last_allowed_visit);
    CHECK(third.policy->visits == 2);
    CHECK(third.policy->limit == 3);
    CHECK(third.light == Light::orange);
    REQUIRE(till->record(purchase(pass), kNow + 120).outcome == RecordOutcome::recorded);

    const TillVerdict fourth = till->verify(pass, kNow + 180);
    CHECK(fourth.policy->decision == Decision::limit_reached);
    CHECK(fourth.light == Light::red);
    const RecordResult refused = till->record(purchase(pass), kNow + 180);
    CHECK(refused.outcome == RecordOutcome::refused);
    CHECK(refused.message == message(Decision::limit_reached));
    // A refund is not a new visit: allowed past the limit. An override records a purchase.
    TillVisit refund = purchase(pass);
    refund.kind = VisitKind::refund;
    CHECK(till->record(refund, kNow + 200).outcome == RecordOutcome::recorded);
    TillVisit overridden = purchase(pass);
    overridden.override_policy = true;
    CHECK(till->record(overridden, kNow + 240).outcome == RecordOutcome::recorded);
    CHECK(till->status(kNow).queue_length == 5);
    CHECK(till->visits_of(pass, kNow + 300) == 4);  // the refund does not count

    // Coopalim's own member is not a visitor; a declared visitor needs a coop of the registry.
    const std::string own = signed_text(make_pass(3, 2, 9, "2026-01-10", "2027-06-30"), t.net.coopalim);
    CHECK(till->verify(own, kNow).policy->decision == Decision::own_member);
    CHECK(till->record(purchase(own), kNow).outcome == RecordOutcome::refused);
    TillVisit declared;
    declared.declared_coop = 99;
    CHECK(till->record(declared, kNow).outcome == RecordOutcome::invalid);
    declared.declared_coop = 12;
    CHECK(till->record(declared, kNow).outcome == RecordOutcome::recorded);
    // Text that is no pass records nothing, even with an override.
    TillVisit garbage = purchase("PK123");
    garbage.override_policy = true;
    CHECK(till->record(garbage, kNow).outcome == RecordOutcome::invalid);
    TillVisit negative = purchase(pass);
    negative.amount_cents = -1;
    CHECK(till->record(negative, kNow).outcome == RecordOutcome::invalid);
    CHECK(till->status(kNow).queue_length == 6);
}

TEST_CASE("till refuses a rolled-back registry and keeps the newer one") {
    OfflineTill t;
    auto till = t.open(bundle_to_string(t.version_2(), {}, {}));
    REQUIRE(till->status(kNow).registry_version == 2);
    const auto older = till->adopt_bundle(t.net.bundle(), kNow);
    REQUIRE_FALSE(older.has_value());
    CHECK(older.error().failure == TrustFailure::rollback);
    // The same version with other bytes is an alarm, not an update.
    Registry other = t.net.registry;
    other.version = 2;
    other.previous = t.net.signed_registry().payload_hash();
    other.issued_at += 7200;
    const auto conflict = till->adopt_bundle(bundle_to_string(sign_registry(other, {&t.net.admin_a, &t.net.admin_c}), {}, {}), kNow);
    REQUIRE_FALSE(conflict.has_value());
    CHECK(conflict.error().failure == TrustFailure::version_conflict);
    // Reopened, the file still trusts version 2 only.
    till.reset();
    Till reopened(t.options);
    CHECK(reopened.status(kNow).registry_version == 2);
    CHECK(reopened.adopt_bundle(t.net.bundle(), kNow).error().failure == TrustFailure::rollback);
}

TEST_CASE("till pin refuses a first bundle older than the pinned registry") {
    OfflineTill t;
    t.options.pin = envelope_to_json(t.version_2()).dump();
    Till till(t.options);
    const auto first = till.adopt_bundle(t.net.bundle(), kNow);
    REQUIRE_FALSE(first.has_value());
    CHECK(first.error().failure == TrustFailure::rollback);
    CHECK_FALSE(till.has_bundle());
    CHECK(till.adopt_bundle(bundle_to_string(t.version_2(), {}, {}), kNow).has_value());
}

TEST_CASE("till keeps a revocation list that a later bundle drops") {
    OfflineTill t;
    const std::string lost = t.louve_pass(44);
    const auto decoded = decode_text(lost);
    REQUIRE(decoded.has_value());
    const std::string id = pass_id(ByteView(decoded->data(), decoded->size() - 64));
    const RevocationList list{7, 1, instant("2026-11-10T09:00:00Z"), {{parse_pass_id(id).value(), day("2027-06-30")}}};
    auto till = t.open(t.net.bundle({sign_revocations(list, {&t.net.louve})}));
    CHECK(till->verify(lost, kNow).verification.code == ResultCode::revoked);
    CHECK(till->record(purchase(lost), kNow).outcome == RecordOutcome::refused);
    // Version 2 without Louve's list: adopted, but the list in force stays.
    REQUIRE(till->adopt_bundle(bundle_to_string(t.version_2(), {}, {}), kNow).has_value());
    CHECK(till->status(kNow).registry_version == 2);
    CHECK(till->status(kNow).revocations_held_back == 1);
    CHECK(till->verify(lost, kNow).verification.code == ResultCode::revoked);
    till.reset();
    Till reopened(t.options);
    CHECK(reopened.verify(lost, kNow).verification.code == ResultCode::revoked);
    CHECK(reopened.verify(t.louve_pass(45), kNow).verification.code == ResultCode::valid);
}

TEST_CASE("till warns registry_stale after expiry and refuses every pass after the grace") {
    OfflineTill t;
    auto till = t.open();
    // The Network's registry expires on 2027-02-01T10:00:00Z.
    const std::int64_t before = instant("2027-02-01T09:00:00Z");
    const std::int64_t after = instant("2027-02-02T09:00:00Z");
    const std::int64_t past_grace = instant("2027-02-01T10:00:00Z") + 91 * 86400;
    CHECK(till->verify(t.louve_pass(46), before).verification.warnings.empty());
    CHECK_FALSE(till->status(before).registry_stale);

    const TillVerdict stale = till->verify(t.louve_pass(46), after);
    CHECK(stale.verification.code == ResultCode::valid);
    REQUIRE(stale.verification.warnings.size() == 1);
    CHECK(stale.verification.warnings[0] == Warning::registry_stale);
    CHECK(stale.light == Light::orange);
    const json answer = json::parse(till->verify_json(t.louve_pass(46), after));
    CHECK(answer["warnings"] == json::array({"registry_stale"}));
    CHECK(answer["color"] == "orange");
    CHECK(answer["warning_messages"][0] == "Registre non mis à jour depuis le 01/11/2026");
    CHECK(till->status(after).registry_stale);
    CHECK_FALSE(till->status(after).registry_expired);
    // Recorded with the warning: the visit is still allowed.
    CHECK(till->record(purchase(t.louve_pass(46)), after).outcome == RecordOutcome::recorded);

    CHECK(till->verify(t.louve_pass(46), past_grace).verification.code == ResultCode::registry_expired);
    CHECK(till->status(past_grace).registry_expired);
    CHECK(till->record(purchase(t.louve_pass(46)), past_grace).outcome == RecordOutcome::refused);
}

TEST_CASE("till file belongs to one till of one coop") {
    OfflineTill t;
    { auto till = t.open(); }
    TillOptions other = t.options;
    other.till_id = "caisse-2";
    CHECK_THROWS_AS(Till{other}, TillError);
    other = t.options;
    other.host_coop = 12;
    CHECK_THROWS_AS(Till{other}, TillError);
    other = t.options;
    other.till_id = "bad\nid";
    CHECK_THROWS_AS(Till{other}, TillError);
    Till without(t.options);
    CHECK(without.has_bundle());
    TempDir empty;
    TillOptions fresh = t.options;
    fresh.database = empty / "new.till";
    Till none(fresh);
    CHECK_FALSE(none.has_bundle());
    CHECK_THROWS_AS((void)none.verify(t.louve_pass(1), kNow), TillError);
}

TEST_CASE("till C API: open, adopt, verify as struct and JSON, record, refuse, status, close") {
    OfflineTill t;
    const std::string options = json{{"database", t.options.database.string()}, {"host_coop", 3}, {"till_id", "caisse-c"},
                                     {"server_url", "http://127.0.0.1:1"}, {"sync_attempts", 1}, {"timeout_ms", 2000}}
                                    .dump();
    passkoop_till* till = nullptr;
    char error[256];
    REQUIRE(passkoop_till_open(options.c_str(), "fr", &till, error, sizeof error) == PASSKOOP_OK);
    REQUIRE(till != nullptr);
    passkoop_till_result result;
    const std::string pass = t.louve_pass(47);
    CHECK(passkoop_till_verify(till, pass.data(), pass.size(), kNow, &result) == PASSKOOP_ERROR_NO_REGISTRY);
    CHECK(result.pass.code == PASSKOOP_MALFORMED);
    const std::string bundle = t.net.bundle();
    REQUIRE(passkoop_till_adopt_bundle(till, bundle.data(), bundle.size(), kNow, "fr", error, sizeof error) == PASSKOOP_OK);
    const std::string older = "{}";
    CHECK(passkoop_till_adopt_bundle(till, older.data(), older.size(), kNow, "en", error, sizeof error) == PASSKOOP_ERROR_BUNDLE_REJECTED);
    CHECK(std::string(error).starts_with("malformed: "));

    REQUIRE(passkoop_till_verify(till, pass.data(), pass.size(), kNow, &result) == PASSKOOP_OK);
    CHECK(result.pass.code == PASSKOOP_VALID);
    CHECK(result.pass.coop == 7);
    CHECK(result.decision == PASSKOOP_ALLOWED);
    CHECK(result.limit == 3);
    CHECK(result.light == PASSKOOP_GREEN);

    char* out = nullptr;
    REQUIRE(passkoop_till_verify_json(till, pass.data(), pass.size(), kNow, "en", &out) == PASSKOOP_OK);
    const json verdict = json::parse(out);
    passkoop_string_free(out);
    CHECK(verdict["policy"]["decision"] == "allowed");
    CHECK(verdict["policy"]["message"] == "Visitor welcome");

    const std::string visit = json{{"pass", pass}, {"kind", "purchase"}, {"amount_cents", 990}}.dump();
    for (int i = 0; i < 3; ++i) {
        REQUIRE(passkoop_till_record(till, visit.c_str(), kNow + i, "fr", &out) == PASSKOOP_OK);
        const json recorded = json::parse(out);
        passkoop_string_free(out);
        CHECK(recorded["outcome"] == "recorded");
        CHECK(recorded["idempotency_key"].get<std::string>().starts_with("caisse-c:"));
    }
    REQUIRE(passkoop_till_record(till, visit.c_str(), kNow + 10, "fr", &out) == PASSKOOP_ERROR_REFUSED);
    const json refused = json::parse(out);
    passkoop_string_free(out);
    CHECK(refused["outcome"] == "refused");
    CHECK(refused["message"] == "Nombre de visites autorisé atteint");
    CHECK(refused["verification"]["policy"]["decision"] == "limit_reached");
    CHECK(passkoop_till_record(till, "{\"kind\":\"gift\",\"declared\":{\"coop\":7}}", kNow, "fr", &out) == PASSKOOP_ERROR_INVALID_ARGUMENT);
    passkoop_string_free(out);
    CHECK(passkoop_till_record(till, "not json", kNow, "fr", &out) == PASSKOOP_ERROR_INVALID_ARGUMENT);
    passkoop_string_free(out);

    REQUIRE(passkoop_till_sync(till, kNow, "fr", &out) == PASSKOOP_ERROR_NETWORK);
    const json synced = json::parse(out);
    passkoop_string_free(out);
    CHECK(synced["pending"] == 3);
    CHECK(synced["complete"] == false);
    REQUIRE(passkoop_till_status(till, kNow, &out) == PASSKOOP_OK);
    const json status = json::parse(out);
    passkoop_string_free(out);
    CHECK(status["queue_length"] == 3);
    CHECK(status["oldest_unsynced"] == kNow);
    CHECK(status["registry_version"] == 1);
    CHECK(status["till_id"] == "caisse-c");
    passkoop_till_close(till);
    passkoop_till_close(nullptr);

    // Bad options say why and leave no handle.
    till = reinterpret_cast<passkoop_till*>(&result);
    CHECK(passkoop_till_open("{\"database\":\"x\"}", "en", &till, error, sizeof error) == PASSKOOP_ERROR_INVALID_ARGUMENT);
    CHECK(till == nullptr);
    CHECK(std::string(error) == "invalid_argument: host_coop: 1..65535");
    CHECK(passkoop_till_open(nullptr, "en", &till, error, sizeof error) == PASSKOOP_ERROR_INVALID_ARGUMENT);
}

TEST_CASE("till follows a bundle that another process adopted in the same file") {
    OfflineTill t;
    auto till = t.open();
    Till volunteer(t.options);  // `passkoop till adopt` run beside the till's own program
    REQUIRE(volunteer.adopt_bundle(bundle_to_string(t.version_2(), {}, {}), kNow).has_value());
    CHECK(till->status(kNow).registry_version == 2);
    CHECK(till->verify(t.louve_pass(48), kNow).verification.registry_issued_at == t.net.registry.issued_at + 3600);
    // And it follows from there: version 1 is a rollback for it too.
    CHECK(till->adopt_bundle(t.net.bundle(), kNow).error().failure == TrustFailure::rollback);
}

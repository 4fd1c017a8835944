// The host's visitor policy as pure functions: each table row is one situation a shop meets.
#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/policy.hpp>

#include <doctest/doctest.h>

using namespace passkoop;

namespace {

constexpr std::uint16_t kHost = 3;

Pass pass_of(std::uint16_t coop, PassKind kind = PassKind::member) {
    Pass p;
    p.coop = coop;
    p.kind = kind;
    p.member = 42;
    return p;
}

VisitorPolicy limited(std::int64_t max_visits) {
    VisitorPolicy p;
    p.max_visits = max_visits;
    return p;
}

}  // namespace

TEST_CASE("policy decide: who may shop here, and how many times") {
    VisitorPolicy closed;
    closed.welcomes_visitors = false;
    VisitorPolicy only_seven = limited(0);
    only_seven.accepts_all_coops = false;
    only_seven.accepted_coops = {7};
    struct Row {
        const char* situation;
        VisitorPolicy policy;
        Pass pass;
        std::int64_t visits_before;
        Decision expected;
    };
    const Row rows[] = {
        {"a visitor, no limit", limited(0), pass_of(7), 40, Decision::allowed},
        {"the host's own member", limited(3), pass_of(kHost), 0, Decision::own_member},
        {"a shop that welcomes no visitors", closed, pass_of(7), 0, Decision::not_accepted},
        {"a coop on the accepted list", only_seven, pass_of(7), 0, Decision::allowed},
        {"a coop not on the accepted list", only_seven, pass_of(12), 0, Decision::not_accepted},
        {"another coop's tester pass", limited(0), pass_of(7, PassKind::tester), 0, Decision::tester_other_coop},
        {"another coop's tester pass where that coop is not welcome", only_seven, pass_of(12, PassKind::tester), 0,
         Decision::tester_other_coop},
        {"the host's own tester pass, under the limit", limited(3), pass_of(kHost, PassKind::tester), 0, Decision::allowed},
        {"the host's own tester pass at its limit", limited(3), pass_of(kHost, PassKind::tester), 3, Decision::limit_reached},
        {"the host's own tester pass when closed to visitors", closed, pass_of(kHost, PassKind::tester), 0, Decision::allowed},
        {"first of three visits", limited(3), pass_of(7), 0, Decision::allowed},
        {"third and last of three", limited(3), pass_of(7), 2, Decision::last_allowed_visit},
        {"a fourth of three", limited(3), pass_of(7), 3, Decision::limit_reached},
        {"well past the limit", limited(3), pass_of(7), 30, Decision::limit_reached},
        {"a limit of one, first visit", limited(1), pass_of(7), 0, Decision::last_allowed_visit},
    };
    for (const Row& row : rows) {
        CAPTURE(row.situation);
        const PolicyOutcome out = decide(row.policy, kHost, row.pass, row.visits_before);
        CHECK(out.decision == row.expected);
        CHECK(out.visits == row.visits_before);
        CHECK(out.limit == row.policy.max_visits);
    }
}

TEST_CASE("policy admit: refusals stop new visits, not the money of one already made") {
    struct Row {
        Decision decision;
        VisitKind kind;
        bool override_policy;
        bool admitted;
    };
    const Row rows[] = {
        {Decision::allowed, VisitKind::purchase, false, true},
        {Decision::last_allowed_visit, VisitKind::visit, false, true},
        {Decision::limit_reached, VisitKind::purchase, false, false},
        {Decision::limit_reached, VisitKind::visit, false, false},
        {Decision::limit_reached, VisitKind::refund, false, true},
        {Decision::limit_reached, VisitKind::deposit, false, true},
        {Decision::limit_reached, VisitKind::purchase, true, true},
        {Decision::own_member, VisitKind::refund, false, false},
        {Decision::own_member, VisitKind::purchase, true, true},
        {Decision::not_accepted, VisitKind::deposit, false, false},
        {Decision::not_accepted, VisitKind::purchase, true, true},
        {Decision::tester_other_coop, VisitKind::purchase, false, false},
        {Decision::tester_other_coop, VisitKind::refund, false, false},
        {Decision::tester_other_coop, VisitKind::purchase, true, false},
        {Decision::tester_other_coop, VisitKind::visit, true, false},
    };
    for (const Row& row : rows) {
        CAPTURE(to_string(row.decision));
        CAPTURE(to_string(row.kind));
        CAPTURE(row.override_policy);
        CHECK(admit(PolicyOutcome{row.decision, 0, 0}, row.kind, row.override_policy) == row.admitted);
    }
}

TEST_CASE("policy message: another coop's trial pass is named for what it is, not as a coop refused") {
    ThreadLanguage french(Lang::fr);
    CHECK(message(Decision::tester_other_coop) == "Pass d'essai : valable seulement dans la coop qui l'a émis");
    CHECK(message(Decision::tester_other_coop) != message(Decision::not_accepted));
    CHECK(to_string(Decision::tester_other_coop) == "tester_other_coop");
    ThreadLanguage english(Lang::en);
    CHECK(message(Decision::tester_other_coop) == "Trial pass: valid only in the coop that issued it");
}

TEST_CASE("policy visit kinds: names round-trip, only purchases and visits count") {
    for (const VisitKind kind : {VisitKind::purchase, VisitKind::deposit, VisitKind::refund, VisitKind::visit})
        CHECK(visit_kind_from_string(to_string(kind)) == kind);
    CHECK(to_string(VisitKind::refund) == "refund");
    CHECK_FALSE(visit_kind_from_string("Purchase"));
    CHECK_FALSE(visit_kind_from_string(""));
    CHECK(counts_as_visit(VisitKind::purchase));
    CHECK(counts_as_visit(VisitKind::visit));
    CHECK_FALSE(counts_as_visit(VisitKind::refund));
    CHECK_FALSE(counts_as_visit(VisitKind::deposit));
}

TEST_CASE("policy light: red refuses, orange warns, green welcomes") {
    Verification valid;
    valid.code = ResultCode::valid;
    Verification stale = valid;
    stale.warnings = {Warning::registry_stale};
    Verification revoked;
    revoked.code = ResultCode::revoked;
    const auto outcome = [](Decision d) { return std::optional<PolicyOutcome>(PolicyOutcome{d, 0, 3}); };
    struct Row {
        const Verification* verification;
        std::optional<PolicyOutcome> outcome;
        Light light;
    };
    const Row rows[] = {
        {&valid, std::nullopt, Light::green},
        {&valid, outcome(Decision::allowed), Light::green},
        {&valid, outcome(Decision::last_allowed_visit), Light::orange},
        {&stale, outcome(Decision::allowed), Light::orange},
        {&valid, outcome(Decision::limit_reached), Light::red},
        {&valid, outcome(Decision::own_member), Light::red},
        {&stale, outcome(Decision::not_accepted), Light::red},
        {&valid, outcome(Decision::tester_other_coop), Light::red},
        {&revoked, std::nullopt, Light::red},
    };
    for (const Row& row : rows) CHECK(light_of(*row.verification, row.outcome) == row.light);
    CHECK(to_string(Light::orange) == "orange");
}

TEST_CASE("policy host policy: the registry entry, then the shop's overrides") {
    Registry registry;
    Coop host;
    host.number = kHost;
    host.policy = limited(3);
    host.policy.window_days = 60;
    registry.coops.push_back(host);
    CHECK(host_policy(registry, kHost, {}).max_visits == 3);
    CHECK(host_policy(registry, kHost, {}).window_days == 60);
    const VisitorPolicy overridden = host_policy(registry, kHost, {5, std::nullopt, false});
    CHECK(overridden.max_visits == 5);
    CHECK(overridden.window_days == 60);
    CHECK_FALSE(overridden.welcomes_visitors);
    // A host the registry does not list gets the default policy: welcome, no limit.
    const VisitorPolicy unlisted = host_policy(registry, 99, {});
    CHECK(unlisted.welcomes_visitors);
    CHECK(unlisted.max_visits == 0);
}

TEST_CASE("policy window: whole days, today included") {
    const std::int64_t noon = start_of_day(*parse_day("2027-03-10")) + 12 * 3600;
    CHECK(window_start(limited(3), noon) == 0);  // window_days 0: since forever
    VisitorPolicy week = limited(3);
    week.window_days = 7;
    CHECK(window_start(week, noon) == start_of_day(*parse_day("2027-03-04")));
    week.window_days = 1;
    CHECK(window_start(week, noon) == start_of_day(*parse_day("2027-03-10")));
}

TEST_CASE("policy visitor key: keyed by the shop's secret, one per person") {
    std::array<std::uint8_t, 32> secret{};
    secret.fill(0x5A);
    std::array<std::uint8_t, 32> other = secret;
    other[0] ^= 1;
    const std::string key = visitor_key(secret, 7, 42);
    CHECK(key.size() == 32);  // BLAKE2b-128 in hex
    CHECK(key == visitor_key(secret, 7, 42));
    CHECK(key != visitor_key(secret, 7, 43));
    CHECK(key != visitor_key(secret, 12, 42));
    CHECK(key != visitor_key(other, 7, 42));
    // "7:42" and "74:2" are different people.
    CHECK(visitor_key(secret, 7, 42) != visitor_key(secret, 74, 2));
}

TEST_CASE("policy genuine card: refusals that still prove a real card") {
    for (const ResultCode code : {ResultCode::not_yet_valid, ResultCode::expired, ResultCode::revoked, ResultCode::registry_expired})
        CHECK(genuine_card(code));
    for (const ResultCode code : {ResultCode::valid, ResultCode::malformed, ResultCode::bad_signature, ResultCode::unknown_key,
                                  ResultCode::key_compromised, ResultCode::key_not_valid})
        CHECK_FALSE(genuine_card(code));
}

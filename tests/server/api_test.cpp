// The HTTP API of DESIGN §9 without sockets: an Api built from its parts (config, ledger on a
// temporary database, tokens, registry holder, metrics, a fixed secret) and hand-built requests.
#include "api/api.hpp"
#include "service/shop_time.hpp"

#include "today_network.hpp"

#include <passkoop/dates.hpp>
#include <passkoop/directory.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <limits>
#include <memory>
#include <regex>
#include <thread>

using namespace passkoop;
using namespace passkoop::server;
using nlohmann::json;

namespace {

using pk_test::today_plus;
using pk_test::TodayNetwork;

struct ApiFixture {
    pk_test::TempDir dir;
    TodayNetwork net;
    Config config;
    std::unique_ptr<Store> store;
    Ledger* ledger = nullptr;
    TokenStore* tokens = nullptr;
    std::unique_ptr<RegistryHolder> registry;
    Metrics metrics;
    std::unique_ptr<Api> api;
    std::string cashier, manager;

    explicit ApiFixture(std::uint16_t host = 3, int auth_failures_per_minute = 10) {
        pk_test::write_file(dir / "bundle.json", net.bundle());
        config.registry = dir / "bundle.json";
        config.db = dir / "ledger.db";
        config.coop = host;
        config.auth_failures_per_minute = auth_failures_per_minute;
        store = std::make_unique<Store>(config.db);
        ledger = &store->ledger();
        tokens = &store->tokens();
        registry = std::make_unique<RegistryHolder>(config.registry, std::nullopt, store->state());
        std::array<std::uint8_t, 32> secret{};
        secret.fill(0x5A);
        api = std::make_unique<Api>(config, *ledger, *tokens, *registry, metrics, secret);
        cashier = tokens->create(Role::cashier, "Camille");
        manager = tokens->create(Role::manager, "Dominique");
    }

    Response call(http::verb verb, const std::string& target, const std::string& body = {}, const std::string& token = {},
                  const std::map<std::string, std::string>& headers = {}, const std::string& client = "127.0.0.1") {
        Request req{verb, target, 11};
        req.set(http::field::host, "127.0.0.1");
        if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
        for (const auto& [k, v] : headers) req.set(k, v);
        if (!body.empty()) {
            req.set(http::field::content_type, "application/json");
            req.body() = body;
        }
        req.prepare_payload();
        return api->handle(req, client);
    }
    Response get(const std::string& target, const std::string& token = {}) { return call(http::verb::get, target, {}, token); }
    Response post(const std::string& target, const json& body, const std::string& token) {
        return call(http::verb::post, target, body.dump(), token);
    }
    Response visit(const json& body, const std::string& token = {}) { return post("/v1/visits", body, token.empty() ? cashier : token); }
    Response verify(const std::string& pass_text) { return post("/v1/verify", {{"pass", pass_text}}, cashier); }
};

int status_of(const Response& r) { return static_cast<int>(r.result_int()); }
json body_of(const Response& r) { return json::parse(r.body()); }

// Checks an RFC 9457 problem and returns its body.
json problem(const Response& r, int status, const std::string& code) {
    INFO(r.body());
    CHECK(status_of(r) == status);
    CHECK(r[http::field::content_type] == "application/problem+json");
    const json body = body_of(r);
    CHECK(body.value("type", "") == "https://passkoop.coop/problems/" + code);
    CHECK(body.value("code", "") == code);
    CHECK(body.value("status", 0) == status);
    CHECK(body.contains("title"));
    CHECK(body["title"].is_string());
    CHECK_FALSE(body["title"].get<std::string>().empty());
    return body;
}

json purchase(const std::string& pass_text, const std::string& key, std::int64_t cents = 1250) {
    return {{"pass", pass_text}, {"kind", "purchase"}, {"amount_cents", cents}, {"currency", "EUR"}, {"ticket", "T-1"},
            {"till", "caisse-1"}, {"idempotency_key", key}};
}

json declared(std::int64_t coop, const std::string& key, std::int64_t cents = 800) {
    return {{"declared", {{"coop", coop}}}, {"kind", "purchase"}, {"amount_cents", cents}, {"idempotency_key", key}};
}

}  // namespace

TEST_CASE("api problem bodies carry type title status and code") {
    ApiFixture f;
    const json not_found = problem(f.get("/nowhere"), 404, "not_found");
    CHECK(not_found["title"] == "Adresse inconnue");
    const Response unauthorized = f.get("/v1/visits");
    const json body = problem(unauthorized, 401, "unauthorized");
    CHECK(body["title"] == "Jeton manquant ou invalide");
    CHECK(unauthorized[http::field::www_authenticate] == "Bearer");
    const json invalid = problem(f.visit({{"idempotency_key", "k"}, {"kind", "gift"}, {"declared", {{"coop", 7}}}}), 422, "invalid_field");
    CHECK(invalid["title"] == "Champ invalide");
    CHECK(invalid.value("detail", "").starts_with("kind"));
}

TEST_CASE("api Accept-Language en gives English titles") {
    ApiFixture f;
    const std::map<std::string, std::string> en = {{"Accept-Language", "en"}};
    CHECK(body_of(f.call(http::verb::get, "/nowhere", {}, {}, en))["title"] == "Unknown address");
    CHECK(body_of(f.call(http::verb::get, "/v1/visits", {}, {}, en))["title"] == "Missing or invalid token");
    CHECK(body_of(f.call(http::verb::get, "/v1/visits", {}, {}, {{"Accept-Language", "en-GB,en;q=0.8"}}))["title"] ==
          "Missing or invalid token");
    CHECK(body_of(f.call(http::verb::get, "/v1/visits.csv", {}, f.cashier, en))["title"] == "Managers only");
    const json invalid = body_of(f.call(http::verb::post, "/v1/visits", declared(999, "k-en").dump(), f.cashier, en));
    CHECK(invalid["title"] == "Invalid field");
    // The cashier message of a verification follows the language too.
    const json verified = body_of(f.call(http::verb::post, "/v1/verify", json{{"pass", f.net.pass(12, 1)}}.dump(), f.cashier, en));
    CHECK(verified["policy"]["message"] == "Visitor welcome");
    const json french = body_of(f.verify(f.net.pass(12, 1)));
    CHECK(french["policy"]["message"] == "Visiteur accepté");
    // Other languages fall back to French.
    CHECK(body_of(f.call(http::verb::get, "/nowhere", {}, {}, {{"Accept-Language", "de"}}))["title"] == "Adresse inconnue");
}

TEST_CASE("api public endpoints answer without a token") {
    ApiFixture f;
    const Response health = f.get("/healthz");
    CHECK(status_of(health) == 200);
    CHECK(body_of(health)["status"] == "ok");
    CHECK(body_of(health)["registry_version"] == 1);
    CHECK(status_of(f.call(http::verb::head, "/healthz")) == 200);
    CHECK(status_of(f.get("/metrics")) == 200);
    CHECK(status_of(f.get("/v1/bundle")) == 200);
    CHECK(status_of(f.get("/v1/directory")) == 200);
    CHECK(status_of(f.get("/v1/directory.geojson")) == 200);
    const Response page = f.get("/");
    CHECK(status_of(page) == 200);
    CHECK(page[http::field::content_type] == "text/html; charset=utf-8");
    problem(f.post("/v1/verify", {{"pass", "PK1"}}, ""), 401, "unauthorized");
    problem(f.get("/v1/reports/monthly?month=2026-11"), 401, "unauthorized");
    problem(f.post("/v1/visits/batch", {{"visits", json::array()}}, ""), 401, "unauthorized");
}

TEST_CASE("api status shows the registry's freshness and the host policy to any token") {
    ApiFixture f;
    problem(f.get("/v1/status"), 401, "unauthorized");
    for (const std::string& token : {f.cashier, f.manager}) {
        const Response r = f.get("/v1/status", token);
        REQUIRE(status_of(r) == 200);
        const json status = body_of(r);
        CHECK(status["registry_version"] == 1);
        CHECK(status["issued_at"] == format_instant(f.net.registry.issued_at));
        CHECK(status["expires_at"] == format_instant(f.net.registry.expires_at));
        // Valid 90 days from the fixture's start, within the same second or a moment ago.
        const std::int64_t days_left = status["days_left"];
        CHECK((days_left == 90 || days_left == 89));
        // The end of the grace: the date the page gives for "every pass refused from".
        CHECK(status["refused_from"] == format_instant(f.net.registry.expires_at + f.config.grace_days * kSecondsPerDay));
        CHECK(status["revocation_sequences"].is_object());
        CHECK(status["host_coop"]["number"] == 3);
        CHECK(status["host_coop"]["name"] == f.net.registry.find_coop(3)->name);
        CHECK(status["policy"]["max_visits"] == f.net.registry.find_coop(3)->policy.max_visits);
    }
    problem(f.post("/v1/status", json::object(), f.cashier), 405, "method_not_allowed");
}

TEST_CASE("api method not allowed lists the allowed methods") {
    ApiFixture f;
    const Response del = f.call(http::verb::delete_, "/v1/visits", {}, f.cashier);
    problem(del, 405, "method_not_allowed");
    CHECK(del[http::field::allow] == "GET, POST");
    const Response get_verify = f.get("/v1/verify", f.cashier);
    problem(get_verify, 405, "method_not_allowed");
    CHECK(get_verify[http::field::allow] == "POST");
    const Response post_health = f.call(http::verb::post, "/healthz", "{}");
    problem(post_health, 405, "method_not_allowed");
    CHECK(post_health[http::field::allow] == "GET, HEAD");
    const Response put_csv = f.call(http::verb::put, "/v1/visits.csv", "{}", f.manager);
    problem(put_csv, 405, "method_not_allowed");
    CHECK(put_csv[http::field::allow] == "GET");
}

TEST_CASE("api cashier token is refused on manager exports") {
    ApiFixture f;
    problem(f.get("/v1/visits.csv", f.cashier), 403, "forbidden");
    problem(f.get("/v1/reports/monthly?month=2026-11", f.cashier), 403, "forbidden");
    CHECK(status_of(f.get("/v1/visits.csv", f.manager)) == 200);
    CHECK(status_of(f.get("/v1/reports/monthly?month=2026-11", f.manager)) == 200);
    // Managers may do what cashiers do.
    CHECK(status_of(f.visit(declared(7, "by-manager"), f.manager)) == 201);
}

TEST_CASE("api unknown malformed or revoked tokens are refused") {
    ApiFixture f;
    problem(f.get("/v1/visits", "pkt_" + std::string(64, '0')), 401, "unauthorized");
    problem(f.get("/v1/visits", "not-a-token"), 401, "unauthorized");
    problem(f.get("/v1/visits", f.cashier + "0"), 401, "unauthorized");
    problem(f.call(http::verb::get, "/v1/visits", {}, {}, {{"Authorization", "Basic " + f.cashier}}), 401, "unauthorized");
    CHECK(status_of(f.get("/v1/visits", f.cashier)) == 200);
    const auto list = f.tokens->list();
    REQUIRE(list.size() == 2);
    CHECK(f.tokens->revoke(list[0].id));
    problem(f.get("/v1/visits", f.cashier), 401, "unauthorized");
    CHECK(status_of(f.get("/v1/visits", f.manager)) == 200);
}

TEST_CASE("api repeated authentication failures block further failures of the address, never a valid token") {
    // Failures count per clock minute: keep clear of a minute boundary.
    while (unix_now() % 60 >= 57) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ApiFixture f(3, 3);
    for (int i = 0; i < 3; ++i) problem(f.get("/v1/visits", "pkt_bad"), 401, "unauthorized");
    const Response blocked = f.get("/v1/visits", "pkt_bad");
    problem(blocked, 429, "too_many_failures");
    const int retry_after = std::stoi(std::string(blocked[http::field::retry_after]));
    CHECK(retry_after >= 1);
    CHECK(retry_after <= 60);
    problem(f.get("/v1/visits"), 429, "too_many_failures");
    // The tills sharing the address (or a proxy's) keep working: a valid token is never refused.
    CHECK(status_of(f.get("/v1/visits", f.cashier)) == 200);
    CHECK(status_of(f.visit(declared(7, "after-failures"))) == 201);
    CHECK(status_of(f.get("/v1/visits.csv", f.manager)) == 200);
    problem(f.get("/v1/visits", "pkt_bad"), 429, "too_many_failures");
    // Another address is not affected, nor are the public endpoints.
    problem(f.call(http::verb::get, "/v1/visits", {}, "pkt_bad", {}, "10.0.0.2"), 401, "unauthorized");
    CHECK(status_of(f.get("/healthz")) == 200);
}

TEST_CASE("auth limiter: an IPv6 /64 is one client, and a full table never unblocks anyone") {
    CHECK(limiter_client("2001:db8:1:2:aaaa:bbbb:cccc:dddd") == "2001:db8:1:2::/64");
    CHECK(limiter_client("192.0.2.7") == "192.0.2.7");
    CHECK(limiter_client("::ffff:192.0.2.7") == "::ffff:192.0.2.7");
    CHECK(limiter_client("not an address") == "not an address");

    const std::int64_t minute_start = 1'800'000'000 / 60 * 60;
    AuthLimiter limiter(2);
    // Two failures from one /64, from different addresses, block the whole /64.
    limiter.failed("2001:db8::1", minute_start);
    limiter.failed("2001:db8::ffff:2", minute_start + 1);
    CHECK(limiter.blocked("2001:db8::3", minute_start + 2));
    CHECK_FALSE(limiter.blocked("2001:db8:0:1::3", minute_start + 2));
    limiter.failed("192.0.2.7", minute_start);
    limiter.failed("192.0.2.7", minute_start);
    CHECK(limiter.blocked("192.0.2.7", minute_start + 3));

    // An attacker fails once from each of many other addresses in the same minute: the table
    // fills, newcomers go uncounted, and the clients already blocked stay blocked.
    for (std::size_t i = 0; i < AuthLimiter::kMaxTracked + 50; ++i)
        limiter.failed("10." + std::to_string(i >> 16 & 255) + "." + std::to_string(i >> 8 & 255) + "." +
                           std::to_string(i & 255),
                       minute_start + 4);
    CHECK(limiter.blocked("192.0.2.7", minute_start + 5));
    CHECK(limiter.blocked("2001:db8::9", minute_start + 5));
    // The next minute, the old windows are forgotten to make room and counting starts again.
    limiter.failed("198.51.100.1", minute_start + 60);
    limiter.failed("198.51.100.1", minute_start + 61);
    CHECK(limiter.blocked("198.51.100.1", minute_start + 62));
    CHECK_FALSE(limiter.blocked("192.0.2.7", minute_start + 62));
}

TEST_CASE("api verify returns the verification object and the policy") {
    ApiFixture f;
    const Response r = f.verify(f.net.pass(12, 42));
    REQUIRE(status_of(r) == 200);
    const json v = body_of(r);
    CHECK(v["code"] == "valid");
    CHECK(v["valid"] == true);
    CHECK(v["color"] == "green");
    CHECK(v["warnings"].empty());
    CHECK(v["pass_id"].get<std::string>().size() == 16);
    CHECK(v["coop"]["number"] == 12);
    CHECK(v["coop"]["name"] == "La Cagette");
    CHECK(v["member"]["number"] == 42);
    CHECK(v["expiry"] == today_plus(365));
    CHECK(v["policy"]["decision"] == "allowed");
    CHECK(v["policy"]["visits"] == 0);
    CHECK(v["policy"]["limit"] == 3);
    // A verification records nothing.
    CHECK(f.ledger->row_count() == 0);
    const std::string metrics = f.get("/metrics").body();
    CHECK(metrics.find("passkoop_verifications_total{code=\"valid\"} 1") != std::string::npos);
}

TEST_CASE("api verify reports refusals with their codes and no policy") {
    ApiFixture f;
    const json expired = body_of(f.verify(f.net.expired_pass(7, 5)));
    CHECK(expired["code"] == "expired");
    CHECK(expired["color"] == "red");
    CHECK(expired["policy"].is_null());
    CHECK(body_of(f.verify(f.net.compromised_pass(6)))["code"] == "key_compromised");
    CHECK(body_of(f.verify("PK123"))["valid"] == false);
    // Control characters are the verifier's business: a refusal, not an API error.
    const Response control = f.post("/v1/verify", {{"pass", "PK12\x01" "34"}}, f.cashier);
    CHECK(status_of(control) == 200);
    CHECK(body_of(control)["valid"] == false);
    problem(f.post("/v1/verify", {{"pass", 5}}, f.cashier), 422, "invalid_field");
    problem(f.post("/v1/verify", json::object(), f.cashier), 422, "invalid_field");
    problem(f.call(http::verb::post, "/v1/verify", "{not json", f.cashier), 400, "invalid_json");
    const std::string metrics = f.get("/metrics").body();
    CHECK(metrics.find("passkoop_verifications_total{code=\"expired\"} 1") != std::string::npos);
    CHECK(metrics.find("passkoop_verifications_total{code=\"key_compromised\"} 1") != std::string::npos);
}

TEST_CASE("api own member pass is own_member") {
    ApiFixture f(3);
    const json v = body_of(f.verify(f.net.pass(3, 77)));
    CHECK(v["code"] == "valid");
    CHECK(v["policy"]["decision"] == "own_member");
    CHECK(v["color"] == "red");
    const json refused = problem(f.visit(purchase(f.net.pass(3, 77), "own-1")), 422, "policy_refused");
    CHECK(refused["verification"]["policy"]["decision"] == "own_member");
    json forced = purchase(f.net.pass(3, 77), "own-2");
    forced["override"] = true;
    const Response r = f.visit(forced);
    REQUIRE(status_of(r) == 201);
    CHECK(body_of(r)["override"] == true);
    CHECK(body_of(r)["decision"] == "own_member");
}

TEST_CASE("api tester pass of another coop is tester_other_coop, and no override records it") {
    ApiFixture f(3);
    const json other = body_of(f.verify(f.net.pass(12, 900, PassKind::tester)));
    CHECK(other["code"] == "valid");
    CHECK(other["policy"]["decision"] == "tester_other_coop");
    CHECK(other["policy"]["message"] == "Pass d'essai : valable seulement dans la coop qui l'a émis");
    CHECK(other["color"] == "red");
    const json refused = problem(f.visit(purchase(f.net.pass(12, 900, PassKind::tester), "tester-1")), 422, "policy_refused");
    CHECK(refused["verification"]["policy"]["decision"] == "tester_other_coop");
    // Its holder is no coop's member yet: a manager's override has no visitor to record either.
    json forced = purchase(f.net.pass(12, 900, PassKind::tester), "tester-3");
    forced["override"] = true;
    const json still = problem(f.visit(forced), 422, "policy_refused");
    CHECK(still["verification"]["policy"]["decision"] == "tester_other_coop");
    CHECK(body_of(f.get("/v1/visits", f.manager))["visits"].empty());
    // The host's own tester pass is a visitor like any other.
    const json own = body_of(f.verify(f.net.pass(3, 901, PassKind::tester)));
    CHECK(own["policy"]["decision"] == "allowed");
    CHECK(status_of(f.visit(purchase(f.net.pass(3, 901, PassKind::tester), "tester-2"))) == 201);
}

TEST_CASE("api a token revoked from another connection stops working within a second") {
    ApiFixture f;
    CHECK(status_of(f.get("/v1/visits", f.cashier)) == 200);  // now remembered by the server
    {
        // What `passkoopd token revoke` does from its own process: another connection commits.
        Store other_store(f.config.db);
        TokenStore& tokens = other_store.tokens();
        REQUIRE(tokens.revoke(tokens.list().front().id));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    problem(f.get("/v1/visits", f.cashier), 401, "unauthorized");
    CHECK(status_of(f.get("/v1/visits", f.manager)) == 200);
}

TEST_CASE("api concurrent visits of one visitor never pass the limit") {
    ApiFixture f(3);  // Coopalim: max_visits 3
    const std::string pass = f.net.pass(12, 4321);
    constexpr int kTills = 8;
    std::vector<int> statuses(kTills);
    std::vector<std::thread> tills;
    for (int i = 0; i < kTills; ++i)
        tills.emplace_back([&, i] { statuses[static_cast<std::size_t>(i)] = status_of(f.visit(purchase(pass, "till-" + std::to_string(i)))); });
    for (auto& t : tills) t.join();
    CHECK(std::count(statuses.begin(), statuses.end(), 201) == 3);
    CHECK(std::count(statuses.begin(), statuses.end(), 422) == kTills - 3);
    CHECK(f.ledger->row_count() == 3);
}

TEST_CASE("api host policy limit gives last_allowed_visit then limit_reached") {
    ApiFixture f(3);  // Coopalim: max_visits 3
    const std::string pass = f.net.pass(12, 1234);
    const char* expected[] = {"allowed", "allowed", "last_allowed_visit"};
    for (int i = 0; i < 3; ++i) {
        const json v = body_of(f.verify(pass));
        CHECK(v["policy"]["decision"] == expected[i]);
        CHECK(v["policy"]["visits"] == i);
        CHECK(v["color"] == (i == 2 ? "orange" : "green"));
        const Response r = f.visit(purchase(pass, "limit-" + std::to_string(i)));
        REQUIRE(status_of(r) == 201);
        CHECK(body_of(r)["decision"] == expected[i]);
    }
    // Deposits and refunds are not visits: they do not count, and the limit does not stop them.
    json deposit = purchase(pass, "limit-deposit", 5000);
    deposit["kind"] = "deposit";
    CHECK(status_of(f.visit(deposit)) == 201);
    json refund = purchase(pass, "limit-refund", 1250);
    refund["kind"] = "refund";
    const Response refunded = f.visit(refund);
    REQUIRE(status_of(refunded) == 201);
    CHECK(body_of(refunded)["override"] == false);
    CHECK(body_of(refunded)["decision"] == "limit_reached");
    const json fourth = body_of(f.verify(pass));
    CHECK(fourth["policy"]["decision"] == "limit_reached");
    CHECK(fourth["policy"]["visits"] == 3);
    CHECK(fourth["color"] == "red");
    const json refused = problem(f.visit(purchase(pass, "limit-3")), 422, "policy_refused");
    CHECK(refused["verification"]["policy"]["decision"] == "limit_reached");
    json forced = purchase(pass, "limit-3");
    forced["override"] = true;
    const Response r = f.visit(forced);
    REQUIRE(status_of(r) == 201);
    CHECK(body_of(r)["override"] == true);
    CHECK(body_of(r)["decision"] == "limit_reached");
    CHECK(body_of(r)["verified"] == true);
    // Another member of the same coop has their own count.
    CHECK(body_of(f.verify(f.net.pass(12, 1235)))["policy"]["decision"] == "allowed");
}

TEST_CASE("api declared visitor with unknown coop is refused") {
    ApiFixture f;
    const json unknown = problem(f.visit(declared(99, "decl-1")), 422, "invalid_field");
    CHECK(unknown.value("detail", "").starts_with("declared.coop"));
    problem(f.visit(declared(0, "decl-2")), 422, "invalid_field");
    problem(f.visit(declared(70000, "decl-3")), 422, "invalid_field");
    problem(f.visit({{"declared", 7}, {"idempotency_key", "decl-4"}}), 422, "invalid_field");
    problem(f.visit({{"declared", {{"coop", "7"}}}, {"idempotency_key", "decl-5"}}), 422, "invalid_field");
    json both = declared(7, "decl-6");
    both["pass"] = f.net.pass(12, 1);
    problem(f.visit(both), 422, "invalid_field");
    problem(f.visit({{"idempotency_key", "decl-7"}, {"kind", "purchase"}}), 422, "invalid_field");
    CHECK(f.ledger->row_count() == 0);
    const Response ok = f.visit(declared(7, "decl-8"));
    REQUIRE(status_of(ok) == 201);
    const json row = body_of(ok);
    CHECK(row["verified"] == false);
    CHECK(row["decision"] == "declared");
    CHECK(row["origin_coop"] == 7);
    CHECK(row["origin_coop_name"] == "La Louve");
    CHECK(row["pass_id"].is_null());
    CHECK(row["cashier"] == "Camille");
}

TEST_CASE("api occurred_at in the far past or future is refused") {
    ApiFixture f;
    const std::int64_t now = unix_now();
    int n = 0;
    auto at = [&](const json& when) {
        json body = declared(7, "when-" + std::to_string(++n));
        body["occurred_at"] = when;
        return f.visit(body);
    };
    for (const json& bad : {json(format_instant(now - 400 * 86400)), json(format_instant(now + 3 * 86400)),
                            json(format_instant(now - 32 * 86400)), json(format_instant(now + 3600)),
                            json("1970-01-01T00:00:00Z"), json("9999-12-31T23:59:59Z"), json(today_plus(0)),
                            json("2026-11-21T10:00:00+01:00"), json(now), json("yesterday")}) {
        INFO(bad.dump());
        const json p = problem(at(bad), 422, "invalid_field");
        CHECK(p.value("detail", "").starts_with("occurred_at"));
    }
    CHECK(f.ledger->row_count() == 0);
    const std::string month_ago = format_instant(now - 30 * 86400);
    const Response ok = at(month_ago);
    REQUIRE(status_of(ok) == 201);
    CHECK(body_of(ok)["occurred_at"] == month_ago);
    // A till's clock a few minutes ahead is tolerated.
    CHECK(status_of(at(format_instant(now + 5 * 60))) == 201);
}

TEST_CASE("api amount_cents must be an integer within bounds") {
    ApiFixture f;
    int n = 0;
    auto amount = [&](const json& cents) {
        json body = declared(7, "amount-" + std::to_string(++n));
        body["amount_cents"] = cents;
        return f.visit(body);
    };
    for (const json& bad : {json(12.5), json(12.0), json("1250"), json(true), json(100'000'001), json(-100'000'001),
                            json::array({1250}), json(-1), json(std::numeric_limits<std::int64_t>::min()),
                            json(std::numeric_limits<std::int64_t>::max()), json(std::numeric_limits<std::uint64_t>::max())}) {
        INFO(bad.dump());
        const json p = problem(amount(bad), 422, "invalid_field");
        CHECK(p.value("detail", "").starts_with("amount_cents"));
    }
    // The same as a till writes them in the raw body: a float, the extremes of int64, 2^64 − 1
    // (once stored as −1 cent) and a negative purchase, deposit or refund.
    for (const std::string& raw : {std::string("1e3"), std::string("-9223372036854775808"), std::string("9223372036854775807"),
                                   std::string("18446744073709551615"), std::string("18446744073709551616"), std::string("-1"),
                                   std::string("\"100\""), std::string("-0.5")}) {
        for (const char* kind : {"purchase", "deposit", "refund"}) {
            INFO(raw << " " << kind);
            const std::string body = R"({"declared":{"coop":7},"idempotency_key":"raw-)" + std::to_string(++n) + R"(","kind":")" +
                                     kind + R"(","amount_cents":)" + raw + "}";
            const json p = problem(f.call(http::verb::post, "/v1/visits", body, f.cashier), 422, "invalid_field");
            CHECK(p.value("detail", "").starts_with("amount_cents"));
        }
    }
    CHECK(f.ledger->row_count() == 0);
    CHECK(status_of(amount(100'000'000)) == 201);
    CHECK(status_of(amount(0)) == 201);
    // A refund is its own kind, of a positive amount.
    json refund = declared(7, "refund-1", 500);
    refund["kind"] = "refund";
    const Response r = f.visit(refund);
    REQUIRE(status_of(r) == 201);
    CHECK(body_of(r)["amount_cents"] == 500);
}

TEST_CASE("api poisoned amounts of earlier versions leave the monthly totals readable") {
    ApiFixture f(12);
    VisitInput in;
    in.kind = VisitKind::purchase;
    in.origin_coop = 7;
    in.verified = false;
    in.decision = "declared";
    const std::int64_t amounts[] = {std::numeric_limits<std::int64_t>::min(), -1, 1250};
    const char* kinds[] = {"purchase", "refund", "purchase"};
    const std::int64_t now = unix_now();  // one instant: the month asked is the rows' month
    for (int i = 0; i < 3; ++i) {
        in.idempotency_key = "old-" + std::to_string(i);
        in.occurred_at = now;
        in.kind = *visit_kind_from_string(kinds[i]);
        in.amount_cents = amounts[i];
        REQUIRE(f.ledger->append(in).outcome == AppendOutcome::created);
    }
    const json report = body_of(f.get("/v1/reports/monthly?month=" + format_day(day_of(now)).substr(0, 7), f.manager));
    CHECK(report["total"]["purchase_cents"] == 1250);
    CHECK(report["total"]["refund_cents"] == 1);
}

TEST_CASE("api idempotency_key is required and at most 128 bytes") {
    ApiFixture f;
    const json too_long = problem(f.visit(declared(7, std::string(129, 'k'))), 422, "invalid_field");
    CHECK(too_long.value("detail", "").starts_with("idempotency_key"));
    problem(f.visit(declared(7, "")), 422, "invalid_field");
    problem(f.visit({{"declared", {{"coop", 7}}}}), 422, "invalid_field");
    problem(f.visit({{"declared", {{"coop", 7}}}, {"idempotency_key", 42}}), 422, "invalid_field");
    problem(f.visit(declared(7, "tab\tkey")), 422, "invalid_field");
    CHECK(f.ledger->row_count() == 0);
    CHECK(status_of(f.visit(declared(7, std::string(128, 'k')))) == 201);
}

TEST_CASE("api other visit fields are validated") {
    ApiFixture f;
    int n = 0;
    auto with = [&](const std::string& field, const json& value) {
        json body = declared(7, "field-" + std::to_string(++n));
        body[field] = value;
        return f.visit(body);
    };
    for (const auto& [field, value] :
         std::vector<std::pair<std::string, json>>{{"kind", "gift"},      {"kind", 1},           {"currency", "eur"},
                                                   {"currency", "EURO"},  {"currency", "E1R"},   {"till", "a\x01z"},
                                                   {"till", std::string(65, 't')}, {"ticket", std::string(65, '9')},
                                                   {"note", std::string(501, 'n')}, {"note", "tab\there"},
                                                   {"override", "yes"},   {"till", 12}}) {
        INFO(field << " = " << value.dump(-1, ' ', false, json::error_handler_t::replace));
        const json p = problem(with(field, value), 422, "invalid_field");
        CHECK(p.value("detail", "").starts_with(field));
    }
    problem(f.call(http::verb::post, "/v1/visits", "[1, 2]", f.cashier), 400, "invalid_json");
    // Invalid UTF-8 never reaches the ledger: the JSON parser refuses it.
    problem(f.call(http::verb::post, "/v1/visits", "{\"declared\":{\"coop\":7},\"idempotency_key\":\"u\",\"note\":\"bad \xC3 utf8\"}", f.cashier),
            400, "invalid_json");
    problem(f.call(http::verb::post, "/v1/visits", "", f.cashier), 400, "invalid_json");
    CHECK(f.ledger->row_count() == 0);
    json full = declared(7, "full");
    full["kind"] = "visit";
    full["currency"] = "CHF";
    full["note"] = "Visite découverte — café offert";
    full["ticket"] = "Commande 00042-003-0007";
    const Response ok = f.visit(full);
    REQUIRE(status_of(ok) == 201);
    CHECK(body_of(ok)["note"] == "Visite découverte — café offert");
    CHECK(body_of(ok)["currency"] == "CHF");
    CHECK(body_of(ok)["kind"] == "visit");
}

TEST_CASE("api identical replay returns the first row and a different body is a conflict") {
    ApiFixture f(12);
    const std::string pass = f.net.pass(7, 55);
    const Response first = f.visit(purchase(pass, "till1-0001"));
    REQUIRE(status_of(first) == 201);
    const json row = body_of(first);
    CHECK(row["id"] == 1);
    CHECK(row["verified"] == true);
    CHECK(row["decision"] == "allowed");
    CHECK(row["origin_coop"] == 7);
    CHECK(row["hash"].get<std::string>().size() == 64);

    const Response replay = f.visit(purchase(pass, "till1-0001"));
    CHECK(status_of(replay) == 200);
    CHECK(body_of(replay) == row);
    // Key order and spacing do not change the request.
    const Response reordered = f.call(http::verb::post, "/v1/visits",
                                      "{ \"idempotency_key\": \"till1-0001\", \"till\": \"caisse-1\", \"ticket\": \"T-1\", "
                                      "\"currency\": \"EUR\", \"amount_cents\": 1250, \"kind\": \"purchase\", \"pass\": \"" +
                                          pass + "\" }",
                                      f.cashier);
    CHECK(status_of(reordered) == 200);

    const json conflict = problem(f.visit(purchase(pass, "till1-0001", 9999)), 409, "idempotency_conflict");
    CHECK(conflict["row"] == row);
    CHECK(f.ledger->row_count() == 1);
    // A replay answers even when the pass would no longer be accepted (here: a declared body reusing the key).
    problem(f.visit(declared(7, "till1-0001")), 409, "idempotency_conflict");
}

TEST_CASE("api expired or compromised pass is refused unless overridden") {
    ApiFixture f(12);
    const json expired = problem(f.visit(purchase(f.net.expired_pass(7, 8), "exp-1")), 422, "pass_refused");
    CHECK(expired["verification"]["code"] == "expired");
    problem(f.visit(purchase(f.net.compromised_pass(8), "bad-key-1")), 422, "pass_refused");
    problem(f.visit(purchase("PK12345", "garbage-1")), 422, "pass_refused");
    json garbage = purchase("PK12345", "garbage-2");
    garbage["override"] = true;
    problem(f.visit(garbage), 422, "pass_refused");  // nothing decoded: nothing to record
    CHECK(f.ledger->row_count() == 0);
    json forced = purchase(f.net.expired_pass(7, 8), "exp-2");
    forced["override"] = true;
    const Response r = f.visit(forced);
    REQUIRE(status_of(r) == 201);
    CHECK(body_of(r)["verified"] == false);
    CHECK(body_of(r)["override"] == true);
    CHECK(body_of(r)["decision"] == "expired");
    // A real card out of date: its id is kept, but the visit is no member's counted visit.
    CHECK(body_of(r)["pass_id"] == body_of(f.verify(f.net.expired_pass(7, 8)))["pass_id"]);
    CHECK_FALSE(f.ledger->list({}).back().visitor_key);
}

TEST_CASE("api an overridden forged pass does not count against the member it names") {
    ApiFixture f(3);  // Coopalim: max_visits 3
    const std::string real = f.net.pass(12, 4242);
    // Forgeries naming member 12/4242: signed by another coop's key, under a key number La
    // Cagette does not have, and (for La Louve's member 4242) by a compromised key.
    const Pass named = pk_test::make_pass(12, 1, 4242, today_plus(-10), today_plus(365));
    Pass unknown_key = named;
    unknown_key.key_number = 9;
    const std::vector<std::string> forgeries = {pk_test::signed_text(named, f.net.louve),
                                                pk_test::signed_text(unknown_key, f.net.cagette), f.net.compromised_pass(4242)};
    CHECK(body_of(f.verify(forgeries[0]))["code"] == "bad_signature");
    CHECK(body_of(f.verify(forgeries[1]))["code"] == "unknown_key");
    CHECK(body_of(f.verify(forgeries[2]))["code"] == "key_compromised");
    int n = 0;
    for (const std::string& text : forgeries) {
        for (int i = 0; i < 3; ++i) {
            json body = purchase(text, "forged-" + std::to_string(++n));
            body["override"] = true;
            const Response r = f.visit(body);
            INFO(r.body());
            REQUIRE(status_of(r) == 201);
            const json row = body_of(r);
            CHECK(row["verified"] == false);
            CHECK(row["override"] == true);
            CHECK(row["pass_id"].is_null());
        }
    }
    for (const VisitRow& row : f.ledger->list({})) {
        CHECK_FALSE(row.visitor_key);
        CHECK_FALSE(row.pass_id);
    }
    // The real members still have all their visits.
    for (const std::string& text : {real, f.net.pass(7, 4242)}) {
        const json v = body_of(f.verify(text));
        CHECK(v["policy"]["visits"] == 0);
        CHECK(v["policy"]["decision"] == "allowed");
    }
    CHECK(status_of(f.visit(purchase(real, "real-1"))) == 201);
}

TEST_CASE("api a visit's pass is judged at the server's clock, not at the till's occurred_at") {
    ApiFixture f(12);
    // Expired two days ago: a till must not make it valid by saying the visit was three days ago.
    const std::string lapsed = pk_test::signed_text(pk_test::make_pass(7, 1, 77, today_plus(-100), today_plus(-2)), f.net.louve);
    const std::string three_days_ago = format_instant(unix_now() - 3 * 86400);
    json body = purchase(lapsed, "backdated-1");
    body["occurred_at"] = three_days_ago;
    const json refused = problem(f.visit(body), 422, "pass_refused");
    CHECK(refused["verification"]["code"] == "expired");
    CHECK(f.ledger->row_count() == 0);
    // Issued today and backdated to before its issue: valid now, recorded at the till's time.
    const std::string fresh = pk_test::signed_text(pk_test::make_pass(7, 1, 78, today_plus(0), today_plus(365)), f.net.louve);
    json synced = purchase(fresh, "backdated-2");
    synced["occurred_at"] = three_days_ago;
    const Response r = f.visit(synced);
    INFO(r.body());
    REQUIRE(status_of(r) == 201);
    CHECK(body_of(r)["verified"] == true);
    CHECK(body_of(r)["occurred_at"] == three_days_ago);
}

TEST_CASE("api cashiers see only today's visits") {
    ApiFixture f(12);
    const std::int64_t now = unix_now();
    json old = declared(7, "old-visit", 300);
    old["occurred_at"] = format_instant(now - 3 * 86400);
    REQUIRE(status_of(f.visit(old)) == 201);
    REQUIRE(status_of(f.visit(declared(7, "today-visit", 400))) == 201);

    const json cashier_view = body_of(f.get("/v1/visits", f.cashier));
    REQUIRE(cashier_view["visits"].size() == 1);
    CHECK(cashier_view["visits"][0]["idempotency_key"] == "today-visit");
    CHECK(cashier_view["total_cents"] == 400);
    const json asked_more = body_of(f.get("/v1/visits?from=" + today_plus(-7), f.cashier));
    CHECK(asked_more["visits"].size() == 1);

    const json manager_view = body_of(f.get("/v1/visits", f.manager));
    CHECK(manager_view["visits"].size() == 2);
    CHECK(manager_view["total_cents"] == 700);
    const json range = body_of(f.get("/v1/visits?from=" + today_plus(-4) + "&to=" + today_plus(-2), f.manager));
    REQUIRE(range["visits"].size() == 1);
    CHECK(range["visits"][0]["idempotency_key"] == "old-visit");
}

TEST_CASE("api visits list filters by coop and pages with a cursor") {
    ApiFixture f(12);
    for (int i = 0; i < 5; ++i) REQUIRE(status_of(f.visit(declared(i % 2 == 0 ? 7 : 3, "page-" + std::to_string(i), 100))) == 201);
    std::vector<std::string> keys;
    std::string target = "/v1/visits?limit=2";
    for (int guard = 0; guard < 10; ++guard) {
        const json page = body_of(f.get(target, f.manager));
        for (const auto& v : page["visits"]) keys.push_back(v["idempotency_key"]);
        if (page["next_cursor"].is_null()) break;
        target = "/v1/visits?limit=2&cursor=" + std::to_string(page["next_cursor"].get<std::int64_t>());
    }
    CHECK(keys == std::vector<std::string>{"page-0", "page-1", "page-2", "page-3", "page-4"});
    const json coop3 = body_of(f.get("/v1/visits?coop=3", f.manager));
    REQUIRE(coop3["visits"].size() == 2);
    CHECK(coop3["visits"][0]["origin_coop"] == 3);
    CHECK(coop3["next_cursor"].is_null());
    problem(f.get("/v1/visits?from=21/11/2026", f.manager), 422, "invalid_field");
    problem(f.get("/v1/visits?limit=501", f.manager), 422, "invalid_field");
    problem(f.get("/v1/visits?cursor=-1", f.manager), 422, "invalid_field");
    problem(f.get("/v1/visits?coop=abc", f.manager), 422, "invalid_field");
}

// Found by the request-handler fuzz target: an empty page read the last row of an empty list.
TEST_CASE("api visits list refuses a page of zero rows") {
    ApiFixture f(12);
    REQUIRE(status_of(f.visit(declared(7, "only-one", 100))) == 201);
    problem(f.get("/v1/visits?limit=0", f.manager), 422, "invalid_field");
    CHECK(body_of(f.get("/v1/visits?limit=1", f.manager))["visits"].size() == 1);
}

TEST_CASE("api batch records rows in order with per-row results") {
    ApiFixture f(3);
    const std::string pass = f.net.pass(12, 321);
    REQUIRE(status_of(f.visit(purchase(pass, "sync-0"))) == 201);
    json visits = json::array({
        purchase(pass, "sync-0"),                        // replay of a row already synced
        purchase(pass, "sync-1"),                        // created, 2nd visit
        purchase(f.net.expired_pass(7, 3), "sync-2"),    // invalid pass
        declared(7, "sync-3"),                           // cardless visitor
        purchase(pass, "sync-4"),                        // created, 3rd and last visit
        purchase(pass, "sync-5"),                        // over the limit: the rows before count
        purchase(pass, "sync-1"),                        // replay inside the batch
        purchase(pass, "sync-0", 1),                     // conflict
        json("not an object"),
        declared(99, "sync-6"),
    });
    const Response r = f.post("/v1/visits/batch", {{"visits", visits}}, f.cashier);
    REQUIRE(status_of(r) == 200);
    const json results = body_of(r)["results"];
    REQUIRE(results.size() == visits.size());
    const int expected_status[] = {200, 201, 422, 201, 201, 422, 200, 409, 422, 422};
    for (std::size_t i = 0; i < results.size(); ++i) {
        INFO(i << " " << results[i].dump());
        CHECK(results[i]["status"] == expected_status[i]);
        CHECK(results[i].contains(expected_status[i] < 300 ? "row" : "problem"));
    }
    CHECK(results[0]["row"]["id"] == 1);
    CHECK(results[2]["problem"]["code"] == "pass_refused");
    CHECK(results[2]["problem"]["verification"]["code"] == "expired");
    CHECK(results[3]["row"]["verified"] == false);
    CHECK(results[3]["row"]["decision"] == "declared");
    CHECK(results[4]["row"]["decision"] == "last_allowed_visit");
    CHECK(results[5]["problem"]["code"] == "policy_refused");
    CHECK(results[6]["row"] == results[1]["row"]);
    CHECK(results[7]["problem"]["code"] == "idempotency_conflict");
    CHECK(results[9]["problem"]["code"] == "invalid_field");
    CHECK(f.ledger->row_count() == 4);
    CHECK(f.ledger->verify_chain().ok());
}

TEST_CASE("api batch rejects a missing list and more than 1000 rows") {
    ApiFixture f;
    problem(f.post("/v1/visits/batch", json::object(), f.cashier), 422, "invalid_field");
    problem(f.post("/v1/visits/batch", {{"visits", "x"}}, f.cashier), 422, "invalid_field");
    json many = json::array();
    for (int i = 0; i < 1001; ++i) many.push_back(declared(7, "many-" + std::to_string(i)));
    problem(f.post("/v1/visits/batch", {{"visits", many}}, f.cashier), 413, "too_many_rows");
    CHECK(f.ledger->row_count() == 0);
    const Response empty = f.post("/v1/visits/batch", {{"visits", json::array()}}, f.cashier);
    CHECK(status_of(empty) == 200);
    CHECK(body_of(empty)["results"].empty());
    CHECK(f.api->body_limit("/v1/visits/batch") == 1024 * 1024);
    CHECK(f.api->body_limit("/v1/visits") == 64 * 1024);
    CHECK(f.api->body_limit("/v1/visits/batch?x=1") == 1024 * 1024);
}

TEST_CASE("api bundle has an ETag and If-None-Match gives 304") {
    ApiFixture f;
    const Response r = f.get("/v1/bundle");
    REQUIRE(status_of(r) == 200);
    const std::string etag(r[http::field::etag]);
    CHECK(etag.size() == 34);
    CHECK(etag.front() == '"');
    CHECK(r.body() == pk_test::read_file(f.dir / "bundle.json"));
    const Response again = f.call(http::verb::get, "/v1/bundle", {}, {}, {{"If-None-Match", etag}});
    CHECK(status_of(again) == 304);
    CHECK(again.body().empty());
    CHECK(again[http::field::etag] == etag);
    CHECK(status_of(f.call(http::verb::get, "/v1/bundle", {}, {}, {{"If-None-Match", "\"other\""}})) == 200);
}

TEST_CASE("api directory and GeoJSON list the registry coops") {
    ApiFixture f;
    const json dir = body_of(f.get("/v1/directory"));
    CHECK(dir["registry_version"] == 1);
    REQUIRE(dir["coops"].size() == 3);
    CHECK(dir["coops"][0]["number"] == 3);
    CHECK(dir["coops"][0]["max_visits"] == 3);
    CHECK(dir["coops"][2]["name"] == "La Cagette");
    CHECK(dir["coops"][2]["latitude_e6"] == 43610769);
    CHECK(dir["coops"][2]["stage_label"] == "supermarché ouvert");
    CHECK(dir["coops"][2]["description"].get<std::string>().ends_with(". Accueille les membres des coopératives partenaires aux mêmes conditions."));
    CHECK(dir["coops"][0]["description"].get<std::string>().find("3 achats d'essai") != std::string::npos);
    const Response geo = f.get("/v1/directory.geojson");
    CHECK(geo[http::field::content_type] == "application/geo+json");
    const json g = body_of(geo);
    CHECK(g["type"] == "FeatureCollection");
    REQUIRE(g["features"].size() == 1);  // only coops with coordinates
    CHECK(g["features"][0]["geometry"]["type"] == "Point");
    CHECK(g["features"][0]["geometry"]["coordinates"][0].get<double>() == doctest::Approx(3.876716));
    CHECK(g["features"][0]["properties"]["number"] == 12);
}

TEST_CASE("api /annuaire serves the directory page, self-contained, to anyone, and the GeoJSON has exact coordinates and uMap colours") {
    ApiFixture f;
    const Response page = f.get("/annuaire");
    REQUIRE(status_of(page) == 200);
    CHECK(page[http::field::content_type] == "text/html; charset=utf-8");
    const std::string csp(page["Content-Security-Policy"]);
    CHECK(csp.find("default-src 'none'") != std::string::npos);
    CHECK(csp.find("connect-src") == std::string::npos);
    const std::string html = page.body();
    CHECK(html.find("La Cagette") != std::string::npos);
    CHECK(html.find("Annuaire des supermarchés coopératifs") != std::string::npos);
    CHECK(html == directory_html(f.registry->current()->bundle.registry));
    const std::string geo = f.get("/v1/directory.geojson").body();
    CHECK(geo.find("\"coordinates\":[3.876716,43.610769]") != std::string::npos);
    CHECK(geo.find("\"_umap_options\":{\"color\":\"#") != std::string::npos);
}

TEST_CASE("api CSV exports and the monthly report") {
    ApiFixture f(12);
    REQUIRE(status_of(f.visit(purchase(f.net.pass(7, 1), "csv-1", 1250))) == 201);
    REQUIRE(status_of(f.visit(declared(3, "csv-2", 300))) == 201);
    const Response fr = f.get("/v1/visits.csv", f.manager);
    REQUIRE(status_of(fr) == 200);
    CHECK(fr[http::field::content_type] == "text/csv; charset=utf-8");
    CHECK(fr.body().starts_with("\xEF\xBB\xBF" "N°;Date;"));
    CHECK(fr.body().find(";12,50;EUR;") != std::string::npos);
    CHECK(fr.body().find(f.net.pass(7, 1)) == std::string::npos);
    const Response rfc = f.get("/v1/visits.csv?dialect=rfc4180&from=" + today_plus(0) + "&to=" + today_plus(0), f.manager);
    REQUIRE(status_of(rfc) == 200);
    CHECK(rfc.body().starts_with("id,occurred_at,"));
    CHECK(rfc.body().find(",12.50,EUR,") != std::string::npos);
    CHECK(std::count(rfc.body().begin(), rfc.body().end(), '\n') == 3);
    const Response empty = f.get("/v1/visits.csv?dialect=rfc4180&to=" + today_plus(-1), f.manager);
    CHECK(std::count(empty.body().begin(), empty.body().end(), '\n') == 1);
    problem(f.get("/v1/visits.csv?dialect=xls", f.manager), 422, "invalid_field");
    problem(f.get("/v1/visits.csv?from=yesterday", f.manager), 422, "invalid_field");

    const std::string month = today_plus(0).substr(0, 7);
    const Response report = f.get("/v1/reports/monthly?month=" + month, f.manager);
    REQUIRE(status_of(report) == 200);
    const json rj = body_of(report);
    CHECK(rj["total"]["visits"] == 2);
    CHECK(rj["total"]["declared"] == 1);
    CHECK(rj["total"]["purchase_cents"] == 1550);
    CHECK(rj["total"]["distinct_visitors"] == 1);
    const Response csv = f.get("/v1/reports/monthly?month=" + month + "&format=csv", f.manager);
    REQUIRE(status_of(csv) == 200);
    CHECK(csv[http::field::content_type] == "text/csv; charset=utf-8");
    CHECK(csv.body().starts_with("\xEF\xBB\xBF" "Mois;"));
    CHECK(std::string(csv[http::field::content_disposition]).find("rapport-" + month + ".csv") != std::string::npos);
    const Response csv_rfc = f.get("/v1/reports/monthly?month=" + month + "&format=csv&dialect=rfc4180", f.manager);
    CHECK(csv_rfc.body().starts_with("month,coop,"));
    problem(f.get("/v1/reports/monthly?month=2026-13", f.manager), 422, "invalid_field");
    problem(f.get("/v1/reports/monthly", f.manager), 422, "invalid_field");
}

TEST_CASE("api metrics expose ledger rows and registry version") {
    ApiFixture f;
    REQUIRE(status_of(f.visit(declared(7, "m-1"))) == 201);
    const Response r = f.get("/metrics");
    CHECK(std::string(r[http::field::content_type]).starts_with("text/plain"));
    CHECK(r.body().find("passkoop_ledger_rows 1\n") != std::string::npos);
    CHECK(r.body().find("passkoop_registry_version 1\n") != std::string::npos);
    CHECK(r.body().find("passkoop_registry_expires_timestamp_seconds " + std::to_string(f.net.registry.expires_at) + "\n") !=
          std::string::npos);
    CHECK(r.body().find("passkoop_registry_issued_timestamp_seconds " + std::to_string(f.net.registry.issued_at) + "\n") !=
          std::string::npos);
    CHECK(r.body().find("# TYPE passkoop_http_requests_total counter") != std::string::npos);
}

TEST_CASE("api every metric the sample alert rules use is one /metrics exposes") {
    ApiFixture f;
    const std::string metrics = f.get("/metrics").body();
    const std::string rules = pk_test::read_file(std::filesystem::path(PASSKOOP_SOURCE_DIR) / "docs" / "prometheus-alerts.yml");
    const std::regex name("passkoop_[a-z_]+");
    int used = 0;
    for (auto it = std::sregex_iterator(rules.begin(), rules.end(), name); it != std::sregex_iterator(); ++it, ++used) {
        CAPTURE(it->str());
        CHECK(metrics.find("\n" + it->str() + " ") != std::string::npos);
    }
    CHECK(used >= 3);
}

TEST_CASE("api a body nested deeper than the limit is refused before it is parsed") {
    ApiFixture f;
    // One field nested 400,000 deep (800 KB), once enough to overflow the stack in the digest.
    const std::string deep = std::string(400'000, '[') + std::string(400'000, ']');
    const std::string batch = R"({"visits":[{"declared":{"coop":7},"idempotency_key":"deep","note":)" + deep + "}]}";
    const json p = problem(f.call(http::verb::post, "/v1/visits/batch", batch, f.cashier), 400, "json_too_deep");
    CHECK(p.value("detail", "").find("32") != std::string::npos);
    const std::string too_deep = std::string(40, '[') + std::string(40, ']');
    problem(f.call(http::verb::post, "/v1/visits", R"({"declared":{"coop":7},"idempotency_key":"d","x":)" + too_deep + "}", f.cashier),
            400, "json_too_deep");
    problem(f.call(http::verb::post, "/v1/verify", R"({"pass":)" + too_deep + "}", f.cashier), 400, "json_too_deep");
    CHECK(f.ledger->row_count() == 0);
    // Brackets inside strings are text, and a body within the limit is handled as usual.
    json ok = declared(7, "brackets");
    ok["note"] = std::string(400, '[');
    ok["extra"] = json::parse(std::string(20, '[') + std::string(20, ']'));
    CHECK(status_of(f.visit(ok)) == 201);
}

TEST_CASE("api the idempotency digest covers the known fields only and old rows still replay") {
    ApiFixture f(12);
    const std::string pass = f.net.pass(7, 56);
    json body = purchase(pass, "digest-1");
    const Response first = f.visit(body);
    REQUIRE(status_of(first) == 201);
    // Fields the server does not know do not change the visit.
    json with_extra = body;
    with_extra["client_ref"] = {{"anything", json::array({1, 2, 3})}};
    with_extra["declared_by"] = "till software 2.1";
    const Response replay = f.visit(with_extra);
    CHECK(status_of(replay) == 200);
    CHECK(body_of(replay) == body_of(first));
    json changed = body;
    changed["note"] = "another note";
    problem(f.visit(changed), 409, "idempotency_conflict");

    // A row stored by an earlier version, whose digest covered the whole body, extra field included.
    json old_body = declared(7, "stored-before");
    old_body["client_ref"] = "queue-17";
    VisitInput in;
    in.idempotency_key = "stored-before";
    in.occurred_at = unix_now();
    in.kind = VisitKind::purchase;
    in.origin_coop = 7;
    in.verified = false;
    in.decision = "declared";
    in.amount_cents = 800;
    in.cashier = "Camille";
    in.request_digest = blake2b256(as_bytes(old_body.dump()));
    REQUIRE(f.ledger->append(in).outcome == AppendOutcome::created);
    const Response old_replay = f.visit(old_body);
    INFO(old_replay.body());
    CHECK(status_of(old_replay) == 200);
    CHECK(body_of(old_replay)["idempotency_key"] == "stored-before");
    // Without the extra field it is the same visit under the new digest… not under the old one:
    // a conflict, as before.
    json trimmed = old_body;
    trimmed.erase("client_ref");
    problem(f.visit(trimmed), 409, "idempotency_conflict");
    CHECK(f.ledger->row_count() == 2);
}

TEST_CASE("api token names are printable text and a bad stored name does not break its till") {
    ApiFixture f;
    for (const std::string& bad : {std::string(), std::string("   "), std::string("Caisse\x01"), std::string("Caisse\n2"),
                                   std::string("bad \xC3 utf8"), std::string("\xE2\x80\xAE" "evil"), std::string(65, 'n')}) {
        CAPTURE(bad);
        CHECK_FALSE(is_valid_token_name(bad));
        CHECK_THROWS_AS(f.tokens->create(Role::cashier, bad), std::invalid_argument);
    }
    CHECK(is_valid_token_name("Caisse 2 — entrée"));
    CHECK(is_valid_token_name(std::string(64, 'n')));
    // A name stored by an earlier version that did not check it.
    const std::string token = f.tokens->create(Role::cashier, "placeholder");
    {
        Database raw(f.config.db.string());
        auto s = raw.prepare("UPDATE tokens SET name = ?1 WHERE name = 'placeholder'");
        s.bind(1, std::string("Caisse \xC3\x01 \x1B[31m"));
        s.step();
    }
    Store other_store(f.config.db);  // a fresh connection: nothing cached
    TokenStore& fresh = other_store.tokens();
    const auto listed = fresh.list();
    REQUIRE(listed.size() == 3);
    CHECK(listed.back().name == "Caisse ?? ?[31m");
    const Response r = f.visit(declared(7, "bad-name-1"), token);
    INFO(r.body());
    REQUIRE(status_of(r) == 201);
    CHECK(body_of(r)["cashier"] == "Caisse ?? ?[31m");
    CHECK(status_of(f.visit(declared(7, "bad-name-1"), token)) == 200);
    // Even a row whose text was changed behind the ledger's back still lists (ledger verify
    // is what reports the change).
    {
        Database raw(f.config.db.string());
        auto s = raw.prepare("UPDATE visits SET note = ?1");
        s.bind(1, std::string("bad \xC3 utf8"));
        s.step();
    }
    const Response list = f.get("/v1/visits", f.manager);
    INFO(list.body());
    REQUIRE(status_of(list) == 200);
    CHECK(body_of(list)["visits"].size() == 1);
}

TEST_CASE("api answers forbid sniffing framing and referrers") {
    ApiFixture f;
    const std::vector<Response> answers = {f.get("/"), f.get("/healthz"), f.get("/nowhere"), f.get("/v1/visits"),
                                           f.verify(f.net.pass(12, 1)), f.visit(declared(7, "headers-1")),
                                           f.call(http::verb::get, "/v1/bundle", {}, {}, {{"If-None-Match", std::string(f.get("/v1/bundle")[http::field::etag])}})};
    for (const Response& r : answers) {
        INFO(r.result_int() << " " << r.body().substr(0, 80));
        CHECK(r["X-Content-Type-Options"] == "nosniff");
        CHECK(r["X-Frame-Options"] == "DENY");
        CHECK(r["Referrer-Policy"] == "no-referrer");
        CHECK(std::string(r["Content-Security-Policy"]).find("frame-ancestors 'none'") != std::string::npos);
    }
    CHECK(answers[6].result_int() == 304);
    CHECK(answers[1]["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'");
    // The page runs its inline script and style, calls only its own server and sends no form elsewhere.
    const std::string page_csp(answers[0]["Content-Security-Policy"]);
    for (const char* part : {"script-src 'self' 'unsafe-inline'", "style-src 'self' 'unsafe-inline'", "connect-src 'self'",
                             "form-action 'none'", "object-src 'none'", "base-uri 'none'"})
        CHECK(page_csp.find(part) != std::string::npos);
}

TEST_CASE("api from and to dates are the shop's local days, as its time zone says") {
    ApiFixture f(12);
    use_time_zone("Europe/Paris");
    // A local day five days ago, and visits a minute either side of its two midnights.
    const std::int64_t day = local_time(unix_now() - 5 * kSecondsPerDay).day;
    const std::int64_t starts = local_day_start(day), ends = local_day_start(day + 1);
    int n = 0;
    for (const std::int64_t when : {starts - 60, starts + 60, ends - 60, ends + 60}) {
        VisitInput in;
        in.idempotency_key = "local-" + std::to_string(++n);
        in.occurred_at = when;
        in.origin_coop = 7;
        in.verified = false;
        in.decision = "declared";
        REQUIRE(f.ledger->append(in).outcome == AppendOutcome::created);
    }
    const std::string date = format_day(day);
    const json listed = body_of(f.get("/v1/visits?from=" + date + "&to=" + date, f.manager));
    REQUIRE(listed["visits"].size() == 2);
    CHECK(listed["visits"][0]["idempotency_key"] == "local-2");
    CHECK(listed["visits"][1]["idempotency_key"] == "local-3");
    use_time_zone("UTC");
}


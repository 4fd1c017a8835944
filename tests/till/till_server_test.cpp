// The till against the real passkoopd on loopback. Each test ends with the server's ledger holding
// every visit a till queued exactly once, and every till's queue empty.
#include "till_support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <thread>

using namespace pk_test;
using nlohmann::json;

namespace {

// The text a US-layout scanner types on a French AZERTY till.
std::string azerty_mangled(std::string_view text) {
    static const std::array<const char*, 10> typed = {"à", "&", "é", "\"", "'", "(", "-", "è", "_", "ç"};
    std::string out(text.substr(0, 2));
    for (const char c : text.substr(2)) out += typed[static_cast<std::size_t>(c - '0')];
    return out;
}

std::string bad_signature(std::string text) {
    // The last digits carry the signature: changing one keeps the text decodable.
    text.back() = text.back() == '0' ? '1' : '0';
    return text;
}

// `passkoop till ARGS…` as a child process, with the cashier token in its environment.
pid_t spawn_till_command(const std::vector<std::string>& args, const std::string& token, const std::filesystem::path& log) {
    std::vector<std::string> full = {PASSKOOP_CLI, "till"};
    full.insert(full.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : full) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e)
        if (!std::string_view(*e).starts_with("PASSKOOP_TOKEN=")) env_strings.emplace_back(*e);
    env_strings.push_back("PASSKOOP_TOKEN=" + token);
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, PASSKOOP_CLI, &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE(rc == 0);
    return pid;
}

json parsed(const HttpResult& r) {
    INFO(r.body);
    return json::parse(r.body);
}

}  // namespace

TEST_CASE("till verdicts equal POST /v1/verify for the same bundle, history and day") {
    TillShop shop;
    // Louve revokes one card; the till and the server get the same bundle.
    const std::string revoked_pass = shop.net.pass(7, 103);
    const auto decoded = decode_text(revoked_pass).value();
    const std::string revoked_id = pass_id(ByteView(decoded.data(), decoded.size() - 64));
    const RevocationList list{7, 1, unix_now() - 3600, {{parse_pass_id(revoked_id).value(), day_of(unix_now()) + 365}}};
    shop.replace_bundle(shop.net.bundle({sign_revocations(list, {&shop.net.louve})}));
    auto server = shop.start();
    auto till = shop.till("caisse-1", loopback(server->port()));

    // The history: two visits of Louve's member 101 and three of member 102, recorded at the till
    // and synced, so that both count them.
    std::set<std::string> queued;
    for (int i = 0; i < 2; ++i) queued.insert(record_ok(*till, purchase_of(shop.net.pass(7, 101))));
    for (int i = 0; i < 3; ++i) queued.insert(record_ok(*till, purchase_of(shop.net.pass(7, 102))));
    REQUIRE(till->sync(unix_now()).complete);

    struct Case {
        const char* name;
        std::string text;
        const char* code;
        const char* decision;  // "" when no policy applies
    };
    const std::vector<Case> table = {
        {"visitor welcome", shop.net.pass(7, 100), "valid", "allowed"},
        {"last allowed visit", shop.net.pass(7, 101), "valid", "last_allowed_visit"},
        {"limit reached", shop.net.pass(7, 102), "valid", "limit_reached"},
        {"own member", shop.net.pass(3, 5), "valid", "own_member"},
        {"another coop's tester", shop.net.pass(12, 6, PassKind::tester), "valid", "tester_other_coop"},
        {"own tester", shop.net.pass(3, 7, PassKind::tester), "valid", "allowed"},
        {"keyboard mangled", azerty_mangled(shop.net.pass(12, 8)), "valid", "allowed"},
        {"expired", shop.net.expired_pass(7, 9), "expired", ""},
        {"revoked", revoked_pass, "revoked", ""},
        {"compromised key", shop.net.compromised_pass(10), "key_compromised", ""},
        {"bad signature", bad_signature(shop.net.pass(12, 11)), "bad_signature", ""},
        {"not a pass", "bonjour", "malformed", ""},
        {"truncated", shop.net.pass(7, 12).substr(0, 40), "truncated", ""},
    };
    const auto bearer = std::map<std::string, std::string>{{"Authorization", "Bearer " + shop.cashier}};
    for (const Case& c : table) {
        CAPTURE(c.name);
        const json at_till = json::parse(till->verify_json(c.text, unix_now()));
        const json at_server = parsed(server->request("POST", "/v1/verify", json{{"pass", c.text}}.dump(), bearer));
        CHECK(at_till["code"] == c.code);
        if (*c.decision) CHECK(at_till["policy"]["decision"] == c.decision);
        else CHECK(at_till["policy"].is_null());
        CHECK(at_till == at_server);
    }
    check_exactly_once(shop.db, queued, {till.get()});
}

TEST_CASE("till records while passkoopd is down and syncs when it comes back") {
    TillShop shop;
    const unsigned short down = closed_port();
    std::set<std::string> queued;
    {
        auto till = shop.till("caisse-1", loopback(down));
        queued.insert(record_ok(*till, purchase_of(shop.net.pass(7, 200))));
        queued.insert(record_ok(*till, purchase_of(shop.net.pass(12, 201), 4550)));
        queued.insert(record_ok(*till, declared_of(7)));
        const SyncResult offline = till->sync(unix_now());
        CHECK_FALSE(offline.complete);
        CHECK(offline.pending == 3);
        CHECK(offline.attempts == 2);  // one request per attempt, none answered
        CHECK(till->status(unix_now()).queue_length == 3);
    }
    auto server = shop.start();
    {
        // A refused token is not worth waiting for: one request, the queue kept.
        auto options = shop.till_options("caisse-1", loopback(server->port()));
        options.token = "pkt_wrong";
        options.sync_attempts = 4;
        options.backoff = std::chrono::milliseconds(2000);
        Till wrong_token(options);
        const auto start = std::chrono::steady_clock::now();
        const SyncResult refused = wrong_token.sync(unix_now());
        CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(1500));
        CHECK(refused.attempts == 1);
        CHECK(refused.error.starts_with("HTTP 401"));
        CHECK(refused.pending == 3);
    }
    auto till = shop.till("caisse-1", loopback(server->port()));
    const SyncResult back = till->sync(unix_now());
    CHECK(back.complete);
    CHECK(back.sent == 3);
    CHECK(back.pending == 0);
    CHECK(till->status(unix_now()).last_sync_at > 0);
    CHECK(till->status(unix_now()).last_sync_error.empty());
    // The rows say which till recorded them, and that they were recorded offline at the till's time.
    const json rows = parsed(server->request("GET", "/v1/visits", {}, {{"Authorization", "Bearer " + shop.cashier}}))["visits"];
    REQUIRE(rows.size() == 3);
    for (const json& r : rows) CHECK(r["till"] == "caisse-1");
    CHECK(rows[1]["amount_cents"] == 4550);
    CHECK(rows[2]["verified"] == false);
    check_exactly_once(shop.db, queued, {till.get()});
}

TEST_CASE("till sync survives passkoopd SIGKILLed in the middle of it") {
    TillShop shop;
    auto server = shop.start();
    auto options = shop.till_options("caisse-1", loopback(server->port()));
    options.batch_rows = 10;
    options.sync_attempts = 1;
    std::set<std::string> queued;
    {
        Till till(options);
        REQUIRE(till.adopt_bundle(read_file(shop.bundle), unix_now()).has_value());
        for (int i = 0; i < 600; ++i) queued.insert(record_ok(till, i % 3 == 0 ? declared_of(12, i) : purchase_of(shop.net.pass(7, 1000 + i), i)));
    }
    SyncResult cut;
    std::thread syncing([&] {
        Till till(options);
        cut = till.sync(unix_now());
    });
    // SIGKILL once some batches are in and before all of them.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (ledger_rows(shop.db) < 100 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    server->stop(SIGKILL);
    syncing.join();
    const std::int64_t landed = ledger_rows(shop.db);
    MESSAGE("SIGKILL with " << landed << " of 600 rows in the ledger; the till had " << cut.sent << " answered");
    CHECK_FALSE(cut.complete);
    CHECK(cut.pending > 0);
    CHECK(landed >= cut.sent);

    server = shop.start();
    options.server_url = loopback(server->port());
    Till till(options);
    const SyncResult resumed = till.sync(unix_now());
    CHECK(resumed.complete);
    CHECK(cut.sent + resumed.sent == 600);
    check_exactly_once(shop.db, queued, {&till});
}

TEST_CASE("till process SIGKILLed in the middle of a sync resends on restart, and each visit lands once") {
    TillShop shop;
    auto server = shop.start();
    auto options = shop.till_options("caisse-1", loopback(server->port()));
    std::set<std::string> queued;
    {
        Till till(options);
        REQUIRE(till.adopt_bundle(read_file(shop.bundle), unix_now()).has_value());
        for (int i = 0; i < 600; ++i) queued.insert(record_ok(till, i % 2 ? declared_of(7, i) : purchase_of(shop.net.pass(12, 2000 + i), i)));
    }
    const std::vector<std::string> sync_args = {"sync", "--db", options.database.string(), "--coop", "3", "--till", "caisse-1",
                                                "--server", options.server_url, "--batch-rows", "10"};
    // Killed as soon as the server has committed some more rows: with luck between the server's
    // commit and the till's record of the answer, the case that matters. Up to four tries.
    bool cut_between = false;
    for (int attempt = 0; attempt < 4 && !cut_between; ++attempt) {
        const std::int64_t before = ledger_rows(shop.db);
        const pid_t child = spawn_till_command(sync_args, shop.cashier, shop.dir / "till-child.log");
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (ledger_rows(shop.db) < before + 50 && std::chrono::steady_clock::now() < deadline) {
        }
        ::kill(child, SIGKILL);
        int status = 0;
        waitpid(child, &status, 0);
        CHECK(WIFSIGNALED(status));
        const std::int64_t landed = ledger_rows(shop.db);
        const std::int64_t queued_now = Till(options).status(unix_now()).queue_length;
        // Every visit is on the server, in the till's queue, or both (taken, answer not yet stored).
        CHECK(landed + queued_now >= 600);
        cut_between = landed + queued_now > 600;
        MESSAGE("till SIGKILL " << attempt << ": " << landed << " rows on the server, " << queued_now << " still queued"
                                << std::string(cut_between ? " (answer lost: resent below)" : ""));
        if (queued_now == 0) break;
    }
    if (!cut_between) MESSAGE("no kill landed between the server's commit and the till's: the resend was not exercised this time");

    // Restarted, the till process finishes the sync.
    const pid_t again = spawn_till_command(sync_args, shop.cashier, shop.dir / "till-child.log");
    REQUIRE(wait_for_exit(again, std::chrono::seconds(60)) == 0);
    INFO(read_file(shop.dir / "till-child.log"));
    Till till(options);
    check_exactly_once(shop.db, queued, {&till});
}

TEST_CASE("till batch sent twice: the second answers each row as before and nothing is stored twice") {
    TillShop shop;
    auto server = shop.start();
    std::set<std::string> queued;
    auto options = shop.till_options("caisse-1", loopback(server->port()));
    {
        Till till(options);
        REQUIRE(till.adopt_bundle(read_file(shop.bundle), unix_now()).has_value());
        for (int i = 0; i < 5; ++i) queued.insert(record_ok(till, purchase_of(shop.net.pass(7, 300 + i), 100 + i)));
    }
    // A copy of the till's file before the sync: a till restored from last night's backup.
    std::filesystem::copy_file(options.database, shop.dir / "backup.till");
    Till till(options);
    const SyncResult first = till.sync(unix_now());
    REQUIRE(first.complete);
    CHECK(first.sent == 5);

    auto restored_options = options;
    restored_options.database = shop.dir / "backup.till";
    Till restored(restored_options);
    CHECK(restored.status(unix_now()).queue_length == 5);
    const SyncResult second = restored.sync(unix_now());
    CHECK(second.complete);
    CHECK(second.sent == 5);  // 200: the rows already stored, identical
    CHECK(second.conflicts == 0);
    check_exactly_once(shop.db, queued, {&till, &restored});

    // The same key with another body is a conflict (409), answered per row and set aside.
    const std::string key = *queued.begin();
    const json changed = {{"visits", json::array({{{"declared", {{"coop", 7}}}, {"idempotency_key", key}, {"till", "caisse-1"}, {"offline", true}}})}};
    const json answer = parsed(server->request("POST", "/v1/visits/batch", changed.dump(), {{"Authorization", "Bearer " + shop.cashier}}));
    CHECK(answer["results"][0]["status"] == 409);
    CHECK(answer["results"][0]["problem"]["code"] == "idempotency_conflict");
    // An offline visit names the till that recorded it.
    const json anonymous = {{"visits", json::array({{{"declared", {{"coop", 7}}}, {"idempotency_key", "no-till"}, {"offline", true}}})}};
    const json refused = parsed(server->request("POST", "/v1/visits/batch", anonymous.dump(), {{"Authorization", "Bearer " + shop.cashier}}));
    CHECK(refused["results"][0]["status"] == 422);
    CHECK(refused["results"][0]["problem"]["code"] == "invalid_field");
    check_exactly_once(shop.db, queued, {&till, &restored});
}

TEST_CASE("two tills record the same visitor offline: every visit is kept and the counts come back") {
    TillShop shop;  // Coopalim: three visits per visitor
    const unsigned short down = closed_port();
    auto a = shop.till("caisse-a", loopback(down));
    auto b = shop.till("caisse-b", loopback(down));
    const std::string pass = shop.net.pass(7, 400);
    std::set<std::string> queued;
    // Offline, each till sees only its own visits: both let the visitor in twice.
    for (int i = 0; i < 2; ++i) {
        queued.insert(record_ok(*a, purchase_of(pass, 1000 + i)));
        queued.insert(record_ok(*b, purchase_of(pass, 2000 + i)));
    }
    CHECK(a->verify(pass, unix_now()).policy->decision == Decision::last_allowed_visit);
    CHECK(b->verify(pass, unix_now()).policy->decision == Decision::last_allowed_visit);

    auto server = shop.start();
    a = shop.till("caisse-a", loopback(server->port()));
    b = shop.till("caisse-b", loopback(server->port()));
    REQUIRE(a->sync(unix_now()).complete);
    REQUIRE(b->sync(unix_now()).complete);
    // The server kept the four visits (they happened); the fourth is past the limit, as recorded.
    const json rows = parsed(server->request("GET", "/v1/visits", {}, {{"Authorization", "Bearer " + shop.cashier}}))["visits"];
    REQUIRE(rows.size() == 4);
    CHECK(rows[3]["decision"] == "limit_reached");
    CHECK(rows[3]["override"] == false);
    // Till B synced last and learned the count across both tills; A knows the count after its own batch.
    const TillVerdict at_b = b->verify(pass, unix_now());
    CHECK(at_b.policy->decision == Decision::limit_reached);
    CHECK(at_b.policy->visits == 4);
    CHECK(a->verify(pass, unix_now()).policy->visits == 2);
    const json at_server = parsed(server->request("POST", "/v1/verify", json{{"pass", pass}}.dump(), {{"Authorization", "Bearer " + shop.cashier}}));
    CHECK(json::parse(b->verify_json(pass, unix_now())) == at_server);
    CHECK(b->record(purchase_of(pass), unix_now()).outcome == RecordOutcome::refused);
    check_exactly_once(shop.db, queued, {a.get(), b.get()});
}

TEST_CASE("till adopts a bundle update with a new coop key from passkoopd, and refuses a rollback") {
    TillShop shop;
    auto server = shop.start();
    Till till(shop.till_options("caisse-1", loopback(server->port())));
    const RefreshResult first = till.refresh(unix_now());
    REQUIRE(first.outcome == RefreshOutcome::updated);
    CHECK(first.version == 1);
    CHECK(till.refresh(unix_now()).outcome == RefreshOutcome::unchanged);  // If-None-Match: 304
    CHECK_FALSE(till.status(unix_now()).bundle_etag.empty());

    // Version 2 gives La Cagette a second key; a pass signed with it is unknown until the update.
    const SigningKey new_key = key_named("coop-12-key-2");
    Registry next = shop.net.registry;
    next.version = 2;
    next.previous = shop.net.signed_registry().payload_hash();
    next.issued_at += 60;
    next.find_coop(12)->keys.push_back(CoopKey{2, new_key.public_key(), day_of(unix_now()) - 30, day_of(unix_now()) + 700, KeyStatus::active});
    const std::string v2 = bundle_to_string(sign_registry(next, {&shop.net.admin_a, &shop.net.admin_c}), {}, {});
    const std::string new_pass = signed_text(make_pass(12, 2, 500, today_plus(-1), today_plus(300)), new_key);
    CHECK(till.verify(new_pass, unix_now()).verification.code == ResultCode::unknown_key);
    shop.replace_bundle(v2);
    server->signal(SIGHUP);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    RefreshResult updated;
    while (std::chrono::steady_clock::now() < deadline) {
        updated = till.refresh(unix_now());
        if (updated.outcome == RefreshOutcome::updated) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    REQUIRE(updated.outcome == RefreshOutcome::updated);
    CHECK(updated.version == 2);
    CHECK(till.verify(new_pass, unix_now()).verification.code == ResultCode::valid);
    std::set<std::string> queued = {record_ok(till, purchase_of(new_pass))};

    // A mirror serving the old version: refused, version 2 stays.
    auto mirror_options = shop.till_options("caisse-1", loopback(server->port()));
    {
        Till same_file(mirror_options);
        const auto rolled_back = same_file.adopt_bundle(shop.net.bundle(), unix_now());
        REQUIRE_FALSE(rolled_back.has_value());
        CHECK(rolled_back.error().failure == TrustFailure::rollback);
        CHECK(same_file.status(unix_now()).registry_version == 2);
    }
    REQUIRE(till.sync(unix_now()).complete);
    check_exactly_once(shop.db, queued, {&till});
}

// Crash tests against the real passkoopd (DESIGN §7 "idempotent writes ... exactly once", §9 POST
// /v1/visits and /v1/visits/batch): the server is killed with SIGKILL while clients are writing,
// restarted on the same database, and every request is retried with the same body. An
// acknowledged visit must survive (its retry is a 200 replay of the same row), a request that was
// cut off may or may not have been committed (200 or 201 on retry, never 409), and no idempotency
// key is ever stored twice. The hash chain must still verify afterwards.
//
// Bounded: 8 clients, at most kMaxPerThread requests each per round, loopback only; no assertion
// depends on how fast the machine is.
#include "server_process.hpp"
#include "today_network.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>

using namespace pk_test;
using nlohmann::json;

namespace {

constexpr int kClients = 8;
constexpr int kMaxPerThread = 600;  // caps the rows of one round whatever the machine's speed
constexpr auto kRequestTimeout = std::chrono::seconds(60);

std::string create_token(const std::filesystem::path& db, const std::string& role, const std::string& name,
                         const std::filesystem::path& dir) {
    const CommandResult r = run_passkoopd({"token", "create", "--db", db.string(), "--role", role, "--name", name}, dir);
    if (r.exit_code != 0) throw std::runtime_error("token create failed: " + r.err);
    std::string token = r.out;
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    return token;
}

std::map<std::string, std::string> bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

// Passes of La Cagette (12) members, welcome without limit at La Louve (7), valid today.
std::vector<std::string> cagette_passes(const TodayNetwork& net, int count) {
    std::vector<std::string> passes;
    for (int i = 0; i < count; ++i)
        passes.push_back(signed_text(make_pass(12, 1, 5000 + static_cast<std::uint64_t>(i), today_plus(-10), today_plus(365),
                                               "Membre " + std::to_string(i)),
                                     net.cagette));
    return passes;
}

struct ListedRow {
    std::int64_t id = 0;
    std::string hash;
};

// Every row of the ledger, paging by cursor; keys may repeat in the result (that is what we check).
std::vector<std::pair<std::string, ListedRow>> list_all(const ServerProcess& server, const std::string& manager) {
    std::vector<std::pair<std::string, ListedRow>> rows;
    std::optional<std::int64_t> cursor;
    for (int page = 0; page < 10000; ++page) {
        std::string target = "/v1/visits?limit=500";
        if (cursor) target += "&cursor=" + std::to_string(*cursor);
        const HttpResult r = http_request(server.port(), "GET", target, {}, bearer(manager), kRequestTimeout);
        if (r.status != 200) throw std::runtime_error("GET " + target + " → " + std::to_string(r.status) + " " + r.body);
        const json body = json::parse(r.body);
        for (const json& v : body.at("visits"))
            rows.emplace_back(v.at("idempotency_key").get<std::string>(),
                              ListedRow{v.at("id").get<std::int64_t>(), v.at("hash").get<std::string>()});
        if (body.at("next_cursor").is_null()) return rows;
        cursor = body.at("next_cursor").get<std::int64_t>();
    }
    throw std::runtime_error("too many pages");
}

std::int64_t ledger_rows(const ServerProcess& server) {
    const HttpResult r = http_request(server.port(), "GET", "/metrics", {}, {}, kRequestTimeout);
    const std::string name = "\npasskoop_ledger_rows ";
    const auto pos = r.body.find(name);
    if (r.status != 200 || pos == std::string::npos) throw std::runtime_error("no passkoop_ledger_rows in /metrics");
    return std::stoll(r.body.substr(pos + name.size()));
}

// One POST /v1/visits as a client saw it.
struct Sent {
    std::string key, body;
    int status = 0;        // the HTTP status, 0 when the connection failed (a "maybe")
    std::string error;     // what failed, for a maybe
    std::int64_t id = 0;   // the row acknowledged, for a 2xx
    std::string hash;
    int retry_status = 0;  // the answer after the restart
    std::string retry_body;
    std::int64_t retry_id = 0;
    std::string retry_hash;
    bool acknowledged() const { return status >= 200 && status < 300; }
};

void read_row_of(const std::string& body, std::int64_t& id, std::string& hash) {
    const json j = json::parse(body, nullptr, false);
    if (j.is_object() && j.contains("id") && j.contains("hash")) {
        id = j["id"].get<std::int64_t>();
        hash = j["hash"].get<std::string>();
    }
}

// The last "rows:hash" chain head a server wrote to its log (in either language).
std::string last_logged_head(const std::string& log) {
    static const std::regex head(R"((?:Tête de chaîne : |Chain head: )(\d+:[0-9a-f]{64}))");
    std::string last;
    for (auto it = std::sregex_iterator(log.begin(), log.end(), head); it != std::sregex_iterator(); ++it) last = (*it)[1];
    return last;
}

std::string shown(const std::set<std::string>& keys) {
    std::string out;
    int n = 0;
    for (const auto& k : keys) {
        if (++n > 10) return out + " …";
        out += (out.empty() ? "" : " ") + k;
    }
    return out;
}

}  // namespace

TEST_CASE("passkoopd acknowledged visits survive SIGKILL exactly once") {
    TempDir dir;
    const TodayNetwork net;
    const auto bundle = dir / "bundle.json";
    const auto db = dir / "ledger.db";
    write_file(bundle, net.bundle());
    const std::string cashier = create_token(db, "cashier", "Caisse crash", dir.path);
    const std::string manager = create_token(db, "manager", "Responsable crash", dir.path);
    REQUIRE(!cashier.empty());
    REQUIRE(!manager.empty());
    const std::vector<std::string> passes = cagette_passes(net, kClients);
    const std::vector<std::string> serve = {"serve", "--registry", bundle.string(), "--coop", "7", "--db", db.string()};

    std::set<std::string> all_keys;  // every key sent in every round: each must be stored exactly once
    constexpr int kRounds = 3;
    constexpr int kKillAfterMs[kRounds] = {300, 650, 1000};
    for (int round = 0; round < kRounds; ++round) {
        CAPTURE(round);
        std::vector<std::vector<Sent>> sent(kClients);
        std::atomic<int> acknowledged{0};
        std::atomic<bool> stop{false};
        {
            // A fresh log per start: the harness reads the port from the first "http://" it finds.
            ServerProcess server(serve, dir / ("serve-" + std::to_string(round) + "-load.log"));
            const unsigned short port = server.port();
            std::vector<std::thread> clients;
            for (int t = 0; t < kClients; ++t) {
                clients.emplace_back([&, t] {
                    // Clients 0..3 each present their own member's pass; 4..7 share one pass.
                    const std::string& pass = passes[t < 4 ? t : 4];
                    for (int seq = 0; seq < kMaxPerThread && !stop.load(); ++seq) {
                        Sent s;
                        s.key = "r" + std::to_string(round) + "-t" + std::to_string(t) + "-" + std::to_string(seq);
                        s.body = json{{"pass", pass}, {"kind", seq % 3 == 2 ? "visit" : "purchase"},
                                      {"amount_cents", 100 * t + seq}, {"currency", "EUR"}, {"till", "caisse-" + std::to_string(t)},
                                      {"ticket", "T-" + s.key}, {"idempotency_key", s.key}}
                                     .dump();
                        bool cut = false;
                        try {
                            const HttpResult r = http_request(port, "POST", "/v1/visits", s.body, bearer(cashier), kRequestTimeout);
                            s.status = r.status;
                            if (s.acknowledged()) {
                                read_row_of(r.body, s.id, s.hash);
                                ++acknowledged;
                            } else {
                                s.error = r.body;
                            }
                        } catch (const std::exception& e) {
                            s.error = e.what();
                            cut = true;
                        }
                        sent[t].push_back(std::move(s));
                        // After the kill every request fails: one cut request per client is enough.
                        if (cut) break;
                    }
                });
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(kKillAfterMs[round]));
            // On a slow machine wait (boundedly) for a first acknowledgement, so the round tests something.
            for (int i = 0; i < 3000 && acknowledged.load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
            server.stop(SIGKILL);
            stop = true;
            for (auto& c : clients) c.join();
        }

        std::vector<Sent*> everything;
        int acked = 0, maybe = 0, refused_before_kill = 0;
        for (auto& per_client : sent)
            for (Sent& s : per_client) {
                everything.push_back(&s);
                all_keys.insert(s.key);
                if (s.acknowledged()) ++acked;
                else if (s.status == 0) ++maybe;
                else ++refused_before_kill;
                // Every key is new: before the kill the server can only have created rows.
                if (s.status != 0) {
                    CAPTURE(s.key);
                    CAPTURE(s.error);
                    CHECK(s.status == 201);
                }
                if (s.acknowledged()) {
                    CAPTURE(s.key);
                    CHECK(s.id > 0);
                    CHECK(!s.hash.empty());
                }
            }

        ServerProcess server(serve, dir / ("serve-" + std::to_string(round) + "-restart.log"));
        // Every client retries every key it sent, acknowledged or not, with the very same body.
        {
            std::vector<std::thread> retriers;
            std::vector<std::string> failures(kClients);
            for (int t = 0; t < kClients; ++t) {
                retriers.emplace_back([&, t] {
                    for (Sent& s : sent[t]) {
                        try {
                            const HttpResult r = http_request(server.port(), "POST", "/v1/visits", s.body, bearer(cashier),
                                                              kRequestTimeout);
                            s.retry_status = r.status;
                            s.retry_body = r.body;
                            read_row_of(r.body, s.retry_id, s.retry_hash);
                        } catch (const std::exception& e) {
                            if (failures[t].empty()) failures[t] = s.key + ": " + e.what();
                        }
                    }
                });
            }
            for (auto& r : retriers) r.join();
            for (const auto& f : failures) CHECK_MESSAGE(f.empty(), "retry after restart failed: " << f);
        }
        int maybe_committed = 0, maybe_new = 0;
        for (const Sent* s : everything) {
            CAPTURE(s->key);
            CAPTURE(s->retry_body);
            CHECK(s->retry_status != 409);
            if (s->acknowledged()) {
                // Acknowledged means durable: the retry replays the very row that was acknowledged.
                CHECK(s->retry_status == 200);
                CHECK(s->retry_id == s->id);
                CHECK(s->retry_hash == s->hash);
            } else {
                CHECK((s->retry_status == 200 || s->retry_status == 201));
                if (s->retry_status == 200) ++maybe_committed;
                if (s->retry_status == 201) ++maybe_new;
            }
        }

        // The ledger holds each key exactly once, and nothing else.
        const auto rows = list_all(server, manager);
        std::map<std::string, int> seen;
        std::map<std::string, ListedRow> by_key;
        for (const auto& [key, row] : rows) {
            ++seen[key];
            by_key[key] = row;
        }
        std::set<std::string> duplicated, missing, unknown;
        for (const auto& [key, n] : seen) {
            if (n != 1) duplicated.insert(key);
            if (!all_keys.contains(key)) unknown.insert(key);
        }
        for (const auto& key : all_keys)
            if (!seen.contains(key)) missing.insert(key);
        CHECK_MESSAGE(duplicated.empty(), "keys stored twice: " << shown(duplicated));
        CHECK_MESSAGE(missing.empty(), "keys missing: " << shown(missing));
        CHECK_MESSAGE(unknown.empty(), "rows nobody sent: " << shown(unknown));
        CHECK(rows.size() == all_keys.size());
        for (const Sent* s : everything) {
            if (!s->acknowledged()) continue;
            const auto it = by_key.find(s->key);
            if (it == by_key.end()) continue;  // reported as missing above
            CAPTURE(s->key);
            CHECK(it->second.id == s->id);
            CHECK(it->second.hash == s->hash);
        }
        MESSAGE("round " << round << " (kill after ~" << kKillAfterMs[round] << " ms): " << everything.size()
                         << " keys sent, " << acked << " acknowledged before SIGKILL, " << maybe << " cut off ("
                         << maybe_committed << " had committed: 200 on retry, " << maybe_new
                         << " had not: 201 on retry), " << refused_before_kill << " other answers; ledger rows "
                         << rows.size());

        const int status = server.stop(SIGTERM);
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
        const CommandResult verify = run_passkoopd({"--lang", "en", "ledger", "verify", "--db", db.string()}, dir.path);
        CAPTURE(verify.out);
        CAPTURE(verify.err);
        CHECK(verify.exit_code == 0);
        CHECK(verify.out.find("intact: " + std::to_string(all_keys.size()) + " row") != std::string::npos);
        // The head the server logged as it stopped is the ledger's head, and verify holds the chain to it.
        const std::string shutdown_head = last_logged_head(server.log());
        REQUIRE(!rows.empty());
        CHECK(shutdown_head == std::to_string(rows.back().second.id) + ":" + rows.back().second.hash);
        CHECK(verify.out.find("Chain head: " + shutdown_head + "\n") != std::string::npos);
        CHECK(run_passkoopd({"ledger", "verify", "--db", db.string(), "--expect", shutdown_head}, dir.path).exit_code == 0);
    }
}

TEST_CASE("passkoopd batch of 500 visits cut by SIGKILL replays each row exactly once") {
    TempDir dir;
    const TodayNetwork net;
    const auto bundle = dir / "bundle.json";
    const auto db = dir / "ledger.db";
    write_file(bundle, net.bundle());
    const std::string cashier = create_token(db, "cashier", "Caisse hors ligne", dir.path);
    const std::string manager = create_token(db, "manager", "Responsable", dir.path);
    const std::vector<std::string> passes = cagette_passes(net, 10);
    const std::vector<std::string> serve = {"serve", "--registry", bundle.string(), "--coop", "7", "--db", db.string()};
    constexpr int kRows = 500;

    std::set<std::string> all_keys;
    bool landed_mid_batch = false;
    // Kill as soon as the batch has committed this many rows; should a whole batch finish before the
    // kill (a very fast disk), try again with a lower threshold and fresh keys.
    constexpr std::int64_t kKillAtRows[] = {150, 20, 1};
    for (int attempt = 0; attempt < 3 && !landed_mid_batch; ++attempt) {
        CAPTURE(attempt);
        const std::int64_t occurred = passkoop::unix_now() - 3600;
        json visits = json::array();
        std::vector<std::string> keys;
        for (int i = 0; i < kRows; ++i) {
            keys.push_back("b" + std::to_string(attempt) + "-row-" + std::to_string(i));
            visits.push_back({{"pass", passes[i % passes.size()]}, {"kind", i % 2 ? "visit" : "purchase"},
                              {"amount_cents", 250 + i}, {"till", "caisse-hors-ligne"}, {"ticket", "H-" + std::to_string(i)},
                              {"occurred_at", passkoop::format_instant(occurred + i)}, {"idempotency_key", keys.back()}});
        }
        const std::string body = json{{"visits", visits}}.dump();
        REQUIRE(body.size() < 1024 * 1024);

        std::int64_t base = 0, observed = 0;
        std::atomic<bool> answered{false}, finished{false};
        HttpResult first;
        std::string cut_error;
        {
            ServerProcess server(serve, dir / ("batch-" + std::to_string(attempt) + "-load.log"));
            base = ledger_rows(server);
            std::thread client([&] {
                try {
                    first = http_request(server.port(), "POST", "/v1/visits/batch", body, bearer(cashier), std::chrono::seconds(120));
                    answered = true;
                } catch (const std::exception& e) {
                    cut_error = e.what();
                }
                finished = true;
            });
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
            observed = base;
            while (!finished.load() && std::chrono::steady_clock::now() < deadline) {
                observed = ledger_rows(server);
                if (observed >= base + kKillAtRows[attempt]) break;
            }
            server.stop(SIGKILL);
            client.join();
        }
        landed_mid_batch = !answered.load();
        // Before the kill, the batch could only fail by being cut off; a whole answer means every row was new.
        if (answered.load()) CHECK(first.status == 200);
        for (const auto& k : keys) all_keys.insert(k);

        ServerProcess server(serve, dir / ("batch-" + std::to_string(attempt) + "-restart.log"));
        const HttpResult replay = http_request(server.port(), "POST", "/v1/visits/batch", body, bearer(cashier), std::chrono::seconds(120));
        REQUIRE(replay.status == 200);
        const json results = json::parse(replay.body).at("results");
        REQUIRE(results.size() == static_cast<std::size_t>(kRows));
        int replayed = 0, created = 0, other = 0;
        bool prefix = true;  // rows are committed in order: the committed ones come first
        for (int i = 0; i < kRows; ++i) {
            const int status = results[i].at("status").get<int>();
            CAPTURE(i);
            CAPTURE(results[i].dump());
            CHECK((status == 200 || status == 201));
            if (status == 200) {
                ++replayed;
                if (created > 0) prefix = false;
            } else if (status == 201) {
                ++created;
            } else {
                ++other;
            }
            if (status == 200 || status == 201) CHECK(results[i].at("row").at("idempotency_key") == keys[i]);
        }
        CHECK(prefix);
        // Rows the server showed as committed before the kill are among the replays.
        CHECK(replayed >= observed - base);
        if (answered.load()) CHECK(replayed == kRows);

        // A second replay changes nothing.
        const HttpResult again = http_request(server.port(), "POST", "/v1/visits/batch", body, bearer(cashier), std::chrono::seconds(120));
        REQUIRE(again.status == 200);
        const json again_results = json::parse(again.body).at("results");
        int again_200 = 0;
        for (const json& r : again_results) again_200 += r.at("status").get<int>() == 200 ? 1 : 0;
        CHECK(again_200 == kRows);

        const auto rows = list_all(server, manager);
        std::map<std::string, int> seen;
        for (const auto& [key, row] : rows) ++seen[key];
        std::set<std::string> duplicated, missing;
        for (const auto& [key, n] : seen)
            if (n != 1 || !all_keys.contains(key)) duplicated.insert(key);
        for (const auto& key : all_keys)
            if (!seen.contains(key)) missing.insert(key);
        CHECK_MESSAGE(duplicated.empty(), "keys stored twice or never sent: " << shown(duplicated));
        CHECK_MESSAGE(missing.empty(), "keys missing: " << shown(missing));
        CHECK(rows.size() == all_keys.size());
        MESSAGE("batch attempt " << attempt << ": SIGKILL " << (landed_mid_batch ? "cut the batch (" + cut_error + ")" : std::string("came after the answer"))
                                 << " with " << observed - base << " rows seen committed; replay: " << replayed << " × 200, "
                                 << created << " × 201, " << other << " other; ledger rows " << rows.size());

        const int status = server.stop(SIGTERM);
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
        const CommandResult verify = run_passkoopd({"--lang", "en", "ledger", "verify", "--db", db.string()}, dir.path);
        CAPTURE(verify.out);
        CAPTURE(verify.err);
        CHECK(verify.exit_code == 0);
        CHECK(verify.out.find("intact: " + std::to_string(all_keys.size()) + " row") != std::string::npos);
    }
    if (!landed_mid_batch) MESSAGE("every batch finished before SIGKILL reached it: the cut was not exercised on this machine");
}

// What the till tests share: a shop (bundle file, passkoopd ledger, cashier token) whose passkoopd
// runs on loopback, tills opened on files of a temporary directory, and the check every test ends
// with: the server's ledger holds each queued visit exactly once and the till's queue is empty.
#pragma once

#include "server_process.hpp"
#include "today_network.hpp"

#include "sqlite/database.hpp"

#include <passkoop/till.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <netinet/in.h>
#include <sys/socket.h>

#include <map>
#include <set>

namespace pk_test {

// A loopback port nothing listens on: bound once, then released.
inline unsigned short closed_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

// Runs `argv` with `extra_env` added to the environment, stdin from `input` and stdout and stderr
// into `output`; returns its exit code (-1 when a signal ended it or after 120 s).
inline int run_program(const std::vector<std::string>& args, const std::vector<std::string>& extra_env,
                       const std::filesystem::path& input, const std::filesystem::path& output) {
    std::vector<std::string> full = args;
    std::vector<char*> argv;
    for (auto& a : full) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
    env_strings.insert(env_strings.end(), extra_env.begin(), extra_env.end());
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, input.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    pid_t pid = -1;
    const int rc = posix_spawnp(&pid, full[0].c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return -1;
    const int status = wait_for_exit(pid, std::chrono::seconds(120));
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

inline std::string loopback(unsigned short port) { return "http://127.0.0.1:" + std::to_string(port); }

// Idempotency keys of the server's ledger, each with how many rows carry it (read-only, while the
// server runs).
inline std::map<std::string, int> ledger_keys(const std::filesystem::path& db) {
    std::map<std::string, int> keys;
    if (!std::filesystem::exists(db)) return keys;
    passkoop::Database reader(db.string(), true);
    auto s = reader.prepare("SELECT idempotency_key FROM visits");
    while (s.step()) ++keys[s.text(0)];
    return keys;
}

inline std::int64_t ledger_rows(const std::filesystem::path& db) {
    passkoop::Database reader(db.string(), true);
    auto s = reader.prepare("SELECT COUNT(*) FROM visits");
    s.step();
    return s.integer(0);
}

struct TillShop {
    TempDir dir;
    TodayNetwork net;
    std::filesystem::path bundle = dir / "bundle.json", db = dir / "ledger.db";
    std::string cashier;
    std::uint16_t host = 3;  // Coopalim: three visits per visitor
    int starts = 0;

    TillShop() {
        write_file(bundle, net.bundle());
        const CommandResult r =
            run_passkoopd({"token", "create", "--db", db.string(), "--role", "cashier", "--name", "Caisse"}, dir.path);
        REQUIRE(r.exit_code == 0);
        cashier = r.out.substr(0, r.out.find_first_of("\r\n"));
    }
    void replace_bundle(const std::string& content) {
        write_file(dir / "bundle.json.tmp", content);
        std::filesystem::rename(dir / "bundle.json.tmp", bundle);
    }
    std::unique_ptr<ServerProcess> start() {
        return std::make_unique<ServerProcess>(
            std::vector<std::string>{"serve", "--registry", bundle.string(), "--coop", std::to_string(host), "--db", db.string(),
                                     "--purge-every-hours", "0"},
            dir / ("server-" + std::to_string(++starts) + ".log"));
    }
    passkoop::TillOptions till_options(const std::string& id, const std::string& server_url) const {
        passkoop::TillOptions o;
        o.database = dir / (id + ".till");
        o.host_coop = host;
        o.till_id = id;
        o.server_url = server_url;
        o.token = cashier;
        o.timeout = std::chrono::milliseconds(5000);
        o.sync_attempts = 2;
        o.backoff = std::chrono::milliseconds(20);
        return o;
    }
    // A till of this shop, with the shop's bundle adopted (as from a USB stick).
    std::unique_ptr<passkoop::Till> till(const std::string& id, const std::string& server_url) const {
        auto t = std::make_unique<passkoop::Till>(till_options(id, server_url));
        if (!t->has_bundle()) REQUIRE(t->adopt_bundle(read_file(bundle), unix_now()).has_value());
        return t;
    }
};

inline passkoop::TillVisit purchase_of(const std::string& pass, std::int64_t cents = 1250) {
    passkoop::TillVisit v;
    v.pass = pass;
    v.amount_cents = cents;
    v.ticket = "T-" + std::to_string(cents);
    return v;
}

inline passkoop::TillVisit declared_of(std::uint16_t coop, std::int64_t cents = 800) {
    passkoop::TillVisit v;
    v.declared_coop = coop;
    v.amount_cents = cents;
    return v;
}

// Records and returns the idempotency key; the visit must be accepted.
inline std::string record_ok(passkoop::Till& till, const passkoop::TillVisit& visit, std::int64_t now = unix_now()) {
    const passkoop::RecordResult r = till.record(visit, now);
    INFO(r.message);
    REQUIRE(r.outcome == passkoop::RecordOutcome::recorded);
    return r.idempotency_key;
}

// The end of every test: each queued key is in the server's ledger exactly once, the ledger holds
// nothing else (`others` rows aside), and no till has a visit waiting.
inline void check_exactly_once(const std::filesystem::path& server_db, const std::set<std::string>& queued,
                               std::initializer_list<passkoop::Till*> tills, std::int64_t others = 0) {
    const auto keys = ledger_keys(server_db);
    for (const std::string& key : queued) {
        CAPTURE(key);
        const auto it = keys.find(key);
        REQUIRE(it != keys.end());
        CHECK(it->second == 1);
    }
    CHECK(static_cast<std::int64_t>(keys.size()) == static_cast<std::int64_t>(queued.size()) + others);
    for (passkoop::Till* t : tills) {
        const passkoop::TillStatus s = t->status(unix_now());
        CHECK(s.queue_length == 0);
        CHECK(s.set_aside == 0);
        CHECK_FALSE(s.oldest_unsynced.has_value());
    }
}

}  // namespace pk_test

// The real passkoopd on loopback: every endpoint of DESIGN §9 over HTTP, the limits (413, 431,
// 408, 503, 429), the visit policy, registry reloads and rollback, graceful shutdown and backup.
#include "server_process.hpp"
#include "today_network.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <future>

using namespace pk_test;
using nlohmann::json;

namespace {

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

// A plain TCP connection with receive and send timeouts, for requests the HTTP client cannot make.
class RawConnection {
public:
    explicit RawConnection(unsigned short port, int timeout_seconds = 10) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        timeval tv{timeout_seconds, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    }
    ~RawConnection() { close(); }
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    // Sends everything it can; false if the peer closed or the send timed out.
    bool send(std::string_view data) {
        while (!data.empty()) {
            const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
            if (n <= 0) return false;
            data.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }
    // Everything until the peer closes (or the timeout, or a reset).
    std::string read_all() {
        std::string out;
        char buf[8192];
        for (;;) {
            const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) {
                eof_ = n == 0;
                break;
            }
            out.append(buf, static_cast<std::size_t>(n));
        }
        return out;
    }
    // One response with a Content-Length body, leaving the connection open.
    std::string read_response() {
        std::string out;
        char buf[8192];
        for (;;) {
            const auto end = out.find("\r\n\r\n");
            if (end != std::string::npos) {
                std::size_t length = 0;
                std::string lower = out.substr(0, end);
                for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                if (const auto cl = lower.find("content-length:"); cl != std::string::npos) length = std::stoul(lower.substr(cl + 15));
                if (out.size() >= end + 4 + length) return out;
            }
            const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) return out;
            out.append(buf, static_cast<std::size_t>(n));
        }
    }
    bool saw_eof() const { return eof_; }

private:
    int fd_ = -1;
    bool eof_ = false;
};

int status_line(const std::string& response) {
    if (!response.starts_with("HTTP/1.1 ") || response.size() < 12) return 0;
    return std::stoi(response.substr(9, 3));
}

using Headers = std::map<std::string, std::string>;

// A shop: a bundle file, a ledger with a cashier and a manager token made by `passkoopd token create`.
struct Shop {
    TempDir dir;
    TodayNetwork net;
    std::filesystem::path bundle = dir / "bundle.json", db = dir / "ledger.db";
    std::string cashier, manager;
    int starts = 0;

    Shop() {
        write_file(bundle, net.bundle());
        cashier = create_token("cashier", "Caisse 1");
        manager = create_token("manager", "Dominique");
    }
    std::string create_token(const std::string& role, const std::string& name) {
        const CommandResult r = run_passkoopd({"token", "create", "--db", db.string(), "--role", role, "--name", name}, dir.path);
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        const std::string token = trimmed(r.out);
        REQUIRE(token.starts_with("pkt_"));
        REQUIRE(token.size() == 68);
        return token;
    }
    // Replaces the bundle file in one step, as a deployment would.
    void replace_bundle(const std::string& content) {
        write_file(dir / "bundle.json.tmp", content);
        std::filesystem::rename(dir / "bundle.json.tmp", bundle);
    }
    std::unique_ptr<ServerProcess> start(std::uint16_t coop, const std::vector<std::string>& extra = {}) {
        std::vector<std::string> args = {"--lang", "en", "serve", "--registry", bundle.string(), "--coop", std::to_string(coop),
                                         "--db", db.string(), "--purge-every-hours", "0"};
        args.insert(args.end(), extra.begin(), extra.end());
        return std::make_unique<ServerProcess>(args, dir / ("server-" + std::to_string(++starts) + ".log"));
    }
    Headers auth(const std::string& token) const { return {{"Authorization", "Bearer " + token}}; }
};

json purchase(const std::string& pass_text, const std::string& key, std::int64_t cents = 1250) {
    return {{"pass", pass_text}, {"kind", "purchase"}, {"amount_cents", cents}, {"currency", "EUR"}, {"ticket", "T-" + key},
            {"till", "caisse-1"}, {"idempotency_key", key}};
}

json declared(std::int64_t coop, const std::string& key, std::int64_t cents = 800) {
    return {{"declared", {{"coop", coop}}}, {"kind", "purchase"}, {"amount_cents", cents}, {"idempotency_key", key}};
}

json parsed(const HttpResult& r) {
    INFO(r.body);
    return json::parse(r.body);
}

// Polls `condition` every 50 ms for up to `seconds`.
template <typename F>
bool eventually(F condition, double seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return condition();
}

std::int64_t registry_version(const ServerProcess& server) {
    return parsed(server.request("GET", "/healthz"))["registry_version"].get<std::int64_t>();
}

std::size_t occurrences(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("integration public endpoints healthz metrics bundle and directory") {
    Shop shop;
    auto server = shop.start(12);
    const HttpResult health = server->request("GET", "/healthz");
    CHECK(health.status == 200);
    CHECK(parsed(health)["status"] == "ok");
    CHECK(parsed(health)["registry_version"] == 1);

    const HttpResult bundle = server->request("GET", "/v1/bundle");
    REQUIRE(bundle.status == 200);
    CHECK(bundle.body == read_file(shop.bundle));
    const std::string etag = bundle.headers.at("etag");
    CHECK(etag.size() == 34);
    const HttpResult not_modified = server->request("GET", "/v1/bundle", {}, {{"If-None-Match", etag}});
    CHECK(not_modified.status == 304);
    CHECK(not_modified.body.empty());
    CHECK(server->request("GET", "/v1/bundle", {}, {{"If-None-Match", "\"stale\""}}).status == 200);

    const HttpResult directory = server->request("GET", "/v1/directory");
    REQUIRE(directory.status == 200);
    CHECK(parsed(directory)["coops"].size() == 3);
    const HttpResult geo = server->request("GET", "/v1/directory.geojson");
    REQUIRE(geo.status == 200);
    CHECK(geo.headers.at("content-type") == "application/geo+json");
    CHECK(parsed(geo)["type"] == "FeatureCollection");
    CHECK(parsed(geo)["features"].size() == 1);

    const HttpResult verified = server->request("POST", "/v1/verify", json{{"pass", shop.net.pass(7, 1)}}.dump(), shop.auth(shop.cashier));
    CHECK(verified.status == 200);
    REQUIRE(server->request("POST", "/v1/visits", declared(7, "m-1").dump(), shop.auth(shop.cashier)).status == 201);

    const HttpResult metrics = server->request("GET", "/metrics");
    REQUIRE(metrics.status == 200);
    CHECK(metrics.headers.at("content-type").starts_with("text/plain"));
    CHECK(metrics.body.find("passkoop_http_requests_total{route=\"/healthz\",status=\"200\"} 1") != std::string::npos);
    CHECK(metrics.body.find("passkoop_http_requests_total{route=\"/v1/bundle\",status=\"304\"} 1") != std::string::npos);
    CHECK(metrics.body.find("passkoop_verifications_total{code=\"valid\"} 1") != std::string::npos);
    CHECK(metrics.body.find("passkoop_ledger_rows 1") != std::string::npos);
    CHECK(metrics.body.find("passkoop_http_request_duration_seconds_count{route=\"/v1/visits\"} 1") != std::string::npos);
    CHECK(server->stop(SIGTERM) == 0);
}

TEST_CASE("integration verify and record visits with replay and conflict") {
    Shop shop;
    auto server = shop.start(12);
    const Headers cashier = shop.auth(shop.cashier);
    const std::string pass = shop.net.pass(7, 4242);

    const HttpResult verified = server->request("POST", "/v1/verify", json{{"pass", pass}}.dump(), cashier);
    REQUIRE(verified.status == 200);
    const json v = parsed(verified);
    CHECK(v["code"] == "valid");
    CHECK(v["valid"] == true);
    CHECK(v["coop"]["number"] == 7);
    CHECK(v["member"]["number"] == 4242);
    CHECK(v["expiry"] == today_plus(365));
    CHECK(v["policy"]["decision"] == "allowed");
    CHECK(v["policy"]["visits"] == 0);
    CHECK(v["policy"]["limit"] == 0);

    const HttpResult created = server->request("POST", "/v1/visits", purchase(pass, "till-1-0001").dump(), cashier);
    REQUIRE(created.status == 201);
    const json row = parsed(created);
    CHECK(row["id"] == 1);
    CHECK(row["verified"] == true);
    CHECK(row["cashier"] == "Caisse 1");
    CHECK(row["pass_id"] == v["pass_id"]);
    const HttpResult replay = server->request("POST", "/v1/visits", purchase(pass, "till-1-0001").dump(), cashier);
    CHECK(replay.status == 200);
    CHECK(parsed(replay) == row);
    const HttpResult conflict = server->request("POST", "/v1/visits", purchase(pass, "till-1-0001", 1).dump(), cashier);
    CHECK(conflict.status == 409);
    CHECK(conflict.headers.at("content-type") == "application/problem+json");
    CHECK(parsed(conflict)["code"] == "idempotency_conflict");
    CHECK(parsed(conflict)["row"] == row);
    CHECK(parsed(server->request("POST", "/v1/verify", json{{"pass", pass}}.dump(), cashier))["policy"]["visits"] == 1);
    CHECK(server->stop(SIGTERM) == 0);
}

TEST_CASE("integration batch sync lists CSV exports and monthly report") {
    Shop shop;
    auto server = shop.start(12);
    const Headers cashier = shop.auth(shop.cashier), manager = shop.auth(shop.manager);
    const std::string pass = shop.net.pass(3, 99);
    REQUIRE(server->request("POST", "/v1/visits", purchase(pass, "off-1").dump(), cashier).status == 201);

    json older = declared(7, "off-4", 300);
    older["occurred_at"] = format_instant(unix_now() - 2 * 86400);
    const json visits = json::array({purchase(pass, "off-1"), purchase(pass, "off-2", 2000),
                                     purchase(shop.net.expired_pass(12, 5), "off-3"), older, declared(3, "off-5", 450),
                                     purchase(pass, "off-1", 7)});
    const HttpResult batch = server->request("POST", "/v1/visits/batch", json{{"visits", visits}}.dump(), cashier);
    REQUIRE(batch.status == 200);
    const json results = parsed(batch)["results"];
    REQUIRE(results.size() == 6);
    CHECK(results[0]["status"] == 200);  // already synced
    CHECK(results[0]["row"]["id"] == 1);
    CHECK(results[1]["status"] == 201);
    CHECK(results[2]["status"] == 422);
    CHECK(results[2]["problem"]["code"] == "pass_refused");
    CHECK(results[3]["status"] == 201);
    CHECK(results[3]["row"]["verified"] == false);
    CHECK(results[4]["status"] == 201);
    CHECK(results[4]["row"]["verified"] == false);
    CHECK(results[5]["status"] == 409);

    // Paging through the rows with a cursor, two at a time: off-1, off-2, off-4, off-5.
    std::vector<std::string> keys;
    std::string target = "/v1/visits?limit=2";
    for (int guard = 0; guard < 5; ++guard) {
        const HttpResult page = server->request("GET", target, {}, manager);
        REQUIRE(page.status == 200);
        const json p = parsed(page);
        for (const auto& r : p["visits"]) keys.push_back(r["idempotency_key"]);
        if (p["next_cursor"].is_null()) break;
        target = "/v1/visits?limit=2&cursor=" + std::to_string(p["next_cursor"].get<std::int64_t>());
    }
    CHECK(keys == std::vector<std::string>{"off-1", "off-2", "off-4", "off-5"});
    const json today_only = parsed(server->request("GET", "/v1/visits?from=" + today_plus(0) + "&to=" + today_plus(0), {}, manager));
    CHECK(today_only["visits"].size() == 3);
    CHECK(today_only["total_cents"] == 1250 + 2000 + 450);
    const json coop7 = parsed(server->request("GET", "/v1/visits?coop=7", {}, manager));
    REQUIRE(coop7["visits"].size() == 1);
    CHECK(coop7["visits"][0]["idempotency_key"] == "off-4");
    CHECK(parsed(server->request("GET", "/v1/visits", {}, cashier))["visits"].size() == 3);  // today only

    const HttpResult fr = server->request("GET", "/v1/visits.csv", {}, manager);
    REQUIRE(fr.status == 200);
    CHECK(fr.headers.at("content-type") == "text/csv; charset=utf-8");
    CHECK(fr.body.starts_with("\xEF\xBB\xBF" "N°;"));
    CHECK(fr.body.find(";20,00;EUR;") != std::string::npos);
    CHECK(occurrences(fr.body, "\r\n") == 5);
    const HttpResult rfc = server->request("GET", "/v1/visits.csv?dialect=rfc4180&from=" + today_plus(0), {}, manager);
    REQUIRE(rfc.status == 200);
    CHECK(rfc.body.starts_with("id,occurred_at,"));
    CHECK(rfc.body.find(",20.00,EUR,") != std::string::npos);
    CHECK(occurrences(rfc.body, "\r\n") == 4);

    const std::string month = today_plus(0).substr(0, 7);
    const HttpResult report = server->request("GET", "/v1/reports/monthly?month=" + month, {}, manager);
    REQUIRE(report.status == 200);
    const json rj = parsed(report);
    CHECK(rj["month"] == month);
    CHECK(rj["total"]["visits"].get<std::int64_t>() >= 3);
    CHECK(rj["total"]["declared"].get<std::int64_t>() >= 1);
    const HttpResult report_csv = server->request("GET", "/v1/reports/monthly?month=" + month + "&format=csv", {}, manager);
    REQUIRE(report_csv.status == 200);
    CHECK(report_csv.headers.at("content-type") == "text/csv; charset=utf-8");
    CHECK(report_csv.body.starts_with("\xEF\xBB\xBF" "Mois;"));
    CHECK(server->stop(SIGTERM) == 0);
}

TEST_CASE("integration error statuses 401 403 404 405 409 422") {
    Shop shop;
    auto server = shop.start(12);
    const Headers cashier = shop.auth(shop.cashier);
    const HttpResult no_token = server->request("GET", "/v1/visits");
    CHECK(no_token.status == 401);
    CHECK(no_token.headers.at("www-authenticate") == "Bearer");
    CHECK(no_token.headers.at("content-type") == "application/problem+json");
    const json p = parsed(no_token);
    CHECK(p["code"] == "unauthorized");
    CHECK(p["status"] == 401);
    CHECK(p["type"] == "https://passkoop.coop/problems/unauthorized");
    CHECK(p.contains("title"));
    CHECK(server->request("GET", "/v1/visits", {}, shop.auth("pkt_" + std::string(64, 'a'))).status == 401);
    CHECK(server->request("GET", "/v1/visits.csv", {}, cashier).status == 403);
    CHECK(server->request("GET", "/v1/reports/monthly?month=2026-11", {}, cashier).status == 403);
    CHECK(server->request("GET", "/v1/nothing-here").status == 404);
    const HttpResult wrong_method = server->request("DELETE", "/v1/visits", {}, cashier);
    CHECK(wrong_method.status == 405);
    CHECK(wrong_method.headers.at("allow") == "GET, POST");
    CHECK(server->request("PUT", "/v1/verify", "{}", cashier).headers.at("allow") == "POST");

    const HttpResult expired = server->request("POST", "/v1/visits", purchase(shop.net.expired_pass(7, 1), "e-1").dump(), cashier);
    CHECK(expired.status == 422);
    CHECK(parsed(expired)["code"] == "pass_refused");
    CHECK(parsed(expired)["verification"]["code"] == "expired");
    json bad_amount = declared(7, "e-2");
    bad_amount["amount_cents"] = 12.5;
    const HttpResult bad_field = server->request("POST", "/v1/visits", bad_amount.dump(), cashier);
    CHECK(bad_field.status == 422);
    CHECK(parsed(bad_field)["code"] == "invalid_field");
    CHECK(server->request("POST", "/v1/visits", "{oops", cashier).status == 400);
    const HttpResult english = server->request("GET", "/v1/visits", {}, {{"Accept-Language", "en-US"}});
    CHECK(parsed(english)["title"] == "Missing or invalid token");

    REQUIRE(server->request("POST", "/v1/visits", declared(7, "c-1").dump(), cashier).status == 201);
    CHECK(server->request("POST", "/v1/visits", declared(3, "c-1").dump(), cashier).status == 409);
    CHECK(server->stop(SIGTERM) == 0);
}

TEST_CASE("integration body and header limits give 413 and 431") {
    Shop shop;
    auto server = shop.start(12);
    const Headers cashier = shop.auth(shop.cashier);
    // Valid JSON padded with spaces to a chosen size.
    auto padded = [](const json& body, std::size_t size) {
        std::string text = body.dump();
        text.insert(text.size() - 1, std::string(size - text.size(), ' '));
        return text;
    };
    const HttpResult fits = server->request("POST", "/v1/visits", padded(declared(7, "big-1"), 60 * 1024), cashier);
    CHECK(fits.status == 201);
    const HttpResult too_big = server->request("POST", "/v1/visits", padded(declared(7, "big-2"), 65 * 1024), cashier);
    CHECK(too_big.status == 413);
    CHECK(parsed(too_big)["code"] == "payload_too_large");
    const json batch = {{"visits", json::array({declared(7, "big-3"), declared(3, "big-4")})}};
    const HttpResult batch_fits = server->request("POST", "/v1/visits/batch", padded(batch, 1000 * 1024), cashier);
    CHECK(batch_fits.status == 200);
    CHECK(parsed(batch_fits)["results"].size() == 2);
    const HttpResult batch_too_big = server->request("POST", "/v1/visits/batch", padded(batch, 1025 * 1024), cashier);
    CHECK(batch_too_big.status == 413);

    {
        // A chunked body is held to the same limit as it arrives.
        RawConnection chunked(server->port());
        REQUIRE(chunked.send("POST /v1/visits HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                             "Content-Type: application/json\r\n\r\n11170\r\n" + std::string(1000, ' ')));
        const std::string response = chunked.read_all();
        INFO(response);
        CHECK(status_line(response) == 413);
    }

    const HttpResult big_header = server->request("GET", "/healthz", {}, {{"X-Padding", std::string(9000, 'x')}});
    CHECK(big_header.status == 431);
    CHECK(parsed(big_header)["code"] == "headers_too_large");
    // Answers made before the API sees the request carry the same protective headers.
    for (const HttpResult* r : {&too_big, &big_header}) {
        CHECK(r->headers.at("x-content-type-options") == "nosniff");
        CHECK(r->headers.at("x-frame-options") == "DENY");
        CHECK(r->headers.at("referrer-policy") == "no-referrer");
        CHECK(r->headers.at("content-security-policy").find("frame-ancestors 'none'") != std::string::npos);
    }
    // The server is still fine afterwards.
    CHECK(server->request("GET", "/healthz").status == 200);
    const HttpResult metrics = server->request("GET", "/metrics");
    CHECK(metrics.body.find("passkoop_ledger_rows 3") != std::string::npos);
    CHECK(server->stop(SIGTERM) == 0);
}

TEST_CASE("integration slow request gets 408 after the read timeout") {
    Shop shop;
    auto server = shop.start(12, {"--read-timeout", "1"});
    {
        RawConnection conn(server->port());
        REQUIRE(conn.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"));  // headers never finish
        const auto started = std::chrono::steady_clock::now();
        const std::string response = conn.read_all();
        const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        INFO(response);
        CHECK(status_line(response) == 408);
        CHECK(response.find("request_timeout") != std::string::npos);
        CHECK(conn.saw_eof());  // and then the server closes
        CHECK(waited >= 0.8);
        CHECK(waited < 8);
    }
    {
        RawConnection conn(server->port());
        REQUIRE(conn.send("POST /v1/visits HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"idem"));  // body never finishes
        const std::string response = conn.read_all();
        INFO(response);
        CHECK(status_line(response) == 408);
        CHECK(conn.saw_eof());
    }
    CHECK(server->request("GET", "/healthz").status == 200);
    CHECK(server->stop(SIGTERM) == 0);
}

TEST_CASE("integration connections over the cap get 503") {
    Shop shop;
    auto server = shop.start(12, {"--max-connections", "2"});
    auto held_a = std::make_unique<RawConnection>(server->port());
    auto held_b = std::make_unique<RawConnection>(server->port());
    const std::string get = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    // Both sessions exist once they have answered; they stay open and idle (keep-alive).
    for (auto* c : {held_a.get(), held_b.get()}) {
        REQUIRE(c->send(get));
        CHECK(status_line(c->read_response()) == 200);
    }
    {
        RawConnection third(server->port());
        const std::string response = third.read_all();
        INFO(response);
        CHECK(status_line(response) == 503);
        CHECK(response.find("too_many_connections") != std::string::npos);
        CHECK(response.find("Retry-After: 1") != std::string::npos);
    }
    // The held connections still work.
    REQUIRE(held_b->send(get));
    CHECK(status_line(held_b->read_response()) == 200);
    // Once one closes, new connections are served again.
    held_a.reset();
    CHECK(eventually([&] {
        RawConnection next(server->port());
        return next.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n") && status_line(next.read_all()) == 200;
    }, 5));
    held_b.reset();
    CHECK(server->stop(SIGTERM) == 0);
}

TEST_CASE("integration repeated bad tokens give 429 and valid tokens of that address still work") {
    while (unix_now() % 60 >= 55) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    Shop shop;
    auto server = shop.start(12, {"--auth-failures-per-minute", "10"});
    // Anyone reaching the shop's address sends 10 bad tokens from it (or from the reverse proxy).
    for (int i = 0; i < 10; ++i) CHECK(server->request("GET", "/v1/visits", {}, shop.auth("pkt_wrong")).status == 401);
    const HttpResult blocked = server->request("GET", "/v1/visits", {}, shop.auth("pkt_wrong"));
    CHECK(blocked.status == 429);
    CHECK(parsed(blocked)["code"] == "too_many_failures");
    CHECK(blocked.headers.contains("retry-after"));
    // Every till of the shop, on that same address, keeps recording.
    CHECK(server->request("GET", "/v1/visits", {}, shop.auth(shop.cashier)).status == 200);
    CHECK(server->request("POST", "/v1/visits", declared(7, "after-lockout").dump(), shop.auth(shop.cashier)).status == 201);
    CHECK(server->request("POST", "/v1/verify", json{{"pass", shop.net.pass(7, 1)}}.dump(), shop.auth(shop.cashier)).status == 200);
    CHECK(server->request("GET", "/v1/visits.csv", {}, shop.auth(shop.manager)).status == 200);
    CHECK(server->request("GET", "/v1/visits", {}, shop.auth("pkt_wrong")).status == 429);
    CHECK(server->request("GET", "/healthz").status == 200);
    CHECK(server->stop(SIGTERM) == 0);
}

TEST_CASE("integration a batch with a field nested 400000 deep is refused and the server lives on") {
    Shop shop;
    auto server = shop.start(12);
    const std::string deep = std::string(400'000, '[') + std::string(400'000, ']');
    const std::string body = R"({"visits":[{"declared":{"coop":7},"idempotency_key":"deep-1","note":)" + deep + "}]}";
    REQUIRE(body.size() < 1024 * 1024);
    const HttpResult r = server->request("POST", "/v1/visits/batch", body, shop.auth(shop.cashier));
    CHECK(r.status == 400);
    CHECK(parsed(r)["code"] == "json_too_deep");
    const HttpResult single = server->request("POST", "/v1/visits", std::string(30'000, '[') + std::string(30'000, ']'), shop.auth(shop.cashier));
    CHECK(single.status == 400);
    CHECK(server->request("GET", "/healthz").status == 200);
    CHECK(server->request("POST", "/v1/visits", declared(7, "after-deep").dump(), shop.auth(shop.cashier)).status == 201);
    CHECK(server->stop(SIGTERM) == 0);
}

TEST_CASE("integration the request log keeps what the client sent short") {
    Shop shop;
    auto server = shop.start(12);
    const std::string method(3000, 'X');
    {
        RawConnection raw(server->port());
        REQUIRE(raw.send(method + " / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
        CHECK(status_line(raw.read_all()) == 405);
    }
    CHECK(server->stop(SIGTERM) == 0);
    const std::string log = server->log();
    INFO(log.substr(0, 2000));
    CHECK(log.find("\"method\":\"" + std::string(13, 'X') + "…\"") != std::string::npos);
    CHECK(log.find(std::string(17, 'X')) == std::string::npos);
}

TEST_CASE("integration token create refuses a name that is not printable text") {
    Shop shop;
    for (const std::string& bad : {std::string("Caisse\x01"), std::string("bad \xC3 utf8"), std::string(), std::string(65, 'n')}) {
        CAPTURE(bad);
        const CommandResult r = run_passkoopd({"--lang", "en", "token", "create", "--db", shop.db.string(), "--role", "cashier",
                                               "--name", bad}, shop.dir.path);
        CHECK(r.exit_code == 2);
        CHECK(r.out.empty());
        CHECK(r.err.find("--name") != std::string::npos);
    }
    const CommandResult list = run_passkoopd({"token", "list", "--db", shop.db.string()}, shop.dir.path);
    CHECK(std::count(list.out.begin(), list.out.end(), '\n') == 2);
}

TEST_CASE("integration host policy limit and override") {
    Shop shop;
    auto server = shop.start(3);  // Coopalim: max_visits 3
    const Headers cashier = shop.auth(shop.cashier);
    const std::string pass = shop.net.pass(12, 777);
    auto verify = [&] { return parsed(server->request("POST", "/v1/verify", json{{"pass", pass}}.dump(), cashier)); };
    for (int i = 1; i <= 3; ++i) {
        const json v = verify();
        CHECK(v["policy"]["visits"] == i - 1);
        CHECK(v["policy"]["limit"] == 3);
        if (i == 3) {
            CHECK(v["policy"]["decision"] == "last_allowed_visit");
            CHECK(v["color"] == "orange");
        } else {
            CHECK(v["policy"]["decision"] == "allowed");
            CHECK(v["color"] == "green");
        }
        CHECK(server->request("POST", "/v1/visits", purchase(pass, "p-" + std::to_string(i)).dump(), cashier).status == 201);
    }
    const json fourth = verify();
    CHECK(fourth["policy"]["decision"] == "limit_reached");
    CHECK(fourth["color"] == "red");
    const HttpResult refused = server->request("POST", "/v1/visits", purchase(pass, "p-4").dump(), cashier);
    CHECK(refused.status == 422);
    CHECK(parsed(refused)["code"] == "policy_refused");
    CHECK(parsed(refused)["verification"]["policy"]["decision"] == "limit_reached");
    json forced = purchase(pass, "p-4");
    forced["override"] = true;
    const HttpResult overridden = server->request("POST", "/v1/visits", forced.dump(), cashier);
    CHECK(overridden.status == 201);
    CHECK(parsed(overridden)["override"] == true);
    CHECK(server->stop(SIGTERM) == 0);
}

TEST_CASE("integration registry reload refuses a broken bundle and a rollback") {
    Shop shop;
    auto server = shop.start(12, {"--registry-check-seconds", "1"});
    REQUIRE(registry_version(*server) == 1);
    const std::string etag_v1 = server->request("GET", "/v1/bundle").headers.at("etag");

    shop.replace_bundle(shop.net.broken_bundle());
    CHECK(eventually([&] { return server->log().find("refused") != std::string::npos; }, 8));
    CHECK(server->log().find("not_enough_signatures") != std::string::npos);
    CHECK(registry_version(*server) == 1);
    CHECK(server->request("GET", "/v1/bundle").headers.at("etag") == etag_v1);

    const std::string v2 = shop.net.bundle_of(shop.net.next_version());
    shop.replace_bundle(v2);
    CHECK(eventually([&] { return registry_version(*server) == 2; }, 8));
    CHECK(server->log().find("Registry reloaded: version 2") != std::string::npos);
    CHECK(server->request("GET", "/v1/bundle").body == v2);

    shop.replace_bundle(shop.net.bundle());  // version 1 again
    CHECK(eventually([&] { return server->log().find("rollback") != std::string::npos; }, 8));
    CHECK(registry_version(*server) == 2);
    CHECK(server->stop(SIGTERM) == 0);

    // The trusted version is kept in the ledger: a restart with version 1 is refused too.
    std::string refusal;
    try {
        auto refused = shop.start(12);
    } catch (const std::runtime_error& e) {
        refusal = e.what();
    }
    CHECK(refusal.find("rollback") != std::string::npos);
    shop.replace_bundle(v2);
    auto again = shop.start(12);
    CHECK(registry_version(*again) == 2);
    CHECK(again->stop(SIGTERM) == 0);
}

TEST_CASE("integration SIGHUP reloads the registry at once") {
    Shop shop;
    auto server = shop.start(12, {"--registry-check-seconds", "3600"});
    REQUIRE(registry_version(*server) == 1);
    shop.replace_bundle(shop.net.broken_bundle());
    server->signal(SIGHUP);
    CHECK(eventually([&] { return server->log().find("refused") != std::string::npos; }, 5));
    CHECK(registry_version(*server) == 1);
    shop.replace_bundle(shop.net.bundle_of(shop.net.next_version()));
    server->signal(SIGHUP);
    CHECK(eventually([&] { return registry_version(*server) == 2; }, 5));
    shop.replace_bundle(shop.net.bundle());
    server->signal(SIGHUP);
    CHECK(eventually([&] { return server->log().find("rollback") != std::string::npos; }, 5));
    CHECK(registry_version(*server) == 2);
    CHECK(server->stop(SIGTERM) == 0);
}

TEST_CASE("integration SIGTERM answers the request in flight and exits 0") {
    Shop shop;
    auto server = shop.start(12);
    // A batch slow enough to be in flight when the signal arrives: each row is verified and committed on its own.
    constexpr int kRows = 400;
    json visits = json::array();
    for (int i = 0; i < kRows; ++i) visits.push_back(purchase(shop.net.pass(7, 1000 + static_cast<std::uint64_t>(i)), "t-" + std::to_string(i)));
    const std::string body = json{{"visits", visits}}.dump();
    const unsigned short port = server->port();
    const std::string token = shop.cashier;
    std::atomic<bool> signalled{false};
    std::atomic<bool> answered_after_signal{false};
    auto reply = std::async(std::launch::async, [&] {
        HttpResult r = http_request(port, "POST", "/v1/visits/batch", body, {{"Authorization", "Bearer " + token}});
        answered_after_signal = signalled.load();
        return r;
    });
    // Signal as soon as the batch has started to commit, so that it is still being handled.
    const auto ledger_rows = [&] {
        const std::string text = server->request("GET", "/metrics").body;
        const auto pos = text.find("\npasskoop_ledger_rows ");
        return pos == std::string::npos ? std::int64_t{0} : std::stoll(text.substr(pos + 22));
    };
    CHECK(eventually([&] { return ledger_rows() > 0; }, 20));
    signalled = true;
    server->signal(SIGTERM);
    HttpResult r;
    REQUIRE_NOTHROW(r = reply.get());
    CHECK(r.status == 200);
    const json results = parsed(r)["results"];
    REQUIRE(results.size() == kRows);
    int created = 0;
    for (const auto& x : results) created += x["status"] == 201 ? 1 : 0;
    CHECK(created == kRows);
    if (!answered_after_signal) MESSAGE("the batch finished before SIGTERM: the in-flight case was not exercised");
    const int status = server->stop(0);  // signal 0: no second SIGTERM, just wait for the exit
    INFO("wait status " << status << (WIFSIGNALED(status) ? " (signal " + std::to_string(WTERMSIG(status)) + ")" : "")
                        << ", log:\n" << server->log());
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(server->log().find("passkoopd stopped cleanly") != std::string::npos);
    const CommandResult verify = run_passkoopd({"--lang", "en", "ledger", "verify", "--db", shop.db.string()}, shop.dir.path);
    CHECK(verify.exit_code == 0);
    CHECK(verify.out.find("Chain intact: " + std::to_string(kRows) + " row(s)") != std::string::npos);
}

TEST_CASE("integration backup while serving passes ledger verify") {
    Shop shop;
    auto server = shop.start(12);
    const Headers cashier = shop.auth(shop.cashier);
    for (int i = 0; i < 12; ++i)
        REQUIRE(server->request("POST", "/v1/visits", purchase(shop.net.pass(7, 50 + static_cast<std::uint64_t>(i)), "b-" + std::to_string(i)).dump(), cashier).status == 201);
    const auto copy = shop.dir / "copy.db";
    const CommandResult backup = run_passkoopd({"--lang", "en", "backup", "--db", shop.db.string(), "--out", copy.string()}, shop.dir.path);
    INFO(backup.err);
    CHECK(backup.exit_code == 0);
    // The server keeps serving during and after the backup.
    CHECK(server->request("POST", "/v1/visits", declared(7, "after-backup").dump(), cashier).status == 201);
    const CommandResult verify = run_passkoopd({"--lang", "en", "ledger", "verify", "--db", copy.string()}, shop.dir.path);
    CHECK(verify.exit_code == 0);
    CHECK(verify.out.find("Chain intact: 12 row(s)") != std::string::npos);
    // A second backup to the same place is refused rather than overwriting.
    CHECK(run_passkoopd({"backup", "--db", shop.db.string(), "--out", copy.string()}, shop.dir.path).exit_code == 2);
    CHECK(server->stop(SIGTERM) == 0);
    const CommandResult live = run_passkoopd({"--lang", "en", "ledger", "verify", "--db", shop.db.string()}, shop.dir.path);
    CHECK(live.exit_code == 0);
    CHECK(live.out.find("Chain intact: 13 row(s)") != std::string::npos);
}

namespace {

// A mirror on 127.0.0.1 that answers every request with `body`, until destroyed (at most 60 s).
class HostileMirror {
public:
    explicit HostileMirror(std::string body) : body_(std::move(body)) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        REQUIRE(::listen(fd_, 8) == 0);
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        timeval tv{0, 200000};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        thread_ = std::thread([this] { serve(); });
    }
    ~HostileMirror() {
        stop_ = true;
        thread_.join();
        ::close(fd_);
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/bundle.json"; }
    int served() const { return served_; }

private:
    void serve() {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (!stop_ && std::chrono::steady_clock::now() < deadline) {
            const int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (client < 0) continue;
            char buf[4096];
            (void)::recv(client, buf, sizeof buf, 0);
            const std::string response = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                                         std::to_string(body_.size()) + "\r\nConnection: close\r\n\r\n" + body_;
            std::string_view rest = response;
            while (!rest.empty()) {
                const ssize_t n = ::send(client, rest.data(), rest.size(), MSG_NOSIGNAL);
                if (n <= 0) break;
                rest.remove_prefix(static_cast<std::size_t>(n));
            }
            ::close(client);
            ++served_;
        }
    }

    std::string body_;
    int fd_ = -1;
    unsigned short port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> served_{0};
    std::thread thread_;
};

std::string nested_too_deep() { return std::string(100000, '[') + std::string(100000, ']'); }

}  // namespace

// Regression: 100,000 nested '[' (530 KB, no signature) killed passkoopd by stack overflow, and a
// pulled one made it crash-loop.
TEST_CASE("integration a bundle nested too deep is refused at start, on reload and from a pull") {
    Shop shop;
    const std::string good = read_file(shop.bundle);
    shop.replace_bundle(nested_too_deep());
    const CommandResult at_start = run_passkoopd({"--lang", "en", "serve", "--registry", shop.bundle.string(), "--coop", "12",
                                                  "--db", shop.db.string(), "--listen", "127.0.0.1:0"},
                                                 shop.dir.path);
    CHECK(at_start.exit_code > 0);
    CHECK(at_start.err.find("nested too deeply") != std::string::npos);

    shop.replace_bundle(good);
    HostileMirror mirror(nested_too_deep());
    auto server = shop.start(12, {"--registry-check-seconds", "3600", "--registry-url", mirror.url(),
                                  "--registry-pull-seconds", "10"});
    shop.replace_bundle(nested_too_deep());
    server->signal(SIGHUP);
    CHECK(eventually([&] { return server->log().find("nested too deeply") != std::string::npos; }, 5));
    CHECK(eventually([&] { return mirror.served() > 0 && occurrences(server->log(), "nested too deeply") >= 2; }, 20));
    CHECK(registry_version(*server) == 1);
    CHECK(server->stop(SIGTERM) == 0);
}

// Regression: a bundle with the same registry and "revocations": [] (or an older sequence) was
// accepted as an update, and a revoked pass turned green.
TEST_CASE("integration a stripped or rolled-back revocation list is held back, across a restart too") {
    Shop shop;
    Pass revoked_pass = make_pass(12, 1, 4242, today_plus(-10), today_plus(365));
    sign_pass(revoked_pass, shop.net.cagette);
    const std::string text = encode_text(revoked_pass.to_binary());
    auto list = [&](std::int64_t sequence, bool with_pass) {
        RevocationList l;
        l.coop = 12;
        l.sequence = sequence;
        l.issued_at = unix_now() - 3600;
        if (with_pass) l.entries.push_back({pass_id_value(revoked_pass.signed_bytes()), revoked_pass.expiry_day});
        return sign_revocations(l, {&shop.net.cagette});
    };
    const std::string body = json{{"pass", text}}.dump();
    auto code = [&](const ServerProcess& server) {
        return parsed(server.request("POST", "/v1/verify", body, shop.auth(shop.cashier)))["code"].get<std::string>();
    };
    auto held_back = [](const ServerProcess& server) {
        return server.request("GET", "/metrics").body.find("passkoop_revocations_held_back 1") != std::string::npos;
    };

    shop.replace_bundle(shop.net.bundle({list(2, true)}));
    auto server = shop.start(12, {"--registry-check-seconds", "3600"});
    REQUIRE(code(*server) == "revoked");
    CHECK(server->request("GET", "/metrics").body.find("passkoop_revocation_sequence{coop=\"12\"} 2") != std::string::npos);

    shop.replace_bundle(shop.net.bundle());  // the same registry, the list dropped
    server->signal(SIGHUP);
    CHECK(eventually([&] { return held_back(*server); }, 5));
    CHECK(code(*server) == "revoked");
    CHECK(server->log().find("missing from the bundle") != std::string::npos);

    shop.replace_bundle(shop.net.bundle({list(1, false)}));  // an older sequence
    server->signal(SIGHUP);
    CHECK(eventually([&] { return server->log().find("sequence 1 is older") != std::string::npos; }, 5));
    CHECK(code(*server) == "revoked");
    CHECK(server->stop(SIGTERM) == 0);

    // The ledger keeps the lists with the trusted registry: a restart on the stripped bundle forgets nothing.
    shop.replace_bundle(shop.net.bundle());
    auto again = shop.start(12);
    CHECK(code(*again) == "revoked");
    CHECK(held_back(*again));

    // A newer list still replaces it.
    shop.replace_bundle(shop.net.bundle({list(3, false)}));
    again->signal(SIGHUP);
    CHECK(eventually([&] { return code(*again) == "valid"; }, 5));
    CHECK(again->stop(SIGTERM) == 0);
}

TEST_CASE("integration passkoopd warns in its log from 30 days before the registry expires") {
    Shop shop;
    shop.net.registry.expires_at = unix_now() + 10 * kSecondsPerDay;
    shop.replace_bundle(shop.net.bundle());
    const auto server = shop.start(12);
    const std::string log = server->log();
    INFO(log);
    CHECK(log.find("WARNING: registry version 1 expires on " + format_day_fr(day_of(shop.net.registry.expires_at)) +
                   " (in 10 day(s)): the admins must publish the next one (passkoop registry renew)") != std::string::npos);
}

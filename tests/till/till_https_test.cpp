// The till's HTTPS client: a bundle served over TLS by `openssl s_server -WWW` with a certificate
// from a test CA made here. The till trusts it only through its CA file; another CA's
// certificate, the system's CAs and a host name the certificate does not name are all refused.
#include "till_support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <regex>

using namespace pk_test;

namespace {

void run_openssl(const std::vector<std::string>& args, const std::filesystem::path& dir) {
    std::vector<std::string> full = {OPENSSL_PROGRAM};
    full.insert(full.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : full) argv.push_back(a.data());
    argv.push_back(nullptr);
    const auto log = dir / "openssl.log";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    pid_t pid = -1;
    REQUIRE(posix_spawn(&pid, OPENSSL_PROGRAM, &actions, nullptr, argv.data(), environ) == 0);
    posix_spawn_file_actions_destroy(&actions);
    int status = 0;
    waitpid(pid, &status, 0);
    INFO(read_file(log));
    REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0));
}

// A CA (name.pem, name.key) and, signed by it, a server certificate for 127.0.0.1 (name-server.*).
void make_ca_and_server(const std::string& name, const std::filesystem::path& dir) {
    run_openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", name + ".key", "-out",
                 name + ".pem", "-days", "2", "-subj", "/CN=" + name, "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
                 "keyUsage=critical,keyCertSign,cRLSign"},
                dir);
    run_openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", name + "-server.key", "-out",
                 name + "-server.csr", "-subj", "/CN=127.0.0.1"},
                dir);
    write_file(dir / (name + "-server.ext"), "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
    run_openssl({"x509", "-req", "-in", name + "-server.csr", "-CA", name + ".pem", "-CAkey", name + ".key", "-CAcreateserial", "-out",
                 name + "-server.pem", "-days", "2", "-extfile", name + "-server.ext"},
                dir);
}

// `openssl s_server -WWW`: serves the files of `root` over HTTPS until destroyed.
class TlsFileServer {
public:
    TlsFileServer(const std::filesystem::path& root, const std::filesystem::path& cert, const std::filesystem::path& key) : log_(root / "s_server.log") {
        std::vector<std::string> full = {OPENSSL_PROGRAM, "s_server", "-WWW", "-accept", "127.0.0.1:0", "-cert", cert.string(), "-key", key.string()};
        std::vector<char*> argv;
        for (auto& a : full) argv.push_back(a.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addchdir_np(&actions, root.c_str());
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 1, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
        REQUIRE(posix_spawn(&pid_, OPENSSL_PROGRAM, &actions, nullptr, argv.data(), environ) == 0);
        posix_spawn_file_actions_destroy(&actions);
        const std::regex accept(R"(ACCEPT 127\.0\.0\.1:(\d+))");
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (std::chrono::steady_clock::now() < deadline) {
            std::smatch m;
            const std::string out = read_file(log_);
            if (std::regex_search(out, m, accept)) {
                port_ = static_cast<unsigned short>(std::stoi(m[1]));
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        FAIL("openssl s_server did not start: " << read_file(log_));
    }
    ~TlsFileServer() {
        ::kill(pid_, SIGTERM);
        wait_for_exit(pid_, std::chrono::seconds(10));
    }
    TlsFileServer(const TlsFileServer&) = delete;
    TlsFileServer& operator=(const TlsFileServer&) = delete;
    unsigned short port() const { return port_; }

private:
    std::filesystem::path log_;
    pid_t pid_ = -1;
    unsigned short port_ = 0;
};

}  // namespace

TEST_CASE("till refresh over HTTPS trusts the shop's CA only, and refuses a rolled-back bundle") {
    TillShop shop;
    const auto www = shop.dir / "www";
    std::filesystem::create_directories(www);
    make_ca_and_server("shop-ca", shop.dir.path);
    make_ca_and_server("other-ca", shop.dir.path);

    Registry next = shop.net.registry;
    next.version = 2;
    next.previous = shop.net.signed_registry().payload_hash();
    next.issued_at += 60;
    write_file(www / "bundle.json", bundle_to_string(sign_registry(next, {&shop.net.admin_a, &shop.net.admin_b}), {}, {}));
    TlsFileServer tls(www, shop.dir / "shop-ca-server.pem", shop.dir / "shop-ca-server.key");
    const std::string url = "https://127.0.0.1:" + std::to_string(tls.port()) + "/bundle.json";

    auto server = shop.start();
    auto options = shop.till_options("caisse-1", loopback(server->port()));
    options.bundle_url = url;
    options.timeout = std::chrono::milliseconds(5000);

    // Certificate verification is on by default: the system's CAs do not know the shop's CA.
    {
        Till till(options);
        const RefreshResult system_cas = till.refresh(unix_now());
        CHECK(system_cas.outcome == RefreshOutcome::unreachable);
        CHECK(system_cas.detail.find("certificate verify failed") != std::string::npos);
        CHECK_FALSE(till.has_bundle());
    }
    // Another CA's file: refused too.
    options.ca_file = (shop.dir / "other-ca.pem").string();
    {
        Till till(options);
        const RefreshResult other = till.refresh(unix_now());
        CHECK(other.outcome == RefreshOutcome::unreachable);
        CHECK(other.detail.find("certificate verify failed") != std::string::npos);
    }
    // The shop's CA, but a host name the certificate does not name.
    options.ca_file = (shop.dir / "shop-ca.pem").string();
    {
        auto wrong_name = options;
        wrong_name.bundle_url = "https://localhost:" + std::to_string(tls.port()) + "/bundle.json";
        Till till(wrong_name);
        const RefreshResult mismatch = till.refresh(unix_now());
        CHECK(mismatch.outcome == RefreshOutcome::unreachable);
        CHECK_FALSE(till.has_bundle());
    }

    Till till(options);
    const RefreshResult adopted = till.refresh(unix_now());
    INFO(adopted.detail);
    REQUIRE(adopted.outcome == RefreshOutcome::updated);
    CHECK(adopted.version == 2);
    CHECK(till.refresh(unix_now()).outcome == RefreshOutcome::unchanged);

    // The mirror goes back to version 1: refused, version 2 stays in use.
    write_file(www / "bundle.json", shop.net.bundle());
    const RefreshResult rolled_back = till.refresh(unix_now());
    CHECK(rolled_back.outcome == RefreshOutcome::refused);
    CHECK(rolled_back.detail.starts_with("rollback: "));
    CHECK(rolled_back.version == 2);
    CHECK(till.status(unix_now()).registry_version == 2);

    const std::set<std::string> queued = {record_ok(till, purchase_of(shop.net.pass(7, 600)))};
    REQUIRE(till.sync(unix_now()).complete);
    check_exactly_once(shop.db, queued, {&till});
}

TEST_CASE("till syncs to a passkoopd serving HTTPS with the shop's CA, and not past a certificate of another CA") {
    TillShop shop;
    make_ca_and_server("shop-ca", shop.dir.path);
    make_ca_and_server("other-ca", shop.dir.path);
    auto serve_with = [&](const std::string& ca) {
        return std::make_unique<ServerProcess>(
            std::vector<std::string>{"serve", "--registry", shop.bundle.string(), "--coop", std::to_string(shop.host), "--db",
                                     shop.db.string(), "--purge-every-hours", "0", "--tls-cert",
                                     (shop.dir / (ca + "-server.pem")).string(), "--tls-key", (shop.dir / (ca + "-server.key")).string()},
            shop.dir / ("server-" + ca + ".log"));
    };
    auto options = shop.till_options("caisse-1", "");
    options.ca_file = (shop.dir / "shop-ca.pem").string();
    Till till(options);
    REQUIRE(till.adopt_bundle(read_file(shop.bundle), unix_now()).has_value());
    const std::set<std::string> queued = {record_ok(till, purchase_of(shop.net.pass(7, 601))),
                                          record_ok(till, purchase_of(shop.net.pass(12, 602)))};

    // A server whose certificate another CA signed (a wrong machine on the shop's network): nothing sent.
    {
        auto impostor = serve_with("other-ca");
        auto wrong = options;
        wrong.server_url = "https://127.0.0.1:" + std::to_string(impostor->port());
        Till same_file(wrong);
        const SyncResult refused = same_file.sync(unix_now());
        CHECK_FALSE(refused.complete);
        CHECK(refused.error.find("certificate verify failed") != std::string::npos);
        CHECK(same_file.status(unix_now()).queue_length == 2);
        CHECK(ledger_keys(shop.db).empty());
    }
    auto server = serve_with("shop-ca");
    auto right = options;
    right.server_url = "https://127.0.0.1:" + std::to_string(server->port());
    Till synced(right);
    const SyncResult done = synced.sync(unix_now());
    INFO(done.error);
    REQUIRE(done.complete);
    CHECK(done.sent == 2);
    check_exactly_once(shop.db, queued, {&synced});
}

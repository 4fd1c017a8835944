#include "server_process.hpp"

#include <doctest/doctest.h>

using namespace pk_test;

TEST_CASE("passkoopd starts on a free loopback port and stops cleanly on SIGTERM") {
    TempDir dir;
    const Network net;
    write_file(dir / "bundle.json", net.bundle());
    ServerProcess server({"serve", "--registry", (dir / "bundle.json").string(), "--coop", "12", "--db",
                          (dir / "ledger.db").string()},
                         dir / "log.txt");
    const HttpResult health = server.request("GET", "/healthz");
    CHECK(health.status == 200);
    CHECK(health.body.find("\"registry_version\":1") != std::string::npos);
    const int status = server.stop(SIGTERM);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

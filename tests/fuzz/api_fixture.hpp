// One passkoopd request handler without sockets, as tests/server/api_test.cpp builds it: the
// network dated today, a ledger in a temporary directory (in /dev/shm when there is one, so that
// each durable visit costs no disk flush), a cashier and a manager token. Built once per process.
#pragma once

#include "fuzz_support.hpp"
#include "server/today_network.hpp"

#include "api/api.hpp"

#include <filesystem>
#include <memory>
#include <random>

namespace pk_fuzz {

using passkoop::server::Api;
using passkoop::server::Request;
using passkoop::server::Response;
namespace http = passkoop::server::http;

struct ApiFixture {
    std::filesystem::path dir;
    pk_test::TodayNetwork net;
    passkoop::server::Config config;
    std::unique_ptr<passkoop::server::Store> store;
    passkoop::server::Ledger* ledger = nullptr;
    passkoop::server::TokenStore* tokens = nullptr;
    std::unique_ptr<passkoop::server::RegistryHolder> registry;
    passkoop::server::Metrics metrics;
    std::unique_ptr<Api> api;
    std::string cashier, manager;
    std::string valid_pass;  // a pass of coop 12 that verifies today

    ApiFixture() {
        const std::filesystem::path base =
            std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
        std::random_device rd;
        dir = base / ("passkoop-fuzz-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(dir);
        pk_test::write_file(dir / "bundle.json", net.bundle());
        config.registry = dir / "bundle.json";
        config.db = dir / "ledger.db";
        config.coop = 3;
        // Inputs without a valid token would otherwise lock the fuzzer out after ten of them.
        config.auth_failures_per_minute = 1 << 30;
        store = std::make_unique<passkoop::server::Store>(config.db);
        ledger = &store->ledger();
        tokens = &store->tokens();
        registry = std::make_unique<passkoop::server::RegistryHolder>(config.registry, std::nullopt, store->state());
        std::array<std::uint8_t, 32> secret{};
        secret.fill(0x5A);
        api = std::make_unique<Api>(config, *ledger, *tokens, *registry, metrics, secret);
        cashier = tokens->create(passkoop::server::Role::cashier, "Camille");
        manager = tokens->create(passkoop::server::Role::manager, "Dominique");
        valid_pass = pk_test::signed_text(
            pk_test::make_pass(12, 1, 4242, pk_test::today_plus(-30), pk_test::today_plus(300)), net.cagette);
    }

    // Answers as passkoopd would a request that passed its parser's limits; a 500 means an
    // exception escaped the validation of some input, which is a finding.
    Response handle(const Request& request) {
        Response response = api->handle(request, "127.0.0.1");
        PK_FUZZ_CHECK(response.result_int() != 500);
        return response;
    }
};

// Never destroyed: the ledger's writer thread may still be finishing when the process exits.
// The directory is removed at exit all the same (the open database is only unlinked).
inline ApiFixture& api_fixture() {
    static ApiFixture* fixture = [] {
        auto* f = new ApiFixture;
        static const std::filesystem::path dir = f->dir;
        std::atexit([] {
            std::error_code ec;
            std::filesystem::remove_all(dir, ec);
        });
        return f;
    }();
    return *fixture;
}

}  // namespace pk_fuzz

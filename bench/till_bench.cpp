// The offline till's costs, per visit and per sync:
//
//   verify + record   Till::verify then Till::record of a valid pass, durable (the record's
//                     commit is fsynced before it returns): p50, p99 and max over N visits.
//   sync 10,000       Till::sync of 10,000 queued visits (batches of 1000) to a passkoopd started
//                     on loopback with its own ledger: wall time until the queue is empty.
//
// Goals (issue): p99 of verify + record under 2 ms; the sync under 3 s.
// usage: passkoop-till-bench [VISITS=2000] [SYNCED=10000]
#include "server/server_process.hpp"
#include "server/today_network.hpp"

#include <passkoop/till.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

using namespace pk_test;
using Clock = std::chrono::steady_clock;

namespace {

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

TillOptions options_in(const TempDir& dir, const std::string& id, const std::string& server) {
    TillOptions o;
    o.database = dir / (id + ".till");
    o.host_coop = 12;  // La Cagette: every visitor welcome, no limit
    o.till_id = id;
    o.server_url = server;
    o.batch_rows = 1000;
    o.timeout = std::chrono::milliseconds(60000);
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    const int visits = argc > 1 ? std::atoi(argv[1]) : 2000;
    const int synced = argc > 2 ? std::atoi(argv[2]) : 10000;
    TempDir dir;
    TodayNetwork net;
    const std::string bundle = net.bundle();
    // Passes made before anything is timed: La Louve's members, one each.
    std::vector<std::string> passes;
    for (int i = 0; i < std::max(visits, synced); ++i) passes.push_back(net.pass(7, 100000 + static_cast<std::uint64_t>(i)));

    {
        Till till(options_in(dir, "bench-1", "http://127.0.0.1:1"));
        if (!till.adopt_bundle(bundle, unix_now())) return 2;
        std::vector<double> durations;
        for (int i = 0; i < visits; ++i) {
            TillVisit visit;
            visit.pass = passes[static_cast<std::size_t>(i)];
            visit.amount_cents = 1000 + i;
            const auto start = Clock::now();
            const TillVerdict v = till.verify(visit.pass, unix_now());
            const RecordResult r = till.record(visit, unix_now());
            durations.push_back(ms(Clock::now() - start));
            if (!v.verification.valid() || r.outcome != RecordOutcome::recorded) return 2;
        }
        std::sort(durations.begin(), durations.end());
        auto at = [&](double q) { return durations[static_cast<std::size_t>(q * static_cast<double>(durations.size() - 1))]; };
        std::printf("verify + record (durable), %d visits: p50 %.3f ms, p99 %.3f ms, max %.3f ms (goal: p99 < 2 ms)\n", visits,
                    at(0.50), at(0.99), durations.back());
    }

    // A shop's passkoopd with its own ledger, and a till holding `synced` queued visits.
    write_file(dir / "bundle.json", bundle);
    const CommandResult token =
        run_passkoopd({"token", "create", "--db", (dir / "ledger.db").string(), "--role", "cashier", "--name", "Caisse"}, dir.path);
    if (token.exit_code != 0) return 2;
    ServerProcess server({"serve", "--registry", (dir / "bundle.json").string(), "--coop", "12", "--db", (dir / "ledger.db").string(),
                          "--purge-every-hours", "0"},
                         dir / "server.log");
    TillOptions o = options_in(dir, "bench-2", "http://127.0.0.1:" + std::to_string(server.port()));
    o.token = token.out.substr(0, token.out.find('\n'));
    Till till(o);
    if (!till.adopt_bundle(bundle, unix_now())) return 2;
    const auto fill = Clock::now();
    for (int i = 0; i < synced; ++i) {
        TillVisit visit;
        visit.pass = passes[static_cast<std::size_t>(i)];
        visit.amount_cents = 500 + i;
        if (till.record(visit, unix_now()).outcome != RecordOutcome::recorded) return 2;
    }
    std::printf("(queued %d visits in %.1f s)\n", synced, ms(Clock::now() - fill) / 1000);
    const auto start = Clock::now();
    const SyncResult r = till.sync(unix_now());
    const double took = ms(Clock::now() - start);
    std::printf("sync of %d queued visits to passkoopd on loopback: %.0f ms, %d requests, complete %s (goal: < 3000 ms)\n", synced,
                took, r.attempts, r.complete ? "yes" : "no");
    return r.complete && r.sent == synced ? 0 : 1;
}

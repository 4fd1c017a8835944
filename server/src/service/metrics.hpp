// Prometheus metrics of the server (text exposition format 0.0.4). Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include <passkoop/bundle.hpp>
#include <passkoop/verifier.hpp>

namespace passkoop::server {

class Metrics {
public:
    void request(const std::string& route, int status, double seconds);
    void verification(ResultCode code) { verifications_[static_cast<std::size_t>(code)].fetch_add(1, std::memory_order_relaxed); }
    // The rendered text; `ledger_rows` is read when rendering, `registry` is the bundle in use.
    std::string render(std::int64_t ledger_rows, const TrustedBundle& registry) const;

private:
    static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                         0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
    struct Histogram {
        std::array<std::uint64_t, kBuckets.size()> counts{};
        std::uint64_t count = 0;
        double sum = 0;
    };
    mutable std::mutex mutex_;
    std::map<std::pair<std::string, int>, std::uint64_t> requests_;
    std::map<std::string, Histogram> latency_;
    std::array<std::atomic<std::uint64_t>, kResultCodeCount> verifications_{};  // counted on every scan: no lock
};

}  // namespace passkoop::server

#include "service/metrics.hpp"

#include <sstream>

namespace passkoop::server {

void Metrics::request(const std::string& route, int status, double seconds) {
    std::lock_guard lock(mutex_);
    ++requests_[{route, status}];
    Histogram& h = latency_[route];
    for (std::size_t i = 0; i < kBuckets.size(); ++i)
        if (seconds <= kBuckets[i]) ++h.counts[i];
    ++h.count;
    h.sum += seconds;
}

std::string Metrics::render(std::int64_t ledger_rows, const TrustedBundle& registry) const {
    std::lock_guard lock(mutex_);
    std::ostringstream out;
    out << "# HELP passkoop_http_requests_total HTTP requests by route and status.\n"
        << "# TYPE passkoop_http_requests_total counter\n";
    for (const auto& [key, n] : requests_)
        out << "passkoop_http_requests_total{route=\"" << key.first << "\",status=\"" << key.second << "\"} " << n << "\n";
    out << "# HELP passkoop_http_request_duration_seconds Time to answer a request.\n"
        << "# TYPE passkoop_http_request_duration_seconds histogram\n";
    for (const auto& [route, h] : latency_) {
        for (std::size_t i = 0; i < kBuckets.size(); ++i)
            out << "passkoop_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"" << kBuckets[i] << "\"} "
                << h.counts[i] << "\n";
        out << "passkoop_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"+Inf\"} " << h.count << "\n"
            << "passkoop_http_request_duration_seconds_sum{route=\"" << route << "\"} " << h.sum << "\n"
            << "passkoop_http_request_duration_seconds_count{route=\"" << route << "\"} " << h.count << "\n";
    }
    out << "# HELP passkoop_verifications_total Pass verifications by result code.\n"
        << "# TYPE passkoop_verifications_total counter\n";
    for (int i = 0; i < kResultCodeCount; ++i)
        if (const auto n = verifications_[static_cast<std::size_t>(i)].load(std::memory_order_relaxed))
            out << "passkoop_verifications_total{code=\"" << to_string(static_cast<ResultCode>(i)) << "\"} " << n << "\n";
    out << "# HELP passkoop_ledger_rows Rows in the visiteurs ledger.\n# TYPE passkoop_ledger_rows gauge\n"
        << "passkoop_ledger_rows " << ledger_rows << "\n"
        << "# HELP passkoop_registry_version Version of the registry in use.\n# TYPE passkoop_registry_version gauge\n"
        << "passkoop_registry_version " << registry.registry.version << "\n"
        << "# HELP passkoop_registry_expires_timestamp_seconds When the registry in use expires (Unix seconds): renew before.\n"
        << "# TYPE passkoop_registry_expires_timestamp_seconds gauge\n"
        << "passkoop_registry_expires_timestamp_seconds " << registry.registry.expires_at << "\n"
        << "# HELP passkoop_registry_issued_timestamp_seconds When the registry in use was issued (Unix seconds).\n"
        << "# TYPE passkoop_registry_issued_timestamp_seconds gauge\n"
        << "passkoop_registry_issued_timestamp_seconds " << registry.registry.issued_at << "\n"
        << "# HELP passkoop_revoked_passes Revoked pass ids loaded.\n# TYPE passkoop_revoked_passes gauge\n"
        << "passkoop_revoked_passes " << registry.revoked.size() << "\n"
        << "# HELP passkoop_revocation_sequence Sequence of each coop's revocation list in force.\n"
        << "# TYPE passkoop_revocation_sequence gauge\n";
    for (const auto& [coop, sequence] : registry.revocation_sequences)
        out << "passkoop_revocation_sequence{coop=\"" << coop << "\"} " << sequence << "\n";
    // A mirror that dropped a list or served an older one: the list already accepted was kept.
    out << "# HELP passkoop_revocations_held_back Coops whose list in the bundle was missing or older than the one kept.\n"
        << "# TYPE passkoop_revocations_held_back gauge\n"
        << "passkoop_revocations_held_back " << registry.revocations_held_back.size() << "\n";
    return out.str();
}

}  // namespace passkoop::server

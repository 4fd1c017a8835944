#include "api/routes.hpp"

#include "api/handlers.hpp"

namespace passkoop::server {

namespace {

// A handler that answers at once, as a table entry.
template <Response (*handler)(Services&, const Call&)>
void now(Services& services, Call& call, Reply reply) {
    reply(handler(services, call));
}

using namespace handlers;
constexpr auto kBody = &Config::body_limit;
constexpr auto kBatchBody = &Config::batch_body_limit;

// clang-format off
constexpr Route kRoutes[] = {
    // path                     methods        access            lane           body        handler
    {"/",                       kGet | kHead,  Access::anyone,   Lane::network, kBody,      now<cashier_page>},
    {"/healthz",                kGet | kHead,  Access::anyone,   Lane::network, kBody,      now<health>},
    {"/metrics",                kGet,          Access::anyone,   Lane::worker,  kBody,      now<metrics>},
    {"/v1/bundle",              kGet | kHead,  Access::anyone,   Lane::worker,  kBody,      now<bundle>},
    {"/v1/directory",           kGet,          Access::anyone,   Lane::worker,  kBody,      now<directory>},
    {"/v1/directory.geojson",   kGet,          Access::anyone,   Lane::worker,  kBody,      now<directory_geojson>},
    {"/annuaire",               kGet | kHead,  Access::anyone,   Lane::worker,  kBody,      now<directory_page>},
    {"/v1/status",              kGet,          Access::cashier,  Lane::network, kBody,      now<status>},
    {"/v1/verify",              kPost,         Access::cashier,  Lane::network, kBody,      now<verify>},
    {"/v1/visits",              kPost,         Access::cashier,  Lane::network, kBody,      record_visit},
    {"/v1/visits",              kGet,          Access::cashier,  Lane::worker,  kBody,      now<list_visits>},
    {"/v1/visits/batch",        kPost,         Access::cashier,  Lane::worker,  kBatchBody, record_batch},
    {"/v1/visits.csv",          kGet,          Access::manager,  Lane::worker,  kBody,      now<visits_csv>},
    {"/v1/reports/monthly",     kGet,          Access::manager,  Lane::worker,  kBody,      now<monthly_report>},
};
// clang-format on

std::uint8_t bit_of(http::verb method) {
    switch (method) {
        case http::verb::get: return kGet;
        case http::verb::head: return kHead;
        case http::verb::post: return kPost;
        default: return 0;
    }
}

}  // namespace

std::span<const Route> routes() { return kRoutes; }

const Route* find_route(std::string_view path, http::verb method) {
    const std::uint8_t bit = bit_of(method);
    for (const Route& r : kRoutes)
        if (r.path == path && (r.methods & bit) != 0) return &r;
    return nullptr;
}

std::uint8_t methods_of(std::string_view path) {
    std::uint8_t methods = 0;
    for (const Route& r : kRoutes)
        if (r.path == path) methods |= r.methods;
    return methods;
}

std::string allow_header(std::uint8_t methods) {
    std::string allow;
    for (const auto& [bit, name] : {std::pair{kGet, "GET"}, {kHead, "HEAD"}, {kPost, "POST"}})
        if ((methods & bit) != 0) allow += (allow.empty() ? "" : ", ") + std::string(name);
    return allow;
}

}  // namespace passkoop::server

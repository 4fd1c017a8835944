// What anyone may read: health, metrics, the cashier page, the bundle and the directory; and the
// status of the registry in use, for a till or the page (any token).
#include "api/handlers.hpp"
#include "api/problem.hpp"
#include "service/embedded.hpp"

#include <passkoop/dates.hpp>
#include <passkoop/directory.hpp>
#include <passkoop/i18n.hpp>

#include <nlohmann/json.hpp>

namespace passkoop::server {

using nlohmann::json;

namespace {

json directory_properties(const Coop& c) {
    return {{"number", c.number},   {"slug", c.slug},           {"name", c.name},
            {"city", c.city},       {"department", c.department}, {"country", c.country},
            {"stage", c.stage},     {"website", c.website},     {"welcomes_visitors", c.policy.welcomes_visitors},
            {"max_visits", c.policy.max_visits}, {"window_days", c.policy.window_days}};
}

json policy_json(const VisitorPolicy& p) {
    return {{"welcomes_visitors", p.welcomes_visitors}, {"max_visits", p.max_visits}, {"window_days", p.window_days},
            {"conditions", p.conditions}, {"accepts_all_coops", p.accepts_all_coops},
            {"accepted_coops", p.accepted_coops}, {"note", p.note}};
}

}  // namespace

Response handlers::health(Services&, const Call& call) {
    return json_response(http::status::ok, {{"status", "ok"}, {"registry_version", call.registry->bundle.registry.version}});
}

Response handlers::metrics(Services& services, const Call& call) {
    return make_response(http::status::ok, "text/plain; version=0.0.4",
                         services.metrics.render(services.ledger.row_count(), call.registry->bundle));
}

Response handlers::cashier_page(Services&, const Call&) {
    Response r = make_response(http::status::ok, "text/html; charset=utf-8", std::string(server::cashier_page()));
    r.set(http::field::cache_control, "no-cache");
    // The page is one file with its script and style inline; it calls only this server. Forms
    // are sent by the script: were it not to run, no form may carry a token elsewhere.
    r.set("Content-Security-Policy",
          "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; "
          "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    return r;
}

Response handlers::bundle(Services&, const Call& call) {
    const std::string& etag = call.registry->etag;
    if (call.request[http::field::if_none_match] == etag) {
        Response r{http::status::not_modified, 11};
        r.set(http::field::etag, etag);
        return r;
    }
    Response r = make_response(http::status::ok, "application/json", call.registry->bytes);
    r.set(http::field::etag, etag);
    r.set(http::field::cache_control, "no-cache");
    return r;
}

Response handlers::directory(Services&, const Call& call) {
    json items = json::array();
    for (const Coop& c : call.registry->bundle.registry.coops) {
        json item = directory_properties(c);
        {
            // French, as on the map and the page.
            ThreadLanguage french(Lang::fr);
            item["stage_label"] = stage_label(c.stage);
        }
        item["description"] = coop_description_fr(call.registry->bundle.registry, c);
        item["latitude_e6"] = c.latitude_e6 ? json(*c.latitude_e6) : json(nullptr);
        item["longitude_e6"] = c.longitude_e6 ? json(*c.longitude_e6) : json(nullptr);
        items.push_back(std::move(item));
    }
    return json_response(http::status::ok, {{"registry_version", call.registry->bundle.registry.version}, {"coops", items}});
}

Response handlers::directory_geojson(Services&, const Call& call) {
    Response r = make_response(http::status::ok, "application/geo+json", directory_geojson(call.registry->bundle.registry));
    r.set(http::field::cache_control, "no-cache");
    return r;
}

Response handlers::directory_page(Services&, const Call& call) {
    Response r = make_response(http::status::ok, "text/html; charset=utf-8", directory_html(call.registry->bundle.registry));
    r.set(http::field::cache_control, "no-cache");
    // One file with its style and script inline, that loads nothing and sends nothing.
    r.set("Content-Security-Policy",
          "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
          "frame-ancestors 'none'");
    return r;
}

Response handlers::status(Services& services, const Call& call) {
    const TrustedBundle& bundle = call.registry->bundle;
    const Registry& registry = bundle.registry;
    json revocations = json::object();
    for (const auto& [coop, sequence] : bundle.revocation_sequences) revocations[std::to_string(coop)] = sequence;
    const Coop* host = registry.find_coop(services.config.coop);
    // Whole days left, rounded down: -1 from the first second after expires_at.
    const std::int64_t left = registry.expires_at - call.now;
    const std::int64_t days_left = left >= 0 ? left / kSecondsPerDay : -((-left + kSecondsPerDay - 1) / kSecondsPerDay);
    return json_response(http::status::ok,
                         {{"registry_version", registry.version},
                          {"issued_at", format_instant(registry.issued_at)},
                          {"expires_at", format_instant(registry.expires_at)},
                          {"days_left", days_left},
                          // After expires_at passes are accepted with a warning until this instant, then refused.
                          {"refused_from", format_instant(registry.expires_at + services.config.grace_days * kSecondsPerDay)},
                          {"revocation_sequences", revocations},
                          {"host_coop", {{"number", services.config.coop}, {"name", host ? json(host->name) : json(nullptr)}}},
                          {"policy", policy_json(host_policy(registry, services.config.coop, services.config.policy_overrides()))}});
}

}  // namespace passkoop::server

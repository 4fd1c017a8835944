#include "api.hpp"

#include "policy.hpp"
#include "reports.hpp"
#include "web_page.hpp"

#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/json_limits.hpp>
#include <passkoop/text.hpp>
#include <passkoop/verifier.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <expected>
#include <future>
#include <variant>

namespace passkoop::server {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxBatchRows = 1000;
// occurred_at is the till's word, only recorded: an offline till syncs within a month, and its
// clock may run a little ahead. Passes and the visit policy are judged at the server's clock.
constexpr std::int64_t kMaxBackdateSeconds = 31 * 86400;
constexpr std::int64_t kMaxAheadSeconds = 10 * 60;
constexpr std::int64_t kMaxListLimit = 500;

// The fields of a visit (DESIGN §9): only these make two requests with one key the same visit.
constexpr const char* kVisitFields[] = {"amount_cents", "currency", "declared", "idempotency_key", "kind", "note",
                                        "occurred_at", "override", "pass", "ticket", "till"};

// An RFC 9457 problem: stable code, status, message for people.
struct Problem {
    http::status status;
    std::string code;
    std::string title;
    std::string detail;
    json extra = json::object();
};

Response make_response(http::status status, const std::string& content_type, std::string body) {
    Response res{status, 11};
    res.set(http::field::content_type, content_type);
    res.set(http::field::cache_control, "no-store");
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

// Text read back from the database (changed there by hand, say) may not be valid UTF-8:
// invalid UTF-8 is replaced rather than failing the answer.
std::string dump(const json& body) { return body.dump(-1, ' ', false, json::error_handler_t::replace); }

Response json_response(http::status status, const json& body) { return make_response(status, "application/json", dump(body)); }

Response problem_response(const Problem& p) {
    json body = {{"type", "https://passkoop.coop/problems/" + p.code}, {"title", p.title},
                 {"status", static_cast<int>(p.status)}, {"code", p.code}};
    if (!p.detail.empty()) body["detail"] = p.detail;
    for (const auto& [k, v] : p.extra.items()) body[k] = v;
    return make_response(p.status, "application/problem+json", dump(body));
}

Problem invalid_field(const std::string& field, const std::string& why) {
    return {http::status::unprocessable_entity, "invalid_field", tr("Champ invalide", "Invalid field"), field + " : " + why};
}

std::string percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') out += ' ';
        else if (s[i] == '%' && i + 2 < s.size()) {
            int v = 0;
            const auto r = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
            if (r.ec == std::errc{} && r.ptr == s.data() + i + 3) {
                out += static_cast<char>(v);
                i += 2;
            } else {
                out += s[i];
            }
        } else {
            out += s[i];
        }
    }
    return out;
}

std::map<std::string, std::string> parse_query(std::string_view query) {
    std::map<std::string, std::string> out;
    for (std::size_t pos = 0; pos < query.size() && out.size() < 32;) {
        const auto amp = std::min(query.find('&', pos), query.size());
        const std::string_view pair = query.substr(pos, amp - pos);
        const auto eq = pair.find('=');
        out[percent_decode(pair.substr(0, eq))] = eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
        pos = amp + 1;
    }
    return out;
}

// A date ("YYYY-MM-DD", start of that day) or an instant, as Unix seconds.
std::optional<std::int64_t> parse_time(const std::string& text) {
    if (const auto day = parse_day(text)) return start_of_day(*day);
    return parse_instant(text);
}

std::expected<std::string, Problem> text_field(const json& body, const char* name, std::size_t max, bool required) {
    const auto it = body.find(name);
    if (it == body.end() || it->is_null()) {
        if (required) return std::unexpected(invalid_field(name, tr("champ requis", "required field")));
        return std::string();
    }
    if (!it->is_string()) return std::unexpected(invalid_field(name, tr("texte attendu", "string expected")));
    const auto& s = it->get_ref<const std::string&>();
    if (s.size() > max) return std::unexpected(invalid_field(name, tr("trop long", "too long")));
    // Free text from tills is stored and exported: valid UTF-8 without control characters.
    if (!is_printable_text(s)) return std::unexpected(invalid_field(name, tr("caractères de contrôle ou UTF-8 invalide", "control characters or invalid UTF-8")));
    return s;
}

json row_json(const VisitRow& r, const LoadedRegistry& reg) {
    const Coop* coop = reg.bundle.registry.find_coop(r.origin_coop);
    return {{"id", r.id}, {"idempotency_key", r.idempotency_key}, {"occurred_at", format_instant(r.occurred_at)},
            {"recorded_at", format_instant(r.recorded_at)}, {"till", r.till}, {"cashier", r.cashier}, {"kind", r.kind},
            {"origin_coop", r.origin_coop}, {"origin_coop_name", coop ? json(coop->name) : json(nullptr)},
            {"pass_id", r.pass_id ? json(*r.pass_id) : json(nullptr)}, {"verified", r.verified},
            {"override", r.override_policy}, {"decision", r.decision}, {"amount_cents", r.amount_cents},
            {"currency", r.currency}, {"ticket", r.ticket}, {"note", r.note}, {"hash", to_hex(r.hash)}};
}

const char* color_of(const Verification& v, const std::optional<PolicyOutcome>& policy) {
    if (!v.valid()) return "red";
    if (policy && policy->decision != Decision::allowed && policy->decision != Decision::last_allowed_visit) return "red";
    if (!v.warnings.empty() || (policy && policy->decision == Decision::last_allowed_visit)) return "orange";
    return "green";
}

// A refused pass whose signature held under a key valid when it was issued: a real card, out of
// date or revoked. Any other refusal may be a forgery, whatever member it names.
bool genuine_card(ResultCode code) {
    return code == ResultCode::not_yet_valid || code == ResultCode::expired || code == ResultCode::revoked ||
           code == ResultCode::registry_expired;
}

Response internal_error() {
    // Details stay in the server; the client learns only that it failed.
    return problem_response({http::status::internal_server_error, "internal_error",
                             tr("Erreur interne du serveur", "Internal server error"), ""});
}

std::expected<json, Problem> parse_body(const Request& request) {
    // Depth is measured on the raw text first: no tree deep enough to exhaust the stack when it
    // is parsed, compared, dumped or destroyed is ever built.
    auto body = parse_json_bounded(request.body());
    if (!body && body.error() == JsonProblem::too_deep)
        return std::unexpected(Problem{http::status::bad_request, "json_too_deep", tr("Corps JSON trop imbriqué", "JSON body nested too deeply"),
                                       tr("au plus ", "at most ") + std::to_string(kMaxJsonDepth) +
                                           tr(" niveaux de tableaux et d'objets", " levels of arrays and objects")});
    if (!body || !body->is_object())
        return std::unexpected(Problem{http::status::bad_request, "invalid_json", tr("Corps JSON invalide", "Invalid JSON body"),
                                       tr("un objet JSON est attendu", "a JSON object is expected")});
    return std::move(*body);
}

// The answer for one visit: a status and the row, or a problem body (per row in a batch).
using Answer = std::pair<http::status, json>;

Answer problem_answer(const Problem& p) {
    json j = {{"code", p.code}, {"title", p.title}, {"status", static_cast<int>(p.status)}};
    if (!p.detail.empty()) j["detail"] = p.detail;
    for (const auto& [k, v] : p.extra.items()) j[k] = v;
    return {p.status, j};
}

Response answer_response(const Answer& answer) {
    const auto& [status, out] = answer;
    if (static_cast<int>(status) < 300) return json_response(status, out);
    Problem p{status, out.value("code", ""), out.value("title", ""), out.value("detail", "")};
    for (const auto& [k, v] : out.items())
        if (k != "code" && k != "title" && k != "detail" && k != "status") p.extra[k] = v;
    return problem_response(p);
}

Problem idempotency_conflict(const VisitRow& stored, const LoadedRegistry& registry) {
    return {http::status::conflict, "idempotency_conflict",
            tr("Clé d'idempotence déjà utilisée pour une autre visite", "Idempotency key already used for another visit"), "",
            {{"row", row_json(stored, registry)}}};
}

}  // namespace

void add_security_headers(Response& response) {
    response.set("X-Content-Type-Options", "nosniff");
    response.set("X-Frame-Options", "DENY");
    response.set("Referrer-Policy", "no-referrer");
    if (response.find("Content-Security-Policy") == response.end())
        response.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
}

bool AuthLimiter::blocked(const std::string& address, std::int64_t now) {
    std::lock_guard lock(mutex_);
    const auto it = windows_.find(address);
    return it != windows_.end() && it->second.minute == now / 60 && it->second.failures >= per_minute_;
}

void AuthLimiter::failed(const std::string& address, std::int64_t now) {
    std::lock_guard lock(mutex_);
    // Bounded memory: forget every address when too many are tracked.
    if (windows_.size() > 10000) windows_.clear();
    Window& w = windows_[address];
    if (w.minute != now / 60) w = {now / 60, 0};
    ++w.failures;
}

struct Api::Context {
    const Request& request;
    const std::string& client;
    std::string path;
    std::map<std::string, std::string> query;
    std::int64_t now = unix_now();
    std::optional<TokenInfo> token;
    std::shared_ptr<const LoadedRegistry> registry;
    Lang lang = Lang::fr;
};

// A scanned text's verification, with the host's policy decision once it is known.
struct Api::Checked {
    Verification verification;
    std::optional<PolicyOutcome> policy;
    std::optional<std::string> visitor;
};

struct Api::PreparedVisit {
    AppendRequest request;
    std::shared_ptr<Refusal> refusal;  // filled when the ledger refuses the row; none for a declared visitor
};

Api::Api(const Config& config, Ledger& ledger, TokenStore& tokens, RegistryHolder& registry, Metrics& metrics,
         const std::array<std::uint8_t, 32>& visitor_secret)
    : config_(config), ledger_(ledger), tokens_(tokens), registry_(registry), metrics_(metrics),
      visitor_secret_(visitor_secret), limiter_(config.auth_failures_per_minute) {}

std::string Api::route_of(std::string_view target) {
    const std::string_view path = target.substr(0, target.find('?'));
    static constexpr std::string_view known[] = {"/",           "/healthz",     "/metrics",          "/v1/bundle",
                                                 "/v1/directory", "/v1/directory.geojson", "/v1/verify", "/v1/visits",
                                                 "/v1/visits/batch", "/v1/visits.csv", "/v1/reports/monthly"};
    for (const auto k : known)
        if (path == k) return std::string(k);
    return "other";
}

std::size_t Api::body_limit(std::string_view target) const {
    return route_of(target) == "/v1/visits/batch" ? config_.batch_body_limit : config_.body_limit;
}

Response Api::handle(const Request& request, const std::string& client_address) {
    std::promise<Response> answer;
    auto future = answer.get_future();
    handle_async(request, client_address, [&answer](Response r) { answer.set_value(std::move(r)); });
    return future.get();
}

bool Api::is_quick(const Request& request) {
    const std::string route = route_of(request.target());
    const bool post = request.method() == http::verb::post;
    return route == "/healthz" || route == "/" || (post && (route == "/v1/verify" || route == "/v1/visits"));
}

void Api::handle_async(const Request& request, const std::string& client_address, Reply reply) {
    // The cashier's browser asks for English with Accept-Language; French otherwise.
    const Lang lang = request[http::field::accept_language].starts_with("en") ? Lang::en : Lang::fr;
    ThreadLanguage language(lang);
    Reply finish = [keep_alive = request.keep_alive(), reply = std::move(reply)](Response res) {
        res.keep_alive(keep_alive);
        add_security_headers(res);
        reply(std::move(res));
    };
    const std::string_view target = request.target();
    Context ctx{request, client_address, std::string(target.substr(0, target.find('?'))), {}, unix_now(), {}, registry_.current(), lang};
    if (const auto q = target.find('?'); q != std::string_view::npos) ctx.query = parse_query(target.substr(q + 1));
    try {
        if (request.method() == http::verb::post && (ctx.path == "/v1/visits" || ctx.path == "/v1/visits/batch"))
            return record_endpoint(ctx, finish);  // answers once the ledger has committed; a copy, for the catch below
        finish(dispatch(ctx));
    } catch (const std::exception&) {
        finish(internal_error());
    }
}

std::optional<Response> Api::authenticate(Context& ctx, Role needed) {
    // A valid token is always let in, whatever failed before from its address (a till shares
    // it with every device of the shop, or of the proxy's clients): only failures are throttled.
    const std::string_view header = ctx.request[http::field::authorization];
    if (header.starts_with("Bearer ")) ctx.token = tokens_.authenticate(header.substr(7));
    if (!ctx.token) {
        if (limiter_.blocked(ctx.client, ctx.now)) {
            Response r = problem_response({http::status::too_many_requests, "too_many_failures",
                                           tr("Trop d'échecs d'authentification : réessayez dans une minute",
                                              "Too many authentication failures: try again in a minute"), ""});
            r.set(http::field::retry_after, std::to_string(60 - ctx.now % 60));
            return r;
        }
        limiter_.failed(ctx.client, ctx.now);
        Response r = problem_response({http::status::unauthorized, "unauthorized",
                                       tr("Jeton manquant ou invalide", "Missing or invalid token"), ""});
        r.set(http::field::www_authenticate, "Bearer");
        return r;
    }
    if (needed == Role::manager && ctx.token->role != Role::manager)
        return problem_response({http::status::forbidden, "forbidden", tr("Réservé aux responsables", "Managers only"), ""});
    return std::nullopt;
}

VisitorPolicy Api::host_policy(const Registry& registry) const {
    const Coop* host = registry.find_coop(config_.coop);
    VisitorPolicy policy = host ? host->policy : VisitorPolicy{};
    if (config_.policy_max_visits) policy.max_visits = *config_.policy_max_visits;
    if (config_.policy_window_days) policy.window_days = *config_.policy_window_days;
    if (config_.policy_welcomes) policy.welcomes_visitors = *config_.policy_welcomes;
    return policy;
}

Api::Checked Api::check(const LoadedRegistry& registry, const std::string& text, std::int64_t at, bool with_policy) {
    Checked c{verify_pass(text, registry.bundle, at, VerifyOptions{config_.grace_days}), std::nullopt, std::nullopt};
    metrics_.verification(c.verification.code);
    if (c.verification.pass) {
        c.visitor = visitor_key(visitor_secret_, c.verification.pass->coop, c.verification.pass->member);
        if (with_policy && c.verification.valid()) {
            const VisitorPolicy policy = host_policy(registry.bundle.registry);
            c.policy = decide(policy, config_.coop, *c.verification.pass, ledger_.count_visits(*c.visitor, window_start(policy, at)));
        }
    }
    return c;
}

std::string Api::checked_json_text(const Checked& c) {
    // Written directly rather than through a json value: this is the answer to every scan.
    std::string out = verification_json_text(c.verification);
    out.pop_back();  // the closing brace
    out += ",\"color\":\"";
    out += color_of(c.verification, c.policy);
    out += "\",\"policy\":";
    if (c.policy) {
        out += "{\"decision\":";
        append_json_string(out, to_string(c.policy->decision));
        out += ",\"limit\":" + std::to_string(c.policy->limit) + ",\"message\":";
        append_json_string(out, message(c.policy->decision));
        out += ",\"visits\":" + std::to_string(c.policy->visits) + "}";
    } else {
        out += "null";
    }
    out += '}';
    return out;
}

json Api::checked_json(const Checked& c) { return json::parse(checked_json_text(c)); }

Response Api::dispatch(Context& ctx) {
    const http::verb method = ctx.request.method();
    const std::string& path = ctx.path;
    auto only = [&](std::initializer_list<http::verb> allowed) -> std::optional<Response> {
        if (std::find(allowed.begin(), allowed.end(), method) != allowed.end()) return std::nullopt;
        std::string allow;
        for (const auto v : allowed) allow += (allow.empty() ? "" : ", ") + std::string(http::to_string(v));
        Response r = problem_response({http::status::method_not_allowed, "method_not_allowed",
                                       tr("Méthode non autorisée", "Method not allowed"), ""});
        r.set(http::field::allow, allow);
        return r;
    };
    auto authenticate = [&](Role needed) { return this->authenticate(ctx, needed); };

    if (path == "/healthz") {
        if (auto r = only({http::verb::get, http::verb::head})) return *r;
        return json_response(http::status::ok, {{"status", "ok"}, {"registry_version", ctx.registry->bundle.registry.version}});
    }
    if (path == "/metrics") {
        if (auto r = only({http::verb::get})) return *r;
        return make_response(http::status::ok, "text/plain; version=0.0.4",
                             metrics_.render(ledger_.row_count(), ctx.registry->bundle));
    }
    if (path == "/") {
        if (auto r = only({http::verb::get, http::verb::head})) return *r;
        Response r = make_response(http::status::ok, "text/html; charset=utf-8", std::string(cashier_page()));
        r.set(http::field::cache_control, "no-cache");
        // The page is one file with its script and style inline; it calls only this server. Forms
        // are sent by the script: were it not to run, no form may carry a token elsewhere.
        r.set("Content-Security-Policy",
              "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; "
              "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
        return r;
    }
    if (path == "/v1/bundle") {
        if (auto r = only({http::verb::get, http::verb::head})) return *r;
        const std::string& etag = ctx.registry->etag;
        if (ctx.request[http::field::if_none_match] == etag) {
            Response r{http::status::not_modified, 11};
            r.set(http::field::etag, etag);
            return r;
        }
        Response r = make_response(http::status::ok, "application/json", ctx.registry->bytes);
        r.set(http::field::etag, etag);
        r.set(http::field::cache_control, "no-cache");
        return r;
    }
    if (path == "/v1/directory" || path == "/v1/directory.geojson") {
        if (auto r = only({http::verb::get})) return *r;
        const bool geo = path.ends_with(".geojson");
        json items = json::array();
        for (const Coop& c : ctx.registry->bundle.registry.coops) {
            const json props = {{"number", c.number}, {"slug", c.slug}, {"name", c.name}, {"city", c.city},
                                {"department", c.department}, {"country", c.country}, {"stage", c.stage},
                                {"website", c.website}, {"welcomes_visitors", c.policy.welcomes_visitors},
                                {"max_visits", c.policy.max_visits}, {"window_days", c.policy.window_days}};
            if (!geo) {
                json item = props;
                item["latitude_e6"] = c.latitude_e6 ? json(*c.latitude_e6) : json(nullptr);
                item["longitude_e6"] = c.longitude_e6 ? json(*c.longitude_e6) : json(nullptr);
                items.push_back(item);
            } else if (c.latitude_e6 && c.longitude_e6) {
                items.push_back({{"type", "Feature"}, {"properties", props},
                                 {"geometry", {{"type", "Point"},
                                               {"coordinates", {static_cast<double>(*c.longitude_e6) / 1e6,
                                                                static_cast<double>(*c.latitude_e6) / 1e6}}}}});
            }
        }
        if (geo)
            return make_response(http::status::ok, "application/geo+json",
                                 json({{"type", "FeatureCollection"}, {"features", items}}).dump());
        return json_response(http::status::ok, {{"registry_version", ctx.registry->bundle.registry.version}, {"coops", items}});
    }

    const Registry& registry = ctx.registry->bundle.registry;
    if (path == "/v1/verify") {
        if (auto r = only({http::verb::post})) return *r;
        if (auto r = authenticate(Role::cashier)) return *r;
        auto body = parse_body(ctx.request);
        if (!body) return problem_response(body.error());
        // Scanned text goes to the verifier as it came: it bounds and judges it itself.
        const auto pass = body->find("pass");
        if (pass == body->end() || !pass->is_string())
            return problem_response(invalid_field("pass", tr("texte du pass attendu", "pass text expected")));
        const std::string text = pass->get<std::string>();
        return make_response(http::status::ok, "application/json", checked_json_text(check(*ctx.registry, text, ctx.now, true)));
    }

    if (path == "/v1/visits") {
        if (auto r = only({http::verb::get, http::verb::post})) return *r;  // POST: record_endpoint
        if (auto r = authenticate(Role::cashier)) return *r;
        VisitQuery q;
        for (const auto& [name, target] : {std::pair{"from", &q.from}, {"to", &q.to}}) {
            if (!ctx.query.contains(name)) continue;
            *target = parse_time(ctx.query[name]);
            if (!*target) return problem_response(invalid_field(name, tr("date AAAA-MM-JJ attendue", "date YYYY-MM-DD expected")));
        }
        if (ctx.query.contains("to") && parse_day(ctx.query["to"])) *q.to += 86400;  // a date "to" includes that day
        if (ctx.token->role == Role::cashier) {
            // Cashiers see today's visits only.
            q.from = std::max(q.from.value_or(0), start_of_day(day_of(ctx.now)));
        }
        auto integer = [&](const char* name, std::int64_t min, std::int64_t max) -> std::expected<std::optional<std::int64_t>, Problem> {
            if (!ctx.query.contains(name)) return std::nullopt;
            std::int64_t n = 0;
            const std::string& s = ctx.query[name];
            const auto r = std::from_chars(s.data(), s.data() + s.size(), n);
            if (r.ec != std::errc{} || r.ptr != s.data() + s.size() || n < min || n > max)
                return std::unexpected(invalid_field(name, tr("entier attendu", "integer expected")));
            return n;
        };
        const auto coop = integer("coop", 0, 65535);
        const auto cursor = integer("cursor", 0, std::numeric_limits<std::int64_t>::max());
        // At least one row a page: an empty page has no last row to continue from.
        const auto limit = integer("limit", 1, kMaxListLimit);
        for (const auto* p : {&coop, &cursor, &limit})
            if (!*p) return problem_response(p->error());
        if (*coop && coop->has_value()) q.coop = static_cast<std::uint16_t>(**coop);
        q.after_id = cursor->value_or(0);
        q.limit = limit->value_or(100);
        if (ctx.query.contains("till")) q.till = ctx.query["till"];
        const auto rows = ledger_.list(q);
        json items = json::array();
        std::int64_t total = 0;
        for (const auto& r : rows) {
            items.push_back(row_json(r, *ctx.registry));
            total += r.amount_cents;
        }
        const bool more = static_cast<std::int64_t>(rows.size()) == q.limit;
        return json_response(http::status::ok, {{"visits", items}, {"total_cents", total},
                                                {"next_cursor", more ? json(rows.back().id) : json(nullptr)}});
    }
    if (path == "/v1/visits/batch") return *only({http::verb::post});  // POST: record_endpoint
    if (path == "/v1/visits.csv" || path == "/v1/reports/monthly") {
        if (auto r = only({http::verb::get})) return *r;
        if (auto r = authenticate(Role::manager)) return *r;
        const std::string dialect_name = ctx.query.contains("dialect") ? ctx.query["dialect"] : "fr";
        if (dialect_name != "fr" && dialect_name != "rfc4180") return problem_response(invalid_field("dialect", "fr, rfc4180"));
        const CsvDialect dialect = dialect_name == "fr" ? CsvDialect::french : CsvDialect::rfc4180;
        CoopNames names;
        for (const Coop& c : registry.coops) names[c.number] = c.name;
        VisitQuery q;
        std::string month;
        if (path == "/v1/reports/monthly") {
            month = ctx.query["month"];
            const auto bounds = month_bounds(month);
            if (!bounds) return problem_response(invalid_field("month", tr("mois AAAA-MM attendu", "month YYYY-MM expected")));
            q.from = bounds->first;
            q.to = bounds->second;
        } else {
            for (const auto& [name, target] : {std::pair{"from", &q.from}, {"to", &q.to}}) {
                if (!ctx.query.contains(name)) continue;
                *target = parse_time(ctx.query[name]);
                if (!*target) return problem_response(invalid_field(name, tr("date AAAA-MM-JJ attendue", "date YYYY-MM-DD expected")));
            }
            if (ctx.query.contains("to") && parse_day(ctx.query["to"])) *q.to += 86400;
        }
        std::vector<VisitRow> rows;
        q.limit = 5000;
        for (;;) {
            auto page = ledger_.list(q);
            rows.insert(rows.end(), page.begin(), page.end());
            if (static_cast<std::int64_t>(page.size()) < q.limit) break;
            q.after_id = page.back().id;
        }
        if (path == "/v1/visits.csv") {
            Response r = make_response(http::status::ok, "text/csv; charset=utf-8", visits_csv(rows, dialect, names));
            r.set(http::field::content_disposition, "attachment; filename=\"visiteurs.csv\"");
            return r;
        }
        const MonthlyReport report = monthly_report(rows, month, names, config_.visitor_cap_cents, config_.visitor_cap_warn_percent);
        if (ctx.query["format"] == "csv") {
            Response r = make_response(http::status::ok, "text/csv; charset=utf-8", report_csv(report, dialect));
            r.set(http::field::content_disposition, "attachment; filename=\"rapport-" + month + ".csv\"");
            return r;
        }
        return json_response(http::status::ok, report_json(report));
    }
    return problem_response({http::status::not_found, "not_found", tr("Adresse inconnue", "Unknown address"), ""});
}

// Why the ledger refused a row: set by the row's admission check on the writer thread.
struct Api::Refusal {
    std::string code;  // pass_refused, policy_refused
    Checked checked;
};

std::variant<Answer, Api::PreparedVisit> Api::prepare_visit(const Context& ctx, const json& body) {
    if (!body.is_object()) return problem_answer(invalid_field("visit", tr("objet attendu", "object expected")));
    VisitInput in;
    const auto key = text_field(body, "idempotency_key", 128, true);
    if (!key) return problem_answer(key.error());
    if (key->empty()) return problem_answer(invalid_field("idempotency_key", tr("vide", "empty")));
    in.idempotency_key = *key;
    // The digest covers the known fields only, sorted and compact: extra fields make no conflict.
    // Earlier versions digested the whole body: when it differs, that digest is offered too, so
    // the replay of a row they stored still replays.
    json canonical = json::object();
    for (const char* name : kVisitFields)
        if (const auto it = body.find(name); it != body.end()) canonical[name] = *it;
    if (const auto it = canonical.find("declared"); it != canonical.end() && it->is_object()) {
        json only_coop = json::object();
        if (const auto coop = it->find("coop"); coop != it->end()) only_coop["coop"] = *coop;
        *it = std::move(only_coop);
    }
    const std::string canonical_text = canonical.dump();
    in.request_digest = blake2b256(as_bytes(canonical_text));
    if (canonical != body) in.earlier_request_digest = blake2b256(as_bytes(body.dump()));
    const auto kind = text_field(body, "kind", 16, false);
    if (!kind) return problem_answer(kind.error());
    in.kind = kind->empty() ? "purchase" : *kind;
    if (!is_visit_kind(in.kind)) return problem_answer(invalid_field("kind", "purchase, deposit, refund, visit"));
    for (const auto& [name, target, max] : {std::tuple{"till", &in.till, std::size_t{64}}, {"ticket", &in.ticket, std::size_t{64}},
                                            {"note", &in.note, std::size_t{500}}}) {
        const auto v = text_field(body, name, max, false);
        if (!v) return problem_answer(v.error());
        *target = *v;
    }
    const auto currency = text_field(body, "currency", 3, false);
    if (!currency) return problem_answer(currency.error());
    in.currency = currency->empty() ? "EUR" : *currency;
    if (in.currency.size() != 3 || !std::all_of(in.currency.begin(), in.currency.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
        return problem_answer(invalid_field("currency", tr("code ISO 4217 attendu (EUR)", "ISO 4217 code expected (EUR)")));
    if (const auto it = body.find("amount_cents"); it != body.end() && !it->is_null()) {
        // Compared in the type the parser chose: a number above INT64_MAX is unsigned, and taking
        // it as int64 first would wrap it to a negative amount. Never negative: the kind says
        // which way the money goes (a refund is a refund of a positive amount).
        const bool in_range = it->is_number_unsigned() ? it->get<std::uint64_t>() <= std::uint64_t{kMaxAmountCents}
                                                       : it->is_number_integer() && it->get<std::int64_t>() >= 0 &&
                                                             it->get<std::int64_t>() <= kMaxAmountCents;
        if (!in_range)
            return problem_answer(invalid_field("amount_cents", tr("entier de centimes entre 0 et 100000000 attendu (un remboursement "
                                                                   "s'enregistre en kind refund avec un montant positif)",
                                                                   "integer number of cents from 0 to 100000000 expected (a refund "
                                                                   "is recorded as kind refund with a positive amount)")));
        in.amount_cents = it->is_number_unsigned() ? static_cast<std::int64_t>(it->get<std::uint64_t>()) : it->get<std::int64_t>();
    }
    in.occurred_at = ctx.now;
    if (const auto it = body.find("occurred_at"); it != body.end() && !it->is_null()) {
        const auto t = it->is_string() ? parse_instant(it->get<std::string>()) : std::nullopt;
        if (!t || *t > ctx.now + kMaxAheadSeconds || *t < ctx.now - kMaxBackdateSeconds)
            return problem_answer(invalid_field("occurred_at", tr("instant AAAA-MM-JJTHH:MM:SSZ des 31 derniers jours attendu (10 minutes "
                                                                  "d'avance au plus)",
                                                                  "instant YYYY-MM-DDTHH:MM:SSZ within the last 31 days expected (at most "
                                                                  "10 minutes ahead)")));
        in.occurred_at = *t;
    }
    const auto override_it = body.find("override");
    if (override_it != body.end() && !override_it->is_boolean())
        return problem_answer(invalid_field("override", tr("booléen attendu", "boolean expected")));
    in.override_policy = override_it != body.end() && override_it->get<bool>();
    in.cashier = ctx.token->name;

    const auto pass_it = body.find("pass");
    const auto declared_it = body.find("declared");
    if ((pass_it == body.end()) == (declared_it == body.end()))
        return problem_answer(invalid_field("pass", tr("donnez soit pass, soit declared", "give either pass or declared")));
    if (declared_it != body.end()) {
        const json& d = *declared_it;
        const auto coop = d.is_object() && d.contains("coop") && d["coop"].is_number_integer() ? d["coop"].get<std::int64_t>() : 0;
        if (coop < 1 || coop > 65535 || ctx.registry->bundle.registry.find_coop(static_cast<std::uint16_t>(coop)) == nullptr)
            return problem_answer(invalid_field("declared.coop", tr("numéro d'une coop du registre attendu",
                                                                    "number of a coop of the registry expected")));
        in.origin_coop = static_cast<std::uint16_t>(coop);
        in.verified = false;
        in.decision = "declared";
        return PreparedVisit{{std::move(in), {}}, nullptr};
    }
    if (!pass_it->is_string() || pass_it->get_ref<const std::string&>().size() > kMaxPassTextBytes)
        return problem_answer(invalid_field("pass", tr("texte du pass attendu", "pass text expected")));
    // The signature is checked here, on the caller's thread, at the server's clock (the till's
    // occurred_at is only recorded); the visit count and the policy decision in the write
    // transaction (AppendRequest::admit).
    Checked c = check(*ctx.registry, pass_it->get<std::string>(), ctx.now, false);
    const Verification& v = c.verification;
    // Undecodable text: nothing to store even with an override, and no earlier row can match it.
    if (!v.pass)
        return problem_answer({http::status::unprocessable_entity, "pass_refused", message(v.code), "", {{"verification", checked_json(c)}}});
    in.origin_coop = v.pass->coop;
    in.verified = v.valid();
    in.decision = std::string(to_string(v.code));
    if (v.valid()) {
        in.pass_id = v.pass_id;
        in.visitor_key = c.visitor;
    } else if (genuine_card(v.code)) {
        // A real pass refused (expired, revoked…): its id says which card was shown. No visitor
        // key: a visit let in by override does not count against the member's visits.
        in.pass_id = v.pass_id;
    }
    // Otherwise the text may be forged: whatever member it names is no one's visit.
    auto refusal = std::make_shared<Refusal>();
    auto admit = [policy = host_policy(ctx.registry->bundle.registry), host = config_.coop, c = std::move(c), refusal,
                  at = ctx.now](VisitInput& row, const VisitCounter& visits) mutable {
        if (!c.verification.valid()) {
            if (row.override_policy) return true;
            *refusal = {"pass_refused", std::move(c)};
            return false;
        }
        c.policy = decide(policy, host, *c.verification.pass, visits(*c.visitor, window_start(policy, at)));
        // The visit limit stops new visits, not the money of one already made (a refund, a deposit).
        const Decision d = c.policy->decision;
        const bool counts_as_visit = row.kind == "purchase" || row.kind == "visit";
        const bool refused = d == Decision::own_member || d == Decision::not_accepted || (d == Decision::limit_reached && counts_as_visit);
        if (refused && !row.override_policy) {
            *refusal = {"policy_refused", std::move(c)};
            return false;
        }
        row.decision = std::string(to_string(d));
        return true;
    };
    return PreparedVisit{{std::move(in), std::move(admit)}, std::move(refusal)};
}

Answer Api::answer_of(const AppendResult& result, const Refusal* refusal, const LoadedRegistry& registry) {
    switch (result.outcome) {
    case AppendOutcome::created: return {http::status::created, row_json(result.row, registry)};
    case AppendOutcome::replayed: return {http::status::ok, row_json(result.row, registry)};
    case AppendOutcome::conflict: return problem_answer(idempotency_conflict(result.row, registry));
    case AppendOutcome::refused: break;
    }
    const Checked& c = refusal->checked;
    const std::string title = refusal->code == "policy_refused" ? message(c.policy->decision) : message(c.verification.code);
    return problem_answer({http::status::unprocessable_entity, refusal->code, title, "", {{"verification", checked_json(c)}}});
}

void Api::record_endpoint(Context& ctx, Reply reply) {
    if (auto r = authenticate(ctx, Role::cashier)) return reply(std::move(*r));
    auto body = parse_body(ctx.request);
    if (!body) return reply(problem_response(body.error()));
    const bool batch = ctx.path == "/v1/visits/batch";
    std::vector<json> visits;
    if (!batch) {
        visits.push_back(std::move(*body));
    } else {
        const auto it = body->find("visits");
        if (it == body->end() || !it->is_array())
            return reply(problem_response(invalid_field("visits", tr("tableau attendu", "array expected"))));
        if (it->size() > kMaxBatchRows)
            return reply(problem_response({http::status::payload_too_large, "too_many_rows",
                                           tr("1000 visites au plus par lot", "1000 visits at most per batch"), ""}));
        visits = std::move(it->get_ref<json::array_t&>());
    }
    // Answers known now (invalid fields) keep their place; the others come from the ledger.
    auto answers = std::make_shared<std::vector<Answer>>(visits.size());
    std::vector<AppendRequest> requests;
    std::vector<std::size_t> positions;
    std::vector<std::shared_ptr<Refusal>> refusals;
    for (std::size_t i = 0; i < visits.size(); ++i) {
        auto prepared = prepare_visit(ctx, visits[i]);
        if (auto* answer = std::get_if<Answer>(&prepared)) {
            (*answers)[i] = std::move(*answer);
            continue;
        }
        auto& visit = std::get<PreparedVisit>(prepared);
        requests.push_back(std::move(visit.request));
        refusals.push_back(std::move(visit.refusal));
        positions.push_back(i);
    }
    auto respond = [batch, answers, reply = std::move(reply)]() {
        if (!batch) return reply(answer_response(answers->front()));
        json results = json::array();
        for (const auto& [status, out] : *answers)
            results.push_back({{"status", static_cast<int>(status)}, {static_cast<int>(status) < 300 ? "row" : "problem", out}});
        reply(json_response(http::status::ok, {{"results", results}}));
    };
    if (requests.empty()) return respond();
    // Rows are recorded in order in one transaction, so visit counts see the rows before them.
    ledger_.append_async(std::move(requests), [this, answers, positions = std::move(positions), refusals = std::move(refusals),
                                               registry = ctx.registry, lang = ctx.lang,
                                               respond = std::move(respond)](std::vector<AppendResult> results, std::exception_ptr error) {
        ThreadLanguage language(lang);
        try {
            if (error) std::rethrow_exception(error);
            for (std::size_t k = 0; k < results.size(); ++k) (*answers)[positions[k]] = answer_of(results[k], refusals[k].get(), *registry);
        } catch (const std::exception&) {
            for (const std::size_t k : positions) (*answers)[k] = problem_answer({http::status::internal_server_error, "internal_error",
                                                                                tr("Erreur interne du serveur", "Internal server error"), ""});
        }
        respond();
    });
}

}  // namespace passkoop::server

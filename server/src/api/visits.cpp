// POST /v1/visits, POST /v1/visits/batch and GET /v1/visits. A visit is validated and its pass
// verified here; the ledger's writer applies the host policy in the write transaction, where
// the visitor's count is exact, and answers once the row is on disk.
#include "api/checked.hpp"
#include "api/handlers.hpp"
#include "api/visit_input.hpp"
#include "service/shop_time.hpp"

#include <passkoop/dates.hpp>

#include <nlohmann/json.hpp>

#include <limits>
#include <map>

namespace passkoop::server {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxBatchRows = 1000;
constexpr std::int64_t kMaxListLimit = 500;

json row_json(const VisitRow& r, const LoadedRegistry& reg) {
    const Coop* coop = reg.bundle.registry.find_coop(r.origin_coop);
    return {{"id", r.id}, {"idempotency_key", r.idempotency_key}, {"occurred_at", format_instant(r.occurred_at)},
            {"recorded_at", format_instant(r.recorded_at)}, {"till", r.till}, {"cashier", r.cashier}, {"kind", to_string(r.kind)},
            {"origin_coop", r.origin_coop}, {"origin_coop_name", coop ? json(coop->name) : json(nullptr)},
            {"pass_id", r.pass_id ? json(*r.pass_id) : json(nullptr)}, {"verified", r.verified},
            {"override", r.override_policy}, {"decision", r.decision}, {"amount_cents", r.amount_cents},
            {"currency", r.currency}, {"ticket", r.ticket}, {"note", r.note}, {"hash", to_hex(r.hash)}};
}

// The answer for one visit: a status and the row, or a problem (per row in a batch).
struct VisitAnswer {
    http::status status = http::status::ok;
    json row;
    std::optional<Problem> problem;
    std::optional<std::string> visitor_key;  // of the stored row; never sent
    std::optional<std::int64_t> visitor_visits;  // a batch row's visitor's counted visits, after the batch
};

VisitAnswer refusal(Problem problem) { return {problem.status, nullptr, std::move(problem), std::nullopt, std::nullopt}; }

// A visit ready for the ledger, with the check of its pass (none for a declared visitor) to
// explain a refusal.
struct PreparedVisit {
    AppendRequest request;
    std::optional<Checked> checked;
};

std::expected<PreparedVisit, Problem> prepare_declared(const Call& call, VisitInput in, const json& declared) {
    const auto coop = declared.is_object() && declared.contains("coop") && declared["coop"].is_number_integer()
                          ? declared["coop"].get<std::int64_t>()
                          : 0;
    if (coop < 1 || coop > 65535 || call.registry->bundle.registry.find_coop(static_cast<std::uint16_t>(coop)) == nullptr)
        return std::unexpected(invalid_field("declared.coop", tr("numéro d'une coop du registre attendu",
                                                                 "number of a coop of the registry expected")));
    in.origin_coop = static_cast<std::uint16_t>(coop);
    in.verified = false;
    in.decision = "declared";
    return PreparedVisit{{std::move(in), std::nullopt}, std::nullopt};
}

std::expected<PreparedVisit, Problem> prepare_pass(Services& services, const Call& call, VisitInput in, const json& pass) {
    if (!pass.is_string() || pass.get_ref<const std::string&>().size() > kMaxPassTextBytes)
        return std::unexpected(invalid_field("pass", tr("texte du pass attendu", "pass text expected")));
    // The signature is checked here, on the caller's thread, at the server's clock (the till's
    // occurred_at is only recorded), except for a visit a till recorded offline: it is judged when
    // it happened, as the till judged it. The visit count and the policy decision are made in the
    // write transaction (Admission).
    const std::int64_t at = in.offline ? in.occurred_at : call.now;
    Checked c = check(services, *call.registry, pass.get<std::string>(), at, false);
    const Verification& v = c.verification;
    // Undecodable text: nothing to store even with an override, and no earlier row can match it.
    if (!v.pass)
        return std::unexpected(Problem{http::status::unprocessable_entity, "pass_refused", message(v.code), "", {{"verification", checked_json(c)}}});
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
    const VisitorPolicy policy = host_policy_of(services, *call.registry);
    Admission admission{v.valid(), policy, services.config.coop, *v.pass, window_start(policy, at), in.offline};
    return PreparedVisit{{std::move(in), std::move(admission)}, std::move(c)};
}

std::expected<PreparedVisit, Problem> prepare_visit(Services& services, const Call& call, const json& body) {
    auto in = read_visit_fields(call, body);
    if (!in) return std::unexpected(in.error());
    const auto pass = body.find("pass");
    const auto declared = body.find("declared");
    if ((pass == body.end()) == (declared == body.end()))
        return std::unexpected(invalid_field("pass", tr("donnez soit pass, soit declared", "give either pass or declared")));
    if (declared != body.end()) return prepare_declared(call, std::move(*in), *declared);
    return prepare_pass(services, call, std::move(*in), *pass);
}

VisitAnswer answer_of(const AppendResult& result, std::optional<Checked>& checked, const LoadedRegistry& registry) {
    switch (result.outcome) {
        case AppendOutcome::created:
            return {http::status::created, row_json(result.row, registry), std::nullopt, result.row.visitor_key, std::nullopt};
        case AppendOutcome::replayed:
            return {http::status::ok, row_json(result.row, registry), std::nullopt, result.row.visitor_key, std::nullopt};
        case AppendOutcome::conflict:
            return refusal({http::status::conflict, "idempotency_conflict",
                            tr("Clé d'idempotence déjà utilisée pour une autre visite", "Idempotency key already used for another visit"),
                            "", {{"row", row_json(result.row, registry)}}});
        case AppendOutcome::refused: break;
    }
    // Only a pass's visit carries an admission, so only it can be refused.
    checked->policy = result.policy;
    const bool by_policy = result.policy.has_value();
    return refusal({http::status::unprocessable_entity, by_policy ? "policy_refused" : "pass_refused",
                    by_policy ? message(result.policy->decision) : message(checked->verification.code), "",
                    {{"verification", checked_json(*checked)}}});
}

Response single_response(const VisitAnswer& answer) {
    if (answer.problem) return problem_response(*answer.problem);
    return json_response(answer.status, answer.row);
}

Response batch_response(const std::vector<VisitAnswer>& answers) {
    json results = json::array();
    for (const VisitAnswer& a : answers) {
        if (a.problem) results.push_back({{"status", static_cast<int>(a.status)}, {"problem", a.problem->fields()}});
        else if (a.visitor_visits)
            results.push_back({{"status", static_cast<int>(a.status)}, {"row", a.row}, {"visitor_visits", *a.visitor_visits}});
        else results.push_back({{"status", static_cast<int>(a.status)}, {"row", a.row}});
    }
    return json_response(http::status::ok, {{"results", results}});
}

// Records visits in order in one transaction, so visit counts see the rows before them, and
// answers with one answer a visit, in the order given.
void record(Services& services, Call& call, std::vector<json> visits, bool batch, Reply reply) {
    // The state shared with the ledger's completion: data only, the registry kept alive with the
    // checks that point into it.
    struct Pending {
        std::vector<VisitAnswer> answers;
        std::vector<std::size_t> positions;  // of the rows sent to the ledger
        std::vector<std::optional<Checked>> checks;
        std::shared_ptr<const LoadedRegistry> registry;
        std::int64_t window_start = 0;   // of the host policy now, for a batch's visitor counts
        std::int64_t counted_up_to = 0;  // visits_to_count() of that policy
    };
    auto pending = std::make_shared<Pending>();
    pending->answers.resize(visits.size());
    pending->registry = call.registry;
    const VisitorPolicy policy = host_policy_of(services, *call.registry);
    pending->window_start = window_start(policy, call.now);
    pending->counted_up_to = visits_to_count(policy);
    std::vector<AppendRequest> requests;
    for (std::size_t i = 0; i < visits.size(); ++i) {
        auto prepared = prepare_visit(services, call, visits[i]);
        if (!prepared) {
            pending->answers[i] = refusal(std::move(prepared.error()));
            continue;
        }
        requests.push_back(std::move(prepared->request));
        pending->checks.push_back(std::move(prepared->checked));
        pending->positions.push_back(i);
    }
    auto respond = [batch, reply = std::move(reply)](const std::vector<VisitAnswer>& answers) {
        reply(batch ? batch_response(answers) : single_response(answers.front()));
    };
    if (requests.empty()) return respond(pending->answers);
    Ledger& ledger = services.ledger;
    services.ledger.append_async(std::move(requests), [pending, batch, &ledger, lang = call.lang, respond = std::move(respond)](
                                                          std::vector<AppendResult> results, std::exception_ptr error) {
        ThreadLanguage language(lang);
        try {
            if (error) std::rethrow_exception(error);
            for (std::size_t k = 0; k < results.size(); ++k)
                pending->answers[pending->positions[k]] = answer_of(results[k], pending->checks[k], *pending->registry);
            // A till syncing its queue learns each visitor's count across every till, now that
            // the batch is committed: its next offline decisions start from there.
            if (batch) {
                std::map<std::string, std::int64_t> counted;
                for (VisitAnswer& a : pending->answers) {
                    if (!a.visitor_key || a.problem) continue;
                    auto [it, fresh] = counted.try_emplace(*a.visitor_key, 0);
                    if (fresh) it->second = ledger.count_visits(*a.visitor_key, pending->window_start, pending->counted_up_to);
                    a.visitor_visits = it->second;
                }
            }
        } catch (const std::exception&) {
            for (const std::size_t k : pending->positions) pending->answers[k] = refusal(internal_error());
        }
        respond(pending->answers);
    });
}

}  // namespace

void handlers::record_visit(Services& services, Call& call, Reply reply) {
    auto body = parse_json_body(call.request);
    if (!body) return reply(problem_response(body.error()));
    std::vector<json> visits;
    visits.push_back(std::move(*body));
    record(services, call, std::move(visits), false, std::move(reply));
}

void handlers::record_batch(Services& services, Call& call, Reply reply) {
    auto body = parse_json_body(call.request);
    if (!body) return reply(problem_response(body.error()));
    const auto it = body->find("visits");
    if (it == body->end() || !it->is_array()) return reply(problem_response(invalid_field("visits", tr("tableau attendu", "array expected"))));
    if (it->size() > kMaxBatchRows)
        return reply(problem_response({http::status::payload_too_large, "too_many_rows",
                                       tr("1000 visites au plus par lot", "1000 visits at most per batch"), ""}));
    record(services, call, std::move(it->get_ref<json::array_t&>()), true, std::move(reply));
}

Response handlers::list_visits(Services& services, const Call& call) {
    const auto range = call.query.time_range();
    if (!range) return problem_response(range.error());
    VisitQuery q;
    q.from = range->from;
    q.to = range->to;
    // Cashiers see today's visits only: the shop's local day.
    if (call.token->role == Role::cashier) q.from = std::max(q.from.value_or(0), local_day_bounds(call.now).first);
    const auto coop = call.query.integer("coop", 0, 65535);
    const auto cursor = call.query.integer("cursor", 0, std::numeric_limits<std::int64_t>::max());
    // At least one row a page: an empty page has no last row to continue from.
    const auto limit = call.query.integer("limit", 1, kMaxListLimit);
    for (const auto* p : {&coop, &cursor, &limit})
        if (!*p) return problem_response(p->error());
    if (coop->has_value()) q.coop = static_cast<std::uint16_t>(**coop);
    q.after_id = cursor->value_or(0);
    q.limit = limit->value_or(100);
    if (call.query.has("till")) q.till = call.query.get("till");
    const auto rows = services.ledger.list(q);
    json items = json::array();
    std::int64_t total = 0;
    for (const auto& r : rows) {
        items.push_back(row_json(r, *call.registry));
        total += r.amount_cents;
    }
    const bool more = static_cast<std::int64_t>(rows.size()) == q.limit;
    return json_response(http::status::ok, {{"visits", items}, {"total_cents", total}, {"next_cursor", more ? json(rows.back().id) : json(nullptr)}});
}

}  // namespace passkoop::server

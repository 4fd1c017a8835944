#include "api/visit_input.hpp"

#include <passkoop/dates.hpp>
#include <passkoop/text.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <tuple>

namespace passkoop::server {

using nlohmann::json;

namespace {

// occurred_at is the till's word, only recorded: an offline till syncs within a month, and its
// clock may run a little ahead. Passes and the visit policy are judged at the server's clock.
constexpr std::int64_t kMaxBackdateSeconds = 31 * kSecondsPerDay;
constexpr std::int64_t kMaxAheadSeconds = 10 * 60;

// The fields of a visit (DESIGN §9): only these make two requests with one key the same visit.
constexpr const char* kVisitFields[] = {"amount_cents", "currency", "declared", "idempotency_key", "kind", "note",
                                        "occurred_at", "offline", "override", "pass", "ticket", "till"};

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

// The digest covers the known fields only, sorted and compact: extra fields make no conflict.
// Earlier versions digested the whole body: when it differs, that digest is offered too, so the
// replay of a row they stored still replays.
void set_digests(VisitInput& in, const json& body) {
    json canonical = json::object();
    for (const char* name : kVisitFields)
        if (const auto it = body.find(name); it != body.end()) canonical[name] = *it;
    if (const auto it = canonical.find("declared"); it != canonical.end() && it->is_object()) {
        json only_coop = json::object();
        if (const auto coop = it->find("coop"); coop != it->end()) only_coop["coop"] = *coop;
        *it = std::move(only_coop);
    }
    in.request_digest = blake2b256(as_bytes(canonical.dump()));
    if (canonical != body) in.earlier_request_digest = blake2b256(as_bytes(body.dump()));
}

std::expected<std::int64_t, Problem> amount_field(const json& body) {
    const auto it = body.find("amount_cents");
    if (it == body.end() || it->is_null()) return 0;
    // Compared in the type the parser chose: a number above INT64_MAX is unsigned, and taking it
    // as int64 first would wrap it to a negative amount. Never negative: the kind says which way
    // the money goes (a refund is a refund of a positive amount).
    const bool in_range = it->is_number_unsigned() ? it->get<std::uint64_t>() <= std::uint64_t{kMaxAmountCents}
                                                   : it->is_number_integer() && it->get<std::int64_t>() >= 0 &&
                                                         it->get<std::int64_t>() <= kMaxAmountCents;
    if (!in_range)
        return std::unexpected(invalid_field("amount_cents", tr("entier de centimes entre 0 et 100000000 attendu (un remboursement "
                                                                "s'enregistre en kind refund avec un montant positif)",
                                                                "integer number of cents from 0 to 100000000 expected (a refund "
                                                                "is recorded as kind refund with a positive amount)")));
    return it->is_number_unsigned() ? static_cast<std::int64_t>(it->get<std::uint64_t>()) : it->get<std::int64_t>();
}

std::expected<std::int64_t, Problem> occurred_at_field(const json& body, std::int64_t now) {
    const auto it = body.find("occurred_at");
    if (it == body.end() || it->is_null()) return now;
    const auto t = it->is_string() ? parse_instant(it->get<std::string>()) : std::nullopt;
    if (!t || *t > now + kMaxAheadSeconds || *t < now - kMaxBackdateSeconds)
        return std::unexpected(invalid_field("occurred_at", tr("instant AAAA-MM-JJTHH:MM:SSZ des 31 derniers jours attendu (10 minutes "
                                                               "d'avance au plus)",
                                                               "instant YYYY-MM-DDTHH:MM:SSZ within the last 31 days expected (at most "
                                                               "10 minutes ahead)")));
    return *t;
}

std::expected<VisitKind, Problem> kind_field(const json& body) {
    const auto kind = text_field(body, "kind", 16, false);
    if (!kind) return std::unexpected(kind.error());
    if (kind->empty()) return VisitKind::purchase;
    if (const auto k = visit_kind_from_string(*kind)) return *k;
    return std::unexpected(invalid_field("kind", "purchase, deposit, refund, visit"));
}

std::expected<std::string, Problem> currency_field(const json& body) {
    const auto currency = text_field(body, "currency", 3, false);
    if (!currency) return currency;
    if (currency->empty()) return "EUR";
    if (currency->size() != 3 || !std::all_of(currency->begin(), currency->end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
        return std::unexpected(invalid_field("currency", tr("code ISO 4217 attendu (EUR)", "ISO 4217 code expected (EUR)")));
    return currency;
}

}  // namespace

std::expected<VisitInput, Problem> read_visit_fields(const Call& call, const json& body) {
    if (!body.is_object()) return std::unexpected(invalid_field("visit", tr("objet attendu", "object expected")));
    VisitInput in;
    const auto key = text_field(body, "idempotency_key", 128, true);
    if (!key) return std::unexpected(key.error());
    if (key->empty()) return std::unexpected(invalid_field("idempotency_key", tr("vide", "empty")));
    in.idempotency_key = *key;
    set_digests(in, body);
    const auto kind = kind_field(body);
    if (!kind) return std::unexpected(kind.error());
    in.kind = *kind;
    for (const auto& [name, target, max] : {std::tuple{"till", &in.till, std::size_t{64}}, {"ticket", &in.ticket, std::size_t{64}},
                                            {"note", &in.note, std::size_t{500}}}) {
        const auto v = text_field(body, name, max, false);
        if (!v) return std::unexpected(v.error());
        *target = *v;
    }
    const auto currency = currency_field(body);
    if (!currency) return std::unexpected(currency.error());
    in.currency = *currency;
    const auto amount = amount_field(body);
    if (!amount) return std::unexpected(amount.error());
    in.amount_cents = *amount;
    const auto occurred_at = occurred_at_field(body, call.now);
    if (!occurred_at) return std::unexpected(occurred_at.error());
    in.occurred_at = *occurred_at;
    const auto override_it = body.find("override");
    if (override_it != body.end() && !override_it->is_boolean())
        return std::unexpected(invalid_field("override", tr("booléen attendu", "boolean expected")));
    in.override_policy = override_it != body.end() && override_it->get<bool>();
    const auto offline_it = body.find("offline");
    if (offline_it != body.end() && !offline_it->is_boolean())
        return std::unexpected(invalid_field("offline", tr("booléen attendu", "boolean expected")));
    in.offline = offline_it != body.end() && offline_it->get<bool>();
    // A till's offline visit says which till recorded it: its queue is what a replay is checked against.
    if (in.offline && in.till.empty())
        return std::unexpected(invalid_field("till", tr("une visite hors ligne nomme sa caisse", "an offline visit names its till")));
    in.cashier = call.token->name;
    return in;
}

}  // namespace passkoop::server

// A visit's fields as a till sends them (DESIGN §9), validated into what the ledger stores.
#pragma once

#include "api/call.hpp"
#include "api/problem.hpp"

#include <nlohmann/json_fwd.hpp>

#include <expected>

namespace passkoop::server {

// Every field but the pass or the declared coop: the idempotency key and the digests that make a
// replay, kind, till, ticket, note, currency, amount, occurred_at, override, offline (a till's
// visit recorded without network, which then names its till), and the cashier (the token's name).
[[nodiscard]] std::expected<VisitInput, Problem> read_visit_fields(const Call& call, const nlohmann::json& body);

}  // namespace passkoop::server

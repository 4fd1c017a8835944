// What a handler works with: the server's services, and the request being answered.
#pragma once

#include "api/http.hpp"
#include "api/query.hpp"
#include "registry/registry_holder.hpp"
#include "service/config.hpp"
#include "service/metrics.hpp"
#include "store/ledger.hpp"
#include "store/tokens.hpp"

#include <passkoop/i18n.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace passkoop::server {

struct Services {
    const Config& config;
    Ledger& ledger;
    TokenStore& tokens;
    RegistryHolder& registry;
    Metrics& metrics;
    std::array<std::uint8_t, 32> visitor_secret;
};

// One request being answered.
struct Call {
    const Request& request;
    const std::string& client;  // the peer's address
    std::string path;
    Query query;
    std::int64_t now = 0;
    std::optional<TokenInfo> token;  // set when the route needs one
    // The registry in use when the request came: one request sees one registry throughout.
    std::shared_ptr<const LoadedRegistry> registry;
    Lang lang = Lang::fr;
};

}  // namespace passkoop::server

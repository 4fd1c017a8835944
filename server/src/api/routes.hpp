// The route table: the one place that knows the server's paths. Each row says which methods a
// path answers, who may call it, on which thread it runs, how large its body may be, and its
// handler.
#pragma once

#include "api/call.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace passkoop::server {

enum class Access { anyone, cashier, manager };  // cashier: any valid token

// network: answered on the network thread (in memory, bounded work, no disk wait);
// worker: on the worker pool (disk reads, exports, a batch's verifications).
enum class Lane { network, worker };

// Methods as bits, so a row can answer several (GET and HEAD).
enum Method : std::uint8_t { kGet = 1, kHead = 2, kPost = 4 };

using Handler = void (*)(Services& services, Call& call, Reply reply);

struct Route {
    std::string_view path;
    std::uint8_t methods;
    Access access;
    Lane lane;
    std::size_t Config::*body_limit;
    Handler handler;
};

[[nodiscard]] std::span<const Route> routes();
// The row for a path and method; nothing when the path is unknown or takes another method.
[[nodiscard]] const Route* find_route(std::string_view path, http::verb method);
// The methods a path answers, as bits (0: unknown path).
[[nodiscard]] std::uint8_t methods_of(std::string_view path);
// "GET, HEAD" for an Allow header.
[[nodiscard]] std::string allow_header(std::uint8_t methods);

}  // namespace passkoop::server

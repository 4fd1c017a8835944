// Pulls the registry bundle from an http:// or https:// URL (a coop's mirror, any static host), asking
// with If-None-Match so an unchanged bundle costs one small request.
#pragma once

#include <optional>
#include <string>

namespace passkoop::server {

struct PullResult {
    int status = 0;    // 200 with a body, 304 unchanged, 0 when the host could not be reached
    std::string body;  // at most 16 MiB
    std::string etag;
    std::string error;
};

[[nodiscard]] PullResult pull_bundle(const std::string& url, const std::string& etag);

}  // namespace passkoop::server

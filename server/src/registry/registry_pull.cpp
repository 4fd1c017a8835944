#include "registry/registry_pull.hpp"

#include "http/http_client.hpp"

#include <passkoop/bundle.hpp>

namespace passkoop::server {

PullResult pull_bundle(const std::string& url, const std::string& etag) {
    HttpRequest request;
    request.url = url;
    if (!etag.empty()) request.headers.emplace_back("If-None-Match", etag);
    HttpOptions options;
    options.max_body = kMaxBundleBytes;
    options.user_agent = "passkoopd";
    HttpResponse response = http_fetch(request, options);
    PullResult out;
    out.status = response.status;
    out.error = std::move(response.error);
    out.etag = response.header("etag");
    if (out.status == 200) out.body = std::move(response.body);
    return out;
}

}  // namespace passkoop::server

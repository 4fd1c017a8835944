// The HTTP request handler (Api::handle) with any method, target, headers and body. Input:
//   METHOD SP TARGET LF, then "Name: value" lines, an empty line, then the body.
// In header values "$cashier" and "$manager" become those tokens' "Bearer ..." and "$pass" a
// pass that verifies today (also in the body), so that inputs get past authentication. Requests
// over passkoopd's parser limits (header 8 KiB, body 64 KiB or 1 MiB for the batch) are skipped:
// the server never hands them to the handler.
#include "api_fixture.hpp"

using namespace pk_fuzz;

namespace {

std::string_view next_line(std::string_view& rest) {
    const auto end = rest.find('\n');
    const std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    return line;
}

std::string substitute(std::string_view text, ApiFixture& f) {
    std::string out(text);
    for (const auto& [from, to] : {std::pair<std::string, std::string>{"$cashier", "Bearer " + f.cashier},
                                   {"$manager", "Bearer " + f.manager}, {"$pass", f.valid_pass}}) {
        for (auto at = out.find(from); at != std::string::npos; at = out.find(from, at + to.size()))
            out.replace(at, from.size(), to);
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    ApiFixture& f = api_fixture();
    std::string_view rest = as_view(data, size);
    const std::string_view start = next_line(rest);
    const auto space = start.find(' ');
    if (space == std::string_view::npos || space == 0) return 0;
    Request request;
    std::size_t header_bytes = start.size();
    try {
        request.method_string(start.substr(0, space));
        request.target(start.substr(space + 1));
        request.version(11);
        for (std::string_view line = next_line(rest); !line.empty(); line = next_line(rest)) {
            const auto colon = line.find(':');
            if (colon == std::string_view::npos || colon == 0) return 0;
            std::string_view value = line.substr(colon + 1);
            while (value.starts_with(' ')) value.remove_prefix(1);
            request.insert(line.substr(0, colon), substitute(value, f));
            header_bytes += line.size() + 2;
        }
        request.body() = substitute(rest, f);
        request.prepare_payload();
    } catch (const std::exception&) {
        return 0;  // not a request Beast would build
    }
    if (header_bytes > f.config.header_limit || request.body().size() > f.api->body_limit(request.target())) return 0;
    (void)f.handle(request);
    return 0;
}

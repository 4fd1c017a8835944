// Deep and wide JSON on purpose: the input is a recipe (opcode, argument pairs) that writes a
// document of up to 128 KiB, nesting tens of thousands of levels or repeating a value tens of
// thousands of times, which byte-level mutation of a small input never reaches. The document is
// then given to every reader of untrusted JSON: parse_json_bounded, the bundle loader (raw, as a
// signed registry or revocation payload, inside a bundle), the trust state, the envelope and
// revocation readers, and the request bodies of passkoopd.
// Property: json_nesting_depth agrees with the depth nlohmann's (non-recursive) SAX parser sees.
#include "api_fixture.hpp"

#include <passkoop/json_limits.hpp>

#include <nlohmann/json.hpp>

using namespace pk_fuzz;
using nlohmann::json;

namespace {

// 128 KiB: twice the 64 KiB body limit, and four times the nesting (30,000) that once overflowed
// the stack, while one input runs in well under a millisecond. Every reader is linear in the size
// past that, so a larger document (the bundle limit is 16 MiB) would only make each input slower.
constexpr std::size_t kMaxDocument = 128 * 1024;

std::string build(std::string_view recipe) {
    static constexpr std::string_view scalars[] = {"0", "-1", "1e999", "-0.0", "true", "null", "\"\"", "\"[{\\\"\"",
                                                   "\"\\ud800\"", "9223372036854775808", "-9223372036854775809",
                                                   "\"2026-11-21\"", "\"0123456789abcdef\"", "{}", "[]", "\"\\u0000\""};
    std::string out;
    std::string open;  // ']' or '}' for each container not yet closed
    auto room = [&out](std::size_t n) { return out.size() + n <= kMaxDocument; };
    for (std::size_t i = 0; i + 1 < recipe.size(); i += 2) {
        const auto op = static_cast<unsigned char>(recipe[i]) % 8;
        const auto arg = static_cast<unsigned char>(recipe[i + 1]);
        const std::size_t many = std::size_t{arg} * arg + 1;  // up to 65,026
        switch (op) {
        case 0:
            for (std::size_t k = 0; k < many && room(1); ++k, open += ']') out += '[';
            break;
        case 1:
            for (std::size_t k = 0; k < many && room(5); ++k, open += '}') out += "{\"a\":";
            break;
        case 2:
            if (!open.empty() && open.back() == '}' && room(1)) out += '0';
            while (!open.empty() && room(1)) {
                out += open.back();
                open.pop_back();
            }
            break;
        case 3:
            if (room(24)) out += scalars[arg % std::size(scalars)];
            break;
        case 4: {
            const std::string_view item = scalars[arg % std::size(scalars)];
            const bool object = !open.empty() && open.back() == '}';
            for (std::size_t k = 0; k < many && room(item.size() + 8); ++k) {
                out += ',';
                if (object) out += "\"k" + std::to_string(k % 1000) + "\":";
                out += item;
            }
            break;
        }
        case 5:
            for (std::size_t k = 0; k <= arg % 16 && !open.empty() && room(1); ++k) {
                out += open.back();
                open.pop_back();
            }
            break;
        case 6:
            if (room(1)) out += static_cast<char>(arg);
            break;
        case 7:
            if (room(many + 2)) out += '"' + std::string(many, "[{]}\\ax"[arg % 7]) + '"';
            break;
        }
    }
    return out;
}

// The deepest nesting nlohmann's SAX parser reaches, without building a tree.
struct DepthCounter : json::json_sax_t {
    std::size_t depth = 0, deepest = 0;
    bool enter() { deepest = std::max(deepest, ++depth); return true; }
    bool leave() { --depth; return true; }
    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t&) override { return true; }
    bool string(string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }
    bool start_object(std::size_t) override { return enter(); }
    bool key(string_t&) override { return true; }
    bool end_object() override { return leave(); }
    bool start_array(std::size_t) override { return enter(); }
    bool end_array() override { return leave(); }
    bool parse_error(std::size_t, const std::string&, const json::exception&) override { return false; }
};

void to_server(ApiFixture& f, const std::string& target, const std::string& body) {
    if (body.size() > f.api->body_limit(target)) return;
    Request request{http::verb::post, target, 11};
    request.set(http::field::authorization, "Bearer " + f.cashier);
    request.set(http::field::content_type, "application/json");
    request.body() = body;
    request.prepare_payload();
    (void)f.handle(request);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t where = data[0];
    const std::string doc = build(as_view(data + 1, size - 1));

    DepthCounter counter;
    // nlohmann stops at a NUL byte as at the end of the input: parse_json_bounded refuses such text.
    if (doc.find('\0') != std::string::npos) PK_FUZZ_CHECK(!parse_json_bounded(doc));
    else if (json::sax_parse(doc, &counter)) PK_FUZZ_CHECK(json_nesting_depth(doc, SIZE_MAX) == counter.deepest);
    if (const auto parsed = parse_json_bounded(doc)) PK_FUZZ_CHECK(json_nesting_depth(doc) <= kMaxJsonDepth);

    const auto& net = network();
    switch (where % 6) {
    case 0:
        (void)load_bundle(doc, nullptr);
        (void)read_trust_state(doc);
        (void)parse_envelope_text(doc);
        (void)parse_revocations_payload(doc);
        break;
    case 1:
        (void)load_bundle(bundle_to_string(signed_envelope(kRegistryPayloadType, doc, {&net.admin_a, &net.admin_b}), {}, {}),
                          nullptr);
        break;
    case 2:
        (void)load_bundle(net.bundle({signed_envelope(kRevocationsPayloadType, doc, {&net.admin_a, &net.admin_b})}), nullptr);
        break;
    case 3:
        (void)load_bundle(R"({"admin_history":[)" + doc + R"(],"registry":)" + doc + R"(,"revocations":[)" + doc + "]}",
                          nullptr);
        break;
    default: {
        ApiFixture& f = api_fixture();
        static const std::string targets[] = {"/v1/verify", "/v1/visits", "/v1/visits/batch"};
        to_server(f, targets[(where / 6) % 3], doc);
        break;
    }
    }
    return 0;
}

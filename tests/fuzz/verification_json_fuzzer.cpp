// The hand-written verification JSON (verification_json_text) against nlohmann::json: it parses,
// nlohmann's dump() of it is the same text, and it equals the dump of the same object built
// field by field with nlohmann. Verifications come from verify_pass on fuzzed scanned text
// (first byte even), or are built from fuzzed fields: any result code, warnings, a registry date
// anywhere in int64, names of any valid UTF-8.
#include "fuzz_support.hpp"

#include <passkoop/i18n.hpp>
#include <passkoop/verifier.hpp>

#include <nlohmann/json.hpp>

#include <cstring>

using namespace pk_fuzz;
using nlohmann::json;

namespace {

// Reads little-endian integers from the front of the input, zeros once it runs out.
struct Reader {
    std::string_view rest;
    std::uint64_t take(std::size_t bytes) {
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < bytes && !rest.empty(); ++i, rest.remove_prefix(1))
            v |= std::uint64_t{static_cast<unsigned char>(rest.front())} << (8 * i);
        return v;
    }
};

// The text if nlohmann can write it (valid UTF-8), else empty: the writer's contract.
std::string writable(std::string_view text) {
    try {
        (void)json(std::string(text)).dump();
        return std::string(text);
    } catch (const json::exception&) {
        return {};
    }
}

json reference(const Verification& v) {
    json doc = {{"code", to_string(v.code)}, {"valid", v.valid()}, {"message", message(v.code)}};
    json warnings = json::array(), messages = json::array();
    for (const Warning w : v.warnings) {
        warnings.push_back(to_string(w));
        messages.push_back(message(w, v.registry_issued_at));
    }
    doc["warnings"] = warnings;
    doc["warning_messages"] = messages;
    if (v.pass) {
        doc["pass_id"] = v.pass_id;
        doc["coop"] = {{"number", v.pass->coop}, {"name", v.coop ? json(v.coop->name) : json()},
                       {"city", v.coop ? json(v.coop->city) : json()}};
        doc["member"] = {{"number", v.pass->member}, {"name", v.pass->name}, {"card_sequence", v.pass->card_sequence}};
        doc["expiry"] = format_day(v.pass->expiry_day);
        doc["issued"] = format_day(v.pass->issued_day);
        doc["kind"] = v.pass->kind == PassKind::tester ? "tester" : "member";
    } else {
        doc["pass_id"] = nullptr;
        doc["coop"] = nullptr;
        doc["member"] = nullptr;
        doc["expiry"] = nullptr;
    }
    return doc;
}

void check(const Verification& v) {
    const std::string text = verification_json_text(v);
    const json parsed = json::parse(text);  // throws, hence crashes, if it is not JSON
    PK_FUZZ_CHECK(parsed.dump() == text);
    PK_FUZZ_CHECK(reference(v).dump() == text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Reader in{as_view(data, size)};
    const auto flags = in.take(1);
    ThreadLanguage language(flags & 2 ? Lang::en : Lang::fr);
    if ((flags & 1) == 0) {
        static const TrustedBundle bundle = network().trusted();
        const auto clock = static_cast<std::int64_t>(in.take(8));
        check(verify_pass(in.rest, bundle, clock));
        return 0;
    }
    Verification v;
    v.code = static_cast<ResultCode>(in.take(1) % kResultCodeCount);
    if (flags & 4) v.warnings.push_back(Warning::keyboard_layout_repaired);
    if (flags & 8) v.warnings.push_back(Warning::registry_stale);
    v.registry_issued_at = static_cast<std::int64_t>(in.take(8));
    v.today = static_cast<std::int64_t>(in.take(8));
    Coop coop;
    if (flags & 16) {
        Pass pass;
        pass.coop = static_cast<std::uint16_t>(in.take(2));
        pass.member = in.take(6);
        pass.card_sequence = static_cast<std::uint8_t>(in.take(1));
        pass.issued_day = static_cast<std::uint16_t>(in.take(2));
        pass.expiry_day = static_cast<std::uint16_t>(in.take(2));
        pass.kind = flags & 32 ? PassKind::tester : PassKind::member;
        const auto parts = split(in.rest, 4);
        pass.name = writable(parts[0]);
        v.pass = pass;
        v.pass_id = parts.size() > 1 ? writable(parts[1]) : std::string("0123456789abcdef");
        if (flags & 64) {
            coop.name = parts.size() > 2 ? writable(parts[2]) : "";
            coop.city = parts.size() > 3 ? writable(parts[3]) : "";
            v.coop = &coop;
        }
    }
    check(v);
    return 0;
}

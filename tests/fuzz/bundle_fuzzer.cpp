// The bundle loader with its registry, admin-history and revocation parsers, and the saved
// trust state. The first byte chooses:
//   even: the rest is a bundle file, a trust state and a lone envelope, as a mirror could serve;
//   odd:  the rest is payloads separated by 0x1E that the harness signs with the network's admin
//         keys: the registry, then admin-history registries (a part starting with 'H') and
//         revocation lists, so that the fuzzer reaches the parsers behind the signatures. Bit 1
//         loads them over the network's own version 1 as anchor, bit 2 adds the third admin, bit 3
//         also signs the revocation lists with the coops' keys.
// Property: a loaded bundle's trust state reads back and loads the same bundle again.
#include "fuzz_support.hpp"

using namespace pk_fuzz;

namespace {

void check_loaded(std::string_view bytes, const std::expected<TrustedBundle, TrustError>& loaded) {
    if (!loaded) return;
    const std::string state_text = trust_state_text(*loaded);
    const auto state = read_trust_state(state_text);
    PK_FUZZ_CHECK(state.has_value());
    PK_FUZZ_CHECK(state->anchor.registry.version == loaded->registry.version);
    // The same bundle over its own saved state is accepted: same version, same bytes.
    const auto again = load_bundle(bytes, *state);
    PK_FUZZ_CHECK(again.has_value());
    PK_FUZZ_CHECK(again->revocation_sequences == loaded->revocation_sequences);
}

void raw(std::string_view input) {
    check_loaded(input, load_bundle(input, nullptr));
    (void)parse_envelope_text(input);
    if (const auto state = read_trust_state(input)) {
        // A saved state followed by the network's bundle: rollback, conflict or pins apply.
        (void)load_bundle(network().bundle(), *state);
    }
}

void signed_parts(std::uint8_t flags, std::string_view input) {
    const auto& net = network();
    const bool third_admin = flags & 4;
    auto admins_sign = [&](std::string_view type, std::string_view payload) {
        return third_admin ? signed_envelope(type, payload, {&net.admin_a, &net.admin_b, &net.admin_c})
                           : signed_envelope(type, payload, {&net.admin_a, &net.admin_b});
    };
    const auto parts = split(input, 16);
    const Envelope registry = admins_sign(kRegistryPayloadType, parts[0]);
    std::vector<Envelope> history, revocations;
    for (std::size_t i = 1; i < parts.size(); ++i) {
        if (parts[i].starts_with('H')) {
            history.push_back(admins_sign(kRegistryPayloadType, parts[i].substr(1)));
        } else if (flags & 8) {
            revocations.push_back(signed_envelope(kRevocationsPayloadType, parts[i],
                                                  {&net.coopalim, &net.louve, &net.louve_stolen, &net.cagette}));
        } else {
            revocations.push_back(admins_sign(kRevocationsPayloadType, parts[i]));
        }
    }
    const std::string bundle = bundle_to_string(registry, history, revocations);
    if (flags & 2) {
        static const TrustedBundle anchor = net.trusted();
        check_loaded(bundle, load_bundle(bundle, anchor.state()));
    } else {
        check_loaded(bundle, load_bundle(bundle, nullptr));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view input = as_view(data + 1, size - 1);
    if (data[0] & 1)
        signed_parts(data[0], input);
    else
        raw(input);
    return 0;
}

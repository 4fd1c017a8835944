// Shared by the fuzz targets: splitting an input into parts, a property check that aborts, and
// the deterministic signed network of the tests so that inputs get past the signatures.
#pragma once

#include "support.hpp"

#include <passkoop/bundle.hpp>
#include <passkoop/envelope.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace pk_fuzz {

using namespace passkoop;

// A property that must hold for every input: its failure is a finding, reported as a crash.
#define PK_FUZZ_CHECK(condition)                                                              \
    do {                                                                                      \
        if (!(condition)) {                                                                   \
            std::fprintf(stderr, "property failed: %s (%s:%d)\n", #condition, __FILE__, __LINE__); \
            std::abort();                                                                     \
        }                                                                                     \
    } while (false)

inline std::string_view as_view(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// Parts of an input separated by the ASCII record separator (0x1E), which JSON text never
// contains raw: the seeds and the dictionary use it to lay out several documents in one input.
inline constexpr char kSeparator = '\x1e';
inline std::vector<std::string_view> split(std::string_view input, std::size_t max_parts) {
    std::vector<std::string_view> parts;
    while (parts.size() + 1 < max_parts) {
        const auto at = input.find(kSeparator);
        if (at == std::string_view::npos) break;
        parts.push_back(input.substr(0, at));
        input.remove_prefix(at + 1);
    }
    parts.push_back(input);
    return parts;
}

// The tests' network (three admins, threshold 2, coops 3, 7 and 12), built once.
inline const pk_test::Network& network() {
    static const pk_test::Network net;
    return net;
}

inline Envelope signed_envelope(std::string_view type, std::string_view payload,
                                std::initializer_list<const SigningKey*> signers) {
    Envelope env{std::string(type), std::string(payload), {}};
    for (const SigningKey* k : signers) env.sign(*k);
    return env;
}

}  // namespace pk_fuzz

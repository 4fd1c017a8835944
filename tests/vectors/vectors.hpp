// The test vectors of tests/vectors/: passes built from fixed seeds against a fixed bundle,
// with their exact text, bytes, pass id and expected result at a given date.
#pragma once

#include <filesystem>
#include <string>

namespace pk_test {

// Writes bundle.json and passes.json into `dir`. Deterministic: the same bytes every run.
void write_vectors(const std::filesystem::path& dir);

}  // namespace pk_test

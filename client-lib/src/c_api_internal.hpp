// Helpers of the C API shared by the verifier's functions (c_api.cpp) and the till's
// (till/c_api_till.cpp). Not installed.
#pragma once

#include <passkoop/i18n.hpp>
#include <passkoop/passkoop.h>
#include <passkoop/trust.hpp>
#include <passkoop/verifier.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace passkoop::capi {

// "en…" selects English; anything else, NULL included, French.
[[nodiscard]] Lang lang_of(const char* lang);
// (pointer, length) as a view; NULL with length 0 is the empty view.
[[nodiscard]] std::string_view bytes_view(const void* data, std::size_t size);
// Copies as much of `text` as fits, cut on a UTF-8 character boundary, always NUL-terminated.
void copy_text(char* dst, std::size_t capacity, std::string_view text) noexcept;
// All or nothing: a JSON document cut short could still parse.
int write_whole(std::string_view text, char* buf, std::size_t buf_size, std::size_t* needed) noexcept;
// Maps the exception being handled to a status; the message (if wanted) goes to `error`.
int status_of_exception(char* error = nullptr, std::size_t error_size = 0) noexcept;
// "reason: detail" of a trust failure.
[[nodiscard]] std::string reason(const TrustError& e);
[[nodiscard]] passkoop_result result_of(const Verification& v);

}  // namespace passkoop::capi

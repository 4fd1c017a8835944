// JSON text written directly, for what is written on every request (the answer to a scan, a line
// of the access log), where building a json value first would cost more than the rest of the work.
#pragma once

#include <string>
#include <string_view>

namespace passkoop {

// Appends `text` (valid UTF-8) as a JSON string literal, escaped as nlohmann::json::dump does.
void append_json_string(std::string& out, std::string_view text);

}  // namespace passkoop

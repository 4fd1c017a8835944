// Files built into passkoopd (CMake embeds them), so it serves and demos with no other file.
#pragma once

#include <string_view>

namespace passkoop::server {

// The cashier page (web/index.html).
std::string_view cashier_page();
// The public directory of cooperative supermarkets (tools/data/coops-directory.json, MIT).
std::string_view coops_directory();

}  // namespace passkoop::server

// Whether the registry in use needs renewing (DESIGN §5): a registry nobody re-signs stops every
// shop at once after its grace, so passkoopd warns from 30 days before expires_at.
#pragma once

#include <passkoop/registry.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace passkoop::server {

// The warning for the log, in the current language; nothing while more than
// kRegistryRenewalWarningDays (30) days are left.
[[nodiscard]] std::optional<std::string> renewal_warning(const Registry& registry, std::int64_t now, std::int64_t grace_days);

}  // namespace passkoop::server

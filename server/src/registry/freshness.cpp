#include "registry/freshness.hpp"

#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>

namespace passkoop::server {

std::optional<std::string> renewal_warning(const Registry& registry, std::int64_t now, std::int64_t grace_days) {
    const std::string version = std::to_string(registry.version);
    const std::string expires = format_day_fr(day_of(registry.expires_at));
    if (now < registry.expires_at - kRegistryRenewalWarningDays * kSecondsPerDay) return std::nullopt;
    if (now < registry.expires_at) {
        const std::int64_t days = (registry.expires_at - now + kSecondsPerDay - 1) / kSecondsPerDay;
        return tr("ATTENTION : le registre version ", "WARNING: registry version ") + version + tr(" expire le ", " expires on ") +
               expires + tr(" (dans ", " (in ") + std::to_string(days) +
               tr(" jour(s)) : les admins doivent publier la suivante (passkoop registry renew)",
                  " day(s)): the admins must publish the next one (passkoop registry renew)");
    }
    const std::int64_t refused_from = registry.expires_at + grace_days * kSecondsPerDay;
    if (now < refused_from)
        return tr("ATTENTION : registre version ", "WARNING: registry version ") + version + tr(" non mis à jour depuis le ", " not updated since ") +
               expires + tr(" ; tous les pass seront refusés à partir du ", "; every pass will be refused from ") +
               format_day_fr(day_of(refused_from)) + tr(" (passkoop registry renew)", " (passkoop registry renew)");
    return tr("ERREUR : registre version ", "ERROR: registry version ") + version + tr(" expiré depuis le ", " expired since ") + expires +
           tr(" et délai de grâce écoulé : tous les pass sont refusés (registry_expired)",
              " and its grace is over: every pass is refused (registry_expired)");
}

}  // namespace passkoop::server

// The renewal warning of passkoopd's log, at the instants around expiry and the end of the grace.
#include "registry/freshness.hpp"

#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>

#include <doctest/doctest.h>

using namespace passkoop;
using namespace passkoop::server;

TEST_CASE("freshness no warning until 30 days before expiry, then the days left, then the grace, then refusal") {
    ThreadLanguage french(Lang::fr);
    Registry registry;
    registry.version = 4;
    registry.expires_at = start_of_day(*parse_day("2027-06-30")) + 10 * 3600;
    const std::int64_t day = kSecondsPerDay;
    const std::int64_t expiry = registry.expires_at;
    CHECK_FALSE(renewal_warning(registry, expiry - 31 * day, 90));
    CHECK_FALSE(renewal_warning(registry, expiry - 30 * day - 1, 90));
    CHECK(renewal_warning(registry, expiry - 30 * day, 90) ==
          "ATTENTION : le registre version 4 expire le 30/06/2027 (dans 30 jour(s)) : les admins doivent publier la suivante "
          "(passkoop registry renew)");
    CHECK(renewal_warning(registry, expiry - 1, 90)->find("(dans 1 jour(s))") != std::string::npos);
    CHECK(renewal_warning(registry, expiry, 90) ==
          "ATTENTION : registre version 4 non mis à jour depuis le 30/06/2027 ; tous les pass seront refusés à partir du "
          "28/09/2027 (passkoop registry renew)");
    CHECK(renewal_warning(registry, expiry + 90 * day - 1, 90)->starts_with("ATTENTION"));
    CHECK(renewal_warning(registry, expiry + 90 * day, 90)->starts_with("ERREUR : registre version 4 expiré depuis le 30/06/2027"));
    CHECK(renewal_warning(registry, expiry, 0)->starts_with("ERREUR"));
    ThreadLanguage english(Lang::en);
    CHECK(renewal_warning(registry, expiry - 2 * day, 90) ==
          "WARNING: registry version 4 expires on 30/06/2027 (in 2 day(s)): the admins must publish the next one (passkoop registry renew)");
}

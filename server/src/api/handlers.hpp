// The endpoints of DESIGN §9, grouped by resource. A synchronous handler returns its response; an
// asynchronous one answers through `reply` (a recorded visit, once the row is on disk). The
// route table (routes.cpp) says which path, method, role and thread each one has.
#pragma once

#include "api/call.hpp"

namespace passkoop::server::handlers {

// public.cpp: what anyone may read, and the status for any token.
Response health(Services& services, const Call& call);
Response metrics(Services& services, const Call& call);
Response cashier_page(Services& services, const Call& call);
Response bundle(Services& services, const Call& call);
Response directory(Services& services, const Call& call);
Response directory_geojson(Services& services, const Call& call);
Response directory_page(Services& services, const Call& call);
Response status(Services& services, const Call& call);

// verify.cpp
Response verify(Services& services, const Call& call);

// visits.cpp
void record_visit(Services& services, Call& call, Reply reply);
void record_batch(Services& services, Call& call, Reply reply);
Response list_visits(Services& services, const Call& call);

// exports.cpp: for managers.
Response visits_csv(Services& services, const Call& call);
Response monthly_report(Services& services, const Call& call);

}  // namespace passkoop::server::handlers

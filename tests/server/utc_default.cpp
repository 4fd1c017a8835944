// Every server test runs in UTC unless it chooses a zone (--time-zone, use_time_zone): the machine's
// own zone must not change what a test expects. The passkoopd processes the tests start inherit it.
#include <cstdlib>
#include <ctime>

namespace {
const bool utc = [] {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
    return true;
}();
}  // namespace

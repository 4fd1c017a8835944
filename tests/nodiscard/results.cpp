// Library results that must be checked are [[nodiscard]]: CASE 0 uses every one and compiles;
// each other CASE drops one and must not compile (check.cmake).
#include <passkoop/files.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/keyfile.hpp>
#include <passkoop/verifier.hpp>

using namespace passkoop;

int use_results(const TrustedBundle& bundle, const Envelope& envelope) {
    const AdminSet& admins = bundle.registry.admins;
#if CASE == 0
    const Verification v = verify_pass("PK", bundle, 0);
    const ThresholdCount count = count_threshold(envelope, admins);
    return v.valid() + count.met() + parse_language("fr").has_value() + static_cast<int>(envelope.count_valid_signers({})) +
           admins.same_trust_as(admins) + key_file_is_encrypted("k") + write_file_atomic("f", "").value();
#elif CASE == 1
    verify_pass("PK", bundle, 0);
#elif CASE == 2
    verify_pass("PK", bundle, 0).valid();
#elif CASE == 3
    count_threshold(envelope, admins);
#elif CASE == 4
    count_threshold(envelope, admins).met();
#elif CASE == 5
    parse_language("fr");
#elif CASE == 6
    envelope.count_valid_signers({});
#elif CASE == 7
    admins.same_trust_as(admins);
#elif CASE == 8
    key_file_is_encrypted("k");
#elif CASE == 9
    write_file_atomic("f", "");
#elif CASE == 10
    load_bundle("", nullptr);
#endif
    return 0;
}

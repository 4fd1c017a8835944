#include "policy.hpp"

#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>

#include <sodium.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <stdexcept>

namespace passkoop::server {

std::string_view to_string(Decision d) {
    switch (d) {
        case Decision::allowed: return "allowed";
        case Decision::own_member: return "own_member";
        case Decision::not_accepted: return "not_accepted";
        case Decision::limit_reached: return "limit_reached";
        case Decision::last_allowed_visit: return "last_allowed_visit";
    }
    return "allowed";
}

std::string message(Decision d) {
    switch (d) {
        case Decision::allowed: return tr("Visiteur accepté", "Visitor welcome");
        case Decision::own_member: return tr("Membre de notre coop : pas un visiteur", "Member of our own coop: not a visitor");
        case Decision::not_accepted:
            return tr("Notre coop n'accueille pas les membres de cette coop", "Our coop does not welcome members of this coop");
        case Decision::limit_reached: return tr("Nombre de visites autorisé atteint", "Visit limit reached");
        case Decision::last_allowed_visit: return tr("Dernière visite autorisée", "Last visit allowed");
    }
    return {};
}

PolicyOutcome decide(const VisitorPolicy& policy, std::uint16_t host_coop, const Pass& pass, std::int64_t visits_before) {
    PolicyOutcome out{Decision::allowed, visits_before, policy.max_visits};
    const bool own = pass.coop == host_coop;
    if (pass.kind == PassKind::member && own) return out.decision = Decision::own_member, out;
    if (pass.kind == PassKind::tester && !own) return out.decision = Decision::not_accepted, out;
    const bool coop_accepted =
        own || policy.accepts_all_coops ||
        std::find(policy.accepted_coops.begin(), policy.accepted_coops.end(), pass.coop) != policy.accepted_coops.end();
    if (!own && (!policy.welcomes_visitors || !coop_accepted)) return out.decision = Decision::not_accepted, out;
    if (policy.max_visits == 0) return out;
    if (visits_before >= policy.max_visits) out.decision = Decision::limit_reached;
    else if (visits_before + 1 == policy.max_visits) out.decision = Decision::last_allowed_visit;
    return out;
}

std::int64_t window_start(const VisitorPolicy& policy, std::int64_t now) {
    if (policy.window_days == 0) return 0;
    // The window counts whole days: today and the window_days − 1 days before it.
    return start_of_day(day_of(now) - policy.window_days + 1);
}

std::string visitor_key(const std::array<std::uint8_t, 32>& shop_secret, std::uint16_t coop, std::uint64_t member) {
    const std::string person = std::to_string(coop) + ":" + std::to_string(member);
    std::array<std::uint8_t, 16> out{};
    crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(person.data()), person.size(),
                       shop_secret.data(), shop_secret.size());
    return to_hex(out);
}

std::array<std::uint8_t, 32> load_or_create_secret(const std::filesystem::path& path) {
    std::array<std::uint8_t, 32> secret{};
    if (!std::filesystem::exists(path)) {
        // Written in full to a temporary file, then linked into place: a crash never leaves a
        // short secret behind, and link() never replaces a secret another process just made.
        const std::string tmp = path.string() + ".tmp-" + std::to_string(::getpid());
        const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) throw std::runtime_error(tmp + ": cannot create the visitor-key secret");
        randombytes_buf(secret.data(), secret.size());
        bool ok = ::write(fd, secret.data(), secret.size()) == static_cast<ssize_t>(secret.size()) && ::fsync(fd) == 0;
        ok = ::close(fd) == 0 && ok;
        const bool linked = ok && ::link(tmp.c_str(), path.c_str()) == 0;
        ::unlink(tmp.c_str());
        if (!ok) throw std::runtime_error(path.string() + ": cannot write the visitor-key secret");
        if (linked) {
            const std::string dir = path.has_parent_path() ? path.parent_path().string() : ".";
            if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
                ::fsync(dfd);
                ::close(dfd);
            }
            std::cerr << tr("Secret des clés visiteurs créé : ", "Visitor-key secret created: ") << path << "\n";
            return secret;
        }
    }
    std::ifstream in(path, std::ios::binary);
    in.read(reinterpret_cast<char*>(secret.data()), secret.size());
    if (in.gcount() != static_cast<std::streamsize>(secret.size()) || in.peek() != EOF)
        throw std::runtime_error(path.string() + tr(" : le secret doit faire exactement 32 octets", ": the secret must be exactly 32 bytes"));
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
        std::cerr << tr("ATTENTION : ", "WARNING: ") << path << tr(" est lisible par d'autres comptes (chmod 600)", " is readable by other accounts (chmod 600)") << "\n";
    return secret;
}

}  // namespace passkoop::server

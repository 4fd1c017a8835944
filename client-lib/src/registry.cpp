#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/json_limits.hpp>
#include <passkoop/registry.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

namespace passkoop {

using nlohmann::json;

namespace {

constexpr std::int64_t kMaxExactInteger = (std::int64_t{1} << 53) - 1;

// Reads fields of a JSON document, remembering the first problem with its path. After a
// problem every read returns a default value, so a caller checks `error` once at the end.
class Reader {
public:
    std::string error;

    void fail(const std::string& path, const std::string& what) {
        if (error.empty()) error = path + " : " + what;
    }

    const json* get(const json& obj, const std::string& path, const char* name, bool required) {
        if (!error.empty()) return nullptr;
        if (!obj.is_object()) {
            fail(path, tr("objet attendu", "object expected"));
            return nullptr;
        }
        const auto it = obj.find(name);
        if (it == obj.end() || (!required && it->is_null())) {
            if (required) fail(path + "." + name, tr("champ manquant", "missing field"));
            return nullptr;
        }
        return &*it;
    }

    std::string text(const json& obj, const std::string& path, const char* name, std::size_t max_len,
                     bool required = true) {
        const json* v = get(obj, path, name, required);
        if (v == nullptr) return {};
        if (!v->is_string()) {
            fail(path + "." + name, tr("texte attendu", "string expected"));
            return {};
        }
        const auto& s = v->get_ref<const std::string&>();
        if (s.size() > max_len) fail(path + "." + name, tr("texte trop long", "string too long"));
        return s;
    }

    std::int64_t integer(const json& obj, const std::string& path, const char* name, std::int64_t min,
                         std::int64_t max) {
        const json* v = get(obj, path, name, true);
        if (v == nullptr) return min;
        if (!v->is_number_integer()) {
            fail(path + "." + name, tr("entier attendu", "integer expected"));
            return min;
        }
        const auto n = v->get<std::int64_t>();
        if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(max)) {
            fail(path + "." + name, out_of_range(min, max));
            return min;
        }
        if (n < min || n > max) {
            fail(path + "." + name, out_of_range(min, max));
            return min;
        }
        return n;
    }

    std::optional<std::int64_t> optional_integer(const json& obj, const std::string& path, const char* name,
                                                 std::int64_t min, std::int64_t max) {
        if (get(obj, path, name, false) == nullptr) return std::nullopt;
        return integer(obj, path, name, min, max);
    }

    bool boolean(const json& obj, const std::string& path, const char* name) {
        const json* v = get(obj, path, name, true);
        if (v == nullptr) return false;
        if (!v->is_boolean()) fail(path + "." + name, tr("booléen attendu", "boolean expected"));
        return v->is_boolean() && v->get<bool>();
    }

    const json& array(const json& obj, const std::string& path, const char* name, std::size_t max_size) {
        static const json empty = json::array();
        const json* v = get(obj, path, name, true);
        if (v == nullptr) return empty;
        if (!v->is_array()) {
            fail(path + "." + name, tr("tableau attendu", "array expected"));
            return empty;
        }
        if (v->size() > max_size) {
            fail(path + "." + name, tr("trop d'éléments", "too many elements"));
            return empty;
        }
        return *v;
    }

    PublicKey public_key(const json& obj, const std::string& path, const char* name) {
        const std::string b64 = text(obj, path, name, 64);
        if (!error.empty()) return {};
        const auto key = from_base64_exact<32>(b64);
        if (!key) fail(path + "." + name, tr("clé publique : 32 octets en base64 attendus",
                                             "public key: 32 bytes of base64 expected"));
        return key.value_or(PublicKey{});
    }

    std::int64_t day(const json& obj, const std::string& path, const char* name) {
        const std::string s = text(obj, path, name, 10);
        if (!error.empty()) return 0;
        const auto d = parse_day(s);
        if (!d) fail(path + "." + name, tr("date AAAA-MM-JJ attendue", "date YYYY-MM-DD expected"));
        return d.value_or(0);
    }

    std::int64_t instant(const json& obj, const std::string& path, const char* name) {
        const std::string s = text(obj, path, name, 20);
        if (!error.empty()) return 0;
        const auto t = parse_instant(s);
        if (!t) fail(path + "." + name, tr("instant AAAA-MM-JJTHH:MM:SSZ attendu", "instant YYYY-MM-DDTHH:MM:SSZ expected"));
        return t.value_or(0);
    }

private:
    static std::string out_of_range(std::int64_t min, std::int64_t max) {
        return tr("hors limites ", "out of range ") + std::string("[") + std::to_string(min) + ", " +
               std::to_string(max) + "]";
    }
};

VisitorPolicy read_policy(Reader& r, const json& obj, const std::string& path) {
    VisitorPolicy p;
    p.welcomes_visitors = r.boolean(obj, path, "welcomes_visitors");
    p.max_visits = r.integer(obj, path, "max_visits", 0, 100000);
    p.window_days = r.integer(obj, path, "window_days", 0, 100000);
    p.conditions = r.text(obj, path, "conditions", 16);
    if (r.error.empty() && p.conditions != "members" && p.conditions != "surcharge")
        r.fail(path + ".conditions", tr("« members » ou « surcharge » attendu", "\"members\" or \"surcharge\" expected"));
    p.surcharge_percent = r.integer(obj, path, "surcharge_percent", 0, 100);
    if (const json* accepted = r.get(obj, path, "accepted_coops", true)) {
        if (accepted->is_string() && accepted->get<std::string>() == "all") {
            p.accepts_all_coops = true;
        } else if (accepted->is_array() && accepted->size() <= kMaxCoops) {
            p.accepts_all_coops = false;
            for (const json& n : *accepted) {
                if (!n.is_number_integer() || n.get<std::int64_t>() < 1 || n.get<std::int64_t>() > 65535) {
                    r.fail(path + ".accepted_coops", tr("numéros de coop 1..65535 attendus", "coop numbers 1..65535 expected"));
                    break;
                }
                p.accepted_coops.push_back(static_cast<std::uint16_t>(n.get<std::int64_t>()));
            }
        } else {
            r.fail(path + ".accepted_coops", tr("« all » ou liste de numéros attendu", "\"all\" or a list of numbers expected"));
        }
    }
    p.note = r.text(obj, path, "note", 2000, false);
    p.max_pass_days = r.optional_integer(obj, path, "max_pass_days", 1, 36600);
    return p;
}

CoopKey read_coop_key(Reader& r, const json& obj, const std::string& path) {
    CoopKey k;
    k.number = static_cast<std::uint8_t>(r.integer(obj, path, "number", 0, 255));
    k.public_key = r.public_key(obj, path, "public_key");
    k.not_before = r.day(obj, path, "not_before");
    k.not_after = r.day(obj, path, "not_after");
    if (r.error.empty() && k.not_after < k.not_before)
        r.fail(path, tr("not_after précède not_before", "not_after is before not_before"));
    const std::string status = r.text(obj, path, "status", 16);
    if (status == "active") k.status = KeyStatus::active;
    else if (status == "retired") k.status = KeyStatus::retired;
    else if (status == "compromised") k.status = KeyStatus::compromised;
    else r.fail(path + ".status", tr("active, retired ou compromised attendu", "active, retired or compromised expected"));
    return k;
}

Coop read_coop(Reader& r, const json& obj, const std::string& path) {
    Coop c;
    c.number = static_cast<std::uint16_t>(r.integer(obj, path, "number", 1, 65535));
    c.slug = r.text(obj, path, "slug", 100);
    c.name = r.text(obj, path, "name", 200);
    if (r.error.empty() && c.name.empty()) r.fail(path + ".name", tr("nom vide", "empty name"));
    c.city = r.text(obj, path, "city", 200, false);
    c.department = r.text(obj, path, "department", 8, false);
    c.country = r.text(obj, path, "country", 2, false);
    c.stage = r.integer(obj, path, "stage", 1, 5);
    c.website = r.text(obj, path, "website", 500, false);
    c.latitude_e6 = r.optional_integer(obj, path, "latitude_e6", -90000000, 90000000);
    c.longitude_e6 = r.optional_integer(obj, path, "longitude_e6", -180000000, 180000000);
    if (const json* policy = r.get(obj, path, "policy", true)) c.policy = read_policy(r, *policy, path + ".policy");
    const json& keys = r.array(obj, path, "keys", kMaxKeysPerCoop);
    std::set<int> numbers;
    for (std::size_t i = 0; i < keys.size() && r.error.empty(); ++i) {
        const std::string kp = path + ".keys[" + std::to_string(i) + "]";
        c.keys.push_back(read_coop_key(r, keys[i], kp));
        if (!numbers.insert(c.keys.back().number).second)
            r.fail(kp + ".number", tr("numéro de clé en double", "duplicate key number"));
    }
    return c;
}

json policy_json(const VisitorPolicy& p) {
    json accepted = p.accepts_all_coops ? json("all") : json(p.accepted_coops);
    json out = {{"welcomes_visitors", p.welcomes_visitors}, {"max_visits", p.max_visits},
                {"window_days", p.window_days}, {"conditions", p.conditions},
                {"surcharge_percent", p.surcharge_percent}, {"accepted_coops", accepted}, {"note", p.note}};
    if (p.max_pass_days) out["max_pass_days"] = *p.max_pass_days;
    return out;
}

json optional_json(const std::optional<std::int64_t>& v) { return v ? json(*v) : json(nullptr); }

}  // namespace

std::string_view to_string(KeyStatus status) {
    switch (status) {
        case KeyStatus::active: return "active";
        case KeyStatus::retired: return "retired";
        case KeyStatus::compromised: return "compromised";
    }
    return "active";
}

const CoopKey* Coop::find_key(std::uint8_t n) const {
    const auto it = std::find_if(keys.begin(), keys.end(), [n](const CoopKey& k) { return k.number == n; });
    return it == keys.end() ? nullptr : &*it;
}

std::vector<PublicKey> AdminSet::public_keys() const {
    std::vector<PublicKey> out;
    for (const Admin& a : keys) out.push_back(a.public_key);
    return out;
}

bool AdminSet::same_trust_as(const AdminSet& other) const {
    const auto a = public_keys(), b = other.public_keys();
    return threshold == other.threshold && std::set<PublicKey>(a.begin(), a.end()) == std::set<PublicKey>(b.begin(), b.end());
}

const Coop* Registry::find_coop(std::uint16_t number) const {
    const auto it = std::lower_bound(coops.begin(), coops.end(), number,
                                     [](const Coop& c, std::uint16_t n) { return c.number < n; });
    return it != coops.end() && it->number == number ? &*it : nullptr;
}

Coop* Registry::find_coop(std::uint16_t number) {
    return const_cast<Coop*>(std::as_const(*this).find_coop(number));
}

namespace {

bool exact_values_within(const json& j, std::string& where, std::size_t depth) {
    // The offender's reason is written once, then each enclosing level prefixes its step, so
    // `where` reads ".coops[0].latitude_e6 : reason".
    switch (j.type()) {
        case json::value_t::number_float:
            where = " : " + tr("nombre décimal interdit", "decimal number not allowed");
            return false;
        case json::value_t::number_integer:
        case json::value_t::number_unsigned: {
            const bool fits = j.is_number_unsigned() ? j.get<std::uint64_t>() <= static_cast<std::uint64_t>(kMaxExactInteger)
                                                     : (j.get<std::int64_t>() >= -kMaxExactInteger &&
                                                        j.get<std::int64_t>() <= kMaxExactInteger);
            if (!fits) where = " : " + tr("entier au-delà de 2^53", "integer beyond 2^53");
            return fits;
        }
        case json::value_t::array:
        case json::value_t::object:
            // Trees from parse_json_bounded never get here; a tree built otherwise stops the walk.
            if (depth >= kMaxJsonDepth) {
                where = " : " + json_problem_text(JsonProblem::too_deep);
                return false;
            }
            if (j.is_array()) {
                for (std::size_t i = 0; i < j.size(); ++i)
                    if (!exact_values_within(j[i], where, depth + 1)) {
                        where = "[" + std::to_string(i) + "]" + where;
                        return false;
                    }
                return true;
            }
            for (const auto& [k, v] : j.items())
                if (!exact_values_within(v, where, depth + 1)) {
                    where = "." + k + where;
                    return false;
                }
            return true;
        case json::value_t::binary:
        case json::value_t::discarded:
            return false;
        default:
            return true;
    }
}

}  // namespace

bool has_only_exact_values(const json& j, std::string& where) { return exact_values_within(j, where, 0); }

std::expected<Registry, std::string> parse_registry_payload(std::string_view bytes) {
    const auto parsed = parse_json_bounded(bytes);
    if (!parsed) return std::unexpected(json_problem_text(parsed.error()));
    const json& doc = *parsed;
    std::string where;
    if (!has_only_exact_values(doc, where)) return std::unexpected("registry" + where);

    Reader r;
    const std::string root = "registry";
    if (r.text(doc, root, "type", 64) != "passkoop-registry" && r.error.empty())
        r.fail(root + ".type", tr("« passkoop-registry » attendu", "\"passkoop-registry\" expected"));
    Registry reg;
    reg.version = r.integer(doc, root, "version", 1, kMaxExactInteger);
    if (const json* prev = r.get(doc, root, "previous", false)) {
        const auto hash = prev->is_string() ? from_hex(prev->get<std::string>()) : std::nullopt;
        if (!hash || hash->size() != 32 || prev->get<std::string>() != to_hex(*hash))
            r.fail(root + ".previous", tr("64 caractères hexadécimaux minuscules attendus", "64 lowercase hex characters expected"));
        else
            reg.previous.emplace(), std::copy(hash->begin(), hash->end(), reg.previous->begin());
    }
    if (r.error.empty() && (reg.version == 1) != !reg.previous.has_value())
        r.fail(root + ".previous", tr("null pour la version 1 et seulement pour elle", "null for version 1 and only for it"));
    reg.issued_at = r.instant(doc, root, "issued_at");
    reg.expires_at = r.instant(doc, root, "expires_at");
    if (r.error.empty() && reg.expires_at <= reg.issued_at)
        r.fail(root + ".expires_at", tr("doit suivre issued_at", "must come after issued_at"));

    if (const json* admins = r.get(doc, root, "admins", true)) {
        const std::string ap = root + ".admins";
        const json& keys = r.array(*admins, ap, "keys", kMaxAdmins);
        for (std::size_t i = 0; i < keys.size() && r.error.empty(); ++i) {
            const std::string kp = ap + ".keys[" + std::to_string(i) + "]";
            Admin a;
            a.name = r.text(keys[i], kp, "name", 200);
            a.coop = static_cast<std::uint16_t>(r.integer(keys[i], kp, "coop", 1, 65535));
            a.public_key = r.public_key(keys[i], kp, "public_key");
            reg.admins.keys.push_back(std::move(a));
        }
        const auto pubs = reg.admins.public_keys();
        const auto distinct = static_cast<std::int64_t>(std::set<PublicKey>(pubs.begin(), pubs.end()).size());
        reg.admins.threshold = r.integer(*admins, ap, "threshold", 1, kMaxAdmins);
        if (r.error.empty() && reg.admins.threshold > distinct)
            r.fail(ap + ".threshold", tr("dépasse le nombre de clés d'admin distinctes", "exceeds the number of distinct admin keys"));
    }

    const json& coops = r.array(doc, root, "coops", kMaxCoops);
    std::set<std::uint16_t> numbers;
    for (std::size_t i = 0; i < coops.size() && r.error.empty(); ++i) {
        const std::string cp = root + ".coops[" + std::to_string(i) + "]";
        reg.coops.push_back(read_coop(r, coops[i], cp));
        if (r.error.empty() && !numbers.insert(reg.coops.back().number).second)
            r.fail(cp + ".number", tr("numéro de coop en double", "duplicate coop number"));
    }
    if (!r.error.empty()) return std::unexpected(r.error);
    std::sort(reg.coops.begin(), reg.coops.end(), [](const Coop& a, const Coop& b) { return a.number < b.number; });
    return reg;
}

std::string registry_payload(const Registry& reg) {
    json admins = json::array();
    for (const Admin& a : reg.admins.keys)
        admins.push_back({{"name", a.name}, {"coop", a.coop}, {"public_key", to_base64(a.public_key)}});
    json coops = json::array();
    for (const Coop& c : reg.coops) {
        json keys = json::array();
        for (const CoopKey& k : c.keys)
            keys.push_back({{"number", k.number}, {"public_key", to_base64(k.public_key)},
                            {"not_before", format_day(k.not_before)}, {"not_after", format_day(k.not_after)},
                            {"status", to_string(k.status)}});
        coops.push_back({{"number", c.number}, {"slug", c.slug}, {"name", c.name}, {"city", c.city},
                         {"department", c.department}, {"country", c.country}, {"stage", c.stage},
                         {"website", c.website}, {"latitude_e6", optional_json(c.latitude_e6)},
                         {"longitude_e6", optional_json(c.longitude_e6)}, {"policy", policy_json(c.policy)},
                         {"keys", keys}});
    }
    const json doc = {{"type", "passkoop-registry"},
                      {"version", reg.version},
                      {"previous", reg.previous ? json(to_hex(*reg.previous)) : json(nullptr)},
                      {"issued_at", format_instant(reg.issued_at)},
                      {"expires_at", format_instant(reg.expires_at)},
                      {"admins", {{"threshold", reg.admins.threshold}, {"keys", admins}}},
                      {"coops", coops}};
    return doc.dump();
}

}  // namespace passkoop

#include "service/demo.hpp"

#include "store/ledger.hpp"
#include "store/store.hpp"
#include "store/visitor_secret.hpp"
#include "store/tokens.hpp"
#include "service/embedded.hpp"
#include "service/shop_time.hpp"

#include <passkoop/policy.hpp>
#include <passkoop/bundle.hpp>
#include <passkoop/dates.hpp>
#include <passkoop/directory.hpp>
#include <passkoop/files.hpp>
#include <passkoop/keyfile.hpp>
#include <passkoop/pass.hpp>
#include <passkoop/registry.hpp>
#include <passkoop/revocations.hpp>
#include <passkoop/slug.hpp>

#include <nlohmann/json.hpp>
#include <sodium.h>

#include <cmath>

namespace passkoop::server {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kMarker = ".passkoop-demo";

void write_file(const fs::path& path, const std::string& text, fs::perms mode) {
    if (const auto error = write_file_atomic(path, text, {.mode = mode}))
        throw std::runtime_error(path.string() + ": " + error.message());
}

void write_text(const fs::path& path, const std::string& text) { write_file(path, text, fs::perms(0644)); }

// Tokens and passes are credentials: owner-only.
void write_private(const fs::path& path, const std::string& text) { write_file(path, text, fs::perms(0600)); }

std::uint16_t number_of(const Registry& reg, std::string_view name) {
    for (const Coop& c : reg.coops)
        if (c.name == name) return c.number;
    throw std::runtime_error("demo: coop not in the directory: " + std::string(name));
}

// The demo's network: the registry (every coop of the public directory, three admins) and the
// private keys a real network keeps apart.
struct DemoNetwork {
    Registry registry;
    std::vector<SigningKey> admins;
    std::map<std::uint16_t, SigningKey> coop_keys;
    SigningKey stolen;  // Le Nid's key 2, compromised
    std::uint16_t host = 0, louve = 0, coop400 = 0, nid = 0;
};

// One coop of the public directory, numbered in its order, with an active key.
Coop directory_coop(const json& entry, std::uint16_t number, const SigningKey& key, std::int64_t today) {
    Coop c;
    c.number = number;
    c.name = entry.at("name").get<std::string>();
    c.slug = slugify(c.name) + "-" + std::to_string(c.number);
    c.city = entry.value("city", json("")).is_string() ? entry["city"].get<std::string>() : "";
    const std::string dept = entry.value("department", json("")).is_string() ? entry["department"].get<std::string>() : "";
    const auto placed = place_from_map_department(dept);
    if (!placed) throw std::runtime_error("demo: unknown department in the directory: " + dept);
    c.country = placed->country;
    c.department = placed->department;
    c.stage = entry.value("stage", 1);
    c.website = entry.value("website", json("")).is_string() ? entry["website"].get<std::string>() : "";
    if (entry["latitude"].is_number() && entry["longitude"].is_number()) {
        c.latitude_e6 = std::llround(entry["latitude"].get<double>() * 1e6);
        c.longitude_e6 = std::llround(entry["longitude"].get<double>() * 1e6);
    }
    c.keys.push_back(CoopKey{1, key.public_key(), today - 2 * 365, today + 3 * 365, KeyStatus::active});
    // A project without a shop yet (an idea, working groups, a buying group) has nowhere to
    // welcome visitors: the demo's directory says so.
    c.policy.welcomes_visitors = c.stage >= 4;
    return c;
}

DemoNetwork demo_network(std::int64_t now) {
    const std::int64_t today = day_of(now);
    DemoNetwork net{{}, {}, {}, SigningKey::generate()};
    Registry& reg = net.registry;
    reg.version = 1;
    reg.issued_at = now;
    reg.expires_at = now + 90 * kSecondsPerDay;
    // Three admins from three coops, threshold 2.
    for (const char* name : {"Alice", "Bruno", "Chloé"}) {
        net.admins.push_back(SigningKey::generate());
        reg.admins.keys.push_back(Admin{name, 1, net.admins.back().public_key()});
    }
    reg.admins.threshold = 2;
    std::uint16_t number = 0;
    for (const json& entry : json::parse(coops_directory())) {
        SigningKey key = SigningKey::generate();
        reg.coops.push_back(directory_coop(entry, ++number, key, today));
        net.coop_keys.emplace(number, std::move(key));
    }
    net.host = number_of(reg, "Coopalim");
    net.louve = number_of(reg, "La Louve");
    net.coop400 = number_of(reg, "Les 400 Coop");
    net.nid = number_of(reg, "Le Nid");
    Coop& host_coop = *reg.find_coop(net.host);
    host_coop.policy.max_visits = 3;
    host_coop.policy.window_days = 365;
    host_coop.policy.note = "3 achats d'essai par an pour les membres des coops partenaires";
    reg.find_coop(net.nid)->policy.note = "Pass d'essai de 60 jours sur inscription";
    // Le Nid lost a key: passes signed with key 2 are refused everywhere.
    reg.find_coop(net.nid)->keys.push_back(CoopKey{2, net.stolen.public_key(), today - 365, today + 365, KeyStatus::compromised});
    return net;
}

struct Sample {
    std::string label, expected, text;
};

// A pass for every outcome the page shows, and the ones the demo's earlier visits and
// revocation list need.
struct DemoPasses {
    std::vector<Sample> samples;
    Pass second_visit, regular, lost;
};

DemoPasses demo_passes(const DemoNetwork& net, std::int64_t today) {
    auto issue = [&](std::uint16_t coop, std::uint64_t member, const std::string& name, std::int64_t issued, std::int64_t expiry,
                     PassKind kind = PassKind::member, std::uint8_t key_number = 1, const SigningKey* key = nullptr) {
        Pass p;
        p.coop = coop;
        p.key_number = key_number;
        p.member = member;
        p.name = name;
        p.issued_day = static_cast<std::uint16_t>(issued);
        p.expiry_day = static_cast<std::uint16_t>(expiry);
        p.kind = kind;
        sign_pass(p, key ? *key : net.coop_keys.at(coop));
        return p;
    };
    auto text_of = [](const Pass& p) { return encode_text(p.to_binary()); };
    DemoPasses out;
    std::vector<Sample>& samples = out.samples;
    const Pass camille = issue(net.louve, 4242, "Camille D.", today - 30, today + 335);
    samples.push_back({"Membre de La Louve / La Louve member", "green: valid, allowed", text_of(camille)});
    std::string azerty = "PK";
    static const char* mangled[] = {"à", "&", "é", "\"", "'", "(", "-", "è", "_", "ç"};
    for (const char c : text_of(camille).substr(2)) azerty += mangled[c - '0'];
    samples.push_back({"Le même, lecteur en QWERTY sur un poste AZERTY / same pass, scanner on the wrong layout",
                       "orange: valid, keyboard_layout_repaired", azerty});
    out.second_visit = issue(net.coop400, 77, "Sam B.", today - 100, today + 265);
    samples.push_back({"Membre des 400 Coop, 2 visites déjà / 400 Coop member, 2 visits already", "orange: last_allowed_visit",
                       text_of(out.second_visit)});
    out.regular = issue(net.coop400, 78, "Noé F.", today - 100, today + 265);
    samples.push_back({"Membre des 400 Coop, 3 visites déjà / 400 Coop member, 3 visits already", "red: limit_reached",
                       text_of(out.regular)});
    samples.push_back({"Membre de Coopalim (la coop hôte) / member of Coopalim (the host)", "red: own_member",
                       text_of(issue(net.host, 12, "Inès M.", today - 10, today + 355))});
    samples.push_back({"Pass d'essai d'une autre coop / another coop's tester pass", "red: tester_other_coop",
                       text_of(issue(net.louve, 99, "Test T.", today - 1, today + 59, PassKind::tester))});
    samples.push_back({"Pass expiré / expired pass", "red: expired", text_of(issue(net.louve, 555, "Ana P.", today - 400, today - 35))});
    out.lost = issue(net.louve, 1789, "Perdue P.", today - 60, today + 300);
    samples.push_back({"Carte perdue, révoquée / lost card, revoked", "red: revoked", text_of(out.lost)});
    samples.push_back({"Clé volée du Nid / Le Nid's stolen key", "red: key_compromised",
                       text_of(issue(net.nid, 3, "Léo V.", today - 5, today + 300, PassKind::member, 2, &net.stolen))});
    Pass forged = camille;
    forged.member = 4243;
    samples.push_back({"Pass falsifié / forged pass", "red: bad_signature", text_of(forged)});
    samples.push_back({"Pass pas encore valide / not yet valid", "red: not_yet_valid",
                       text_of(issue(net.louve, 8, "Zoé K.", today + 5, today + 370))});
    samples.push_back({"Lecture incomplète / cut-off scan", "red: truncated", text_of(camille).substr(0, 120)});
    return out;
}

// The demo's tokens, and earlier visits so that the limit of 3 shows (2 for Sam, 3 for Noé) and
// this month's report and the previous month's (the shop's local months) both list Les 400
// Coop whatever the day and hour: one visit each in the previous month, the others spread over the
// current month up to now (on the 1st at 00:00:30, within those 30 seconds), none after now. They
// were made at another till, so that caisse-1 starts with an empty list for today.
void record_demo_history(const Config& config, Demo& demo, const DemoPasses& passes, std::int64_t now, std::int64_t today) {
    Store store(config.db);
    demo.cashier_token = store.tokens().create(Role::cashier, "Caisse 1 (démo)");
    demo.manager_token = store.tokens().create(Role::manager, "Responsable (démo)");
    const std::int64_t month_start = local_day_start(parse_day(format_day(today).substr(0, 8) + "01").value());
    const auto secret = load_or_create_secret(*config.secret);
    int n = 0;
    for (const auto& [pass, visits] : {std::pair{&passes.second_visit, 2}, {&passes.regular, 3}}) {
        for (int i = 0; i < visits; ++i) {
            VisitInput in;
            in.idempotency_key = "demo-earlier-" + std::to_string(++n);
            in.request_digest = blake2b256(as_bytes(in.idempotency_key));
            in.occurred_at = i == 0 ? month_start - 12 * kSecondsPerDay + (9 + n) * 3600  // 12 days before the 1st, in the morning
                                    : month_start + (now - month_start) * i / visits;
            in.till = "caisse-2";
            in.cashier = "Caisse 2 (démo)";
            in.origin_coop = pass->coop;
            in.pass_id = pass_id(pass->signed_bytes());
            in.visitor_key = visitor_key(secret, pass->coop, pass->member);
            in.decision = "allowed";
            in.amount_cents = 1250 + 100 * i;
            store.ledger().append(in);
        }
    }
}

}  // namespace

Demo make_demo(const fs::path& dir, Config& config, std::int64_t now) {
    ensure_sodium();
    if (fs::exists(dir) && !fs::is_empty(dir) && !fs::exists(dir / kMarker))
        throw std::runtime_error(dir.string() + " exists and is not a passkoopd demo folder; choose another --dir");
    fs::remove_all(dir);
    fs::create_directories(dir / "keys");
    fs::permissions(dir / "keys", fs::perms::owner_all);
    write_text(dir / kMarker, "passkoopd demo\n");

    const std::int64_t today = day_of(now);
    const DemoNetwork net = demo_network(now);
    const std::uint16_t host = net.host;
    const Coop& host_coop = *net.registry.find_coop(host);
    Envelope registry_env{std::string(kRegistryPayloadType), registry_payload(net.registry), {}};
    registry_env.sign(net.admins[0]);
    registry_env.sign(net.admins[1]);
    write_text(dir / "registry.json", envelope_to_json(registry_env).dump(2) + "\n");
    const DemoPasses passes = demo_passes(net, today);
    const std::vector<Sample>& samples = passes.samples;

    // La Louve's own revocation list: signed by its key, no admin needed.
    const RevocationList revocations{net.louve, 1, now, {{pass_id_value(passes.lost.signed_bytes()), passes.lost.expiry_day}}};
    Envelope rev_env{std::string(kRevocationsPayloadType), revocations_payload(revocations), {}};
    rev_env.sign(net.coop_keys.at(net.louve));
    write_text(dir / "bundle.json", bundle_to_string(registry_env, {}, {rev_env}));

    // Keys a coop volunteer of La Louve would keep, and one admin's (unencrypted: demo only).
    write_key_file(dir / "keys" / "la-louve.key", net.coop_keys.at(net.louve), nullptr);
    write_key_file(dir / "keys" / "admin-alice.key", net.admins[0], nullptr);

    config.registry = dir / "bundle.json";
    config.db = dir / "visiteurs.db";
    config.secret = dir / "visiteurs.db.secret";
    config.coop = host;

    Demo demo{dir, dir / "passes.json", {}, {}, host_coop.name};
    record_demo_history(config, demo, passes, now, today);
    // Plain files for shell examples (README): the first sample is the valid pass.
    write_private(dir / "cashier-token.txt", demo.cashier_token + "\n");
    write_private(dir / "manager-token.txt", demo.manager_token + "\n");
    write_private(dir / "valid-pass.txt", samples.front().text + "\n");
    json list = json::array();
    for (const Sample& s : samples) list.push_back({{"label", s.label}, {"expected", s.expected}, {"pass", s.text}});
    write_private(demo.passes_file, json({{"host_coop", {{"number", host}, {"name", host_coop.name}}},
                                          {"cashier_token", demo.cashier_token}, {"manager_token", demo.manager_token},
                                          {"passes", list}})
                                        .dump(2) + "\n");
    return demo;
}

}  // namespace passkoop::server

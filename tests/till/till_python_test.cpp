// The Python till of examples/python-till, through ctypes on libpasskoop.so installed with
// `cmake --install` into a scratch prefix: a cashier's session offline, then the sync to a real
// passkoopd once it is up.
#include "till_support.hpp"

#include <regex>

using namespace pk_test;

namespace {

std::set<std::string> recorded_keys(const std::string& output) {
    std::set<std::string> keys;
    const std::regex recorded(R"(Visite enregistrée \((py-1:[0-9a-f]{32})\))");
    for (auto it = std::sregex_iterator(output.begin(), output.end(), recorded); it != std::sregex_iterator(); ++it)
        keys.insert((*it)[1]);
    return keys;
}

}  // namespace

TEST_CASE("python till on the installed shared library records offline and syncs to passkoopd") {
    TillShop shop;
    const auto prefix = shop.dir / "prefix";
    REQUIRE(run_program({CMAKE_PROGRAM, "--install", PASSKOOP_BUILD_DIR, "--prefix", prefix.string()}, {}, "/dev/null",
                        shop.dir / "install.log") == 0);
    const auto library = prefix / PASSKOOP_LIBDIR / "libpasskoop.so";
    REQUIRE(std::filesystem::exists(library));
    const std::string till_py = std::string(PASSKOOP_SOURCE_DIR) + "/examples/python-till/till.py";
    const std::vector<std::string> env = {"PASSKOOP_LIBRARY=" + library.string(), "PASSKOOP_TOKEN=" + shop.cashier};
    const auto till_file = shop.dir / "py-1.till";
    auto python_till = [&](const std::string& server, const std::string& script) {
        write_file(shop.dir / "script.txt", script);
        std::vector<std::string> args = {PYTHON_PROGRAM, till_py, "--db", till_file.string(), "--coop", "3", "--till", "py-1",
                                         "--server", server, "--bundle", shop.bundle.string()};
        const int code = run_program(args, env, shop.dir / "script.txt", shop.dir / "python.out");
        const std::string out = read_file(shop.dir / "python.out");
        INFO(out);
        CHECK(code == 0);
        return out;
    };

    // Offline: two members of La Louve, a cardless visitor from La Cagette, an expired card.
    const std::string offline = python_till(loopback(closed_port()), shop.net.pass(7, 700) + "\n12,50\n" + shop.net.pass(7, 701) +
                                                                          "\n3\ndeclare 12\n8,05\n" + shop.net.expired_pass(7, 702) +
                                                                          "\nstatut\nsync\nquitter\n");
    CHECK(offline.find("VERT : Pass valide — Camille D. (La Louve)") != std::string::npos);
    CHECK(offline.find("Visiteur accepté (0/3 visites)") != std::string::npos);
    CHECK(offline.find("ROUGE : Pass expiré") != std::string::npos);
    CHECK(offline.find("Visites en attente : 3") != std::string::npos);
    CHECK(offline.find("Envoyées : 0, en attente : 3") != std::string::npos);
    const std::set<std::string> keys = recorded_keys(offline);
    CHECK(keys.size() == 3);

    auto server = shop.start();
    const std::string online = python_till(loopback(server->port()), "sync\nstatut\n" + shop.net.pass(7, 700) + "\n\nquitter\n");
    CHECK(online.find("Envoyées : 3, en attente : 0") != std::string::npos);
    CHECK(online.find("Visites en attente : 0") != std::string::npos);
    CHECK(online.find("Visiteur accepté (1/3 visites)") != std::string::npos);
    CHECK(online.find("Annulé") != std::string::npos);

    Till till(shop.till_options("py-1", loopback(server->port())));
    check_exactly_once(shop.db, keys, {&till});
    const auto rows = ledger_keys(shop.db);
    CHECK(rows.size() == 3);
}

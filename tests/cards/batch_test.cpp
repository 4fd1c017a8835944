// passkoop issue-batch and revoke --member/--lost, end to end on the fixture exports: the
// images are read back by zbarimg and the passes checked against the coop's public key.
#include "cards_support.hpp"

#include <csv.hpp>
#include <issuance_log.hpp>
#include <odoo_export.hpp>

#include <passkoop/envelope.hpp>
#include <passkoop/keyfile.hpp>
#include <passkoop/revocations.hpp>

#include <passkoop/text.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>

using namespace cards_test;
using namespace pk_test;
namespace pc = passkoop::cards;

namespace {

const fs::path kFixtures = CARDS_FIXTURES;

// What the fixture exports must give: member number → display name.
const std::map<std::uint64_t, std::string> kExpected = {
    {1001, "Marie D."},  {1002, "Jean-Éric L."}, {1003, "Thi Ánh N."},
    {1004, "Camille D."}, {421006000010, "Léa B."}, {1011, "Öykü Œ."}};

struct CoopDir {
    TempDir dir;
    CoopDir() { REQUIRE(run_cli({"keygen", "--out", "coop.key", "--no-passphrase"}, dir.path).code == 0); }
    Run batch(const fs::path& csv, std::vector<std::string> extra = {}) const {
        std::vector<std::string> args = {"issue-batch", "--key", "coop.key", "--coop", "62", "--key-number", "1",
                                         "--coop-name", "La Louve", "--csv", csv.string(), "--out", "cartes"};
        args.insert(args.end(), extra.begin(), extra.end());
        return run_cli(args, dir.path);
    }
    Run revoke(const std::string& option, const std::string& member) const {
        return run_cli({"revoke", "--key", "coop.key", "--coop", "62", "--list", "revocations.json", "--log",
                         "cartes/issuance-log.csv", option, member},
                        dir.path);
    }
    pc::IssuanceLog log() const {
        auto parsed = pc::parse_issuance_log(read_file(dir / "cartes" / "issuance-log.csv"));
        REQUIRE(parsed.has_value());
        return *parsed;
    }
    std::set<std::string> revoked_ids() const {
        auto env = passkoop::parse_envelope_text(read_file(dir / "revocations.json"));
        REQUIRE(env.has_value());
        auto list = passkoop::parse_revocations_payload(env->payload);
        REQUIRE(list.has_value());
        std::set<std::string> ids;
        for (const auto& e : list->entries) ids.insert(passkoop::pass_id_hex(e.pass_id));
        return ids;
    }
};

Pass decoded(const std::string& text) {
    const auto bytes = decode_text(text);
    REQUIRE(bytes.has_value());
    const auto pass = decode_binary(*bytes);
    REQUIRE(pass.has_value());
    return *pass;
}

// The member's PNG and SVG both read back as one pass, signed by the coop, matching the log.
void check_member_images(const CoopDir& coop, const pc::IssuedCard& card) {
    CAPTURE(card.member);
    const fs::path png = coop.dir / "cartes" / "png" / (std::to_string(card.member) + ".png");
    const auto codes = zbar(png);
    REQUIRE(codes.size() == 1);
    CHECK(zbar_svg(coop.dir / "cartes" / "svg" / (std::to_string(card.member) + ".svg")) == codes);
    const Pass p = decoded(codes[0]);
    CHECK(p.coop == 62);
    CHECK(p.key_number == 1);
    CHECK(p.member == card.member);
    CHECK(p.card_sequence == card.sequence);
    CHECK(p.name == card.name);
    CHECK(p.kind == PassKind::member);
    CHECK(p.expiry_day == card.expiry_day);
    CHECK(pass_id(p.signed_bytes()) == card.pass_id);
    const auto pub = passkoop::key_file_public_key(coop.dir / "coop.key");
    CHECK(verify_typed(kPassPayloadType, p.signed_bytes(), p.signature, pub));
}

std::map<std::uint64_t, std::string> names_in(const pc::IssuanceLog& log) {
    std::map<std::uint64_t, std::string> m;
    for (const auto& c : log.cards) m[c.member] = c.name;
    return m;
}

// An export of `n` members, technical headers.
std::string export_of(int n, const std::string& first_name = "Marie") {
    std::string csv = "name,barcode_base,barcode,cooperative_state,shift_type,is_member,is_associated_people,parent_member_num\n";
    for (int i = 1; i <= n; ++i) csv += "\"MARTIN, " + first_name + "\"," + std::to_string(i) + ",,up_to_date,standard,True,False,\n";
    return csv;
}

// The PDFs a batch wrote, by name: "cartes-YYYY-MM-DD.pdf", then "-2", "-3" the same day.
std::vector<fs::path> printed_pdfs(const CoopDir& coop) {
    std::vector<fs::path> pdfs;
    for (const auto& entry : fs::directory_iterator(coop.dir / "cartes"))
        if (entry.path().extension() == ".pdf") pdfs.push_back(entry.path());
    std::sort(pdfs.begin(), pdfs.end());
    return pdfs;
}

fs::path the_pdf(const CoopDir& coop) {
    const auto pdfs = printed_pdfs(coop);
    REQUIRE(pdfs.size() == 1);
    return pdfs.front();
}

}  // namespace

TEST_CASE("issue-batch on the technical UTF-8 export issues skips and reports lines") {
    CoopDir coop;
    const Run r = coop.batch(kFixtures / "members-technical.csv");
    CAPTURE(r.out);
    CAPTURE(r.err);
    CHECK(r.code == 1);  // some lines had errors; the batch still ran to the end
    CHECK(r.out.find("Cartes émises : 6 (nouvelles : 6)") != std::string::npos);
    CHECK(r.out.find("Ignorées : 3") != std::string::npos);
    // Who was skipped, by member number and name, in the export's own state names.
    CHECK(r.out.find("  1 × statut « suspended » : 1005 Paul M.\n") != std::string::npos);
    CHECK(r.out.find("  1 × statut « unsubscribed » : 1007 Luc P.\n") != std::string::npos);
    CHECK(r.out.find("  1 × ni membre ni personne rattachée : 1009 Inès G.\n") != std::string::npos);
    CHECK(r.out.find("Erreurs : 2") != std::string::npos);
    CHECK(r.out.find("ligne 9 : 4 colonnes au lieu de 8") != std::string::npos);
    CHECK(r.out.find("ligne 11 : numéro ou code-barre invalide") != std::string::npos);
    const pc::IssuanceLog log = coop.log();
    CHECK(names_in(log) == kExpected);
    for (const auto& card : log.cards) {
        CHECK(card.sequence == 0);
        CHECK(card.expiry_day - card.issued_day == 364);
        check_member_images(coop, card);
    }
    for (const char* absent : {"1005", "1007", "1008", "1009", "0"})
        CHECK_FALSE(fs::exists(coop.dir / "cartes" / "png" / (std::string(absent) + ".png")));
    // The progress bar is for terminals only.
    CHECK(r.err.find("[#") == std::string::npos);
}

TEST_CASE("issue-batch reads the French Windows-1252 export like the UTF-8 one") {
    const std::string bytes = read_file(kFixtures / "membres-francais-cp1252.csv");
    REQUIRE_FALSE(passkoop::is_valid_utf8(bytes));  // really Windows-1252 bytes
    CHECK(bytes.find("Nom;Base du code Barre;Code Barre;Statut;Type;Est un membre;Est une personne rattach\xe9" "e;Num\xe9ro parent") == 0);
    CoopDir coop;
    const Run r = coop.batch(kFixtures / "membres-francais-cp1252.csv");
    CAPTURE(r.out);
    CHECK(r.code == 1);
    CHECK(r.out.find("Cartes émises : 6") != std::string::npos);
    CHECK(r.out.find("ligne 9 :") != std::string::npos);
    CHECK(r.out.find("ligne 11 :") != std::string::npos);
    const pc::IssuanceLog log = coop.log();
    CHECK(names_in(log) == kExpected);
    check_member_images(coop, *log.latest(1011));
}

TEST_CASE("issue-batch reads the French UTF-8 export with a byte order mark") {
    REQUIRE(read_file(kFixtures / "membres-francais-bom.csv").starts_with("\xef\xbb\xbfNom;"));
    CoopDir coop;
    const Run r = coop.batch(kFixtures / "membres-francais-bom.csv");
    CAPTURE(r.out);
    CHECK(r.code == 1);
    CHECK(names_in(coop.log()) == kExpected);
    // A French export gets Odoo's French state labels in the summary.
    CHECK(r.out.find("  1 × statut « Suspendu » : 1005 Paul M.\n") != std::string::npos);
    CHECK(r.out.find("  1 × statut « Désinscrit » : 1007 Luc P.\n") != std::string::npos);
    CHECK(r.out.find("unsubscribed") == std::string::npos);
}

TEST_CASE("every page of the A4 sheets reads back with zbarimg") {
    CoopDir coop;
    write_file(coop.dir / "members.csv", export_of(23));
    const Run r = coop.batch(coop.dir / "members.csv", {"--names", "full"});
    CAPTURE(r.out);
    REQUIRE(r.code == 0);
    const fs::path pdf = the_pdf(coop);
    CHECK(pdf_info(pdf, "Pages") == "3");
    CHECK(pdf_info(pdf, "Page size") == "595.276 x 841.89 pts (A4)");
    const auto pages = zbar_pdf(pdf);
    REQUIRE(pages.size() == 3);
    CHECK(pages[0].size() == 10);
    CHECK(pages[1].size() == 10);
    CHECK(pages[2].size() == 3);
    std::set<std::string> from_pdf, from_log;
    for (const auto& page : pages)
        for (const auto& text : page) {
            const Pass p = decoded(text);
            CHECK(p.name == "Marie MARTIN");
            from_pdf.insert(pass_id(p.signed_bytes()));
        }
    for (const auto& card : coop.log().cards) from_log.insert(card.pass_id);
    CHECK(from_log.size() == 23);
    CHECK(from_pdf == from_log);
}

TEST_CASE("issue-batch with one card per page for a card printer") {
    CoopDir coop;
    write_file(coop.dir / "members.csv", export_of(3));
    REQUIRE(coop.batch(coop.dir / "members.csv", {"--sheet", "card"}).code == 0);
    const fs::path pdf = the_pdf(coop);
    CHECK(pdf_info(pdf, "Pages") == "3");
    CHECK(pdf_info(pdf, "Page size") == "242.646 x 153.014 pts");
    const auto pages = zbar_pdf(pdf);
    REQUIRE(pages.size() == 3);
    for (const auto& page : pages) CHECK(page.size() == 1);
}

TEST_CASE("re-running the batch issues only what changed and never reuses a sequence") {
    CoopDir coop;
    write_file(coop.dir / "members.csv", export_of(4));
    REQUIRE(coop.batch(coop.dir / "members.csv").code == 0);
    Run r = coop.batch(coop.dir / "members.csv");
    CAPTURE(r.out);
    CHECK(r.code == 0);
    CHECK(r.out.find("Cartes émises : 0") != std::string::npos);
    CHECK(r.out.find("Inchangées (carte en cours déjà émise) : 4") != std::string::npos);
    CHECK(coop.log().cards.size() == 4);

    // A new first name changes the display name: only that member gets a new card.
    std::string csv = export_of(4);
    const auto at = csv.find("\"MARTIN, Marie\",3,");
    csv.replace(at, 15, "\"MARTIN, Lucie\"");
    write_file(coop.dir / "members.csv", csv);
    r = coop.batch(coop.dir / "members.csv");
    CHECK(r.out.find("Cartes émises : 1 (nom changé : 1)") != std::string::npos);
    pc::IssuanceLog log = coop.log();
    REQUIRE(log.cards.size() == 5);
    CHECK(log.latest(3)->sequence == 1);
    CHECK(log.latest(3)->name == "Lucie M.");
    check_member_images(coop, *log.latest(3));

    // --all re-issues everyone, each with the next sequence of their own.
    r = coop.batch(coop.dir / "members.csv", {"--all"});
    CHECK(r.out.find("Cartes émises : 4") != std::string::npos);
    log = coop.log();
    REQUIRE(log.cards.size() == 9);
    CHECK(log.latest(3)->sequence == 2);
    CHECK(log.latest(1)->sequence == 1);
    std::set<std::pair<std::uint64_t, int>> used;
    for (const auto& c : log.cards) CHECK(used.insert({c.member, c.sequence}).second);
}

TEST_CASE("revoke lost revokes the current card and the next batch issues the next sequence") {
    CoopDir coop;
    REQUIRE(coop.batch(kFixtures / "members-technical.csv").code == 1);
    const std::string first_id = coop.log().latest(1002)->pass_id;
    Run r = coop.revoke("--lost", "1002");
    CAPTURE(r.out);
    CAPTURE(r.err);
    REQUIRE(r.code == 0);
    CHECK(coop.revoked_ids() == std::set<std::string>{first_id});
    CHECK(coop.log().latest(1002)->reason == "lost");

    r = coop.batch(kFixtures / "members-technical.csv");
    CHECK(r.out.find("Cartes émises : 1 (remplaçant une carte perdue : 1)") != std::string::npos);
    const pc::IssuanceLog log = coop.log();
    const pc::IssuedCard* second = log.latest(1002);
    REQUIRE(second != nullptr);
    CHECK(second->sequence == 1);
    CHECK_FALSE(second->revoked_day.has_value());
    check_member_images(coop, *second);

    // The replacement can be lost too; the first card stays revoked.
    REQUIRE(coop.revoke("--lost", "1002").code == 0);
    CHECK(coop.revoked_ids() == std::set<std::string>{first_id, second->pass_id});
    // Nothing left to revoke for that member: refused, list unchanged.
    r = coop.revoke("--lost", "1002");
    CHECK(r.code == 2);
    CHECK(r.err.find("déjà révoquée") != std::string::npos);
    CHECK(coop.revoke("--lost", "999").code == 2);
}

TEST_CASE("revoke member revokes every card of a departed member and later batches skip them") {
    CoopDir coop;
    write_file(coop.dir / "members.csv", export_of(2));
    REQUIRE(coop.batch(coop.dir / "members.csv").code == 0);
    REQUIRE(coop.batch(coop.dir / "members.csv", {"--all"}).code == 0);
    pc::IssuanceLog log = coop.log();
    std::set<std::string> cards_of_1;
    for (const auto& c : log.cards)
        if (c.member == 1) cards_of_1.insert(c.pass_id);
    REQUIRE(cards_of_1.size() == 2);
    const Run r = coop.revoke("--member", "1");
    CAPTURE(r.out);
    CAPTURE(r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out.find("2 carte(s) révoquée(s)") != std::string::npos);
    CHECK(coop.revoked_ids() == cards_of_1);
    for (const auto& c : coop.log().cards) CHECK(c.revoked_day.has_value() == (c.member == 1));

    // The departed member's images are set aside at once; the other member's stay.
    CHECK(r.out.find("images du membre 1 mises à l'écart") != std::string::npos);
    for (const char* format : {"png", "svg"}) {
        const std::string file = std::string("1.") + format;
        CHECK_FALSE(fs::exists(coop.dir / "cartes" / format / file));
        CHECK(fs::exists(coop.dir / "cartes" / "revoquees" / format / file));
        CHECK(fs::exists(coop.dir / "cartes" / format / (std::string("2.") + format)));
    }

    const Run again = coop.batch(coop.dir / "members.csv");
    CHECK(again.out.find("Cartes émises : 0") != std::string::npos);
    CHECK(again.out.find("1 × carte révoquée au départ du membre (--all pour réémettre) : 1 Marie M.") != std::string::npos);

    // A member who leaves while their lost card awaits its replacement gets no replacement.
    REQUIRE(coop.revoke("--lost", "2").code == 0);
    const Run leaves = coop.revoke("--member", "2");
    CHECK(leaves.code == 0);
    CHECK(coop.log().latest(2)->reason == "departed");
    const Run last = coop.batch(coop.dir / "members.csv");
    CHECK(last.out.find("Cartes émises : 0") != std::string::npos);
}

TEST_CASE("issue-batch refuses an export it cannot read and options it does not know") {
    CoopDir coop;
    write_file(coop.dir / "bad.csv", "Prénom;Nom de famille\nMarie;Dupont\n");
    Run r = coop.batch(coop.dir / "bad.csv");
    CHECK(r.code == 2);
    CHECK(r.err.find("en-tête d'export Odoo non reconnu") != std::string::npos);
    CHECK_FALSE(fs::exists(coop.dir / "cartes" / "issuance-log.csv"));
    write_file(coop.dir / "members.csv", export_of(1));
    r = coop.batch(coop.dir / "members.csv", {"--names", "surname"});
    CHECK(r.code == 2);
    r = coop.batch(coop.dir / "members.csv", {"--states", "A jour,Suspendu"});
    CHECK(r.code == 0);
    CHECK(r.out.find("Cartes émises : 1") != std::string::npos);
    // The pass never carries the state: only whether a card is made depends on it.
    r = coop.batch(coop.dir / "members.csv", {"--states", "suspended", "--all"});
    CHECK(r.out.find("statut « up_to_date »") != std::string::npos);
}

TEST_CASE("a card that cannot be written is logged as failed and replaced with the next sequence") {
    CoopDir coop;
    write_file(coop.dir / "members.csv", export_of(3));
    // A non-empty directory where member 2's PNG should go: the write fails for that card only.
    fs::create_directories(coop.dir / "cartes" / "png" / "2.png" / "occupied");
    Run r = coop.batch(coop.dir / "members.csv");
    CAPTURE(r.out);
    CHECK(r.code == 1);
    CHECK(r.out.find("Cartes émises : 2") != std::string::npos);
    CHECK(r.out.find("ligne 3 :") != std::string::npos);
    CHECK(pdf_info(the_pdf(coop), "Pages") == "1");
    pc::IssuanceLog log = coop.log();
    REQUIRE(log.cards.size() == 3);
    CHECK(log.latest(2)->reason == "failed");

    fs::remove_all(coop.dir / "cartes" / "png" / "2.png");
    r = coop.batch(coop.dir / "members.csv");
    CHECK(r.code == 0);
    CHECK(r.out.find("Cartes émises : 1 (non dessinées la dernière fois : 1)") != std::string::npos);
    log = coop.log();
    CHECK(log.latest(2)->sequence == 1);
    check_member_images(coop, *log.latest(2));
}

TEST_CASE("issue-batch issues no card from text inside another record of a crafted export") {
    CoopDir coop;
    // A member's name too long for a record, holding lines that look like members. The export
    // quotes it as one field; before, reading resumed on the line after the error, inside the
    // quotes, and signed cards for member 666 and for member 1 named « x" ».
    const std::string name = "DUPONT, " + std::string(5000, 'A') + "\nEve Injected,666,,up_to_date,standard,True,False,\nx";
    const std::string header = "name,barcode_base,barcode,cooperative_state,shift_type,is_member,is_associated_people,parent_member_num\n";
    write_file(coop.dir / "members.csv", header + pc::csv_field(name) + ",1,,up_to_date,standard,True,False,\n" +
                                             "\"MARTIN, Marie\",2,,up_to_date,standard,True,False,\n");
    const Run r = coop.batch(coop.dir / "members.csv");
    CAPTURE(r.out);
    CAPTURE(r.err);
    CHECK(r.code == 1);
    CHECK(r.out.find("Cartes émises : 1 (nouvelles : 1)") != std::string::npos);
    CHECK(r.out.find("ligne 2 : ligne trop longue (plus de 4096 octets) ; lignes 2 à 4 ignorées") != std::string::npos);
    CHECK(names_in(coop.log()) == std::map<std::uint64_t, std::string>{{2, "Marie M."}});
    for (const char* absent : {"1", "666"}) CHECK_FALSE(fs::exists(coop.dir / "cartes" / "png" / (std::string(absent) + ".png")));
}

TEST_CASE("issue-batch writes names that look like formulas into the log as text for spreadsheets") {
    CoopDir coop;
    const std::string header = "name,barcode_base,barcode,cooperative_state,shift_type,is_member,is_associated_people,parent_member_num\n";
    write_file(coop.dir / "members.csv", header + "\"=HYPERLINK(\"\"http://x\"\")\",1,,up_to_date,standard,True,False,\n" +
                                             "@SUM(A1),2,,up_to_date,standard,True,False,\n" +
                                             "+33 Marie,3,,up_to_date,standard,True,False,\n");
    Run r = coop.batch(coop.dir / "members.csv");
    CAPTURE(r.out);
    REQUIRE(r.code == 0);
    const auto cells = [&] {
        std::vector<std::string> names;
        const auto records = pc::read_csv(read_file(coop.dir / "cartes" / "issuance-log.csv"), ',');
        for (std::size_t i = 1; i < records.size(); ++i) names.push_back(records[i].fields.at(5));
        return names;
    };
    // What a spreadsheet sees: text behind a single quote, not a formula.
    CHECK(cells() == std::vector<std::string>{"'=HYPERLINK(\"http://x\")", "'@SUM(A1)", "'+33 M."});
    // The log itself reads back the names the passes carry.
    const pc::IssuanceLog log = coop.log();
    CHECK(names_in(log) == std::map<std::uint64_t, std::string>{{1, "=HYPERLINK(\"http://x\")"}, {2, "@SUM(A1)"}, {3, "+33 M."}});
    for (const auto& card : log.cards) check_member_images(coop, card);
    // Rewritten by revoke, the log keeps them defused, and the next batch sees no name change.
    REQUIRE(coop.revoke("--member", "3").code == 0);
    CHECK(cells() == std::vector<std::string>{"'=HYPERLINK(\"http://x\")", "'@SUM(A1)", "'+33 M."});
    r = coop.batch(coop.dir / "members.csv");
    CHECK(r.out.find("Cartes émises : 0") != std::string::npos);
}

TEST_CASE("revoke by pass id needs the issuance log and an id it lists") {
    CoopDir coop;
    write_file(coop.dir / "members.csv", export_of(2));
    REQUIRE(coop.batch(coop.dir / "members.csv").code == 0);
    const pc::IssuedCard card = *coop.log().latest(1);
    const auto revoke_id = [&](const std::string& id, bool with_log) {
        std::vector<std::string> args = {"revoke", "--key", "coop.key", "--coop", "62", "--list", "revocations.json", "--pass-id", id};
        if (with_log) args.insert(args.end(), {"--log", "cartes/issuance-log.csv"});
        return run_cli(args, coop.dir.path);
    };
    Run r = revoke_id(card.pass_id, false);
    CHECK(r.code == 2);
    CHECK(r.err.find("--log") != std::string::npos);
    // A mistyped id is no card of this coop: nothing is revoked.
    r = revoke_id("0123456789abcdef", true);
    CHECK(r.code == 2);
    CHECK(r.err.find("0123456789abcdef : absent du journal d'émission") != std::string::npos);
    CHECK_FALSE(fs::exists(coop.dir / "revocations.json"));

    r = revoke_id(card.pass_id, true);
    CAPTURE(r.err);
    REQUIRE(r.code == 0);
    CHECK(coop.revoked_ids() == std::set<std::string>{card.pass_id});
    auto env = passkoop::parse_envelope_text(read_file(coop.dir / "revocations.json"));
    REQUIRE(env.has_value());
    const auto list = passkoop::parse_revocations_payload(env->payload);
    REQUIRE(list.has_value());
    CHECK(list->entries.at(0).until == card.expiry_day);  // the card's own expiry, from the log
}

TEST_CASE("the progress bar shows on a terminal only") {
    CoopDir coop;
    write_file(coop.dir / "members.csv", export_of(5));
    // script(1) from util-linux gives the command a pseudo-terminal.
    const Run r = shell("script -qec " + sh_quoted(sh_quoted(PASSKOOP_CLI) +
                                                  " issue-batch --key coop.key --coop 62 --key-number 1 --csv members.csv --out cartes") +
                            " /dev/null",
                        coop.dir.path);
    CHECK(r.code == 0);
    CHECK(r.out.find("Cartes [##############################] 5/5") != std::string::npos);
    // Not on a pipe: see the first batch test, whose standard error is a file.
}

TEST_CASE("each batch writes its own dated PDF and never overwrites one not printed yet") {
    CoopDir coop;
    write_file(coop.dir / "members.csv", export_of(2));
    const Run first = coop.batch(coop.dir / "members.csv");
    REQUIRE(first.code == 0);
    const fs::path pdf = the_pdf(coop);
    CHECK(std::regex_match(pdf.filename().string(), std::regex(R"(cartes-\d{4}-\d{2}-\d{2}\.pdf)")));
    CHECK(first.out.find("À imprimer : " + (fs::path("cartes") / pdf.filename()).string()) != std::string::npos);
    const std::string first_bytes = read_file(pdf);

    // Same day, new cards: a second file, the first one untouched.
    REQUIRE(coop.batch(coop.dir / "members.csv", {"--all"}).code == 0);
    REQUIRE(coop.batch(coop.dir / "members.csv", {"--all"}).code == 0);
    const auto pdfs = printed_pdfs(coop);
    REQUIRE(pdfs.size() == 3);
    const std::string stem = pdf.stem().string();
    std::set<std::string> names;
    for (const auto& p : pdfs) names.insert(p.filename().string());
    // A run around midnight may date its file the next day; the names still never repeat.
    if (names.contains(stem + "-2.pdf")) CHECK(names.contains(stem + "-3.pdf"));
    CHECK(read_file(pdf) == first_bytes);
    // A run that issues nothing writes no PDF.
    REQUIRE(coop.batch(coop.dir / "members.csv").code == 0);
    CHECK(printed_pdfs(coop).size() == 3);
}

// The date in the PDF's name is the one on the volunteer's calendar, not UTC's. Kiritimati (UTC+14)
// and Pago Pago (UTC-11), both without summer time, are 25 hours apart: on any day their dates
// differ, so a name taken from UTC could not match both.
TEST_CASE("the dated PDF is named after the local date of the machine's time zone") {
    const auto local_day = [](std::int64_t offset_hours) {
        return passkoop::format_day(passkoop::day_of(passkoop::unix_now() + offset_hours * 3600));
    };
    for (const auto& [zone, offset] : {std::pair<std::string, int>{"Pacific/Kiritimati", 14}, {"Pacific/Pago_Pago", -11}}) {
        CAPTURE(zone);
        CoopDir coop;
        write_file(coop.dir / "members.csv", export_of(1));
        const std::string before = local_day(offset);
        std::string command = "TZ=" + zone + " " + sh_quoted(PASSKOOP_CLI);
        for (const char* a : {"issue-batch", "--key", "coop.key", "--coop", "62", "--key-number", "1", "--coop-name", "La Louve",
                              "--csv", "members.csv", "--out", "cartes"})
            command += " " + sh_quoted(a);
        REQUIRE(shell(command, coop.dir.path).code == 0);
        const std::string after = local_day(offset);
        const std::string name = the_pdf(coop).filename().string();
        CAPTURE(name);
        // A run across the zone's midnight may take either date.
        CHECK((name == "cartes-" + before + ".pdf" || name == "cartes-" + after + ".pdf"));
    }
}

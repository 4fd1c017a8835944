// QR codes and single cards: each output format of `passkoop card`, read back by zbarimg.
#include "cards_support.hpp"

#include <card.hpp>
#include <qr.hpp>

#include <doctest/doctest.h>

#include <qrcodegen.hpp>

using namespace cards_test;
using namespace pk_test;

namespace {

// Names of 0 to 24 bytes, accents included.
const std::vector<std::string> kNames = {"", "A", "Zoé", "Camille D.", "Élodie-Françoise Ç.", "Anne-Sophie Lefèvre-Dü"};

struct Issued {
    TempDir dir;
    std::vector<std::string> texts;  // one pass per name of kNames
    Issued() {
        REQUIRE(run_cli({"keygen", "--out", "coop.key", "--no-passphrase"}, dir.path).code == 0);
        for (const auto& name : kNames) {
            const Run r = run_cli({"issue", "--key", "coop.key", "--coop", "62", "--key-number", "1", "--member", "4242", "--name", name}, dir.path);
            REQUIRE(r.code == 0);
            texts.push_back(r.out.substr(0, r.out.find('\n')));
        }
    }
};

std::string pass_text_with_name(const std::string& name) {
    const SigningKey key = key_named("coop-62");
    Pass p;
    p.coop = 62, p.key_number = 1, p.member = 4242, p.issued_day = 2500, p.expiry_day = 2864, p.name = name;
    sign_pass(p, key);
    return encode_text(p.to_binary());
}

}  // namespace

TEST_CASE("the QR of a pass is PK alphanumeric then numeric digits at error correction M") {
    ensure_sodium();
    const std::string text = pass_text_with_name("Camille D.");
    const passkoop::cards::QrMatrix qr = passkoop::cards::qr_for_pass_text(text);
    // DESIGN §3: about 200 digits, version 6 (41 × 41 modules).
    CHECK(qr.version == 6);
    CHECK(qr.size == 41);
    using qrcodegen::QrCode;
    using qrcodegen::QrSegment;
    const QrCode reference = QrCode::encodeSegments(
        {QrSegment::makeAlphanumeric("PK"), QrSegment::makeNumeric(text.substr(2).c_str())}, QrCode::Ecc::MEDIUM, 1, 40, -1, false);
    CHECK(reference.getErrorCorrectionLevel() == QrCode::Ecc::MEDIUM);
    for (int y = 0; y < qr.size; ++y)
        for (int x = 0; x < qr.size; ++x) REQUIRE(qr.at(x, y) == reference.getModule(x, y));
    // One alphanumeric segment for the whole text needs a larger symbol.
    const QrCode single = QrCode::encodeSegments({QrSegment::makeAlphanumeric(text.c_str())}, QrCode::Ecc::MEDIUM, 1, 40, -1, false);
    CHECK(single.getVersion() >= qr.version + 2);
    // The longest name still fits version 7.
    CHECK(passkoop::cards::qr_for_pass_text(pass_text_with_name("Anne-Sophie Lefèvre-Dü")).version == 7);
}

TEST_CASE("the QR refuses a text that is not PK and digits") {
    for (const char* bad : {"", "PK", "PK12a4", "XX1234", "pk1234", "PK 1234"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(passkoop::cards::qr_for_pass_text(bad), std::invalid_argument);
    }
}

TEST_CASE("png cards read back with zbarimg for names of 0 to 24 bytes") {
    Issued issued;
    for (std::size_t i = 0; i < kNames.size(); ++i) {
        CAPTURE(kNames[i]);
        const std::string file = "card-" + std::to_string(i) + ".png";
        REQUIRE(run_cli({"card", "--format", "png", "--coop-name", "La Louve", "--out", file, issued.texts[i]}, issued.dir.path).code == 0);
        CHECK(zbar(issued.dir / file) == std::vector<std::string>{issued.texts[i]});
    }
}

TEST_CASE("svg cards rasterised by rsvg-convert read back with zbarimg") {
    Issued issued;
    for (std::size_t i = 0; i < kNames.size(); ++i) {
        CAPTURE(kNames[i]);
        const std::string file = "card-" + std::to_string(i) + ".svg";
        REQUIRE(run_cli({"card", "--format", "svg", "--coop-name", "Coopalim & Cie <Nantes>", "--out", file, issued.texts[i]}, issued.dir.path).code == 0);
        CHECK(zbar_svg(issued.dir / file) == std::vector<std::string>{issued.texts[i]});
    }
}

TEST_CASE("pdf cards rasterised by pdftoppm read back with zbarimg") {
    Issued issued;
    for (std::size_t i = 0; i < kNames.size(); ++i) {
        CAPTURE(kNames[i]);
        const std::string file = "card-" + std::to_string(i) + ".pdf";
        REQUIRE(run_cli({"card", "--format", "pdf", "--out", file, issued.texts[i]}, issued.dir.path).code == 0);
        const auto pages = zbar_pdf(issued.dir / file);
        REQUIRE(pages.size() == 1);
        CHECK(pages[0] == std::vector<std::string>{issued.texts[i]});
    }
}

TEST_CASE("a single card has the size of a credit card in every format") {
    Issued issued;
    const auto& text = issued.texts[3];
    REQUIRE(run_cli({"card", "--format", "pdf", "--out", "c.pdf", text}, issued.dir.path).code == 0);
    // 85.60 × 53.98 mm in points.
    CHECK(pdf_info(issued.dir / "c.pdf", "Page size") == "242.646 x 153.014 pts");
    REQUIRE(run_cli({"card", "--format", "svg", "--out", "c.svg", text}, issued.dir.path).code == 0);
    CHECK(read_file(issued.dir / "c.svg").find("width=\"85.6mm\" height=\"53.98mm\"") != std::string::npos);
    REQUIRE(run_cli({"card", "--format", "png", "--out", "c.png", text}, issued.dir.path).code == 0);
    const std::string png = read_file(issued.dir / "c.png");
    REQUIRE(png.size() > 24);
    const auto be32 = [&](std::size_t at) {
        return (static_cast<unsigned char>(png[at]) << 24) | (static_cast<unsigned char>(png[at + 1]) << 16) |
               (static_cast<unsigned char>(png[at + 2]) << 8) | static_cast<unsigned char>(png[at + 3]);
    };
    CHECK(be32(16) == 685);  // 8 pixels per mm
    CHECK(be32(20) == 432);
}

TEST_CASE("qr-only png and svg read back with zbarimg") {
    Issued issued;
    const auto& text = issued.texts[4];
    REQUIRE(run_cli({"card", "--format", "png", "--qr-only", "--out", "q.png", text}, issued.dir.path).code == 0);
    CHECK(zbar(issued.dir / "q.png") == std::vector<std::string>{text});
    REQUIRE(run_cli({"card", "--format", "svg", "--qr-only", "--out", "q.svg", text}, issued.dir.path).code == 0);
    CHECK(zbar_svg(issued.dir / "q.svg") == std::vector<std::string>{text});
}

TEST_CASE("the terminal QR reads back with zbarimg once its half blocks are redrawn") {
    Issued issued;
    const auto& text = issued.texts[5];
    const Run r = run_cli({"card", "--format", "terminal", "--out", "-", text}, issued.dir.path);
    REQUIRE(r.code == 0);
    // Each line: colour codes, then one character per module column covering two module rows.
    std::vector<std::vector<bool>> rows;
    for (const std::string& raw : [&] {
             std::vector<std::string> v;
             std::stringstream in(r.out);
             for (std::string l; std::getline(in, l);) v.push_back(l);
             return v;
         }()) {
        REQUIRE(raw.starts_with("\x1b[30;107m"));
        REQUIRE(raw.ends_with("\x1b[0m"));
        const std::string body = raw.substr(9, raw.size() - 9 - 4);
        std::vector<bool> top, bottom;
        for (std::size_t i = 0; i < body.size();) {
            if (body[i] == ' ') { top.push_back(false), bottom.push_back(false), ++i; continue; }
            const std::string ch = body.substr(i, 3);
            REQUIRE((ch == "\u2588" || ch == "\u2580" || ch == "\u2584"));
            top.push_back(ch != "\u2584"), bottom.push_back(ch != "\u2580");
            i += 3;
        }
        rows.push_back(top), rows.push_back(bottom);
    }
    REQUIRE(rows.size() >= 53);
    const std::size_t width = rows[0].size();
    CHECK(width == 53);  // version 7 for 24 bytes of name, quiet zone of 4 on each side
    // Redraw as a plain PGM image, 6 pixels per module, and let zbarimg read it.
    constexpr int scale = 6;
    std::string pgm = "P5\n" + std::to_string(width * scale) + " " + std::to_string(rows.size() * scale) + "\n255\n";
    for (const auto& row : rows)
        for (int sy = 0; sy < scale; ++sy)
            for (const bool dark : row) pgm.append(scale, dark ? '\0' : '\xff');
    write_file(issued.dir / "terminal.pgm", pgm);
    CHECK(zbar(issued.dir / "terminal.pgm") == std::vector<std::string>{text});
}

TEST_CASE("card refuses a text that is not a pass and an unknown format") {
    TempDir dir;
    Run r = run_cli({"card", "--format", "png", "--out", "x.png", "PK12345"}, dir.path);
    CHECK(r.code == 2);
    CHECK(r.err.find("texte de pass illisible") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir / "x.png"));
    r = run_cli({"card", "--format", "gif", "--out", "x.gif", pass_text_with_name("A")}, dir.path);
    CHECK(r.code == 2);
    CHECK(r.err.find("--format") != std::string::npos);
}

TEST_CASE("card text too long is shortened by whole characters to the longest prefix that fits") {
    // One unit of width per character (not per byte), so the expected cuts are plain to read.
    const auto characters = [](const std::string& text) {
        double n = 0;
        for (const unsigned char c : text) n += (c & 0xC0) != 0x80;
        return n;
    };
    CHECK(passkoop::cards::shortened_to_fit("abcdefg", characters, 5) == "abcd\u2026");
    CHECK(passkoop::cards::shortened_to_fit("abcdefgh", characters, 5) == "abcd\u2026");
    CHECK(passkoop::cards::shortened_to_fit("\u00e9\u00e8\u00ea\u00eb\u00e0\u00e2", characters, 4) ==
          "\u00e9\u00e8\u00ea\u2026");
    CHECK(passkoop::cards::shortened_to_fit("ab\u00e9cdef", characters, 4) == "ab\u00e9\u2026");
    CHECK(passkoop::cards::shortened_to_fit("Jean Pierre", characters, 6) == "Jean\u2026");
    CHECK(passkoop::cards::shortened_to_fit("abc", characters, 0.5) == "\u2026");
}

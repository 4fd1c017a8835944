// Running the real passkoop command and the real decoders (zbarimg, rsvg-convert, pdftoppm)
// from the card tests.
#pragma once

#include "support.hpp"

#include <doctest/doctest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace cards_test {

namespace fs = std::filesystem;

struct Run {
    int code = -1;
    std::string out, err;
};

inline std::string sh_quoted(std::string_view s) {
    std::string r = "'";
    for (const char c : s) r += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return r + "'";
}

// Runs a shell command in `dir`, French messages, stdin from /dev/null, output captured.
inline Run shell(const std::string& command, const fs::path& dir) {
    const fs::path out = dir / ".stdout", err = dir / ".stderr";
    const std::string full = "cd " + sh_quoted(dir.string()) + " && env -u PASSKOOP_PASSPHRASE PASSKOOP_LANG=fr " + command +
                             " </dev/null >" + sh_quoted(out.string()) + " 2>" + sh_quoted(err.string());
    const int status = std::system(full.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, pk_test::read_file(out), pk_test::read_file(err)};
}

inline Run run_cli(const std::vector<std::string>& args, const fs::path& dir) {
    std::string command = sh_quoted(PASSKOOP_CLI);
    for (const auto& a : args) command += " " + sh_quoted(a);
    return shell(command, dir);
}

inline std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.push_back(line);
    std::sort(out.begin(), out.end());
    return out;
}

// Every QR code zbarimg finds in an image, sorted.
inline std::vector<std::string> zbar(const fs::path& image) {
    const Run r = shell("zbarimg -q --raw " + sh_quoted(image.string()), image.parent_path());
    return lines(r.out);
}

inline std::vector<std::string> zbar_svg(const fs::path& svg) {
    const fs::path png = svg.string() + ".raster.png";
    const Run r = shell("rsvg-convert --dpi-x 300 --dpi-y 300 -b white -o " + sh_quoted(png.string()) + " " + sh_quoted(svg.string()),
                        svg.parent_path());
    REQUIRE(r.code == 0);
    return zbar(png);
}

// One list of codes per page of a PDF, rasterised at 200 dpi.
inline std::vector<std::vector<std::string>> zbar_pdf(const fs::path& pdf) {
    const fs::path prefix = pdf.string() + ".page";
    const Run r = shell("pdftoppm -r 200 -png -gray " + sh_quoted(pdf.string()) + " " + sh_quoted(prefix.string()), pdf.parent_path());
    REQUIRE(r.code == 0);
    std::vector<fs::path> pages;
    for (const auto& e : fs::directory_iterator(pdf.parent_path()))
        if (e.path().filename().string().starts_with(prefix.filename().string())) pages.push_back(e.path());
    std::sort(pages.begin(), pages.end());  // same digit count for every page of a file
    std::vector<std::vector<std::string>> codes;
    for (const auto& p : pages) codes.push_back(zbar(p));
    return codes;
}

// One field of `pdfinfo` (poppler-utils), e.g. "Pages" → "3", "Page size" → "595.276 x 841.89 pts (A4)".
inline std::string pdf_info(const fs::path& pdf, const std::string& field) {
    std::stringstream in(shell("pdfinfo " + sh_quoted(pdf.string()), pdf.parent_path()).out);
    for (std::string line; std::getline(in, line);)
        if (line.starts_with(field + ":")) {
            const auto value = line.find_first_not_of(' ', field.size() + 1);
            return value == std::string::npos ? std::string() : line.substr(value);
        }
    return {};
}

}  // namespace cards_test

// The printed card: credit-card size (ISO/IEC 7810 ID-1, 85.60 × 53.98 mm) with the pass's QR
// code, the issuing coop, the member and the expiry. One layout, three outputs: SVG (written by
// hand), PNG and PDF (cairo). A4 sheets hold 10 cards with crop marks.
// Every function here is safe to call from several threads at once on different cards.
#pragma once

#include "qr.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace passkoop::cards {

inline constexpr double kCardWidthMm = 85.60;
inline constexpr double kCardHeightMm = 53.98;

// What a card shows. The QR holds `pass_text` exactly; the rest is read by people.
struct CardInfo {
    std::string pass_text;      // "PK" + digits
    std::string coop_name;      // e.g. "La Louve"
    std::string member_name;    // display name carried by the pass, may be empty
    std::uint64_t member = 0;   // member number
    std::uint8_t sequence = 0;  // card sequence, shown from the second card on
    std::int64_t expiry_day = 0;  // pass day, shown as dd/mm/yyyy
    // qr_for_pass_text(pass_text), when the caller draws the card more than once; else empty.
    QrMatrix qr{};
};

// Throw std::invalid_argument if the pass text is not PK+digits, std::runtime_error if cairo fails.
// Drops whole UTF-8 characters from the end of `text` until it, followed by "…", is at most
// `max_width` wide as measured by `width`; returns it followed by "…". (Card text that does not
// fit even at its smallest size.)
std::string shortened_to_fit(std::string text, const std::function<double(const std::string&)>& width, double max_width);

std::string card_svg(const CardInfo& card);
std::string card_png(const CardInfo& card, double pixels_per_mm = 8.0);  // 203 dpi
std::string card_pdf(const CardInfo& card);  // one page of exactly the card's size

// The QR alone (quiet zone included), for `passkoop card --qr-only`.
std::string qr_svg(const QrMatrix& qr);
std::string qr_png(const QrMatrix& qr, int pixels_per_module = 8);

enum class SheetLayout { a4, card };  // A4 pages of 2 × 5 cards with crop marks, or one card per page

// A PDF built card by card, in the order added. Not thread-safe: one thread adds.
class CardSheets {
public:
    explicit CardSheets(SheetLayout layout);
    ~CardSheets();
    CardSheets(const CardSheets&) = delete;
    CardSheets& operator=(const CardSheets&) = delete;
    void add(const CardInfo& card);
    // Ends the document and returns its bytes; the object is spent afterwards.
    std::string finish();
    int cards() const { return count_; }

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    SheetLayout layout_;
    int count_ = 0;
};

}  // namespace passkoop::cards

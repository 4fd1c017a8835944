// The public directory of the coops, made from a registry: the GeoJSON that uMap imports as it is,
// and one self-contained HTML page. Pure functions of the registry, so the command line and
// passkoopd publish the same text. Thread-safe; the language of a text is the calling thread's
// (i18n.hpp) unless said otherwise.
#pragma once

#include <passkoop/registry.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace passkoop {

// Stage 1..5 as the coops' map names it: "idée", "groupes de travail", "groupement d'achat",
// "épicerie ouverte", "supermarché ouvert" (English in English). Empty outside 1..5.
std::string stage_label(std::int64_t stage);
// The map colour of a stage (CSS hex, "#rrggbb"); grey outside 1..5.
std::string_view stage_colour(std::int64_t stage);

// Micro-degrees as decimal degrees, written from the integer: 43610769 → "43.610769",
// -500000 → "-0.500000". Never goes through floating point.
std::string format_micro_degrees(std::int64_t micro_degrees);
// Decimal degrees ("43.70701", "-1.5822933", "7") to micro-degrees, rounded half away from zero
// on the decimal text itself. Nullopt for anything but an optional '-', digits and an optional
// '.' followed by digits (no exponent), or beyond ±180 degrees.
[[nodiscard]] std::optional<std::int64_t> parse_decimal_degrees(std::string_view text);

// Where the public map places a coop. Its "department" holds a French department code ("34",
// "2A", "971"), or for a coop abroad a country code ("BE", "CH"; "IE_N" for Northern Ireland, so
// GB). Empty or "FR": France without a department. Nullopt for anything else.
struct MapPlace {
    std::string country;     // ISO 3166 alpha-2
    std::string department;  // French departments only
};
[[nodiscard]] std::optional<MapPlace> place_from_map_department(std::string_view department);

// How a coop welcomes visitors, in one sentence for a traveller (no final period): the admins'
// note when there is one (their own words, e.g. "Pass d'essai de 60 jours sur inscription"), else
// from the policy: "N'accueille pas de visiteurs", "3 achats d'essai", or "Accueille les membres
// des coopératives partenaires aux mêmes conditions" (with the surcharge, and the accepted coops
// when not all are). `registry` names the accepted coops.
std::string visitor_policy_sentence(const Registry& registry, const Coop& coop);

// The French description a map shows for a coop: "Montpellier — supermarché ouvert. Accueille …".
// Always French, whatever the thread's language: the map is a French one.
std::string coop_description_fr(const Registry& registry, const Coop& coop);

// A GeoJSON FeatureCollection (RFC 7946) of the coops that have a position, one Point each, with
// the properties uMap reads (name, description, website, _umap_options.color by stage) and the
// registry's own (number, slug, city, department, country, stage, stage_label, welcomes_visitors).
// Coordinates are the registry's micro-degrees written as exact decimals.
std::string directory_geojson(const Registry& registry);

// The directory page: every coop, grouped by country and department, with a search box, a
// "welcomes visitors" filter, a print stylesheet, the registry's version and date, and the
// attribution of the public map's data. French, with an English switch; no external resource
// (style and script inline, nothing loaded), so it can be saved, mailed or served as it is.
std::string directory_html(const Registry& registry);

}  // namespace passkoop

// passkoop directory: the public directory of the coops from a published registry, as GeoJSON for
// uMap and as one self-contained page (the same text passkoopd serves).
#include "registry_cli.hpp"

#include <passkoop/bundle.hpp>
#include <passkoop/directory.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/trust.hpp>

#include <iostream>

namespace passkoop::cli {

namespace {

constexpr Help kDirectoryHelp{
    "passkoop directory --registry BUNDLE [--geojson FICHIER] [--html FICHIER]\n"
    "L'annuaire public des coops, tiré d'une version publiée du registre (bundle, ou registre signé).\n"
    "  --geojson FICHIER  les coops qui ont une position, en GeoJSON (RFC 7946) que uMap (Framacarte)\n"
    "                     importe tel quel : nom, description, site web, couleur de l'étape\n"
    "  --html FICHIER     une page autonome : toutes les coops par pays et département, recherche,\n"
    "                     filtre « accueille des visiteurs », imprimable, en français avec l'anglais\n",
    "passkoop directory --registry BUNDLE [--geojson FILE] [--html FILE]\n"
    "The coops' public directory, from a published registry version (a bundle, or a signed registry).\n"
    "  --geojson FILE     the coops that have a position, as GeoJSON (RFC 7946) that uMap (Framacarte)\n"
    "                     imports as it is: name, description, website, the stage's colour\n"
    "  --html FILE        a self-contained page: every coop by country and department, search,\n"
    "                     \"welcomes visitors\" filter, printable, in French with English\n"};

// The registry of a bundle (checked as a till checks it) or of a registry file whose admins'
// threshold signed it: a draft is not published, and the directory shows only what is.
Registry published_registry(const std::string& path) {
    const std::string text = read_file(path, kMaxBundleBytes);
    if (is_bundle(text)) {
        auto bundle = load_bundle(text, nullptr);
        if (!bundle) throw CliError(path + " : " + bundle.error().detail);
        return std::move(bundle->registry);
    }
    auto env = parse_envelope_text(text);
    if (!env) throw CliError(path + " : " + env.error().detail);
    Registry reg = read_registry(path, *env);
    const ThresholdCount signed_by = count_threshold(*env, reg.admins);
    if (!signed_by.met())
        throw CliError(path + tr(" n'est pas une version publiée (", " is not a published version (") + std::to_string(signed_by.valid) +
                       tr(" signature(s) valide(s) sur ", " valid signature(s) of ") + std::to_string(signed_by.needed) + ")");
    return reg;
}

}  // namespace

int cmd_directory(const Argv& argv) {
    const Args args(argv, {"registry", "geojson", "html"}, {});
    if (print_help_if_asked(args, kDirectoryHelp, std::cout)) return kExitOk;
    const std::string path = args.require("registry");
    const auto geojson = args.get("geojson");
    const auto html = args.get("html");
    if (!geojson && !html) throw CliError(tr("donnez --geojson FICHIER et/ou --html FICHIER", "give --geojson FILE and/or --html FILE"));
    const Registry reg = published_registry(path);
    std::size_t placed = 0;
    for (const Coop& c : reg.coops)
        if (c.latitude_e6 && c.longitude_e6) ++placed;
    std::cout << tr("Registre version ", "Registry version ") << reg.version << " : " << reg.coops.size() << tr(" coops\n", " coops\n");
    if (geojson) {
        write_file_atomic(*geojson, directory_geojson(reg));
        std::cout << "  " << *geojson << tr(" : ", ": ") << placed << tr(" coops sur la carte", " coops on the map");
        if (placed < reg.coops.size())
            std::cout << tr(", ", ", ") << reg.coops.size() - placed
                      << tr(" sans position (sur la page seulement)", " without a position (on the page only)");
        std::cout << "\n";
    }
    if (html) {
        write_file_atomic(*html, directory_html(reg));
        std::cout << "  " << *html << tr(" : ", ": ") << reg.coops.size() << tr(" coops sur la page\n", " coops on the page\n");
    }
    return kExitOk;
}

}  // namespace passkoop::cli

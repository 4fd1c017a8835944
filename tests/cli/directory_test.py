#!/usr/bin/python3
"""The coops directory through the real `passkoop` command, on real files in a temporary folder.

usage: directory_test.py PASSKOOP SOURCE_DIR geojson|import

geojson: the shipped public map (tools/data/coops-directory.json) imported into a registry,
    signed, published, then `passkoop directory --geojson --html`: the GeoJSON must validate
    against schemas/directory.geojson.schema.json (written from RFC 7946, checked with Debian's
    python3-jsonschema), and every one of the 130 coops must be on the map with its exact
    coordinates (the map's decimals rounded to the registry's micro-degrees, compared as decimals,
    never as floats), its stage label and colour, and its policy sentence.
import: `passkoop registry import-directory` on added, moved and renamed coops; it prints the
    diff and writes only with --apply; it never touches a key or a policy, and refuses a directory
    that tries to.
"""

import base64
import copy
import decimal
import json
import os
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import jsonschema
from jsonschema import Draft202012Validator

STAGES = {1: ("idée", "#999999"), 2: ("groupes de travail", "#E69F00"), 3: ("groupement d'achat", "#56B4E9"),
          4: ("épicerie ouverte", "#009E73"), 5: ("supermarché ouvert", "#0072B2")}
SAME_TERMS = "Accueille les membres des coopératives partenaires aux mêmes conditions"
NO_VISITORS = "N'accueille pas de visiteurs"


def fail(message):
    print("FAILED: " + message)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


class Cli:
    def __init__(self, binary, work):
        self.binary = binary
        self.work = work
        self.env = {"PATH": "/usr/bin:/bin", "PASSKOOP_LANG": "fr", "PASSKOOP_PASSPHRASE": "phrase de passe de test"}
        for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if name in os.environ:
                self.env[name] = os.environ[name]

    def run(self, *args, expect=0):
        r = subprocess.run([self.binary, *args], cwd=self.work, env=self.env, capture_output=True, text=True, timeout=120)
        if expect is not None and r.returncode != expect:
            fail(f"passkoop {' '.join(args)}: exit {r.returncode}, expected {expect}\n{r.stdout}{r.stderr}")
        return r

    def payload(self, name):
        envelope = json.loads((self.work / name).read_text())
        return json.loads(base64.b64decode(envelope["payload"]))

    def coops(self, name):
        return {c["slug"]: c for c in self.payload(name)["coops"]}


def micro_degrees(value):
    """The registry's micro-degrees of a coordinate written in the map's file, as an exact decimal."""
    return Decimal(value).quantize(Decimal("0.000001"), rounding=decimal.ROUND_HALF_UP)


def new_registry(cli, name):
    cli.run("keygen", "--out", "admin.key", "--no-passphrase")
    admin = cli.run("pubkey", "--key", "admin.key").stdout.strip()
    cli.run("registry", "init", "--out", name, "--name", "Alice", "--coop", "1", "--public-key", admin)


def test_geojson(cli, source):
    shipped = json.loads((source / "tools/data/coops-directory.json").read_text(), parse_float=Decimal)
    check(len(shipped) == 130, f"the shipped directory has {len(shipped)} coops, not 130")
    new_registry(cli, "v1.json")
    cli.run("registry", "import-directory", "--from", str(source / "tools/data/coops-directory.json"), "v1.json", "--apply")
    coops = cli.coops("v1.json")
    check(len(coops) == 130, f"{len(coops)} coops imported")
    # Three policies, as their admins would set them, and one coop with no position.
    cli.run("registry", "set-policy", "v1.json", "--coop", str(coops["coopalim"]["number"]), "--welcomes", "oui", "--max-visits", "3")
    cli.run("registry", "set-policy", "v1.json", "--coop", str(coops["la-louve"]["number"]), "--welcomes", "oui")
    cli.run("registry", "set-policy", "v1.json", "--coop", str(coops["le-nid"]["number"]),
            "--note", "Pass d'essai de 60 jours sur inscription")
    cli.run("registry", "add-coop", "v1.json", "--number", "900", "--name", "Coop sans adresse", "--city", "Lyon", "--department", "69")
    # A draft nobody signed is not published: no directory from it, and nothing written.
    r = cli.run("directory", "--registry", "v1.json", "--geojson", "coops.geojson", expect=2)
    check("n'est pas une version publiée (0 signature(s) valide(s) sur 1)" in r.stderr, r.stderr)
    check(not (cli.work / "coops.geojson").exists(), "nothing written from a draft")
    cli.run("registry", "sign", "v1.json", "--key", "admin.key")
    cli.run("registry", "bundle", "--registry", "v1.json", "--out", "bundle.json")
    r = cli.run("directory", "--registry", "bundle.json", expect=2)
    check("donnez --geojson FICHIER et/ou --html FICHIER" in r.stderr, r.stderr)
    out = cli.run("directory", "--registry", "bundle.json", "--geojson", "coops.geojson", "--html", "annuaire.html").stdout
    check("coops.geojson : 130 coops sur la carte, 1 sans position (sur la page seulement)" in out, "counts printed:\n" + out)
    check("annuaire.html : 131 coops sur la page" in out, "page count printed:\n" + out)

    text = (cli.work / "coops.geojson").read_text()
    doc = json.loads(text, parse_float=Decimal)
    schema = json.loads((source / "schemas/directory.geojson.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(json.loads(text))]
    check(not errors, "the GeoJSON does not validate:\n" + "\n".join(errors[:10]))
    # The schema is not too lax to notice what would break a map.
    broken = json.loads(text)
    swapped = copy.deepcopy(broken)
    swapped["features"][1]["geometry"]["coordinates"] = [10.0, 95.0]
    no_colour = copy.deepcopy(broken)
    del no_colour["features"][0]["properties"]["_umap_options"]["color"]
    bad_type = copy.deepcopy(broken)
    bad_type["features"][0]["type"] = "feature"
    for label, bad in (("latitude 95", swapped), ("no colour", no_colour), ("type feature", bad_type)):
        check(not validator.is_valid(bad), f"the schema accepts a GeoJSON with {label}")

    features = doc["features"]
    check(len(features) == 130, f"{len(features)} features, expected 130")
    check(all(f["properties"]["name"] != "Coop sans adresse" for f in features), "a coop without position is not on the map")
    by_name_city = {}
    for f in features:
        by_name_city.setdefault((f["properties"]["name"], f["properties"]["city"]), []).append(f)
    for entry in shipped:
        key = (entry["name"], entry["city"] or "")
        found = by_name_city.get(key, [])
        check(len(found) == 1, f"{key}: {len(found)} features")
        f = found[0]
        p = f["properties"]
        lon, lat = f["geometry"]["coordinates"]
        check(lat == micro_degrees(entry["latitude"]), f"{key}: latitude {lat}, expected {micro_degrees(entry['latitude'])}")
        check(lon == micro_degrees(entry["longitude"]), f"{key}: longitude {lon}, expected {micro_degrees(entry['longitude'])}")
        label, colour = STAGES[entry["stage"]]
        check(p["stage"] == entry["stage"] and p["stage_label"] == label, f"{key}: stage {p['stage']} {p['stage_label']}")
        check(p["_umap_options"]["color"] == colour, f"{key}: colour {p['_umap_options']['color']}")
        check(p["website"] == entry["website"], f"{key}: website {p['website']}")
        town = entry["city"] + " — " if entry["city"] else ""
        check(p["description"].startswith(f"{town}{label}.") or p["description"].startswith(f"{town}{label[0].upper()}{label[1:]}."),
              f"{key}: description {p['description']}")
    # Coordinates written to six decimals from the integer: 43.70701 in the map is 43.707010.
    check('"coordinates":[7.257350,43.707010]' in text, "Nice Coop's coordinates as written")
    # Six of the map's coordinates have more than six decimals: rounded, not cut.
    otsokop = by_name_city[("Otsokop", "Bayonne")][0]
    check(otsokop["geometry"]["coordinates"][0] == Decimal("-1.470546"), f"Otsokop {otsokop['geometry']['coordinates']}")

    description = {p["slug"]: p["description"] for p in (f["properties"] for f in features)}
    check(description["coopalim"] == "Strasbourg — épicerie ouverte. 3 achats d'essai.", description["coopalim"])
    check(description["la-louve"].endswith(SAME_TERMS + "."), description["la-louve"])
    check(description["le-nid"].endswith("Pass d'essai de 60 jours sur inscription."), description["le-nid"])
    check(description["nice-coop"] == "Nice — épicerie ouverte. " + NO_VISITORS + ".", description["nice-coop"])

    page = (cli.work / "annuaire.html").read_text()
    check("Coop sans adresse" in page, "a coop without position is on the page")
    check(page.count('<li class="coop"') == 131, "every coop on the page")
    print("directory GeoJSON: 130 coops, exact coordinates, valid: OK")


def directory_file(cli, name, entries):
    (cli.work / name).write_text(json.dumps(entries, ensure_ascii=False, indent=2))
    return name


def test_import(cli):
    new_registry(cli, "draft.json")
    cli.run("registry", "add-coop", "draft.json", "--number", "3", "--name", "Nice Coop", "--city", "Nice", "--department", "06",
            "--stage", "4", "--website", "http://nicecoop.fr/", "--latitude", "43.70701", "--longitude", "7.25735")
    cli.run("registry", "add-coop", "draft.json", "--number", "5", "--name", "Super Cafoutch", "--city", "Marseille",
            "--department", "13", "--website", "http://supercafoutch.fr/", "--latitude", "43.29856", "--longitude", "5.37166")
    cli.run("registry", "add-coop", "draft.json", "--number", "62", "--name", "La Louve", "--city", "Paris", "--department", "75",
            "--latitude", "48.89", "--longitude", "2.35")
    cli.run("registry", "add-coop", "draft.json", "--number", "70", "--name", "Coop absente", "--city", "Lille", "--department", "59")
    cli.run("keygen", "--out", "lalouve.key", "--no-passphrase")
    cli.run("registry", "set-key", "draft.json", "--coop", "62", "--key-number", "1", "--key-file", "lalouve.key")
    cli.run("registry", "set-policy", "draft.json", "--coop", "62", "--max-visits", "3", "--note", "3 achats d'essai")
    before = cli.coops("draft.json")
    directory = directory_file(cli, "annuaire.json", [
        {"name": "Nice Coop", "department": "06", "city": "Nice", "address": "42 rue Vernier", "website": "http://nicecoop.fr/",
         "stage": 4, "latitude": 43.70701, "longitude": 7.25735},
        # Moved: another street, another town.
        {"name": "La Louve", "department": "75", "city": "Paris 18e", "address": None, "website": "https://cooplalouve.fr/",
         "stage": 5, "latitude": 48.89444, "longitude": 2.35306},
        # Renamed: found by its website (https and no trailing slash are the same site).
        {"name": "Cafoutch", "department": "13", "city": "Marseille", "address": None, "website": "https://supercafoutch.fr",
         "stage": 5, "latitude": 43.29856, "longitude": 5.37166},
        # Added, abroad.
        {"name": "Ti Coop Genève", "department": "CH", "city": "Genève", "address": None, "website": None, "stage": 3,
         "latitude": 46.2044, "longitude": 6.1432},
    ])
    draft_bytes = (cli.work / "draft.json").read_bytes()

    out = cli.run("registry", "import-directory", "--from", directory, "draft.json").stdout
    expected_lines = [
        "~ n° 5 super-cafoutch (retrouvée par son site web) : nom : « Super Cafoutch » → « Cafoutch »",
        "~ n° 5 super-cafoutch (retrouvée par son site web) : site web : « http://supercafoutch.fr/ » → « https://supercafoutch.fr »",
        "~ n° 62 la-louve : ville : « Paris » → « Paris 18e »",
        "~ n° 62 la-louve : site web : (vide) → « https://cooplalouve.fr/ »",
        "~ n° 62 la-louve : position : 48.890000, 2.350000 → 48.894440, 2.353060",
        "= n° 70 coop-absente : absente de l'annuaire, laissée telle quelle",
        "+ n° 71 ti-coop-geneve : Ti Coop Genève — Genève, CH, groupement d'achat, 46.204400, 6.143200",
        "1 coop(s) ajoutée(s), 2 modifiée(s) (dont 1 renommée(s)), 1 inchangée(s), 1 absente(s) de l'annuaire ; "
        "clés et politiques d'accueil inchangées",
        "Rien n'est écrit : relancez avec --apply pour appliquer ces changements.",
    ]
    for line in expected_lines:
        check(line in out.splitlines(), f"diff line missing: {line}\n--- output:\n{out}")
    check((cli.work / "draft.json").read_bytes() == draft_bytes, "without --apply the draft is not written")

    out = cli.run("registry", "import-directory", "--from", directory, "draft.json", "--apply").stdout
    check("Appliqué à draft.json" in out, out)
    after = cli.coops("draft.json")
    louve = after["la-louve"]
    check((louve["city"], louve["latitude_e6"], louve["longitude_e6"]) == ("Paris 18e", 48894440, 2353060), f"La Louve moved: {louve}")
    check(louve["keys"] == before["la-louve"]["keys"] and louve["policy"] == before["la-louve"]["policy"],
          "La Louve's key and policy are untouched")
    check(louve["number"] == 62, "numbers are kept")
    renamed = after["super-cafoutch"]
    check(renamed["name"] == "Cafoutch" and renamed["number"] == 5, f"renamed coop keeps its number and slug: {renamed}")
    check(after["coop-absente"] == before["coop-absente"], "a coop absent from the directory is left as it is")
    check(after["nice-coop"] == before["nice-coop"], "an unchanged coop is unchanged")
    added = after["ti-coop-geneve"]
    check((added["number"], added["country"], added["department"], added["stage"]) == (71, "CH", "", 3), f"added: {added}")
    check(added["keys"] == [] and added["policy"]["welcomes_visitors"] is False, f"an added coop has no key and welcomes no one yet: {added}")

    again = cli.run("registry", "import-directory", "--from", directory, "draft.json", "--apply").stdout
    check("Rien à changer." in again, "a second import changes nothing:\n" + again)

    # A directory that tries to set a key or a policy is refused whole, and nothing is written.
    applied_bytes = (cli.work / "draft.json").read_bytes()
    louve_key = before["la-louve"]["keys"][0]["public_key"]
    for member, value in (("keys", [{"number": 1, "public_key": louve_key}]), ("policy", {"welcomes_visitors": False}),
                          ("public_key", louve_key)):
        entries = json.loads((cli.work / directory).read_text())
        entries[1][member] = value
        entries[0]["city"] = "Nice centre"
        r = cli.run("registry", "import-directory", "--from", directory_file(cli, "hostile.json", entries), "draft.json", "--apply", expect=2)
        check("l'annuaire ne touche ni aux clés, ni aux politiques d'accueil" in r.stderr and "entrée 2 (La Louve)" in r.stderr,
              f"{member}: refused with the reason:\n{r.stderr}")
        check((cli.work / "draft.json").read_bytes() == applied_bytes, f"{member}: nothing written")
    # Bad input: a clear error, nothing written.
    for change, reason in (({"latitude": 95.0}, "entrée 2 (La Louve) : « latitude » hors limites : 95"), ({"stage": 6}, "« stage » : entier de 1 à 5"),
                           ({"department": "Paris"}, "département inconnu : Paris"), ({"name": ""}, "« name » manquant")):
        entries = json.loads((cli.work / directory).read_text())
        entries[1].update(change)
        r = cli.run("registry", "import-directory", "--from", directory_file(cli, "bad.json", entries), "draft.json", "--apply", expect=2)
        check(reason in r.stderr, f"{change}: {r.stderr}")
        check((cli.work / "draft.json").read_bytes() == applied_bytes, f"{change}: nothing written")
    print("registry import-directory: added, moved, renamed, keys and policies untouched: OK")


def main():
    if len(sys.argv) != 4 or sys.argv[3] not in ("geojson", "import"):
        print(__doc__)
        sys.exit(2)
    binary, source, what = os.path.realpath(sys.argv[1]), Path(sys.argv[2]).resolve(), sys.argv[3]
    with tempfile.TemporaryDirectory(prefix="passkoop-directory-") as work:
        cli = Cli(binary, Path(work))
        test_geojson(cli, source) if what == "geojson" else test_import(cli)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/) from the test
vectors and the card fixtures. Run from anywhere; rerun when the vectors change. Inputs already
there (what a campaign found, minimised with -merge=1) are kept."""
import base64
import hashlib
import json
import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent
TESTS = HERE.parent
SEP = b"\x1e"

vectors = json.loads((TESTS / "vectors" / "passes.json").read_text())
bundle_text = (TESTS / "vectors" / "bundle.json").read_bytes()
bundle = json.loads(bundle_text)
registry_payload = base64.b64decode(bundle["registry"]["payload"])
revocation_payloads = [base64.b64decode(r["payload"]) for r in bundle["revocations"]]
revocation = revocation_payloads[0]
scanned = [v["scanned"].encode() for v in vectors["vectors"]]
texts = [v["text"].encode() for v in vectors["vectors"] if v.get("text")]
binaries = [bytes.fromhex(v["bytes_hex"]) for v in vectors["vectors"] if v.get("bytes_hex")]
# 2026-11-21T00:00:00Z, the vectors' day, as 8 little-endian bytes.
clock = struct.pack("<Q", 1795219200)

corpus = {}


def add(target, data):
    corpus.setdefault(target, []).append(data)


for s in sorted(set(scanned + texts)):
    add("pass_text", s)
for b in binaries:
    add("pass_text", b)
add("pass_text", b"  pk&\xc3\xa9\"'(-\xc3\xa8_\xc3\xa7\xc3\xa0  ")

add("bundle", b"\x00" + bundle_text)
add("bundle", b"\x01" + registry_payload)
add("bundle", b"\x01" + registry_payload + SEP + revocation)
add("bundle", b"\x03" + registry_payload + SEP + revocation + SEP + revocation)
add("bundle", b"\x05" + registry_payload + SEP + b"H" + registry_payload + SEP + revocation)
add("bundle", b"\x09" + registry_payload + SEP + revocation)

add("revocations", revocation)
add("revocations", json.dumps(json.loads(revocation), indent=1).encode())
add("revocations", b'{"coop":3,"entries":[],"issued_at":"2026-11-10T08:00:00Z","sequence":0,"type":"passkoop-revocations"}')

for s in scanned[:12]:
    add("verification_json", b"\x00" + clock + s)
    add("verification_json", b"\x02" + clock + s)
add("verification_json", b"\x7f\x05" + b"\xff" * 8 + b"\x00" * 8 + b"\x0c\x00" + b"\x01" * 11 +
    "Camille D.".encode() + SEP + b"0123456789abcdef" + SEP + "La Louve \"Paris\"".encode() + SEP + b"Paris")

add("api", b"GET /healthz\n\n")
add("api", b"GET /\nAccept-Language: en\n\n")
add("api", b"GET /metrics\n\n")
add("api", b"GET /v1/bundle\n\n")
add("api", b"GET /v1/directory\n\n")
add("api", b"POST /v1/verify\nAuthorization: $cashier\n\n{\"pass\":\"$pass\"}")
add("api", b"POST /v1/verify\nAuthorization: $cashier\nAccept-Language: en\n\n{\"pass\":\"" + scanned[0] + b"\"}")
add("api", b"POST /v1/visits\nAuthorization: $cashier\n\n{\"pass\":\"$pass\",\"kind\":\"purchase\",\"amount_cents\":1250,"
    b"\"currency\":\"EUR\",\"ticket\":\"T-1\",\"till\":\"caisse-1\",\"idempotency_key\":\"k1\"}")
add("api", b"POST /v1/visits\nAuthorization: $cashier\n\n{\"declared\":{\"coop\":7},\"kind\":\"purchase\",\"amount_cents\":800,"
    b"\"idempotency_key\":\"k2\"}")
add("api", b"POST /v1/visits/batch\nAuthorization: $cashier\n\n{\"visits\":[{\"pass\":\"$pass\",\"kind\":\"visit\","
    b"\"idempotency_key\":\"b1\",\"at\":\"2026-11-21T10:00:00Z\"}]}")
add("api", b"GET /v1/visits?limit=10&day=2026-11-21\nAuthorization: $manager\n\n")
add("api", b"GET /v1/visits.csv?from=2026-11-01&to=2026-11-30\nAuthorization: $manager\n\n")
add("api", b"GET /v1/reports/monthly?month=2026-11\nAuthorization: $manager\n\n")

for path in sorted((TESTS / "cards" / "fixtures").glob("*.csv")):
    for encoding in (0, 1, 2):
        add("odoo_export", bytes([encoding]) + path.read_bytes())

add("c_api", b"\x01\x01" + SEP + SEP + scanned[0])
add("c_api", b"\x53\x41" + SEP + SEP + scanned[1])
add("c_api", b"\x50\x09" + bundle_text + SEP + SEP + scanned[2])
add("c_api", b"\x21\x01" + SEP + SEP + scanned[4] + struct.pack("<q", -2**63))
add("c_api", b"\xc0\xff" + bundle_text + SEP + json.dumps(bundle["registry"]).encode() + SEP + scanned[3])

# Recipes (opcode, argument): deep arrays, deep objects, wide arrays, strings full of brackets.
add("json_deep", b"\x00" + b"\x00\xff\x02\x00")
add("json_deep", b"\x00" + b"\x01\xb5\x02\x00")
add("json_deep", b"\x00" + b"\x00\x01\x04\xff\x02\x00")
add("json_deep", b"\x01" + b"\x01\x00\x07\xff\x02\x00")
add("json_deep", b"\x02" + b"\x00\x05\x03\x07\x05\x01")
add("json_deep", b"\x04" + b"\x01\x00\x04\x60\x02\x00")
add("json_deep", b"\x05" + b"\x00\x10\x02\x00")

for target, items in corpus.items():
    out = HERE / "corpus" / target
    out.mkdir(parents=True, exist_ok=True)
    for data in items:
        (out / hashlib.sha1(data).hexdigest()).write_bytes(data)

#!/usr/bin/python3
"""Checks the JSON documents written by the real Pass'Koop code against schemas/.

usage: validate.py WRITER SCHEMA_DIR

WRITER is the passkoop-schema-docs program (tests/schema/write_documents.cpp); it is run
into a temporary directory. Then:
  1. every schema must be a valid draft 2020-12 schema with a title and a description;
  2. every written document must validate, and the payload inside every envelope (base64
     decoded) must validate against the schema of its payload type;
  3. deliberately broken documents must be REJECTED, so that a schema too lax to notice
     them makes this test fail.

Uses Debian's python3-jsonschema (4.10): RefResolver with a store of the local schemas, and
no network access (any $ref outside the store is an error).
"""

import base64
import copy
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import jsonschema
from jsonschema import Draft202012Validator

SCHEMA_NAMES = ["envelope", "registry", "revocations", "bundle", "keyfile"]
ID_PREFIX = "https://passkoop.coop/schemas/"
PAYLOAD_SCHEMAS = {
    "application/vnd.passkoop.registry.v1+json": "registry",
    "application/vnd.passkoop.revocations.v1+json": "revocations",
}
# Each written file and the schema it must satisfy.
WRITTEN = {
    "registry.payload.json": "registry",
    "registry-v1.payload.json": "registry",
    "revocations.payload.json": "revocations",
    "registry.envelope.json": "envelope",
    "revocations.envelope.json": "envelope",
    "bundle.json": "bundle",
    "key.plain.json": "keyfile",
    "key.encrypted.json": "keyfile",
}


def _strict_integer(_checker, instance):
    return isinstance(instance, int) and not isinstance(instance, bool)


# JSON Schema counts 12.0 as an integer; Pass'Koop readers refuse any number written with a
# fraction or an exponent. This validator class adds that rule, which no schema can express.
StrictValidator = jsonschema.validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _strict_integer),
)

failures = []


def fail(message):
    failures.append(message)
    print("FAIL  " + message)


def no_network(uri):
    raise jsonschema.RefResolutionError(f"$ref outside the local schemas: {uri}")


class Schemas:
    def __init__(self, directory):
        self.raw = {}
        for name in SCHEMA_NAMES:
            path = Path(directory) / f"{name}.schema.json"
            with open(path, encoding="utf-8") as f:
                self.raw[name] = json.load(f)
        store = {schema["$id"]: schema for schema in self.raw.values()}
        self.standard = {}
        self.strict = {}
        for name, schema in self.raw.items():
            for cls, table in ((Draft202012Validator, self.standard), (StrictValidator, self.strict)):
                resolver = jsonschema.RefResolver(
                    base_uri=schema["$id"], referrer=schema, store=store,
                    handlers={"http": no_network, "https": no_network})
                table[name] = cls(schema, resolver=resolver,
                                  format_checker=Draft202012Validator.FORMAT_CHECKER)

    def check_themselves(self):
        for name, schema in self.raw.items():
            try:
                Draft202012Validator.check_schema(schema)
            except jsonschema.SchemaError as e:
                fail(f"{name}.schema.json is not a valid draft 2020-12 schema: {e.message}")
                continue
            problems = []
            if schema.get("$schema") != "https://json-schema.org/draft/2020-12/schema":
                problems.append("$schema is not draft 2020-12")
            if schema.get("$id") != f"{ID_PREFIX}{name}.schema.json":
                problems.append(f"$id is not {ID_PREFIX}{name}.schema.json")
            for field in ("title", "description"):
                if not isinstance(schema.get(field), str) or not schema[field].strip():
                    problems.append(f"no {field}")
            if problems:
                fail(f"{name}.schema.json: " + "; ".join(problems))
            else:
                print(f"ok    schema {name}.schema.json")

    def errors(self, name, document, strict=True):
        table = self.strict if strict else self.standard
        return sorted(table[name].iter_errors(document), key=lambda e: list(e.absolute_path))


def describe(error):
    where = "/".join(str(p) for p in error.absolute_path) or "(root)"
    return f"{where}: {error.message[:160]}"


def decode_payload(envelope):
    return json.loads(base64.b64decode(envelope["payload"], validate=True))


def expect_valid(schemas, label, name, document):
    # Valid under both the plain draft 2020-12 rules and the strict-integer rule.
    errors = schemas.errors(name, document, strict=False) + schemas.errors(name, document, strict=True)
    if errors:
        fail(f"{label} does not validate against {name}.schema.json: " + describe(errors[0]))
        return False
    print(f"ok    valid     {label} ({name})")
    return True


def expect_envelope_payload(schemas, label, envelope):
    payload_type = envelope.get("payloadType")
    if payload_type not in PAYLOAD_SCHEMAS:
        fail(f"{label}: unexpected payloadType {payload_type!r}")
        return
    expect_valid(schemas, f"{label} payload", PAYLOAD_SCHEMAS[payload_type], decode_payload(envelope))


def expect_rejected(schemas, label, name, document, strict=False):
    # Broken documents must be refused by the schema itself (strict=False), except the one case
    # JSON Schema cannot express (a float with a zero fraction), checked with strict=True.
    errors = schemas.errors(name, document, strict=strict)
    if not errors:
        fail(f"broken document ACCEPTED by {name}.schema.json: {label}")
    else:
        print(f"ok    rejected  {label} -> {describe(errors[0])}")


def check_written(schemas, out):
    docs = {}
    for file, name in WRITTEN.items():
        path = out / file
        if not path.exists():
            fail(f"the writer did not write {file}")
            continue
        with open(path, encoding="utf-8") as f:
            docs[file] = json.load(f)
        expect_valid(schemas, file, name, docs[file])

    for file in ("registry.envelope.json", "revocations.envelope.json"):
        if file in docs:
            expect_envelope_payload(schemas, file, docs[file])
    bundle = docs.get("bundle.json")
    if bundle is not None:
        expect_envelope_payload(schemas, "bundle.json registry", bundle["registry"])
        if not bundle["admin_history"] or not bundle["revocations"]:
            fail("bundle.json should carry an admin history and revocation lists")
        for i, env in enumerate(bundle["admin_history"]):
            expect_envelope_payload(schemas, f"bundle.json admin_history[{i}]", env)
        for i, env in enumerate(bundle["revocations"]):
            expect_envelope_payload(schemas, f"bundle.json revocations[{i}]", env)
    return docs


def check_broken(schemas, docs, out):
    registry = docs["registry.payload.json"]
    envelope = docs["registry.envelope.json"]
    bundle = docs["bundle.json"]
    revocations = docs["revocations.payload.json"]
    plain_key = docs["key.plain.json"]
    encrypted_key = docs["key.encrypted.json"]

    def broken(document, change):
        copied = copy.deepcopy(document)
        change(copied)
        return copied

    # Forward compatibility: unknown members in payloads are accepted, in envelopes they are not.
    expect_valid(schemas, "registry payload with unknown members", "registry", broken(
        registry, lambda d: (d.update(future_field={"x": 1}), d["coops"][0].update(logo="x.svg"))))
    expect_valid(schemas, "revocations payload with an unknown member", "revocations",
                 broken(revocations, lambda d: d.update(reason="lost cards")))

    def set_coop(field, value):
        return lambda d: d["coops"][0].__setitem__(field, value)

    expect_rejected(schemas, "float latitude_e6 43.6", "registry",
                    broken(registry, set_coop("latitude_e6", 43.6)))
    # 43610769.0 is an integer for JSON Schema; only the strict-integer rule refuses it.
    text = (out / "registry.payload.json").read_text(encoding="utf-8")
    text_with_fraction = text.replace('"latitude_e6":43610769', '"latitude_e6":43610769.0', 1)
    if text_with_fraction == text:
        fail("could not build the 43610769.0 case (latitude_e6 of La Cagette not found)")
    else:
        expect_rejected(schemas, "latitude_e6 written 43610769.0 (strict integers)", "registry",
                        json.loads(text_with_fraction), strict=True)
    expect_rejected(schemas, "latitude_e6 beyond 90 degrees", "registry",
                    broken(registry, set_coop("latitude_e6", 90000001)))
    expect_rejected(schemas, "key status \"lost\"", "registry",
                    broken(registry, lambda d: d["coops"][0]["keys"][0].__setitem__("status", "lost")))
    expect_rejected(schemas, "non-canonical base64 public key", "registry",
                    broken(registry, lambda d: d["coops"][0]["keys"][0].__setitem__(
                        "public_key", d["coops"][0]["keys"][0]["public_key"][:42] + "B=")))
    expect_rejected(schemas, "public key of 33 bytes", "registry",
                    broken(registry, lambda d: d["coops"][0]["keys"][0].__setitem__(
                        "public_key", base64.b64encode(bytes(33)).decode())))
    expect_rejected(schemas, "version 1 with a previous hash", "registry",
                    broken(registry, lambda d: d.update(version=1)))
    expect_rejected(schemas, "version 3 with previous null", "registry",
                    broken(registry, lambda d: d.update(previous=None)))
    expect_rejected(schemas, "uppercase previous hash", "registry",
                    broken(registry, lambda d: d.update(previous=d["previous"].upper())))
    expect_rejected(schemas, "instant with an offset", "registry",
                    broken(registry, lambda d: d.update(issued_at="2026-11-21T10:00:00+01:00")))
    expect_rejected(schemas, "threshold 0", "registry",
                    broken(registry, lambda d: d["admins"].update(threshold=0)))
    expect_rejected(schemas, "accepted_coops [0]", "registry",
                    broken(registry, lambda d: d["coops"][0]["policy"].update(accepted_coops=[0])))
    expect_rejected(schemas, "accepted_coops \"none\"", "registry",
                    broken(registry, lambda d: d["coops"][0]["policy"].update(accepted_coops="none")))
    expect_rejected(schemas, "conditions \"free\"", "registry",
                    broken(registry, lambda d: d["coops"][0]["policy"].update(conditions="free")))
    expect_rejected(schemas, "stage 6", "registry", broken(registry, set_coop("stage", 6)))
    expect_rejected(schemas, "coop without policy", "registry",
                    broken(registry, lambda d: d["coops"][0].pop("policy")))

    expect_rejected(schemas, "uppercase pass id", "revocations",
                    broken(revocations, lambda d: d["entries"][0].update(pass_id=d["entries"][0]["pass_id"].upper())))
    expect_rejected(schemas, "negative sequence", "revocations",
                    broken(revocations, lambda d: d.update(sequence=-1)))

    expect_rejected(schemas, "keyid of 15 characters", "envelope",
                    broken(envelope, lambda d: d["signatures"][0].update(keyid=d["signatures"][0]["keyid"][:15])))
    expect_rejected(schemas, "extra envelope member", "envelope",
                    broken(envelope, lambda d: d.update(comment="hello")))
    expect_rejected(schemas, "signature of 63 bytes", "envelope",
                    broken(envelope, lambda d: d["signatures"][0].update(sig=base64.b64encode(bytes(63)).decode())))
    expect_rejected(schemas, "payload that is not base64", "envelope",
                    broken(envelope, lambda d: d.update(payload=d["payload"] + "!")))
    expect_rejected(schemas, "65 signatures", "envelope",
                    broken(envelope, lambda d: d.update(signatures=d["signatures"][:1] * 65)))

    # Through the $ref to envelope.schema.json: proves the reference is resolved.
    expect_rejected(schemas, "bundle whose registry envelope has an extra member", "bundle",
                    broken(bundle, lambda d: d["registry"].update(comment="hello")))
    expect_rejected(schemas, "bundle whose admin_history envelope has a 15-character keyid", "bundle",
                    broken(bundle, lambda d: d["admin_history"][0]["signatures"][0].update(keyid="0123456789abcde")))
    expect_rejected(schemas, "bundle with a revocation list in the registry slot", "bundle",
                    broken(bundle, lambda d: d.update(registry=d["revocations"][0])))
    expect_rejected(schemas, "bundle of another type", "bundle",
                    broken(bundle, lambda d: d.update(type="passkoop-registry")))

    expect_rejected(schemas, "encrypted key file holding a plain seed", "keyfile",
                    broken(encrypted_key, lambda d: d.update(secret=plain_key["secret"])))
    expect_rejected(schemas, "plain key file holding a sealed seed", "keyfile",
                    broken(plain_key, lambda d: d.update(secret=encrypted_key["secret"])))
    expect_rejected(schemas, "key file with opslimit 0", "keyfile",
                    broken(encrypted_key, lambda d: d["encryption"].update(opslimit=0)))
    expect_rejected(schemas, "key file of version 2", "keyfile",
                    broken(plain_key, lambda d: d.update(version=2)))


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    writer, schema_dir = sys.argv[1], sys.argv[2]
    schemas = Schemas(schema_dir)
    schemas.check_themselves()
    with tempfile.TemporaryDirectory(prefix="passkoop-schemas-") as tmp:
        out = Path(tmp)
        run = subprocess.run([writer, str(out)], capture_output=True, text=True)
        if run.returncode != 0:
            print(run.stdout + run.stderr, file=sys.stderr)
            print(f"FAIL  the writer exited with {run.returncode}", file=sys.stderr)
            return 1
        docs = check_written(schemas, out)
        if len(docs) == len(WRITTEN):
            check_broken(schemas, docs, out)
    if failures:
        print(f"\n{len(failures)} failure(s)")
        return 1
    print("\nall documents match their schemas; every broken document was rejected")
    return 0


if __name__ == "__main__":
    sys.exit(main())

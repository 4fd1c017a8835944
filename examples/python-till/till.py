#!/usr/bin/env python3
"""A cashier's terminal till on Pass'Koop's library (examples/python-till).

Scan a pass (the scanner types a line), read the verdict, type the amount, and the visit is
recorded on the till's disk, network or not. Commands: "sync", "statut", "maj" (registry update),
"declare N" (a visitor without a card, from coop N), "quitter". Messages are French; --lang en
gives English.

    PASSKOOP_TOKEN=pkt_… python3 till.py --db caisse-1.till --coop 3 --till caisse-1 \\
        --server https://magasin.example [--bundle bundle.json] [--ca-file ca.pem]
"""

import argparse
import os
import sys

from passkoop_till import Till, TillError

WORDS = {
    "fr": {"green": "VERT", "orange": "ORANGE", "red": "ROUGE", "amount": "Montant (ex. 12,50 ; vide = annuler) : ",
           "recorded": "Visite enregistrée", "cancelled": "Annulé", "refused": "Refusé", "bad_amount": "Montant illisible",
           "sent": "Envoyées", "waiting": "en attente", "registry": "Registre version", "queue": "Visites en attente",
           "unknown": "Commande inconnue", "visits": "visites"},
    "en": {"green": "GREEN", "orange": "ORANGE", "red": "RED", "amount": "Amount (e.g. 12.50; empty = cancel): ",
           "recorded": "Visit recorded", "cancelled": "Cancelled", "refused": "Refused", "bad_amount": "Unreadable amount",
           "sent": "Sent", "waiting": "waiting", "registry": "Registry version", "queue": "Visits waiting",
           "unknown": "Unknown command", "visits": "visits"},
}


def cents(text):
    """'12,50' or '12.50' or '12' → 1250; None when unreadable."""
    text = text.strip().replace(",", ".")
    try:
        euros, _, part = text.partition(".")
        if not euros.isdigit() or (part and (not part.isdigit() or len(part) > 2)):
            return None
        return int(euros) * 100 + int((part + "00")[:2])
    except ValueError:
        return None


def show(verdict, w):
    line = f"{w[verdict['color']]} : {verdict['message']}"
    member = verdict.get("member") or {}
    coop = verdict.get("coop") or {}
    if member.get("name") or coop.get("name"):
        line += f" — {member.get('name', '')} ({coop.get('name') or coop.get('number')})"
    print(line)
    for warning in verdict.get("warning_messages", []):
        print(f"  {warning}")
    policy = verdict.get("policy")
    if policy:
        limit = f"/{policy['limit']}" if policy["limit"] else ""
        print(f"  {policy['message']} ({policy['visits']}{limit} {w['visits']})")


def ask_amount_and_record(till, visit, w, lines):
    print(w["amount"], end="", flush=True)
    amount = next(lines, "").strip()
    if not amount:
        print(w["cancelled"])
        return
    value = cents(amount)
    if value is None:
        print(w["bad_amount"])
        return
    answer = till.record({**visit, "kind": "purchase", "amount_cents": value})
    if answer["outcome"] == "recorded":
        print(f"{w['recorded']} ({answer['idempotency_key']})")
    else:
        print(f"{w['refused']} : {answer['message']}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True)
    parser.add_argument("--coop", type=int, required=True)
    parser.add_argument("--till", required=True)
    parser.add_argument("--server", default="")
    parser.add_argument("--bundle", help="a bundle file to adopt (first start, USB stick)")
    parser.add_argument("--ca-file", default="")
    parser.add_argument("--lang", default="fr", choices=["fr", "en"])
    args = parser.parse_args()
    w = WORDS[args.lang]
    options = {"database": args.db, "host_coop": args.coop, "till_id": args.till, "server_url": args.server,
               "token": os.environ.get("PASSKOOP_TOKEN", ""), "ca_file": args.ca_file}
    try:
        with Till(options, lang=args.lang) as till:
            if args.bundle:
                with open(args.bundle, "rb") as f:
                    till.adopt_bundle(f.read())
            lines = iter(sys.stdin.readline, "")
            for line in lines:
                line = line.strip()
                if not line:
                    continue
                command, _, rest = line.partition(" ")
                if command in ("quitter", "quit"):
                    break
                if command == "sync":
                    r = till.sync()
                    print(f"{w['sent']} : {r['sent']}, {w['waiting']} : {r['pending']}" + (f" — {r['error']}" if r["error"] else ""))
                elif command in ("statut", "status"):
                    s = till.status()
                    print(f"{w['registry']} {s['registry_version']} ; {w['queue']} : {s['queue_length']}")
                elif command in ("maj", "refresh"):
                    r = till.refresh()
                    print(f"{w['registry']} {r['version']} ({r['outcome']}) {r['detail']}".rstrip())
                elif command in ("declare", "declarer") and rest.strip().isdigit():
                    ask_amount_and_record(till, {"declared": {"coop": int(rest)}}, w, lines)
                else:
                    # Anything else is a scan: the library reads PK texts and keyboard-mangled ones.
                    verdict = till.verify(line)
                    show(verdict, w)
                    if verdict["color"] != "red":
                        ask_amount_and_record(till, {"pass": line}, w, lines)
    except TillError as e:
        print(f"passkoop-till : {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

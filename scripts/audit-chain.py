#!/usr/bin/env python3
"""Re-verifies a kin lineage store's audit chain without kin: python3 scripts/audit-chain.py .kin/lineage.db

Checks that the entries are numbered 1, 2, 3, ..., that each entry's hash is the SHA-256 of
the canonical JSON of its fields, and that each points at the one before (docs/audit.md).
Prints the head and exits 0, or names the first broken entry and exits 1. It checks the
chain only; `kin audit verify` also compares each entry with the rows it describes.
"""
import hashlib
import json
import sqlite3
import sys


def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def main(path):
    rows = sqlite3.connect(path).execute(
        "SELECT seq, at, user, host, action, subject, payload, prev, hash FROM audit_entry ORDER BY seq"
    )
    prev = "0" * 64
    count = 0
    for expected, (seq, at, user, host, action, subject, payload, link, digest) in enumerate(rows, start=1):
        fields = {"seq": seq, "at": at, "actor": {"user": user, "host": host}, "action": action,
                  "subject": subject, "payload_sha256": sha256(payload), "prev": link}
        if seq != expected:
            sys.exit(f"entry {expected} is missing (found {seq})")
        if sha256(canonical(fields)) != digest:
            sys.exit(f"entry {seq} was edited")
        if link != prev:
            sys.exit(f"entry {seq} does not follow entry {seq - 1}")
        prev, count = digest, seq
    print(f"chain verified: {count} entries, head {prev}")


if __name__ == "__main__":
    main(sys.argv[1])

#!/usr/bin/env python3
"""fixtures_test.py - the extractor against an independent reference.

Every real catalogue in ../shared/fixtures (skipped, and said so, when the
folder is absent) and a set of synthetic ones from gen_catalogue.py go
through `ormodels parse --json`; each model is compared field by field
with tests/reference.py (prices as decimal values), and so are the counts
in the summary line.

    fixtures_test.py --cli build/ormodels [--fixtures DIR]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_catalogue  # noqa: E402
import reference  # noqa: E402
import random  # noqa: E402
import json  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_FIXTURES = os.path.normpath(os.path.join(HERE, "..", "..", "shared",
                                                 "fixtures"))
SUMMARY = re.compile(r"(\d+) models kept, (\d+) dropped, (\d+) skipped "
                     r"\((\d+) long ids, (\d+) invalid\), (\d+) repeated")


def check(cli, label, path, failures):
    data = open(path, "rb").read()
    want, wstats = reference.expected(data)
    # A private HOME: no saved selection or config changes the pins.
    home = tempfile.mkdtemp(prefix="om-fx-")
    p = subprocess.run([cli, "parse", path, "--json"], capture_output=True,
                       timeout=120, env=dict(os.environ, HOME=home))
    if p.returncode != 0:
        failures.append("%s: exit %d: %s" % (label, p.returncode,
                                             p.stderr.decode()[:300]))
        return 0
    got, updated = reference.from_cli_json(p.stdout.decode("utf-8"))
    errs = []
    if len(got) != len(want):
        errs.append("%d models, expected %d" % (len(got), len(want)))
    for g, w in zip(got, want):
        for k in ("id", "name", "prompt", "completion", "context_length"):
            if g[k] != w[k]:
                errs.append("%s: %s is %r, expected %r" % (w["id"], k, g[k], w[k]))
                break
        if len(errs) > 5:
            break
    m = SUMMARY.search(p.stderr.decode())
    if not m:
        errs.append("no summary line in %r" % p.stderr.decode()[:200])
    else:
        kept, dropped, _skip, long_ids, invalid, dups = map(int, m.groups())
        for name, g, w in (("kept", kept, len(want)),
                           ("dropped", dropped, wstats["dropped"]),
                           ("long ids", long_ids, wstats["long_ids"]),
                           ("invalid", invalid, wstats["invalid"]),
                           ("duplicates", dups, wstats["duplicates"])):
            if g != w:
                errs.append("%s: %d, expected %d" % (name, g, w))
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", updated or ""):
        errs.append("updated_at %r is not ISO 8601 UTC" % updated)
    if errs:
        failures.append("%s: %s" % (label, "; ".join(errs)))
    return len(want)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--fixtures", default=os.environ.get("OM_FIXTURES",
                                                         DEFAULT_FIXTURES))
    a = ap.parse_args()
    failures, passed = [], 0
    cases = []
    if os.path.isdir(a.fixtures):
        for f in sorted(os.listdir(a.fixtures)):
            if f.endswith(".json"):
                cases.append((f, os.path.join(a.fixtures, f)))
    else:
        print("fixtures: SKIPPED the real catalogues: %s is absent" % a.fixtures)
    tmp = tempfile.mkdtemp(prefix="om-gen-")
    for kind in gen_catalogue.KINDS:
        for seed in (1, 2):
            for pretty in (False, True):
                doc = gen_catalogue.gen(kind, random.Random(seed))
                text = (json.dumps(doc, indent=2, ensure_ascii=seed % 2 == 0)
                        if pretty else
                        json.dumps(doc, separators=(",", ":"),
                                   ensure_ascii=seed % 2 == 0))
                path = os.path.join(tmp, "%s-%d-%s.json" % (
                    kind, seed, "pretty" if pretty else "min"))
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
                cases.append((os.path.basename(path), path))
    for label, path in cases:
        before = len(failures)
        n = check(a.cli, label, path, failures)
        if len(failures) == before:
            passed += 1
            print("ok   %-58s %4d models" % (label, n))
        else:
            print("FAIL %s" % failures[-1])
    print("fixtures: %d passed, %d failed" % (passed, len(failures)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

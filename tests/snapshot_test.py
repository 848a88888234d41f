#!/usr/bin/env python3
"""snapshot_test.py - a build with a baked-in table boots with it.

`make snapshot FROM=catalogue.json` must put the whole table into the
binary: with no cache, that build lists the catalogue's models where a
plain build lists the four built-in defaults.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference  # noqa: E402


def listed(cli, home):
    # --offline: the table comes from the build, never from the network
    p = subprocess.run([cli, "list", "--json", "--offline"], capture_output=True,
                       timeout=60,
                       env=dict(os.environ, HOME=home))
    return p.returncode, json.loads(p.stdout)["models"], p.stderr.decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--plain", required=True)
    ap.add_argument("--catalogue", required=True)
    a = ap.parse_args()
    home = tempfile.mkdtemp(prefix="om-snap-")
    want, _ = reference.expected(open(a.catalogue, "rb").read())
    ok = 0
    rc, models, err = listed(a.cli, home)
    res = [rc == 0, [m["id"] for m in models] == [m["id"] for m in want]]
    rc, models, err = listed(a.plain, home)
    res.append(rc == 0 and len(models) == 4)
    ok = sum(res)
    print("snapshot: %d passed, %d failed" % (ok, len(res) - ok))
    sys.exit(0 if all(res) else 1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""bench.py - the figures behind the README's performance claims.

For the largest catalogue in ../shared/fixtures (or a synthetic one when
that folder is absent): extractor throughput, instructions per input byte
counted by callgrind (the whole process minus the same process on a tiny
catalogue, so start-up and reading the file cancel out), the table's and
the extractor's RAM, and the code size of the core.

    bench.py --bench build/bench_extract --cli build/ormodels
"""
import argparse
import os
import random
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_catalogue  # noqa: E402

FIXTURES = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "fixtures"))
TARGET_IPB = 6.0


def callgrind_total(cmd):
    out = tempfile.mktemp(prefix="om-cg-")
    p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out]
                       + cmd, capture_output=True, text=True)
    os.unlink(out)
    m = re.search(r"Collected : (\d+)", p.stderr)
    if p.returncode != 0 or not m:
        sys.exit("callgrind failed: %s" % p.stderr[-500:])
    return int(m.group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--fixtures", default=os.environ.get("OM_FIXTURES", FIXTURES))
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="om-bench-")
    if os.path.isdir(a.fixtures):
        files = [os.path.join(a.fixtures, f) for f in os.listdir(a.fixtures)
                 if f.endswith(".json")]
        big = max(files, key=os.path.getsize)
    else:
        print("bench: %s absent; using a synthetic catalogue" % a.fixtures)
        big = os.path.join(tmp, "synthetic.json")
        import json
        with open(big, "w") as f:
            json.dump(gen_catalogue.gen("many", random.Random(1)), f, indent=2)
    tiny = os.path.join(tmp, "tiny.json")
    with open(tiny, "w") as f:
        f.write('{"data":[{"id":"a/b","name":"A","pricing":{"prompt":"0",'
                '"completion":"0"},"context_length":1}]}')
    size = os.path.getsize(big)

    out = subprocess.run([a.bench, big, "20"], capture_output=True, text=True,
                         check=True).stdout
    kv = dict(x.split("=") for x in out.split())
    ins = callgrind_total([a.bench, big, "1"]) - callgrind_total([a.bench, tiny, "1"])
    ipb = ins / size
    # the same in the pieces a fetch hands over (OM_FETCH_IO_SIZE, 384)
    ins_io = (callgrind_total([a.bench, big, "1", "384"])
              - callgrind_total([a.bench, tiny, "1", "384"]))

    cap = 512
    table = int(kv["table_ram"])
    print("ormodels bench (%s, %d bytes, %s models kept)" %
          (os.path.basename(big), size, kv["models"]))
    print("  extractor throughput     %8.1f MB/s   (20 runs, 16 KB chunks)" %
          float(kv["MBps"]))
    print("  instructions per byte    %8.2f        (callgrind, 16 KB chunks; target <= %.0f: %s)"
          % (ipb, TARGET_IPB, "met" if ipb <= TARGET_IPB else "NOT met"))
    print("                           %8.2f        (callgrind, 384-byte chunks as a fetch feeds them)"
          % (ins_io / size))
    print("  table RAM                %8d bytes  (%d models: %.1f bytes each)" %
          (table, cap, table / cap))
    print("  extractor RAM            %8s bytes  (window %s bytes)" %
          (kv["extractor_ram"], kv["window"]))
    objs = subprocess.run(["size", "-t"] + sorted(
        os.path.join(d, f) for d, _, fs in os.walk(os.path.join(
            os.path.dirname(a.cli), "obj", "src")) for f in fs if f.endswith(".o")),
        capture_output=True, text=True).stdout.splitlines()
    tot = objs[-1].split()
    print("  core code (host, -O2)    %8s text, %s data, %s bss" % tuple(tot[:3]))


if __name__ == "__main__":
    main()

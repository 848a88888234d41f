#!/usr/bin/env python3
"""cli_test.py - the ormodels command line as a user runs it.

Runs build/ormodels with a private HOME: parse and --save, list, search
and show from the cache, filters and orders, --json, options before and
after the command, exit statuses, 80-column output, the built-in
defaults, and that a bad catalogue or a corrupt cache never changes or
loses the saved table.

    cli_test.py --cli build/ormodels
"""
import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_catalogue  # noqa: E402

passed, failed = 0, []


def check(name, cond, detail=""):
    global passed
    if cond:
        passed += 1
    else:
        failed.append("%s %s" % (name, detail))
        print("FAIL", name, detail)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    a = ap.parse_args()
    cli = os.path.abspath(a.cli)
    home = tempfile.mkdtemp(prefix="om-home-")
    env = dict(os.environ, HOME=home)

    def run(*args, stdin=None):
        # Never the network: these tests read saved tables only.
        args = list(args)
        if args and args[0] in ("list", "search", "show") or "list" in args:
            args.append("--offline")
        p = subprocess.run([cli] + args, capture_output=True, env=env,
                           input=stdin, timeout=60)
        return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8")

    cat = os.path.join(home, "catalogue.json")
    doc = gen_catalogue.gen("schema2026", random.Random(7))
    doc["data"][0].update(id="openai/gpt-4o", name="OpenAI: GPT-4o",
                          context_length=128000,
                          pricing={"prompt": "0.0000025",
                                   "completion": "0.00001"})
    doc["data"][1].update(id="free/model:free", name="Free Model",
                          context_length=32768,
                          pricing={"prompt": "0", "completion": "0"})
    doc["data"][2].update(id="x" * 60 + "/long", context_length=4096)
    with open(cat, "w") as f:
        json.dump(doc, f, indent=2)
    cache = os.path.join(home, ".clawlet", "models_cache.bin")

    # No cache yet: the four built-in defaults, with a notice.
    rc, out, err = run("list")
    check("defaults exit", rc == 0, err)
    check("defaults notice", "built-in defaults" in err, err)
    for mid in ("anthropic/claude-sonnet-4", "anthropic/claude-3.5-sonnet",
                "openai/gpt-4-turbo", "meta-llama/llama-3.3-70b-instruct"):
        check("default " + mid, mid in out)
    check("defaults count", "4 of 4 models" in out, out)

    # parse --save: the table, a summary, and the cache at the default path.
    rc, out, err = run("parse", cat, "--save")
    check("parse exit", rc == 0, err)
    check("parse summary", re.search(r"^30 models kept, 0 dropped", out, re.M),
          out[-300:])
    check("cache saved", os.path.exists(cache))
    for line in out.splitlines():
        check("80 columns", len(line) <= 80, repr(line))
    check("long id on its own line", ("x" * 60 + "/long\n") in out)

    # Options before the command work the same.
    rc2, out2, _ = run("--json", "list")
    rc3, out3, _ = run("list", "--json")
    check("option order", rc2 == rc3 == 0 and out2 == out3)
    j = json.loads(out2)
    check("json keys", set(j) == {"models", "updated_at"}, str(set(j)))
    check("json updated_at", re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",
                                          j["updated_at"]), j["updated_at"])
    ids = [m["id"] for m in j["models"]]
    check("json sorted", ids == sorted(ids, key=lambda s: s.encode()))
    g = [m for m in j["models"] if m["id"] == "openai/gpt-4o"][0]
    check("json model", g == {"id": "openai/gpt-4o", "name": "OpenAI: GPT-4o",
                              "pricing": {"prompt": "0.0000025",
                                          "completion": "0.00001"},
                              "context_length": 128000}, str(g))

    # Human rows: USD per million tokens and short contexts.
    rc, out, _ = run("search", "GPT-4O")
    check("search exit", rc == 0)
    check("search row", re.search(r"^openai/gpt-4o\s+2\.50\s+10\.00\s+128K$",
                                  out, re.M), out)
    rc, out, err = run("search", "no-such-thing")
    check("search miss", rc == 1 and "no model matches" in err, err)

    rc, out, _ = run("list", "--free")
    check("free", "free/model:free" in out and "openai/gpt-4o" not in out, out)
    # The filters and orders against the document itself (30 models).
    want_big = sorted(m["id"] for m in doc["data"]
                      if (m.get("context_length") or 0) >= 100000)
    rc, out, _ = run("list", "--min-context", "100000", "--json")
    got = sorted(m["id"] for m in json.loads(out)["models"])
    check("min-context", rc == 0 and got == want_big and "openai/gpt-4o" in got
          and "free/model:free" not in got, "%s vs %s" % (got, want_big))
    rc, out, _ = run("list", "--sort", "context", "--json")
    ctx = [m["context_length"] for m in json.loads(out)["models"]]
    check("sort context", len(ctx) == 30 and ctx == sorted(ctx, reverse=True),
          str(ctx))
    rc, out, _ = run("list", "--sort", "price", "--json")
    pr = [m["pricing"].get("prompt") for m in json.loads(out)["models"]]
    real = [float(p) for p in pr if p not in (None, "-1")]
    check("sort price", len(pr) == 30 and len(real) >= 2 and real == sorted(real),
          str(pr))

    rc, out, _ = run("show", "openai/gpt-4o")
    check("show", rc == 0 and "0.0000025 USD/token" in out
          and "128000 tokens" in out, out)
    rc, _, err = run("show", "nope/nope")
    check("show miss", rc == 1 and "no model 'nope/nope'" in err, err)

    # Usage errors: status 2 and a message.
    for bad in (["frobnicate"], ["list", "--sort", "cheap"], ["--bogus", "list"],
                ["list", "--min-context", "-5"], ["search"], [],
                # a loopback URL: a usage error that let the fetch run
                # would fail here, not reach the internet
                ["fetch", "--url", "https://127.0.0.1:1/", "--timeout", "0"],
                ["fetch", "--url", "https://127.0.0.1:1/", "extra"]):
        rc, _, err = run(*bad)
        check("usage %s" % bad, rc == 2 and "usage:" in err, "%d %s" % (rc, err))

    # A bad catalogue fails with the byte offset, and the cache is intact.
    before = open(cache, "rb").read()
    text = open(cat).read()
    for broken, what in ((text[:len(text) // 2], "truncated"),
                         (text.replace('"data"', '"data" 1', 1), "malformed JSON"),
                         ('{"data":[]}', "no models"),
                         ("<html>502 Bad Gateway</html>", "not a model catalogue")):
        rc, out, err = run("parse", "-", "--save", stdin=broken.encode())
        check("bad parse " + what, rc == 1 and what in err and "at byte" in err,
              "%d %r" % (rc, err))
        check("cache intact " + what, open(cache, "rb").read() == before)

    # A corrupt or foreign cache is reported and the defaults used; the
    # broken file is left alone for inspection.
    corrupt = bytearray(before)
    corrupt[60] ^= 0x40
    with open(cache, "wb") as f:
        f.write(corrupt)
    rc, out, err = run("list")
    check("corrupt cache", rc == 0 and "corrupt table image" in err
          and "4 of 4 models" in out, err)
    with open(cache, "wb") as f:
        f.write(b"not an image at all")
    rc, out, err = run("list")
    check("foreign cache", rc == 0 and "incompatible table image" in err, err)

    # --cache-file chooses another file.
    other = os.path.join(home, "other", "t.bin")
    rc, _, _ = run("parse", cat, "--save", "--cache-file", other)
    rc2, out, _ = run("--cache-file", other, "list")
    check("cache-file", rc == 0 and rc2 == 0 and "30 of 30 models" in out, out)

    shutil.rmtree(home)
    print("cli: %d passed, %d failed" % (passed, len(failed)))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

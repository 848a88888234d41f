#!/usr/bin/env python3
"""bench_fetch.py - what a full fetch costs, against its targets.

Serves the largest catalogue in ../shared/fixtures (or a synthetic one
when that folder is absent) from nginx on 127.0.0.1 (TLS 1.3, EC P-256
certificate under a fresh test CA; fault_server.py when nginx is missing)
and measures:

  - wall time of `ormodels fetch --force` (median of 5 runs; the whole
    process: start, CA file, handshake, body, saving the table);
  - the peak RSS of that process (GNU time -v);
  - from bench_fetch (the same objects as the CLI, trusting only the test
    CA): the time of om_fetch alone, the TLS pool's high-water, the static
    RAM of the fetch state, and the deepest stack of the fetch path by
    stack painting.

    bench_fetch.py --cli build/ormodels --bench build/bench_fetch
"""
import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "net"))
import gen_catalogue  # noqa: E402
import fetch_test as ft  # noqa: E402  (its server helpers)

FIXTURES = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "fixtures"))
RUNS = 5
# The job done by a libcurl + cJSON client on this machine.
REF_MS = 16.0
REF_RSS_KB = 16 * 1024
POOL_TARGET = 48 * 1024
GNU_TIME = "/usr/bin/time"


def kv(text):
    return dict(line.split("=", 1) for line in text.split() if "=" in line)


def peak_rss_kb(cmd, env):
    p = subprocess.run([GNU_TIME, "-v"] + cmd, capture_output=True, text=True,
                       env=env, timeout=60)
    for line in p.stderr.splitlines():
        if "Maximum resident set size" in line:
            return p.returncode, int(line.split()[-1])
    return p.returncode, None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--bench", required=True)
    ap.add_argument("--bench-64k", help="bench_fetch built with the 64 KiB pool")
    ap.add_argument("--fixtures", default=os.environ.get("OM_FIXTURES", FIXTURES))
    a = ap.parse_args()
    cli, bench = os.path.abspath(a.cli), os.path.abspath(a.bench)
    if not os.access(GNU_TIME, os.X_OK):
        sys.exit("bench-fetch: %s missing (apt-get install time)" % GNU_TIME)
    tmp = tempfile.mkdtemp(prefix="om-bench-fetch-")
    os.chmod(tmp, 0o755)
    try:
        run(a, cli, bench, tmp)
    finally:
        for p in ft.procs:
            ft.stop(p)
        shutil.rmtree(tmp, ignore_errors=True)


def run(a, cli, bench, tmp):
    pki = os.path.join(tmp, "pki")
    subprocess.run([os.path.join(HERE, "net", "make-test-ca.sh"), pki],
                   check=True, capture_output=True)
    ca = os.path.join(pki, "ca.pem")
    if os.path.isdir(a.fixtures) and any(f.endswith(".json")
                                         for f in os.listdir(a.fixtures)):
        files = [os.path.join(a.fixtures, f) for f in os.listdir(a.fixtures)
                 if f.endswith(".json")]
        big = max(files, key=os.path.getsize)
    else:
        print("bench-fetch: %s absent; using a synthetic catalogue" % a.fixtures)
        big = os.path.join(tmp, "synthetic.json")
        with open(big, "w") as f:
            json.dump(gen_catalogue.gen("many", random.Random(1)), f, indent=2)
    size = os.path.getsize(big)
    www = os.path.join(tmp, "www")
    os.makedirs(os.path.join(www, "api", "v1"))
    shutil.copy(big, os.path.join(www, "api", "v1", "models"))
    with open(os.path.join(www, "api", "v1", "tiny"), "w") as f:
        f.write('{"data":[{"id":"a/b","name":"A","pricing":{"prompt":"0",'
                '"completion":"0"},"context_length":1}]}')
    os.chmod(www, 0o755)

    if ft.NGINX:
        port, _ = ft.nginx(tmp, pki, www, "server-ec", "TLSv1.3")
        server = "nginx, TLS 1.3, EC P-256"
        url = "https://127.0.0.1:%d/api/v1/models" % port
        tiny = "https://127.0.0.1:%d/api/v1/tiny" % port
    else:
        print("bench-fetch: nginx missing (apt-get install nginx-light); "
              "using fault_server.py")
        port = ft.fault_server(tmp, pki, "server-ec", big, "fault")
        server = "fault_server.py (Python ssl), TLS 1.3, EC P-256"
        url = tiny = "https://127.0.0.1:%d/ok" % port

    env = dict(os.environ, HOME=tmp)
    env.pop("OPENROUTER_API_KEY", None)
    cache = os.path.join(tmp, "cache.bin")
    fetch = [cli, "fetch", "--force", "--url", url, "--cacert", ca,
             "--cache-file", cache]

    def full_fetch():
        # No saved table: otherwise the saved ETag makes the request
        # conditional and nginx answers 304 with no body.
        if os.path.exists(cache):
            os.unlink(cache)

    # Wall time of the whole command, after one warm-up run.
    full_fetch()
    subprocess.run(fetch, check=True, capture_output=True, env=env)
    walls = []
    for _ in range(RUNS):
        full_fetch()
        t0 = time.perf_counter()
        p = subprocess.run(fetch, check=True, capture_output=True, env=env,
                           text=True)
        walls.append((time.perf_counter() - t0) * 1e3)
        if not p.stdout.startswith("updated:"):
            sys.exit("bench-fetch: not a full fetch: " + p.stdout + p.stderr)
    wall = statistics.median(walls)
    full_fetch()
    rc, rss = peak_rss_kb(fetch, env)
    if rc != 0 or rss is None:
        sys.exit("bench-fetch: ormodels fetch failed under %s" % GNU_TIME)
    # A forced fetch with a saved table: conditional, a 304 from nginx.
    t0 = time.perf_counter()
    p = subprocess.run(fetch, check=True, capture_output=True, env=env, text=True)
    wall_304 = (time.perf_counter() - t0) * 1e3
    is_304 = p.stdout.startswith("not modified")
    _, rss_idle = peak_rss_kb([cli, "version"], env)
    rss_bench = rss_64k = None
    _, rss_bench = peak_rss_kb([bench, "--url", url, "--cacert", ca], env)
    if a.bench_64k:
        rc, rss_64k = peak_rss_kb([a.bench_64k, "--url", url, "--cacert", ca], env)
        if rc != 0:
            rss_64k = None

    # The inside view.
    ins = []
    for _ in range(RUNS):
        p = subprocess.run([bench, "--url", url, "--cacert", ca],
                           capture_output=True, text=True, env=env)
        if p.returncode != 0:
            sys.exit("bench-fetch: bench_fetch failed: " + p.stderr)
        ins.append(kv(p.stdout))
    b = ins[0]
    fetch_ms = statistics.median(float(x["fetch_ms"]) for x in ins)
    p = subprocess.run([bench, "--url", tiny, "--cacert", ca],
                       capture_output=True, text=True, env=env)
    tiny_ms = float(kv(p.stdout).get("fetch_ms", "nan"))
    hw = int(b["pool_hw"])
    fetcher, table, tls = (int(b["sizeof_fetcher"]), int(b["sizeof_table"]),
                           int(b["sizeof_tls"]))
    static_ram = fetcher + 2 * table + tls

    def verdict(ok):
        return "met" if ok else "NOT met"

    print("ormodels fetch bench: %s (%d bytes, %s models kept)" % (
        os.path.basename(big), size, b["models"]))
    print("  server: %s on 127.0.0.1; CLI trusts only the test CA (--cacert)"
          % server)
    print()
    print("  %-40s %14s  %s" % ("what", "measured", "target"))
    print("  %-40s %14s  %s" % ("-" * 40, "-" * 14, "-" * 34))
    print("  %-40s %11.1f ms  < %.0f ms (libcurl + cJSON): %s" % (
        "ormodels fetch, no table, wall (med/%d)" % RUNS, wall, REF_MS,
        verdict(wall < REF_MS)))
    print("  %-40s %11d KB  <= %d KB (1/8 of %d MiB): %s" % (
        "ormodels fetch, peak RSS", rss, REF_RSS_KB // 8, REF_RSS_KB // 1024,
        verdict(rss <= REF_RSS_KB // 8)))
    print("  %-40s %11.1f KB  <= %.0f KB: %s" % (
        "mbedTLS pool high-water", hw / 1024.0, POOL_TARGET / 1024.0,
        verdict(hw <= POOL_TARGET)))
    print()
    print("  details")
    print("    wall, each run (ms)                %s" % " ".join(
        "%.1f" % w for w in walls))
    print("    fetch --force with a saved table   %8.1f ms (%s)" % (
        wall_304, "a 304, no body" if is_304 else "NOT a 304"))
    print("    om_fetch alone, in-process         %8.1f ms (median/%d; "
          "connect + handshake + body + extract, no process start, no save)"
          % (fetch_ms, RUNS))
    print("    om_fetch of a 1-model catalogue    %8.1f ms (the handshake's share)"
          % tiny_ms)
    print("    om_tls_init (pool, PSA, DRBG, CA)  %8.1f ms" % float(b["init_ms"]))
    print("    peak RSS of `ormodels version`     %8d KB (process baseline: "
          "binary, libc)" % rss_idle)
    print("    peak RSS of bench_fetch, 1 MiB pool %7s KB; with the 64 KiB pool: "
          "%s KB" % (rss_bench, rss_64k if rss_64k else "not built"))
    print("      (Mbed TLS zeroes the whole pool at init: the Linux build's "
          "1 MiB is resident)")
    print("    pool: size in this build           %8d B  (Linux build: room "
          "for the system bundle; boards %s B)" % (int(b["pool_size"]),
                                                   b["pool_default"]))
    print("    pool: CA chain (1 EC root) idle    %8d B" % int(b["pool_ca"]))
    print("    pool: high-water, whole fetch      %8d B  (block headers "
          "counted: an upper bound)" % hw)
    print("    pool: in use after close           %8d B  (back to the CA "
          "chain: no leak)" % int(b["pool_in_use_after"]))
    print("  static RAM of the fetch (x86-64)")
    print("    om_fetcher_t                       %8d B  (extractor, HTTP "
          "parser, URL, %s)" % (fetcher, "io buffer"))
    print("    om_table_t x2 (live + scratch)     %8d B" % (2 * table))
    print("    om_tls_t                           %8d B" % tls)
    print("    total, pool excluded               %8d B" % static_ram)
    print("    + pool high-water                  %8d B  = %d B" % (
        hw, static_ram + hw))
    print("    (the CLI also has a 1 MiB CA file buffer and a 1 MiB pool in "
          ".bss; only touched pages count in RSS)")
    print("  stack, deepest, by painting %d KB below main (x86-64, -O2)" % (
        int(b["stack_painted"]) // 1024))
    print("    om_tls_init                        %8d B" % int(b["stack_init"]))
    print("    om_fetch (incl. open + handshake)  %8d B" % int(b["stack_fetch"]))
    print("    includes: every frame of core, port, Mbed TLS and libc "
          "(connect,\n    getaddrinfo of a numeric address) on this run's path; "
          "not: paths\n    this run did not take (RSA, TLS 1.2, DNS of a name, "
          "error paths),\n    signal handlers, om_refresh and saving the table")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""sweep_test.py - truncation sweep and soak (issue 6, points 1 and 5).

A fetch whose connection dies after byte N, for many N, must always fail
cleanly: outcome "stale", a one-line message, the saved table byte for
byte, the live table the saved one. The sweeps run in one process each
(tests/soak/soak.c: one TLS fetch per offset), against fault_server.py on
127.0.0.1 with a fresh test CA, serving a small generated catalogue:

  /cut/N    Content-Length framing, cut after N plaintext bytes (FIN, no
            close_notify): every offset of the head, and body offsets
  /cutc/N   chunked framing, chunks of 1..300 bytes with extensions and a
            trailer: every offset of the head, every offset inside every
            chunk-size line and of the last chunk and trailer, and body
            offsets
  wire      a relay that passes only the first N bytes the server sends
            on the TCP connection: cuts inside the handshake and inside
            every TLS record (`soak tlscut`)

plus a sample of cuts through the CLI itself (`ormodels fetch --force`:
exit 1, exactly one line on stderr, the saved file unchanged).

    sweep_test.py --cli build/ormodels --soak build/soak --suite sweep|soak|full
                  [--iterations N] [--models M] [--keep]

  sweep   bounded, for make test: head offsets + 1,000 body offsets per
          framing, 400 wire offsets, 40 CLI runs
  soak    the soak: N refreshes in one process (good, 304, failures)
  full    the soak, then EVERY offset of both framings and of the wire
Prints "sweep: N passed, M failed" last; exit 1 when any check failed.
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
import gen_catalogue  # noqa: E402
import fault_server  # noqa: E402

passed, failed = 0, []
procs = []


def check(name, cond, detail=""):
    global passed
    if cond:
        passed += 1
    else:
        failed.append(name)
        print("FAIL %s%s" % (name, (": " + detail) if detail else ""))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_server(tmp, pki, catalogue):
    port = free_port()
    log = os.path.join(tmp, "fault_server.log")
    cmd = [sys.executable, os.path.join(HERE, "fault_server.py"),
           "--cert", os.path.join(pki, "server-ec.pem"),
           "--key", os.path.join(pki, "server-ec.key"),
           "--catalogue", catalogue, "--port", str(port), "--lifetime", "3600"]
    with open(log, "wb") as f:
        p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, start_new_session=True)
    procs.append(p)
    end = time.time() + 10
    while time.time() < end and p.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("fault_server did not start: " + open(log).read()[-2000:])


def stop(p):
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(5)


def spread(lo, hi, n):
    """n offsets spread evenly over [lo, hi), all of them when fewer."""
    if hi - lo <= n:
        return list(range(lo, hi))
    return sorted({lo + (hi - lo) * i // n for i in range(n)})


def chunk_line_offsets(resp, head_len):
    """Every offset inside every chunk-size line (from its first byte to
    just after its LF) and from the last chunk to the end."""
    out, i = set(), head_len
    while True:
        eol = resp.index(b"\r\n", i)
        size = int(resp[i:eol].split(b";")[0], 16)
        if size == 0:
            out.update(range(i, len(resp)))
            return out
        out.update(range(i, eol + 3))
        i = eol + 2 + size + 2


def run_soak(soak, *args, timeout=3600):
    t0 = time.monotonic()
    p = subprocess.run([soak] + list(args), capture_output=True, text=True,
                       timeout=timeout)
    return p.returncode, p.stdout.strip(), p.stderr.strip(), time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--soak", required=True)
    ap.add_argument("--suite", choices=("sweep", "soak", "full"), default="sweep")
    ap.add_argument("--iterations", type=int, default=1000)
    ap.add_argument("--models", type=int, default=10,
                    help="models in the generated catalogue")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    t_start = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="om-sweep-")
    try:
        suite(a, tmp)
    except Exception as e:  # a broken harness is a failure, not a crash
        check("harness", False, "%s: %s" % (type(e).__name__, e))
    finally:
        for p in procs:
            stop(p)
        if a.keep:
            print("sweep: temp folder kept: %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("sweep: %.1f s" % (time.monotonic() - t_start))
    print("sweep: %d passed, %d failed" % (passed, len(failed)))
    sys.exit(1 if failed else 0)


def suite(a, tmp):
    soak, cli = os.path.abspath(a.soak), os.path.abspath(a.cli)
    pki = os.path.join(tmp, "pki")
    r = subprocess.run([os.path.join(HERE, "make-test-ca.sh"), pki],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("make-test-ca.sh failed: " + r.stderr)
    ca = os.path.join(pki, "ca.pem")

    doc = gen_catalogue.gen("basic", random.Random(5))
    doc["data"] = doc["data"][:a.models]
    catalogue = os.path.join(tmp, "catalogue.json")
    with open(catalogue, "w") as f:
        json.dump(doc, f, indent=1)
    body = open(catalogue, "rb").read()
    port = start_server(tmp, pki, catalogue)
    base = "https://127.0.0.1:%d" % port

    cl = fault_server.length_response(body)
    ch = fault_server.sweep_chunked(body)
    cl_head = cl.index(b"\r\n\r\n") + 4
    ch_head = ch.index(b"\r\n\r\n") + 4
    print("sweep: %d models, body %d bytes; Content-Length response %d bytes "
          "(head %d), chunked %d bytes (head %d, %d chunks)"
          % (len(doc["data"]), len(body), len(cl), cl_head, len(ch), ch_head,
             ch.count(b"\r\n") // 2))

    def workdir(name):
        d = os.path.join(tmp, name)
        os.makedirs(d, exist_ok=True)
        return d

    jobs = []
    if a.suite in ("soak", "full"):
        jobs.append(("soak %d" % a.iterations,
                     ["soak", "--iterations", str(a.iterations),
                      "--total", str(len(cl))]))
    if a.suite in ("sweep", "full"):
        full = a.suite == "full"
        if full:
            cl_offs = list(range(0, len(cl)))
            ch_offs = list(range(0, len(ch)))
        else:
            cl_offs = list(range(0, cl_head + 1)) + spread(cl_head + 1, len(cl), 1000)
            lines = chunk_line_offsets(ch, ch_head)
            ch_offs = sorted(set(range(0, ch_head + 1)) | lines |
                             set(spread(ch_head + 1, len(ch), 1000)))
        for name, path, offs in (("cut", "/cut/", cl_offs),
                                 ("cutc", "/cutc/", ch_offs)):
            fn = os.path.join(tmp, name + ".offsets")
            with open(fn, "w") as f:
                f.write("\n".join(map(str, sorted(set(offs)))) + "\n")
            jobs.append(("sweep %s (%d offsets)" % (path, len(set(offs))),
                         ["sweep", "--path", path, "--offsets", fn]))
        for path in ("/ok", "/chunked"):
            jobs.append(("wire cuts of %s" % path,
                         ["tlscut", "--path", path] +
                         (["--all"] if full else ["--count", "400"])))

    def one(job):
        name, args = job
        d = workdir(name.split()[0] + str(abs(hash(name))))
        return name, run_soak(soak, *args, "--base", base, "--cacert", ca,
                              "--dir", d)

    with ThreadPoolExecutor(max_workers=4) as ex:
        for name, (rc, out, err, secs) in ex.map(one, jobs):
            print("sweep: %s: %s [%.1f s]" % (name, out or "(no summary)", secs))
            check(name, rc == 0, "exit %d: %s" % (rc, err[-3000:]))
            want = re.match(r"sweep \S+ \((\d+) offsets\)", name)
            if want:  # every offset written was fetched
                got = re.search(r"(\d+) offsets in", out or "")
                check(name + ": all offsets run", got and got.group(1) == want.group(1),
                      out)

    if a.suite in ("sweep", "full"):
        cli_sample(a, tmp, cli, ca, base, cl, ch, cl_head, ch_head)


def cli_sample(a, tmp, cli, ca, base, cl, ch, cl_head, ch_head):
    """Cuts through the CLI: exit 1, one line on stderr, the file kept."""
    home = workdir_home = os.path.join(tmp, "home")
    os.makedirs(workdir_home, exist_ok=True)
    env = dict(os.environ, HOME=home)
    env.pop("OPENROUTER_API_KEY", None)
    ref = os.path.join(tmp, "cli-ref.bin")
    p = subprocess.run([cli, "fetch", "--url", base + "/ok", "--cache-file", ref,
                        "--cacert", ca], capture_output=True, env=env, timeout=60)
    check("cli: a good fetch", p.returncode == 0, p.stderr.decode(errors="replace"))
    saved = open(ref, "rb").read()
    rng = random.Random(7)
    cases = ["/cut/%d" % n for n in
             [0, 1, 9, 12, cl_head - 2, cl_head - 1, cl_head, cl_head + 1] +
             rng.sample(range(cl_head + 2, len(cl)), 12) + [len(cl) - 1]]
    cases += ["/cutc/%d" % n for n in
              [ch_head - 1, ch_head, ch_head + 1, ch_head + 2, ch_head + 3] +
              rng.sample(range(ch_head + 4, len(ch) - 20), 10) +
              list(range(len(ch) - 19, len(ch), 6))]

    def one(i_case):
        i, case = i_case
        f = os.path.join(tmp, "cli-%d.bin" % i)
        shutil.copy(ref, f)
        p = subprocess.run([cli, "fetch", "--force", "--url", base + case,
                            "--cache-file", f, "--cacert", ca],
                           capture_output=True, env=env, timeout=60)
        return case, p.returncode, p.stderr.decode(errors="replace"), \
            open(f, "rb").read() == saved, \
            [x for x in os.listdir(tmp) if x.startswith("cli-%d.bin." % i)]

    bad = 0
    with ThreadPoolExecutor(max_workers=8) as ex:
        for case, rc, err, same, left in ex.map(one, enumerate(cases)):
            ok = rc == 1 and len(err.splitlines()) == 1 and err.endswith("\n") \
                and same and not left
            bad += not ok
            check("cli %s" % case, ok, "exit %d, stderr %r, file %s, left %s"
                  % (rc, err, "kept" if same else "CHANGED", left))
    print("sweep: CLI: %d cuts, %d clean (exit 1, one line, file kept)"
          % (len(cases), len(cases) - bad))


if __name__ == "__main__":
    main()

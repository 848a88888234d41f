#!/usr/bin/env python3
"""serve_test.py - `ormodels serve` end to end, over curl and raw sockets.

Formats, the 400s, the force_refresh limit (against the loopback TLS
fault server, tests/net/fault_server.py), the selection round trip,
malformed, oversized and slow requests, many clients at once, the
scheduler's log line, and config.yaml. Never contacts anything but
127.0.0.1.

    serve_test.py --cli build/ormodels --ca DIR   (DIR from make-test-ca.sh)
"""
import argparse
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
import gen_catalogue  # noqa: E402

FAILS = []
COUNT = [0]


def check(name, ok, detail=""):
    COUNT[0] += 1
    if not ok:
        FAILS.append(name)
        print("FAIL %s %s" % (name, str(detail)[:300]))


class Server:
    """One `ormodels serve` on 127.0.0.1 and an ephemeral port."""

    def __init__(self, cli, home, *args):
        self.log = open(os.path.join(home, "serve-%d.log" % time.time_ns()), "w+")
        self.p = subprocess.Popen([cli, "serve", "--listen", "127.0.0.1:0"] + list(args),
                                  stdout=subprocess.DEVNULL, stderr=self.log,
                                  env=dict(os.environ, HOME=home))
        self.port = None
        end = time.time() + 10
        while time.time() < end and self.port is None:
            m = re.search(r"serving http://127\.0\.0\.1:(\d+)/", self.text())
            if m:
                self.port = int(m.group(1))
            elif self.p.poll() is not None:
                break
            else:
                time.sleep(0.05)
        if self.port is None:
            raise RuntimeError("serve did not start: " + self.text())
        self.base = "http://127.0.0.1:%d" % self.port

    def text(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def alive(self):
        return self.p.poll() is None

    def stop(self):
        self.p.terminate()
        try:
            self.p.wait(5)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def curl(url, *args):
    """Returns (status, headers dict (lower-case), body str)."""
    p = subprocess.run(["curl", "-sS", "-i", "--max-time", "30"] + list(args) + [url],
                       capture_output=True, timeout=60)
    raw = p.stdout.decode("utf-8", "replace")
    head, _, body = raw.partition("\r\n\r\n")
    lines = head.split("\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        return 0, {}, p.stderr.decode()
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return status, hdrs, body


def raw(port, data, wait=5.0):
    """Sends bytes, returns everything the server sent until it closed."""
    s = socket.create_connection(("127.0.0.1", port), timeout=wait)
    try:
        s.sendall(data)
    except OSError:
        pass
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except OSError:
        pass
    s.close()
    return out


def status_of(resp):
    m = re.match(rb"HTTP/1\.1 (\d+) ", resp)
    return int(m.group(1)) if m else 0


def test_offline(cli, home):
    cache = os.path.join(home, "c1", "models.bin")
    srv = Server(cli, home, "--offline", "--cache-file", cache)
    b = srv.base
    st, h, body = curl(b + "/models?provider=openrouter&force_refresh=false")
    check("models 200", st == 200, st)
    check("models type", h.get("content-type") == "application/json", h)
    doc = json.loads(body)
    check("models keys", set(doc) == {"models", "updated_at"}, doc.keys())
    check("models defaults", len(doc["models"]) == 4, len(doc["models"]))
    m = doc["models"][0]
    check("model keys", set(m) == {"id", "name", "pricing", "context_length"}, m)
    check("length", int(h.get("content-length", -1)) == len(body.encode()), h)

    st, h, body = curl(b + "/models?provider=anthropic")
    check("provider 400", st == 400 and json.loads(body) ==
          {"detail": "Provider anthropic not supported"}, (st, body))
    st, h, body = curl(b + "/models?force_refresh=true")
    check("offline force", st == 200 and h.get("x-models-refresh") == "disabled", h)

    # The page.
    st, h, body = curl(b + "/")
    check("page", st == 200 and h.get("content-type", "").startswith("text/html"), h)
    check("page size", len(body.encode()) <= 8192, len(body))
    check("page content", "Loading models..." in body and "Refresh models" in body)

    # Selection round trip, through the store the picker uses.
    st, h, body = curl(b + "/selection")
    check("selection none", st == 200 and json.loads(body) ==
          {"id": None, "listed": False}, body)
    js = ["-H", "Content-Type: application/json"]
    st, h, body = curl(b + "/selection", *js, "-d", '{"id":"openai/gpt-4-turbo"}')
    check("select", st == 200 and json.loads(body) ==
          {"id": "openai/gpt-4-turbo", "listed": True}, (st, body))
    check("selection file", os.path.exists(cache + ".sel"))
    st, h, body = curl(b + "/selection")
    check("selection back", json.loads(body)["id"] == "openai/gpt-4-turbo", body)
    for bad in ('{"id":"no/such"}', '{"id":""}', "[]", "{", '{"id":"a\\u0000"}',
                '{"id":"openai/gpt-4-turbo","more":1}'):
        st, h, body = curl(b + "/selection", *js, "-d", bad)
        check("select bad " + bad, st == 400 and "detail" in json.loads(body), (st, body))
    st, h, body = curl(b + "/selection", "-d", '{"id":"openai/gpt-4-turbo"}')
    check("select form post", st == 415, st)
    st, h, body = curl(b + "/selection")
    check("selection kept", json.loads(body)["id"] == "openai/gpt-4-turbo", body)
    # What `selected` would read is the same file (the picker's store).
    with open(cache + ".sel", "rb") as f:
        check("sel record", b"openai/gpt-4-turbo" in f.read())

    # DNS rebinding and cross-site posts are refused on loopback.
    st, h, body = curl(b + "/models", "-H", "Host: evil.example")
    check("foreign host", st == 403, st)
    st, h, body = curl(b + "/selection", *js, "-H", "Origin: http://evil.example",
                       "-d", '{"id":"anthropic/claude-sonnet-4"}')
    check("foreign origin", st == 403, st)

    # Oversized: body, headers, request line.
    big = os.path.join(home, "big.json")
    with open(big, "w") as f:
        f.write('{"id":"' + "a" * 1000000 + '"}')
    st, h, body = curl(b + "/selection", *js, "--data-binary", "@" + big)
    check("big body 413", st == 413, (st, body))
    st, h, body = curl(b + "/models", "-H", "X-Big: " + "b" * 5000)
    check("big header 431", st == 431, st)
    st, h, body = curl(b + "/models?provider=" + "p" * 5000)
    check("long target 414", st == 414, st)
    resp = raw(srv.port, b"POST /selection HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               b"Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n"
               + b"x" * 300000)
    check("big raw 413", status_of(resp) == 413, resp[:80])

    # Malformed requests: a 400 (or 4xx/5xx), never a crash.
    rng = random.Random(5)
    for i, data in enumerate([b"\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                              b"GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n",
                              b"GET / HTTP/1.1\r\n\x00\r\n\r\n",
                              b"\xff\xfe" * 100 + b"\r\n\r\n",
                              b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                              b"Host: a\r\n\r\n0\r\n\r\n"]):
        resp = raw(srv.port, data)
        check("malformed %d" % i, 400 <= status_of(resp) < 600 or
              (i == 0 and resp == b""), resp[:60])
    for i in range(200):
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 600)))
        raw(srv.port, data + b"\r\n\r\n", wait=3)
    check("alive after garbage", srv.alive())
    st, h, body = curl(b + "/models")
    check("serves after garbage", st == 200, st)

    # Slow clients: one that never finishes its request is cut after the
    # read timeout, and others are served meanwhile.
    slow = socket.create_connection(("127.0.0.1", srv.port))
    slow.sendall(b"GET /models HTTP/1.1\r\nHo")
    t0 = time.time()
    st, h, body = curl(b + "/models")
    # well before the slow client is cut (10 s): served meanwhile
    check("served beside a slow client", st == 200 and time.time() - t0 < 8, st)
    slow.settimeout(40)
    try:
        got = slow.recv(100)
    except socket.timeout:
        got = None  # never cut
    except OSError:
        got = b""
    took = time.time() - t0
    check("slow client cut", got == b"" and 8 <= took <= 30, (got, took))
    slow.close()

    # A client that requests but never reads: the server moves on.
    lazy = socket.create_connection(("127.0.0.1", srv.port))
    lazy.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    lazy.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    st, h, body = curl(b + "/")
    check("served beside a non-reader", st == 200, st)
    lazy.close()

    # Many clients at once, more than the connection slots.
    results = []

    def one():
        results.append(curl(b + "/models")[0])
    idle = [socket.create_connection(("127.0.0.1", srv.port)) for _ in range(40)]
    time.sleep(0.3)
    st, h, body = curl(b + "/models")
    # Only that it still answers, and with what: a slot may have freed up
    check("full: still answers (503 when no slot is free)", st in (200, 503), st)
    for s in idle:
        s.close()
    time.sleep(0.3)
    ts = [threading.Thread(target=one) for _ in range(24)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    check("24 concurrent", results.count(200) == 24, results)
    check("still alive", srv.alive(), srv.text())
    srv.stop()


def test_refresh(cli, home, ca):
    cat = os.path.join(home, "catalogue.json")
    doc = gen_catalogue.gen("schema2026", random.Random(11))
    with open(cat, "w") as f:
        json.dump(doc, f)
    fs = subprocess.Popen([sys.executable, os.path.join(HERE, "net", "fault_server.py"),
                           "--cert", os.path.join(ca, "server-ec.pem"),
                           "--key", os.path.join(ca, "server-ec.key"),
                           "--catalogue", cat, "--lifetime", "300"],
                          stdout=subprocess.PIPE)
    port = int(fs.stdout.readline().split()[1])
    try:
        cache = os.path.join(home, "c2", "models.bin")
        srv = Server(cli, home, "--cache-file", cache, "--timeout", "5",
                     "--url", "https://127.0.0.1:%d/ok" % port,
                     "--cacert", os.path.join(ca, "ca.pem"))
        # Never refreshed: the scheduler fetches at once, in the background.
        end = time.time() + 20
        while time.time() < end and "refresh (scheduled)" not in srv.text():
            time.sleep(0.1)
        log = srv.text()
        check("scheduled refresh logged", "refresh (scheduled): updated" in log, log)
        st, h, body = curl(srv.base + "/models")
        n = len(json.loads(body)["models"])
        check("refreshed table served", n > 4, n)
        check("updated_at set", json.loads(body)["updated_at"].endswith("Z"), body[-40:])
        st, h, body = curl(srv.base + "/models?provider=openrouter&force_refresh=true")
        check("force refresh", st == 200 and h.get("x-models-refresh") in
              ("updated", "not-modified"), h)
        st, h, body = curl(srv.base + "/models?force_refresh=true")
        check("force limited", st == 200 and h.get("x-models-refresh") == "rate-limited"
              and 50 <= int(h.get("retry-after", 0)) <= 60, h)
        check("limited still served", len(json.loads(body)["models"]) == n)
        log = srv.text()
        lines = [ln for ln in log.splitlines() if " refresh (" in ln]
        check("one line per refresh", len(lines) == 2 and "refresh (forced)" in lines[1],
              lines)
        check("next due about a day", re.search(r"next in (2[1-6])h", lines[0]), lines)
        srv.stop()

        # A server that says 429 Retry-After: the refresh fails, the saved
        # table stays, and the log says it backs off.
        srv = Server(cli, home, "--cache-file", cache, "--timeout", "5",
                     "--url", "https://127.0.0.1:%d/429" % port,
                     "--cacert", os.path.join(ca, "ca.pem"))
        st, h, body = curl(srv.base + "/models?force_refresh=true")
        check("force on 429", st == 200 and h.get("x-models-refresh") == "failed", h)
        check("stale table served", len(json.loads(body)["models"]) == n)
        log = srv.text()
        check("429 logged with backoff", "backing off" in log and
              re.search(r"next in 0m(5\d|6\d)s|next in 1m0\ds", log), log)
        srv.stop()
    finally:
        fs.terminate()
        fs.wait()


def test_config(cli, home):
    d = os.path.join(home, ".clawlet")
    os.makedirs(d, exist_ok=True)
    cfgf = os.path.join(d, "config.yaml")
    with open(cfgf, "w") as f:
        f.write("provider:\n  name: openrouter\nmodels_cache:\n  enabled: false\n"
                "  refresh_interval: \"12h\"\n  cache_file: \"~/from-config.bin\"\n"
                "  colour: blue\n")
    # The default path is read: enabled false, cache file from the config.
    # A loopback URL that answers nothing: should `enabled: false` ever
    # stop working, the fetch fails here instead of reaching the internet.
    nowhere = "https://127.0.0.1:1/"
    srv = Server(cli, home, "--url", nowhere)
    st, h, body = curl(srv.base + "/models?force_refresh=true")
    check("config disables fetching", h.get("x-models-refresh") == "disabled", h)
    curl(srv.base + "/selection", "-H", "Content-Type: application/json",
         "-d", '{"id":"openai/gpt-4-turbo"}')
    check("config cache_file", os.path.exists(os.path.join(home, "from-config.bin.sel")))
    check("unknown key warned", "line 7: models_cache.colour: unknown key" in srv.text(),
          srv.text())
    srv.stop()
    # Flags win over the file.
    flag = os.path.join(home, "flag.bin")
    srv = Server(cli, home, "--cache-file", flag, "--url", nowhere)
    curl(srv.base + "/selection", "-H", "Content-Type: application/json",
         "-d", '{"id":"openai/gpt-4-turbo"}')
    check("flag beats config", os.path.exists(flag + ".sel"))
    srv.stop()
    # Errors name the line and key, and stop the server from starting.
    bad = os.path.join(home, "bad.yaml")
    with open(bad, "w") as f:
        f.write("models_cache:\n  enabled: true\n  refresh_interval: soon\n")
    p = subprocess.run([cli, "serve", "--config", bad, "--listen", "127.0.0.1:0"],
                       capture_output=True, timeout=10, env=dict(os.environ, HOME=home))
    err = p.stderr.decode()
    check("bad config fails", p.returncode == 1, p.returncode)
    check("bad config names line and key",
          "line 3: models_cache.refresh_interval" in err, err)
    p = subprocess.run([cli, "serve", "--config", os.path.join(home, "missing.yaml"),
                        "--listen", "127.0.0.1:0"], capture_output=True, timeout=10)
    check("missing --config fails", p.returncode == 1 and b"missing.yaml" in p.stderr,
          p.stderr)


def test_listen_default(cli, home):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 8080))
        s.close()
    except OSError:
        s.close()
        print("SKIPPED: serve_test: 127.0.0.1:8080 is busy; the default address "
              "is not checked")
        return
    p = subprocess.Popen([cli, "serve", "--offline", "--cache-file",
                          os.path.join(home, "d.bin")], stderr=subprocess.PIPE,
                         env=dict(os.environ, HOME=home))
    line = ""
    killer = threading.Timer(15, p.kill)  # readline must not hang the suite
    killer.start()
    for _ in range(6):
        line += p.stderr.readline().decode()
        if "serving" in line:
            break
    killer.cancel()
    p.terminate()
    p.wait()
    check("default 127.0.0.1:8080", "serving http://127.0.0.1:8080/" in line, line)
    p = subprocess.run([cli, "serve", "--listen", "nonsense"], capture_output=True,
                       timeout=10)
    check("bad --listen", p.returncode == 1, p)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--ca", required=True)
    a = ap.parse_args()
    cli = os.path.abspath(a.cli)
    home = tempfile.mkdtemp(prefix="om-serve-")
    test_offline(cli, home)
    test_refresh(cli, home, a.ca)
    test_config(cli, home)
    test_listen_default(cli, home)
    print("serve-test: %d checks, %d failed" % (COUNT[0], len(FAILS)))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())

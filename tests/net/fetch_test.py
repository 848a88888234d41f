#!/usr/bin/env python3
"""fetch_test.py - `ormodels fetch` end to end, against real servers.

The real CLI fetches over real TLS from servers this script starts on
127.0.0.1 only, each trusting a fresh test CA (make-test-ca.sh in a temp
folder), and checks what a user relies on:

  - every framing a server uses (fault_server.py: length, chunked,
    close-delimited, a byte per write, a redirect, two pages) gives the
    same table as `ormodels parse` of the same catalogue; an ETag gives a
    304 on the next forced fetch that keeps the table and renews its date;
  - every way a server or the network fails (statuses, redirect loops and
    downgrades, cuts in the head and the body, resets, stalls, a trickle
    against the deadline, an endless body against the body cap, hostile
    headers and chunking, bad JSON, a TLS alert) exits 1 with ONE line on
    stderr that names the reason, and leaves the saved table byte for byte;
  - with no saved table a failed fetch falls back to the built-in defaults;
  - nginx (TLS 1.3 and 1.2, EC and RSA certificates, gzip on but not used
    since we ask for identity) and `openssl s_server -WWW` (HTTP/1.0,
    close-delimited) serve a catalogue that fetches intact;
  - a wrong CA, an expired certificate and a hostname mismatch are refused
    with the reason;
  - OPENROUTER_API_KEY is sent as "Authorization: Bearer KEY", never shown
    on stdout or stderr, and never sent to another host after a redirect.

    fetch_test.py --cli build/ormodels [--fixtures DIR] [--keep]

The largest catalogue in ../shared/fixtures is served, or a synthetic one
(tests/gen_catalogue.py) when that folder is absent. Never contacts any
host but 127.0.0.1. Prints "fetch: N passed, M failed" last; exit 1 when
any check failed.
"""
import argparse
import json
import os
import random
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import gen_catalogue  # noqa: E402

FIXTURES = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared",
                                         "fixtures"))
KEY = "sk-test"  # what fault_server.py's /echo-auth accepts

passed, failed = 0, []
procs = []


def check(name, cond, detail=""):
    global passed
    if cond:
        passed += 1
        print("  ok    %s" % name)
    else:
        failed.append(name)
        print("  FAIL  %s" % name)
        for line in str(detail).splitlines()[:12]:
            print("        " + line)
    return cond


def skip(name, why):
    print("  skip  %s: %s" % (name, why))


# ------------------------------------------------------------- servers

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, log, seconds=10):
    end = time.time() + seconds
    while time.time() < end:
        if proc.poll() is not None:
            break
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    stop(proc)
    text = open(log, errors="replace").read()[-2000:] if os.path.exists(log) else ""
    raise RuntimeError("server on port %d did not start:\n%s" % (port, text))


def start(cmd, log, port, cwd=None):
    with open(log, "wb") as f:
        p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, cwd=cwd,
                             stdin=subprocess.DEVNULL, start_new_session=True)
    procs.append(p)
    wait_port(port, p, log)
    return p


def stop(p):
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGTERM)  # its own session: it and its children
        except ProcessLookupError:
            pass
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(5)


def fault_server(tmp, pki, cert, catalogue, name, tls12=False):
    port = free_port()
    cmd = [sys.executable, os.path.join(HERE, "fault_server.py"),
           "--cert", os.path.join(pki, cert + ".pem"),
           "--key", os.path.join(pki, cert + ".key"),
           "--catalogue", catalogue, "--port", str(port), "--lifetime", "300"]
    if tls12:
        cmd.append("--tls12")
    start(cmd, os.path.join(tmp, name + ".log"), port)
    return port


NGINX_CONF = """worker_processes 1;
master_process off;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 64; }}
http {{
    types {{ }}
    default_type application/json;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    log_format t '$status $body_bytes_sent "$http_accept_encoding" '
                 '"$sent_http_content_encoding" $ssl_protocol';
    gzip on;
    gzip_types application/json;
    gzip_min_length 1;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {pki}/{cert}.pem;
        ssl_certificate_key {pki}/{cert}.key;
        ssl_protocols {proto};
        root {www};
        access_log {d}/access.log t;
    }}
}}
"""


def nginx(tmp, pki, www, cert, proto):
    """nginx as one unprivileged-style process (no master, no user switch),
    everything in its own folder. Returns (port, its folder)."""
    d = os.path.join(tmp, "nginx-%s-%s" % (cert, proto))
    os.makedirs(d)
    port = free_port()
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(d=d, port=port, pki=pki, cert=cert,
                                  proto=proto, www=www))
    start([NGINX, "-p", d, "-c", conf, "-e", os.path.join(d, "error.log")],
          os.path.join(d, "stdout.log"), port)
    return port, d


def s_server(tmp, pki, www, cert, extra=()):
    port = free_port()
    start(["openssl", "s_server", "-quiet", "-naccept", "1000", "-accept",
           "127.0.0.1:%d" % port, "-cert", os.path.join(pki, cert + ".pem"),
           "-key", os.path.join(pki, cert + ".key"), "-WWW"] + list(extra),
          os.path.join(tmp, "s_server-%s.log" % cert), port, cwd=www)
    return port


def which_nginx():
    for p in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if p and os.access(p, os.X_OK):
            return p
    return None


NGINX = which_nginx()


# ------------------------------------------------------------- the CLI

class Cli:
    def __init__(self, path, tmp):
        self.path = path
        self.home = os.path.join(tmp, "home")
        os.makedirs(self.home)
        self.env = dict(os.environ, HOME=self.home)
        self.env.pop("OPENROUTER_API_KEY", None)

    def run(self, *args, key=None, timeout=60):
        env = dict(self.env)
        if key is not None:
            env["OPENROUTER_API_KEY"] = key
        t0 = time.monotonic()
        try:
            p = subprocess.run([self.path] + list(args), capture_output=True,
                               env=env, timeout=timeout)
            rc, out, err = p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired as e:
            rc, out, err = -999, e.stdout or b"", (e.stderr or b"") + b"(killed: timeout)"
        return (rc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
                time.monotonic() - t0)


def models_of(text):
    try:
        return json.loads(text)["models"]
    except (ValueError, KeyError, TypeError) as e:
        return "not the --json form (%s): %r" % (e, text[:200])


def same_models(got, want):
    """'' when equal model by model, else the first difference."""
    if isinstance(got, str):
        return got
    if len(got) != len(want):
        gi = {m["id"] for m in got}
        wi = {m["id"] for m in want}
        return "%d models, want %d; missing %s; extra %s" % (
            len(got), len(want), sorted(wi - gi)[:3], sorted(gi - wi)[:3])
    for g, w in zip(got, want):
        if g != w:
            return "first difference:\n got  %s\n want %s" % (
                json.dumps(g, ensure_ascii=False), json.dumps(w, ensure_ascii=False))
    return ""


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def one_line(err):
    return len(err.splitlines()) == 1 and err.endswith("\n")


# ------------------------------------------------------------- the suite

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--fixtures", default=os.environ.get("OM_FIXTURES", FIXTURES))
    ap.add_argument("--keep", action="store_true", help="keep the temp folder")
    a = ap.parse_args()
    t_start = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="om-fetch-test-")
    os.chmod(tmp, 0o755)
    try:
        suite(a, tmp)
    except Exception as e:  # a broken harness is a failure, not a crash
        check("harness", False, "%s: %s" % (type(e).__name__, e))
    finally:
        for p in procs:
            stop(p)
        if a.keep:
            print("fetch: temp folder kept: %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("fetch: %.1f s" % (time.monotonic() - t_start))
    print("fetch: %d passed, %d failed" % (passed, len(failed)))
    sys.exit(1 if failed else 0)


def suite(a, tmp):
    cli = Cli(os.path.abspath(a.cli), tmp)
    pki = os.path.join(tmp, "pki")
    r = subprocess.run([os.path.join(HERE, "make-test-ca.sh"), pki],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("make-test-ca.sh failed: " + r.stderr)
    ca = os.path.join(pki, "ca.pem")

    # The catalogue: the largest real one, else a synthetic one bigger
    # than the table (700 models).
    if os.path.isdir(a.fixtures) and any(f.endswith(".json")
                                         for f in os.listdir(a.fixtures)):
        files = [os.path.join(a.fixtures, f) for f in os.listdir(a.fixtures)
                 if f.endswith(".json")]
        catalogue = max(files, key=os.path.getsize)
        print("fetch: serving %s (%d bytes)" % (os.path.basename(catalogue),
                                                os.path.getsize(catalogue)))
    else:
        print("fetch: %s absent: real catalogues skipped, serving a synthetic "
              "one (gen_catalogue.py many)" % a.fixtures)
        catalogue = os.path.join(tmp, "synthetic.json")
        with open(catalogue, "w") as f:
            json.dump(gen_catalogue.gen("many", random.Random(11)), f, indent=1)
    body = read(catalogue)
    www = os.path.join(tmp, "www")
    os.makedirs(os.path.join(www, "api", "v1"))
    shutil.copy(catalogue, os.path.join(www, "api", "v1", "models"))
    os.chmod(www, 0o755)

    def expected(path):
        rc, out, err, _ = cli.run("parse", path, "--json")
        if rc != 0:
            raise RuntimeError("ormodels parse %s: exit %d: %s" % (path, rc, err))
        return models_of(out)

    want = expected(catalogue)
    # /bytewise sends the first five models, serialised as fault_server.py
    # does it, when the catalogue is over 20,000 bytes.
    small = os.path.join(tmp, "bytewise.json")
    with open(small, "wb") as f:
        if len(body) > 20000:
            f.write(json.dumps({"data": json.loads(body)["data"][:5]}).encode())
        else:
            f.write(body)
    want_small = expected(small)

    def cache(name):
        return os.path.join(tmp, name + ".bin")

    def fetch(url, cache_file, *more, key=None, cacert=ca, timeout=60):
        args = ["fetch", "--url", url, "--cache-file", cache_file] + list(more)
        if cacert:
            args += ["--cacert", cacert]
        return cli.run(*args, key=key, timeout=timeout)

    def listed(cache_file):
        rc, out, err, _ = cli.run("list", "--json", "--offline", "--cache-file",
                                  cache_file)
        return models_of(out) if rc == 0 else "list exit %d: %s" % (rc, err)

    def good_fetch(name, url, cache_file, expect, *more, key=None):
        if os.path.exists(cache_file):
            os.unlink(cache_file)
        rc, out, err, _ = fetch(url, cache_file, *more, key=key)
        if check(name + ": exit 0", rc == 0, "exit %d\n%s" % (rc, err)):
            check(name + ": table = parse, model by model",
                  same_models(listed(cache_file), expect) == "",
                  same_models(listed(cache_file), expect))
        return rc, out, err

    # ---------------------------------------------------------------- 1
    print("fetch: fault_server.py, good responses")
    port = fault_server(tmp, pki, "server-ec", catalogue, "fault")
    base = "https://127.0.0.1:%d" % port
    for path in ("/ok", "/chunked", "/close", "/redirect", "/page1"):
        good_fetch(path, base + path, cache("good"), want)
    good_fetch("/bytewise", base + "/bytewise", cache("good"), want_small)

    # /etag: 200 with an ETag, then a forced fetch gets the 304.
    c = cache("etag")
    rc, out, err = good_fetch("/etag 200", base + "/etag", c, want)
    before = read(c)
    time.sleep(1.1)  # updated_at is in seconds
    rc, out, err, _ = fetch(base + "/etag", c, "--force")
    check("/etag 304: exit 0", rc == 0, "exit %d\n%s" % (rc, err))
    check("/etag 304: stderr says not changed, one line",
          "not changed" in err and one_line(err), err)
    check("/etag 304: stdout says not modified", out.startswith("not modified:"), out)
    check("/etag 304: same models", same_models(listed(c), want) == "",
          same_models(listed(c), want))
    rc2, out2, _, _ = cli.run("list", "--json", "--offline", "--cache-file", c)
    try:
        renewed = json.loads(out2)["updated_at"]
    except (ValueError, KeyError):
        renewed = None
    after = read(c)
    check("/etag 304: updated_at renewed",
          before is not None and after is not None and before != after
          and renewed is not None, "updated_at %r" % renewed)

    # Failures: a good table first, then the failing forced fetch.
    print("fetch: fault_server.py, failures (exit 1, one line, table kept)")
    c = cache("kept")
    rc, _, err, _ = fetch(base + "/ok", c)
    if not check("good table saved before the failures", rc == 0, err):
        raise RuntimeError("cannot save a table to start from")
    saved = read(c)
    head_len = len(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                   b"Content-Length: %d\r\n\r\n" % len(body))
    cases = [
        # path, extra options, what stderr must say, wall-time bound (s)
        ("/loop", [], ["too many redirects"], 10),
        ("/to-http", [], ["non-https redirect", "http://"], 10),
        ("/429", [], ["HTTP 429", "retry after 7 s"], 10),
        ("/503", [], ["HTTP 503", "retry after 7 s"], 10),
        ("/500", [], ["HTTP 500"], 10),
        ("/html200", [], ["not a model catalogue"], 10),
        ("/empty", [], ["no usable model"], 10),
        ("/cut/0", [], ["before the response", "close_notify"], 10),
        ("/cut/20", [], ["before the response", "close_notify"], 10),
        ("/cut/%d" % (head_len - 3), [], ["before the response", "close_notify"], 10),
        ("/cut/%d" % (head_len + 1), [], ["cut after 1 body bytes", "close_notify"], 10),
        ("/cut/%d" % (head_len + 50000), [], ["cut after 50000 body bytes",
                                              "close_notify"], 10),
        ("/cut/%d" % (len(body) + head_len - 1), [],
         ["cut after %d body bytes" % (len(body) - 1), "close_notify"], 10),
        ("/notify/0", [], ["truncated"], 10),
        ("/notify/%d" % (head_len - 3), [], ["truncated"], 10),
        ("/notify/%d" % (head_len + 7000), [],
         ["truncated", "after 7000 body bytes"], 10),
        ("/notify/%d" % (len(body) + head_len - 1), [],
         ["truncated", "after %d body bytes" % (len(body) - 1)], 10),
        ("/reset/0", [], ["reset"], 10),
        ("/reset/%d" % (head_len - 3), [], ["reset"], 10),
        ("/reset/%d" % (head_len + 400000), [], ["cut after", "reset"], 10),
        # The bounds below say "it ends": generous, for a loaded machine.
        ("/stall", ["--timeout", "2"], ["timed out", "no progress for 2 s"], 15),
        # 1 s between bytes beats the 4 s read timeout: only the overall
        # deadline (4 x --timeout = 16 s) can end it.
        ("/trickle", ["--timeout", "4"], ["timed out", "the deadline passed"], 30),
        # The body cap: 16 MiB by default.
        ("/endless", [], ["too big", "body over body_max"], 20),
        ("/headers", [], ["too big", "too many headers"], 10),
        ("/longheader", [], ["too big", "header section too long"], 10),
        ("/chunkovf", [], ["too big", "chunk size overflow"], 10),
        ("/chunkhex", [], ["malformed HTTP response", "bad chunk size"], 10),
        ("/clte", [], ["malformed HTTP response",
                       "Content-Length with chunked"], 10),
        ("/deep", [], ["nested too deep"], 10),
        ("/tls-alert", [], ["TLS"], 10),
        ("/echo-auth", [], ["HTTP 401"], 10),  # no key set
    ]
    for path, more, words, bound in cases:
        rc, out, err, wall = fetch(base + path, c, "--force", *more,
                                   timeout=bound + 30)
        missing = [w for w in words if w not in err]
        ok = rc == 1 and one_line(err) and not missing and read(c) == saved
        check("%s: exit 1, %s, table kept (%.1f s)" % (
            path, " + ".join('"%s"' % w for w in words), wall), ok,
            "exit %d, %d stderr line(s), missing %s, cache %s\nstderr: %s"
            "stdout: %s" % (rc, len(err.splitlines()), missing,
                            "unchanged" if read(c) == saved else "CHANGED", err, out))
        check("%s: ends within %d s" % (path, bound), wall < bound, "%.1f s" % wall)
        if path == "/trickle":
            check("/trickle: not before the 16 s deadline", wall >= 15.5,
                  "%.1f s" % wall)
        if rc != 1 or read(c) != saved:  # keep later cases meaningful
            with open(c, "wb") as f:
                f.write(saved)

    # Invalid UTF-8 in an id: that model is skipped as invalid (as the
    # extractor documents), the valid one is kept, no raw bad byte is shown.
    cb = cache("badutf8")
    rc, out, err, _ = fetch(base + "/badutf8", cb)
    got = listed(cb)
    check("/badutf8: the bad model skipped, the good one kept",
          rc == 0 and not isinstance(got, str)
          and [m["id"] for m in got] == ["ok/model"], "exit %d %s %s" % (rc, err, got))
    rc, out, err, _ = cli.run("list", "--offline", "--cache-file", cb)
    check("/badutf8: output is valid UTF-8", "\ufffd" not in out + err, out + err)

    # No saved table: a failed fetch falls back to the built-in defaults.
    c0 = cache("none")
    rc, out, err, _ = fetch(base + "/500", c0)
    check("no table, failed fetch: exit 1, one line, says defaults",
          rc == 1 and one_line(err) and "HTTP 500" in err
          and "built-in defaults" in err, "exit %d: %s" % (rc, err))
    check("no table, failed fetch: nothing saved", read(c0) is None)
    rc, out, err, _ = cli.run("list", "--url", base + "/500", "--cacert", ca,
                              "--cache-file", c0)
    check("no table, list: exit 0 with the 4 defaults and a notice",
          rc == 0 and "4 of 4 models" in out and "anthropic/claude-sonnet-4" in out
          and "built-in defaults" in err and "HTTP 500" in err, out + err)
    rc, out, err, _ = cli.run("list", "--json", "--url", base + "/503", "--cacert",
                              ca, "--cache-file", c0)
    check("no table, list --json: the defaults, stdout still JSON",
          rc == 0 and isinstance(models_of(out), list) and len(models_of(out)) == 4,
          out + err)
    # A saved but expired table cannot be made here (no clock override);
    # a saved fresh table must NOT be fetched by list.
    rc, out, err, _ = cli.run("list", "--url", base + "/500", "--cacert", ca,
                              "--cache-file", c)
    check("fresh table: list does not fetch", rc == 0 and err == "", err)

    # ---------------------------------------------------------------- 5
    print("fetch: the API key")
    rc, out, err = good_fetch("key: Authorization: Bearer sent",
                              base + "/echo-auth", cache("auth"), want, key=KEY)
    check("key: not on stdout/stderr (success)", KEY not in out + err, out + err)
    leaks = []
    for path in ("/500", "/cut/%d" % (head_len + 10), "/loop", "/to-http",
                 "/chunkhex", "/stall"):
        more = ["--timeout", "1"] if path == "/stall" else []
        rc, out, err, _ = fetch(base + path, cache("auth"), "--force", *more,
                                key=KEY)
        if KEY in out + err or rc != 1:
            leaks.append("%s: exit %d %s" % (path, rc, out + err))
    rc, out, err, _ = fetch(base + "/echo-auth", cache("auth"), "--force",
                            key="sk-wrong-key")
    if "sk-wrong" in out + err or "HTTP 401" not in err:
        leaks.append("/echo-auth wrong key: %s" % (out + err))
    rc, out, err, _ = fetch(base + "/ok", cache("auth"), "--force", key=KEY,
                            cacert=os.path.join(pki, "other-ca.pem"))
    if KEY in out + err or rc != 1:
        leaks.append("wrong CA: %s" % (out + err))
    check("key: never on stdout/stderr in 8 failures", not leaks, "\n".join(leaks))
    # Redirected to another origin (localhost, not 127.0.0.1): the key must
    # stay behind, as curl, requests and Go's net/http do.
    cr = cache("redirect-host")
    rc, out, err, _ = fetch(base + "/redirect-host", cr, key=KEY)
    check("key: not sent to another host after a redirect", rc == 0,
          "exit %d: %s" % (rc, err))
    check("redirect to another host without a key works",
          fetch(base + "/redirect-host", cr, "--force")[0] == 0)

    # ---------------------------------------------------------------- 4
    print("fetch: certificates")
    c = cache("certs")
    rc, _, err, _ = fetch(base + "/ok", c)
    saved = read(c)
    cert_cases = [
        ("wrong CA", "server-ec", os.path.join(pki, "other-ca.pem"), "unknown CA"),
        ("expired certificate", "expired", ca, "expired"),
        ("hostname mismatch", "wrong-host", ca, "hostname mismatch"),
        ("not yet valid", "future", ca, "not yet valid"),
    ]
    for name, cert, cacert, word in cert_cases:
        p = port if cert == "server-ec" else fault_server(tmp, pki, cert, catalogue,
                                                          "fault-" + cert)
        rc, out, err, _ = fetch("https://127.0.0.1:%d/ok" % p, c, "--force",
                                cacert=cacert)
        check("%s: exit 1, one line, \"%s\", table kept" % (name, word),
              rc == 1 and one_line(err) and word in err and read(c) == saved,
              "exit %d: %s" % (rc, err))
    rc, out, err, _ = fetch(base + "/ok", c, "--force",
                            cacert=os.path.join(tmp, "no-such-ca.pem"))
    check("missing --cacert file: exit 1, one line, names it",
          rc == 1 and one_line(err) and "no-such-ca.pem" in err and read(c) == saved,
          err)

    # ---------------------------------------------------------------- 2
    print("fetch: nginx")
    if not NGINX:
        check("nginx installed (apt-get install nginx-light)", False)
    else:
        for cert, proto in (("server-ec", "TLSv1.3"), ("server-ec", "TLSv1.2"),
                            ("server-rsa", "TLSv1.3"), ("server-rsa", "TLSv1.2")):
            np, d = nginx(tmp, pki, www, cert, proto)
            url = "https://127.0.0.1:%d/api/v1/models" % np
            good_fetch("nginx %s %s" % (cert, proto), url, cache("nginx"), want)
            log = (read(os.path.join(d, "access.log")) or b"").decode().split("\n")
            check("nginx %s %s: identity asked, whole body sent, no gzip" % (
                cert, proto), log[0] == '200 %d "identity" "-" %s' % (len(body), proto),
                log[0])
            if proto == "TLSv1.3" and cert == "server-ec":
                # A control: the same nginx does gzip a client that asks.
                ctx = ssl.create_default_context(cafile=ca)
                s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", np), 5),
                                    server_hostname="localhost")
                s.sendall(b"GET /api/v1/models HTTP/1.1\r\nHost: localhost\r\n"
                          b"Accept-Encoding: gzip\r\nConnection: close\r\n\r\n")
                resp = b""
                while b"\r\n\r\n" not in resp:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    resp += chunk
                s.close()
                check("nginx: gzip is on for a client that asks (control)",
                      b"content-encoding: gzip" in resp.lower(), resp[:300])

    # ---------------------------------------------------------------- 3
    print("fetch: openssl s_server -WWW (HTTP/1.0, close-delimited)")
    for cert, extra in (("server-ec", []), ("server-rsa", ["-tls1_2"])):
        sp = s_server(tmp, pki, www, cert, extra)
        good_fetch("s_server -WWW %s%s" % (cert, " TLS 1.2" if extra else ""),
                   "https://127.0.0.1:%d/api/v1/models" % sp, cache("s_server"), want)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""fault_server.py - an HTTPS server on loopback that misbehaves on cue.

Serves a catalogue in every framing a real server uses and fails in the
ways real servers and networks do. The path picks the behaviour:

  /ok            Content-Length          /chunked      random chunk sizes
  /close         close-delimited body    /bytewise     one byte per write
  /etag          Content-Length, ETag; 304 when If-None-Match matches
  /redirect      301 -> /ok              /loop         302 -> /loop
  /to-http       302 -> http://...       /page1        links.next -> /page2
  /429 /503      Retry-After: 7          /500          an HTML error page
  /html200       HTML with status 200    /empty        {"data":[]}
  /cut/N         the response cut after N bytes: FIN, no close_notify
  /cutc/N        the same over chunked framing with small chunks (1..300
                 bytes, the same layout whatever N; sweep_chunked() gives it)
  /notify/N      the response ended after N bytes with close_notify
  /reset/N       the response cut after N bytes by a TCP reset
  /stall         headers, then silence   /trickle      a byte every 1 s
  /endless       a body that never ends  /headers      5,000 headers
  /longheader    a 1 MB header line      /chunkovf     chunk size > 2^64
  /chunkhex      chunk size not hex      /clte         Content-Length + chunked
  /deep          JSON nested 10,000 deep /badutf8      invalid UTF-8 in ids
  /tls-alert     a fatal TLS alert record mid-body, sent in the clear
                 under the session (as a broken middlebox does), then FIN
  /echo-auth     the catalogue only with "Authorization: Bearer sk-test"
                 (exact), else 401 naming what arrived (never the value)
  /redirect-host 302 to the same server as https://localhost:PORT/no-auth,
                 another origin than 127.0.0.1
  /no-auth       the catalogue only when NO Authorization header came,
                 else 403: a credential followed a redirect to another host

Only ever binds 127.0.0.1. Every connection is bounded in time.

    fault_server.py --cert C --key K --catalogue FILE [--port 0]
prints "port N" on stdout once listening.
"""
import argparse
import json
import random
import socket
import ssl
import sys
import threading
import time

CATALOGUE = b""
MAX_CONN_SECONDS = 60


def head(status, reason, fields):
    lines = ["HTTP/1.1 %d %s" % (status, reason)] + fields
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def length_response(body, extra=(), status=200, reason="OK"):
    return head(status, reason, ["Content-Type: application/json",
                                 "Content-Length: %d" % len(body)] + list(extra)) + body


def chunked(body, rng):
    out, i = [], 0
    while i < len(body):
        n = rng.randint(1, 9000)
        out.append(b"%x;x=1\r\n" % len(body[i:i + n]) + body[i:i + n] + b"\r\n")
        i += n
    return b"".join(out) + b"0\r\nX-Trailer: t\r\n\r\n"


def sweep_chunked(body):
    """The /cutc response: chunked, sizes 1..300 from a fixed seed, chunk
    extensions on some, a trailer; identical for every N."""
    rng = random.Random("cutc")
    out, i = [], 0
    while i < len(body):
        n = rng.randint(1, 300)
        ext = b";e=%d" % n if n % 3 == 0 else b""
        out.append(b"%x%s\r\n" % (len(body[i:i + n]), ext) + body[i:i + n] + b"\r\n")
        i += n
    return head(200, "OK", ["Content-Type: application/json",
                            "Transfer-Encoding: chunked"]) + \
        b"".join(out) + b"0\r\nX-Trailer: t\r\n\r\n"


def send_all(conn, data, deadline):
    view = memoryview(data)
    while view:
        if time.time() > deadline:
            return False
        n = conn.send(view[:16384])
        view = view[n:]
    return True


def handle(conn, port):
    deadline = time.time() + MAX_CONN_SECONDS
    conn.settimeout(10)
    req = b""
    while b"\r\n\r\n" not in req and len(req) < 65536:
        chunk = conn.recv(4096)
        if not chunk:
            return
        req += chunk
    line = req.split(b"\r\n", 1)[0].decode("latin-1")
    path = line.split(" ")[1] if " " in line else "/"
    headers = req.decode("latin-1").lower()
    auth = [h.split(":", 1)[1].strip() for h in
            req.decode("latin-1").split("\r\n")[1:]
            if h.lower().startswith("authorization:")]
    rng = random.Random(path)
    body = CATALOGUE

    if path == "/ok":
        send_all(conn, length_response(body), deadline)
    elif path == "/chunked":
        send_all(conn, head(200, "OK", ["Transfer-Encoding: chunked"]) +
                 chunked(body, rng), deadline)
    elif path == "/close":
        send_all(conn, head(200, "OK", ["Connection: close"]) + body, deadline)
        conn.unwrap()
    elif path == "/bytewise":
        data = length_response(body[:20000] if len(body) > 20000 else body)
        if len(body) > 20000:  # keep it short: a byte per write is slow
            data = length_response(json.dumps(
                {"data": json.loads(body)["data"][:5]}).encode())
        for i in range(len(data)):
            if time.time() > deadline:
                return
            conn.send(data[i:i + 1])
    elif path == "/etag":
        if 'if-none-match: "v1"' in headers:
            send_all(conn, head(304, "Not Modified", ['ETag: "v1"']), deadline)
        else:
            send_all(conn, length_response(body, ['ETag: "v1"',
                     "Last-Modified: Tue, 24 Nov 2026 10:00:00 GMT"]), deadline)
    elif path == "/redirect":
        send_all(conn, head(301, "Moved", ["Location: /ok", "Content-Length: 0"]),
                 deadline)
    elif path == "/loop":
        send_all(conn, head(302, "Found", ["Location: /loop", "Content-Length: 0"]),
                 deadline)
    elif path == "/to-http":
        send_all(conn, head(302, "Found", ["Location: http://127.0.0.1:%d/ok" % port,
                                           "Content-Length: 0"]), deadline)
    elif path in ("/page1", "/page2"):
        models = json.loads(body)["data"]
        half = len(models) // 2
        if path == "/page1":
            doc = {"data": models[:half], "total_count": len(models),
                   "links": {"next": "/page2"}}
        else:
            doc = {"data": models[half:], "total_count": len(models),
                   "links": {"next": None}}
        send_all(conn, length_response(json.dumps(doc).encode()), deadline)
    elif path in ("/429", "/503"):
        code = int(path[1:])
        send_all(conn, head(code, "Busy", ["Retry-After: 7", "Content-Length: 0"]),
                 deadline)
    elif path == "/500":
        page = b"<html><body><h1>500 Internal Server Error</h1></body></html>"
        send_all(conn, head(500, "Internal Server Error", [
            "Content-Type: text/html", "Content-Length: %d" % len(page)]) + page,
            deadline)
    elif path == "/html200":
        page = b"<!DOCTYPE html><html><body>Maintenance</body></html>"
        send_all(conn, head(200, "OK", ["Content-Type: text/html",
                                        "Content-Length: %d" % len(page)]) + page,
                 deadline)
    elif path == "/empty":
        send_all(conn, length_response(b'{"data":[]}'), deadline)
    elif path.startswith("/cutc/"):
        send_all(conn, sweep_chunked(body)[:int(path.rsplit("/", 1)[1])], deadline)
    elif path.split("/")[1] in ("cut", "notify", "reset"):
        kind, n = path.split("/")[1], int(path.rsplit("/", 1)[1])
        send_all(conn, length_response(body)[:n], deadline)
        if kind == "notify":  # a clean TLS close, but early
            conn.unwrap()
        elif kind == "reset":  # TCP reset
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                            b"\1\0\0\0\0\0\0\0")
        # "cut": FIN without close_notify, as a truncation attack does it
    elif path == "/stall":
        send_all(conn, head(200, "OK", ["Content-Length: %d" % len(body)]), deadline)
        while time.time() < deadline:
            time.sleep(0.5)
    elif path == "/trickle":
        data = length_response(body)
        for i in range(len(data)):
            if time.time() > deadline:
                return
            conn.send(data[i:i + 1])
            time.sleep(1)
    elif path == "/endless":
        send_all(conn, head(200, "OK", ["Connection: close"]) + b'{"data":[', deadline)
        filler = b'{"id":"x/y","description":"' + b"z" * 60000 + b'"},'
        while send_all(conn, filler, deadline):
            pass
    elif path == "/headers":
        fields = ["X-Filler-%d: %s" % (i, "v" * 40) for i in range(5000)]
        send_all(conn, head(200, "OK", fields + ["Content-Length: %d" % len(body)])
                 + body, deadline)
    elif path == "/longheader":
        send_all(conn, head(200, "OK", ["Set-Cookie: " + "c" * (1 << 20),
                                        "Content-Length: %d" % len(body)]) + body,
                 deadline)
    elif path == "/chunkovf":
        send_all(conn, head(200, "OK", ["Transfer-Encoding: chunked"]) +
                 b"1FFFFFFFFFFFFFFFFF\r\n" + body[:100], deadline)
    elif path == "/chunkhex":
        send_all(conn, head(200, "OK", ["Transfer-Encoding: chunked"]) +
                 b"zz\r\n" + body[:100], deadline)
    elif path == "/clte":
        send_all(conn, head(200, "OK", ["Content-Length: %d" % len(body),
                                        "Transfer-Encoding: chunked"]) + body,
                 deadline)
    elif path == "/deep":
        doc = b'{"data":[{"id":"a/b","x":' + b"[" * 10000 + b"]" * 10000 + b"}]}"
        send_all(conn, length_response(doc), deadline)
    elif path == "/badutf8":
        doc = b'{"data":[{"id":"ok/model","name":"fine"},' \
              b'{"id":"bad/\xff\xfe","name":"x\xc3"}]}'
        send_all(conn, length_response(doc), deadline)
    elif path == "/tls-alert":
        data = length_response(body)
        send_all(conn, data[:len(data) // 2], deadline)
        # Python's ssl cannot send a fatal alert itself: write one as a
        # plaintext record (fatal, internal_error) on the raw socket under
        # the session, then FIN. The client must fail on the record, not
        # wait or call it a clean end.
        raw = socket.socket(fileno=conn.detach())
        raw.sendall(b"\x15\x03\x03\x00\x02\x02\x50")
        raw.shutdown(socket.SHUT_WR)
        time.sleep(0.5)
        raw.close()
        return
    elif path == "/echo-auth":
        if auth == ["Bearer sk-test"]:
            send_all(conn, length_response(body), deadline)
        else:
            page = ("no or wrong Authorization (%d header(s))" % len(auth)).encode()
            send_all(conn, head(401, "Unauthorized", [
                "Content-Type: text/plain", "Content-Length: %d" % len(page)])
                + page, deadline)
    elif path == "/redirect-host":
        send_all(conn, head(302, "Found", ["Location: https://localhost:%d/no-auth"
                                           % port, "Content-Length: 0"]), deadline)
    elif path == "/no-auth":
        if not auth:
            send_all(conn, length_response(body), deadline)
        else:
            send_all(conn, head(403, "Credential Leaked", ["Content-Length: 0"]),
                     deadline)
    else:
        send_all(conn, head(404, "Not Found", ["Content-Length: 0"]), deadline)


def serve(conn, ctx, port):
    try:
        tls = ctx.wrap_socket(conn, server_side=True)
    except (ssl.SSLError, OSError):
        conn.close()  # a client that refused our certificate: expected
        return
    try:
        handle(tls, port)
    except (ssl.SSLError, OSError):
        pass
    finally:
        try:
            tls.close()
        except OSError:
            pass


def main():
    global CATALOGUE
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--catalogue", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--tls12", action="store_true", help="TLS 1.2 only")
    ap.add_argument("--lifetime", type=int, default=600,
                    help="exit after this many seconds")
    a = ap.parse_args()
    CATALOGUE = open(a.catalogue, "rb").read()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    if a.tls12:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", a.port))
    srv.listen(64)
    port = srv.getsockname()[1]
    print("port %d" % port, flush=True)
    srv.settimeout(1)
    end = time.time() + a.lifetime
    while time.time() < end:
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            continue
        threading.Thread(target=serve, args=(conn, ctx, port), daemon=True).start()
    sys.exit(0)


if __name__ == "__main__":
    main()

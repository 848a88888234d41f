#!/usr/bin/env python3
"""picker_test.py - `ormodels select` as an owner meets it, end to end.

Drives build/ormodels select --offline --cache-file X (never the network)
through plain pipes carrying raw UART-style bytes (backspaces 0x08/0x7F,
CR, LF, CRLF, Ctrl-C, Ctrl-D, line noise, invalid UTF-8, a 10,000-byte
line, input ending mid-line) and through a pseudo-terminal (raw mode on,
the picker's own echo, Ctrl-C, SIGINT and SIGTERM, the TTY restored as
`stty -g` saw it). Asserts what is on screen, the exit status, the last
stdout line and what `ormodels selected` then says, for a real catalogue
(../shared/fixtures, skipped with a message when absent; a synthetic one
from gen_catalogue.py always) and for the built-in defaults; and that a
refresh dropping the chosen model keeps it, shown as not listed.

    picker_test.py --cli build/ormodels
"""
import argparse
import json
import os
import random
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import termios
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, HERE)
import gen_catalogue  # noqa: E402

FIXTURES = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "fixtures"))
FIXTURE = "openrouter-models-2025-05-23.json"  # all five popular models
POPULAR = ["anthropic/claude-sonnet-4", "anthropic/claude-3.5-sonnet",
           "openai/gpt-4o", "openai/gpt-4-turbo",
           "meta-llama/llama-3.3-70b-instruct"]
GPT4O_ROW = ("  3 openai/gpt-4o                                         "
             "2.50    10.00    128K")
PROMPT = "Select or search: "

passed, failed = 0, []
CLI = None
HOME = None


def check(name, cond, detail=""):
    global passed
    if cond:
        passed += 1
    else:
        failed.append(name)
        print("FAIL", name, str(detail)[-1500:])


def env():
    return dict(os.environ, HOME=HOME, OPENROUTER_API_KEY="")


def run(args, data=b"", timeout=30):
    p = subprocess.run([CLI] + args, input=data, capture_output=True,
                       env=env(), timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), \
        p.stderr.decode("utf-8", "replace")


def select_pipe(cache, data):
    """select over pipes; the screen with CRLF made LF."""
    rc, out, err = run(["select", "--offline", "--cache-file", cache], data)
    return rc, out.replace("\r\n", "\n"), err


def selected(cache):
    return run(["selected", "--cache-file", cache])


def last_line(out):
    lines = out.rstrip("\n").split("\n")
    return lines[-1] if lines else ""


def fresh(table, name):
    """A new cache folder holding a copy of table (None: no table)."""
    d = tempfile.mkdtemp(prefix="pk-", dir=HOME)
    cache = os.path.join(d, name)
    if table:
        shutil.copy(table, cache)
    return cache


def check_fit(name, out):
    """No escape sequences; lines of at most 79 columns (the chosen id's
    line aside); at most 24 lines from one prompt to the next."""
    check(name + " no ESC", "\x1b" not in out)
    for line in out.split("\n"):
        if not line.startswith("Selected: "):
            shown = re.sub(r".\x08 \x08", "", line)
            if len(shown) > 79 and len(line) < 1000:
                check(name + " 79 columns", False, repr(line))
    for chunk in re.split(r"\n(?:Select or search: |> )", out):
        if chunk.count("\n") > 24:
            check(name + " 24 lines", False, chunk)


def models_of(doc):
    data = doc["data"] if isinstance(doc, dict) else doc
    return [(m["id"], m.get("name") or "") for m in data
            if isinstance(m, dict) and isinstance(m.get("id"), str)]


# ------------------------------------------------------------------ pipes

def pipe_tests(label, table, doc):
    ids = {i for i, _ in models_of(doc)}
    n = len(ids)

    # The first screen, and a number chooses at once.
    cache = fresh(table, "t.bin")
    rc, out, err = select_pipe(cache, b"3\r\n")
    check(label + " header", re.match(r"Found %d models \(updated \d{4}-\d\d-\d\d\)\n" % n,
                                      out), out[:200])
    check(label + " popular head", "\n    Popular models " in out, out)
    for k, mid in enumerate(POPULAR):
        check(label + " popular %d" % (k + 1),
              re.search(r"^ {2}%d %s +\S+ +\S+ +\S+$" % (k + 1, re.escape(mid)),
                        out, re.M), out)
    check(label + " gpt-4o row", GPT4O_ROW + "\n" in out, out)
    check(label + " commands", "s TERM search  a show all (%d)  f free only: off"
          "  o order: id  q quit\n" % n in out, out)
    check(label + " echo + selected", PROMPT + "3\nSelected: openai/gpt-4o\n" in out, out)
    check(label + " chosen exit", rc == 0, (rc, err))
    check(label + " last line is the id", last_line(out) == "openai/gpt-4o", out[-200:])
    check_fit(label + " first", out)
    rc, sout, serr = selected(cache)
    check(label + " selected", rc == 0 and sout == "openai/gpt-4o\n"
          and "not listed" not in serr, (rc, sout, serr))

    # Backspaces, both kinds; an empty-line backspace does nothing.
    cache = fresh(table, "t.bin")
    rc, out, _ = select_pipe(cache, b"\x7f9\x083\x7f2\r\n")
    check(label + " backspace echo", PROMPT + "9\x08 \x083\x08 \x082\nSelected: "
          "anthropic/claude-3.5-sonnet\n" in out, out[-300:])
    check(label + " backspace chosen", rc == 0 and
          selected(cache)[1] == "anthropic/claude-3.5-sonnet\n")

    # CR, LF and CRLF: each one Enter, so exactly these screens.
    cache = fresh(table, "t.bin")
    rc, out, _ = select_pipe(cache, b"a\r\nn\rp\nq\r\n\r\nq\r")
    check(label + " crlf exit", rc == 1, rc)
    check(label + " crlf pages", out.count("Page 2 of ") == 1 and
          out.count("Page 1 of ") == 2, out)
    check(label + " crlf prompts", out.count(PROMPT) == 3, out.count(PROMPT))
    check(label + " crlf nothing saved", not os.path.exists(cache + ".sel"))
    check(label + " quit message", out.endswith("No model chosen.\n"), out[-100:])
    check_fit(label + " paging", out)

    # Ctrl-C cancels wherever it comes; what follows is not read.
    cache = fresh(table, "t.bin")
    rc, out, _ = select_pipe(cache, b"a\r\n12\x031\r\n")
    check(label + " ctrl-c exit", rc == 130, rc)
    check(label + " ctrl-c screen", out.endswith("> 12^C\nCancelled. No model chosen.\n"),
          out[-200:])
    check(label + " ctrl-c nothing saved", not os.path.exists(cache + ".sel"))

    # Line noise and invalid UTF-8 never reach the line nor the screen.
    cache = fresh(table, "t.bin")
    noise = (b"\x00\x01\x02\x07\x09\x0b\x0c\x0e\x1a\x80\xbf\xc0\xaf\xed\xa0\x80"
             b"\xf5\xff\xfe\xe2\x82" b"4" b"\xe0\x80\xaf\x1b[A\x1b[1;5D\x1bOB\r\n")
    rc, out, _ = select_pipe(cache, noise)
    check(label + " noise chosen", rc == 0 and last_line(out) == "openai/gpt-4-turbo",
          out[-300:])
    check(label + " noise echo", PROMPT + "4\nSelected: openai/gpt-4-turbo\n" in out,
          out[-300:])

    # A 10,000-byte line is refused whole, rings once, and the next works.
    cache = fresh(table, "t.bin")
    rc, out, _ = select_pipe(cache, b"5" * 10000 + b"\r\n5\r\n")
    check(label + " long line refused", "\n! Line over 104 bytes: ignored.\n"
          + PROMPT + "5\nSelected: meta-llama/llama-3.3-70b-instruct\n" in out,
          out[-300:])
    check(label + " long line bell once", out.count("\a") == 1, out.count("\a"))
    check(label + " long line echo bounded", len(out) < 4000, len(out))
    check(label + " long line then choice", rc == 0)
    cache = fresh(table, "t.bin")
    rc, out, _ = select_pipe(cache, b"1" * 10000)
    check(label + " long line at end", rc == 1 and
          not os.path.exists(cache + ".sel"), rc)

    # Input that ends mid-line chooses nothing.
    cache = fresh(table, "t.bin")
    rc, out, _ = select_pipe(cache, b"1")
    check(label + " mid-line end", rc == 1 and out.endswith(PROMPT + "1\nNo model chosen.\n")
          and not os.path.exists(cache + ".sel"), (rc, out[-100:]))
    rc, out, _ = select_pipe(cache, b"")
    check(label + " empty input", rc == 1, rc)
    rc, out, _ = select_pipe(cache, b"12\x04\x7f\x7f\x04")
    check(label + " ctrl-d", rc == 1 and out.endswith("No model chosen.\n")
          and not os.path.exists(cache + ".sel"), (rc, out[-100:]))

    # Search: any case, ids and names, numbered; then a number chooses.
    term = "CLAUDE-3.5"
    hits = sorted({i for i, nm in models_of(doc)
                   if term.lower() in i.lower() or term.lower() in nm.lower()},
                  key=lambda s: s.encode())
    pick = min(2, len(hits))
    cache = fresh(table, "t.bin")
    rc, out, _ = select_pipe(cache, b"s %s\r\n%d\r\n" % (term.encode(), pick))
    check(label + " search title", "\nModels matching '%s': %d, by id\n" % (term, len(hits))
          in out, out[-2000:])
    for k, mid in enumerate(hits[:18]):
        check(label + " search row %d" % (k + 1),
              re.search(r"^ *%d %s " % (k + 1, re.escape(mid)), out, re.M), mid)
    check(label + " search choose", rc == 0 and last_line(out) == hits[pick - 1],
          out[-200:])
    check_fit(label + " search", out)

    # A miss keeps the screen; a full id chooses; free only; orders.
    cache = fresh(table, "t.bin")
    rc, out, _ = select_pipe(cache, b"s no-such-model-anywhere\r\nf\r\na\r\n"
                             b"o\r\no\r\nopenai/gpt-4o\r\n")
    check(label + " search miss", "\nNo model matches 'no-such-model-anywhere'.\n" + PROMPT
          in out, out[:3000])
    check(label + " free only", "f free only: on" in out and
          re.search(r"^All models: \d+ free, by id$", out, re.M), out)
    rows = re.findall(r"^ *\d+ \S+ +(\S+) +(\S+) +\S+$", out.split("All models:")[1]
                      .split("\n> ")[0], re.M)
    check(label + " free rows", rows and all(r == ("0.00", "0.00") for r in rows), rows)
    check(label + " order price", re.search(r"^All models: \d+ free, by price$", out, re.M))
    check(label + " order context", re.search(r"^All models: \d+ free, by context$", out, re.M))
    check(label + " full id", rc == 0 and last_line(out) == "openai/gpt-4o", out[-200:])
    check_fit(label + " filters", out)

    # q leaves an earlier choice alone.
    rc, out, _ = select_pipe(cache, b"q\r\n")
    check(label + " q exit", rc == 1, rc)
    check(label + " q current", "\nCurrent: openai/gpt-4o\n" in out and
          out.endswith("No change: still openai/gpt-4o.\n"), out[-200:])
    check(label + " q kept", selected(cache)[1] == "openai/gpt-4o\n")
    return cache


def dropped_tests(label, cache, doc):
    """A refresh that no longer lists the choice keeps it, not listed."""
    data = doc["data"] if isinstance(doc, dict) else doc
    d = os.path.dirname(cache)
    without = os.path.join(d, "without.json")
    with open(without, "w") as f:
        json.dump({"data": [m for m in data if m.get("id") != "openai/gpt-4o"]}, f)
    rc, _, err = run(["parse", without, "--save", "--cache-file", cache])
    check(label + " refresh saved", rc == 0, err)
    rc, out, err = selected(cache)
    check(label + " kept after refresh", rc == 0 and out == "openai/gpt-4o\n", (rc, out))
    check(label + " not listed", "(not listed)" in err, err)
    rc, out, _ = select_pipe(cache, b"q\r\n")
    check(label + " picker not listed", "\nCurrent: openai/gpt-4o (not listed)\n" in out,
          out[:400])
    check(label + " popular without it",
          not re.search(r"^ +\d+ openai/gpt-4o ", out, re.M), out[:800])
    check(label + " still selected", selected(cache)[1] == "openai/gpt-4o\n")
    # Listed again after the next refresh.
    full = os.path.join(d, "full.json")
    with open(full, "w") as f:
        json.dump(doc, f)
    run(["parse", full, "--save", "--cache-file", cache])
    rc, out, err = selected(cache)
    check(label + " listed again", rc == 0 and out == "openai/gpt-4o\n"
          and "not listed" not in err, (rc, out, err))


def defaults_tests():
    cache = fresh(None, "none.bin")
    rc, out, err = selected(cache)
    check("defaults nothing selected", rc == 1 and "no model selected" in err, err)
    rc, out, err = select_pipe(cache, b"4\r\n")
    check("defaults notice", "built-in defaults" in err, err)
    check("defaults screen", out.startswith(
        "! Nothing saved yet; using 4 built-in models\n\n"
        "    Popular models                                      IN $/M  OUT $/M CONTEXT\n"
        "  1 anthropic/claude-sonnet-4                                -        -       -\n"
        "  2 anthropic/claude-3.5-sonnet                              -        -       -\n"
        "  3 openai/gpt-4-turbo                                       -        -       -\n"
        "  4 meta-llama/llama-3.3-70b-instruct                        -        -       -\n"
        "\ns TERM search  a show all (4)  f free only: off  o order: id  q quit\n"),
        out[:800])
    check("defaults chosen", rc == 0 and last_line(out) ==
          "meta-llama/llama-3.3-70b-instruct", (rc, out[-200:]))
    rc, sout, serr = selected(cache)
    check("defaults selected", rc == 0 and sout == "meta-llama/llama-3.3-70b-instruct\n"
          and "not listed" not in serr, (rc, sout, serr))
    check("defaults no table written", not os.path.exists(cache))
    cache = fresh(None, "none.bin")
    rc, out, _ = select_pipe(cache, b"a\r\nopenai/gpt-4o\r\nq\r\nq\r\n")
    check("defaults all", "All models: 4, by id\n" in out, out)
    check("defaults gpt-4o absent", "No model matches 'openai/gpt-4o'." in out, out)
    check("defaults quit", rc == 1 and not os.path.exists(cache + ".sel"), rc)


# ---------------------------------------------------------------- the pty

class Pty:
    def __init__(self, cache, stdout_pipe=False):
        self.master, self.slave = os.openpty()
        # A sane cooked terminal to start from, as a login shell leaves it.
        subprocess.run(["stty", "sane"], stdin=self.slave)
        self.before = self.stty()
        self.p = subprocess.Popen(
            [CLI, "select", "--offline", "--cache-file", cache],
            stdin=self.slave, stderr=self.slave,
            stdout=subprocess.PIPE if stdout_pipe else self.slave, env=env())
        self.buf = b""

    def stty(self):
        return subprocess.run(["stty", "-g"], stdin=self.slave,
                              capture_output=True).stdout.decode().strip()

    def read_until(self, text, timeout=10):
        end = time.time() + timeout
        while text.encode() not in self.buf and time.time() < end:
            r, _, _ = select.select([self.master], [], [], 0.05)
            if r:
                try:
                    self.buf += os.read(self.master, 65536)
                except OSError:
                    break
        return text.encode() in self.buf

    def send(self, data):
        os.write(self.master, data)

    def wait(self):
        try:
            rc = self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = None
        self.read_until("\x00never", timeout=0.2)
        return rc

    def close(self):
        os.close(self.master)
        os.close(self.slave)

    def text(self):
        return self.buf.decode("utf-8", "replace")


def pty_tests(table):
    # A choice through the terminal: raw while running, restored after.
    cache = fresh(table, "t.bin")
    t = Pty(cache)
    ok = t.read_until(PROMPT)
    check("pty first screen", ok and "Found " in t.text(), t.text())
    check("pty crlf from the picker", "\r\n\r\n    Popular models" in t.text() and
          "\r\r\n" not in t.text(), repr(t.text()[:200]))
    attrs = termios.tcgetattr(t.slave)
    check("pty raw: no echo, no canon, no isig",
          not attrs[3] & (termios.ECHO | termios.ICANON | termios.ISIG), attrs[3])
    t.send(b"9\x7f2\r")
    rc = t.wait()
    check("pty chosen exit", rc == 0, rc)
    check("pty own echo once", "Select or search: 9\b \b2\r\nSelected: "
          "anthropic/claude-3.5-sonnet\r\n" in t.text(), repr(t.text()[-300:]))
    check("pty last line", t.text().endswith("\nanthropic/claude-3.5-sonnet\r\n"),
          repr(t.text()[-100:]))
    check("pty restored after choice", t.stty() == t.before, (t.stty(), t.before))
    t.close()

    # Ctrl-C is a byte in raw mode: cancelled, exit 130, TTY restored.
    cache = fresh(table, "t.bin")
    t = Pty(cache)
    t.read_until(PROMPT)
    t.send(b"a\r")
    t.read_until("> ")
    t.send(b"\x03")
    rc = t.wait()
    check("pty ctrl-c exit", rc == 130, rc)
    check("pty ctrl-c screen", "^C\r\nCancelled. No model chosen.\r\n" in t.text(),
          repr(t.text()[-200:]))
    check("pty ctrl-c restored", t.stty() == t.before, (t.stty(), t.before))
    check("pty ctrl-c nothing saved", not os.path.exists(cache + ".sel"))
    t.close()

    # Signals from outside: the handler restores, then the signal kills.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        cache = fresh(table, "t.bin")
        t = Pty(cache)
        t.read_until(PROMPT)
        t.send(b"s gpt")
        t.read_until("s gpt")
        raw = t.stty()
        t.p.send_signal(sig)
        rc = t.wait()
        check("pty %s dies by it" % sig.name, rc == -sig, rc)
        check("pty %s was raw" % sig.name, raw != t.before)
        check("pty %s restored" % sig.name, t.stty() == t.before,
              (t.stty(), t.before))
        t.close()

    # stdout captured (id=$(ormodels select)): screens on the terminal
    # via stderr, only the id on stdout.
    cache = fresh(table, "t.bin")
    t = Pty(cache, stdout_pipe=True)
    ok = t.read_until(PROMPT)
    check("pty captured: screen on the terminal", ok, t.text())
    t.send(b"1\r")
    rc = t.wait()
    out = t.p.stdout.read().decode()
    check("pty captured: only the id", rc == 0 and out == "anthropic/claude-sonnet-4\n",
          (rc, out))
    check("pty captured restored", t.stty() == t.before)
    t.close()


# ------------------------------------------------------------------- main

def save_table(doc, path):
    src = path + ".json"
    with open(src, "w") as f:
        json.dump(doc, f)
    rc, _, err = run(["parse", src, "--save", "--cache-file", path])
    if rc != 0:
        raise SystemExit("cannot save %s: %s" % (path, err))
    return path


def synthetic():
    doc = gen_catalogue.gen("basic", random.Random(11))
    prices = [("0.000003", "0.000015", 200000), ("0.000003", "0.000015", 200000),
              ("0.0000025", "0.00001", 128000), ("0.00001", "0.00003", 128000),
              ("0.00000007", "0.00000025", 131072)]
    for k, mid in enumerate(POPULAR):
        p, c, ctx = prices[k]
        doc["data"][k + 3].update(id=mid, name=mid.split("/")[1].title(),
                                  context_length=ctx,
                                  pricing={"prompt": p, "completion": c})
    doc["data"][10].update(pricing={"prompt": "0", "completion": "0"})
    return doc


def main():
    global CLI, HOME
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    a = ap.parse_args()
    CLI = os.path.abspath(a.cli)
    HOME = tempfile.mkdtemp(prefix="om-picker-")
    try:
        doc = synthetic()
        table = save_table(doc, os.path.join(HOME, "synthetic.bin"))
        cache = pipe_tests("synthetic", table, doc)
        dropped_tests("synthetic", cache, doc)
        defaults_tests()
        pty_tests(table)
        if os.path.isdir(FIXTURES) and os.path.exists(os.path.join(FIXTURES, FIXTURE)):
            with open(os.path.join(FIXTURES, FIXTURE), "rb") as f:
                real = json.load(f)
            table = save_table(real, os.path.join(HOME, "real.bin"))
            cache = pipe_tests("real", table, real)
            dropped_tests("real", cache, real)
            # Every real catalogue: the popular ones it has, a choice saved.
            for name in sorted(os.listdir(FIXTURES)):
                if not name.endswith(".json"):
                    continue
                with open(os.path.join(FIXTURES, name), "rb") as f:
                    d = json.load(f)
                t = save_table(d, os.path.join(HOME, name + ".bin"))
                # What the table kept: a catalogue over OM_TABLE_CAPACITY
                # loses its oldest models.
                kept = {m["id"] for m in json.loads(run(
                    ["list", "--offline", "--json", "--cache-file", t])[1])["models"]}
                present = [m for m in POPULAR if m in kept]
                c = fresh(t, "t.bin")
                rc, out, _ = select_pipe(c, b"a\r\nn\r\nq\r\n1\r\n")
                want = present[0] if present else None
                check(name + " popular shown", all(m in out.split("All models")[0]
                                                   for m in present), present)
                check(name + " choice", (rc == 0 and last_line(out) == want) if want
                      else (rc != 0 and "    Popular models" in out and "\n    (none)\n" in out), (rc, out[-300:]))
                check_fit(name, out)
        else:
            print("SKIPPED real catalogues: %s absent (the synthetic one ran)"
                  % FIXTURES)
    finally:
        shutil.rmtree(HOME, ignore_errors=True)
    print("picker: %d passed, %d failed" % (passed, len(failed)))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

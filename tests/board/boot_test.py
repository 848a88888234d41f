#!/usr/bin/env python3
"""boot_test.py - the qemu-mps2-an386 firmware end to end, in QEMU.

Boots the firmware on a blank flash, streams a real catalogue into it
through semihosting (../shared/fixtures; a synthetic one of the same shape,
said so, when the folder is absent), checks the table on the UART, feeds a
truncated catalogue (the saved table must stay), chooses a model with the
serial picker, stops QEMU (the power goes), boots again on the same flash
file and checks that the table and the choice came back; then a warm reset
(`reboot`) must bring them back too.

    boot_test.py --fw build/qemu-mps2-an386/ormodels.elf --work DIR
                 [--catalogue FILE] [--timeout S]
"""
import argparse
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time

PROMPT = "\n> "


def catalogue_or_synthetic(cat, work, label):
    """cat when it exists; else, said so, a generated catalogue of 512+
    models (tests/gen_catalogue.py) written into work."""
    if cat and os.path.exists(cat):
        return cat
    print("%s: SKIPPED the real catalogue (%s absent); using a synthetic one"
          % (label, cat))
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    import gen_catalogue  # noqa: E402
    import random
    path = os.path.join(work, "catalogue-synthetic.json")
    with open(path, "w") as f:
        json.dump(gen_catalogue.gen("many", random.Random(3)), f, indent=1)
    return path


class Board:
    """One QEMU run with the console on pipes."""

    def __init__(self, fw, flash, feed, timeout):
        args = ["qemu-system-arm", "-M", "mps2-an386", "-display", "none",
                "-monitor", "none", "-serial", "stdio", "-semihosting-config",
                "enable=on,target=native,arg=ormodels,arg=flash=%s,arg=feed=%s"
                % (flash, feed), "-kernel", fw]
        self.timeout = timeout
        self.p = subprocess.Popen(args, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
        self.q = queue.Queue()
        self.buf = ""
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        while True:
            b = self.p.stdout.read1(4096)
            if not b:
                self.q.put(None)
                return
            self.q.put(b.decode("utf-8", "replace"))

    def expect(self, text):
        """Reads until text; returns what came before it (CRLF as LF)."""
        deadline = time.time() + self.timeout
        while text not in self.buf:
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError("timeout waiting for %r; got:\n%s"
                                     % (text, self.buf[-2000:]))
            try:
                chunk = self.q.get(timeout=left)
            except queue.Empty:
                continue
            if chunk is None:
                raise AssertionError("QEMU ended waiting for %r; got:\n%s"
                                     % (text, self.buf[-2000:]))
            # CRLF may be split between chunks: join, then convert
            self.buf = (self.buf + chunk).replace("\r\n", "\n")
        i = self.buf.index(text)
        before = self.buf[:i]
        self.buf = self.buf[i + len(text):]
        return before

    def send(self, line, end="\n"):
        self.p.stdin.write((line + end).encode())
        self.p.stdin.flush()

    def cmd(self, line):
        """Runs a shell command; returns its output."""
        self.send(line)
        self.expect(line + "\n")  # the echo
        return self.expect(PROMPT)

    def wait(self):
        try:
            return self.p.wait(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            raise AssertionError("QEMU did not stop")

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


def listed_ids(out):
    ids = []
    for line in out.splitlines():
        if line.startswith("MODEL") or re.match(r"^\d+ models$", line):
            continue
        # a row: id in 50 columns, then prices and context; a longer id
        # has a line of its own, then a row with an empty id column
        row = len(line) >= 75 and len(line[50:].split()) == 3
        ids.append(line[:50].rstrip() if row else line)
    return [i for i in ids if i]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fw", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--catalogue")
    ap.add_argument("--timeout", type=float, default=60)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)

    cat = catalogue_or_synthetic(a.catalogue, a.work, "boot-test")
    with open(cat, "rb") as f:
        raw = f.read()
    doc = json.loads(raw)
    models = doc["data"] if isinstance(doc, dict) else doc
    cat_ids = {m["id"] for m in models if isinstance(m.get("id"), str)}
    expect_n = min(len(cat_ids), 512)
    bad = os.path.join(a.work, "truncated.json")
    with open(bad, "wb") as f:
        f.write(raw[:len(raw) // 2])
    flash = os.path.join(a.work, "flash.bin")
    if os.path.exists(flash):
        os.remove(flash)
    checks = 0

    # ---- first boot: blank flash
    b = Board(a.fw, flash, cat, a.timeout)
    try:
        boot = b.expect(PROMPT)
        assert "table: none saved, built-in defaults" in boot, boot
        assert "selected: none" in boot, boot
        out = b.cmd("fetch")
        m = re.search(r"(\d+) models kept, (\d+) dropped", out)
        assert m and int(m.group(1)) == expect_n, out
        assert "saved to flash" in out, out
        checks += 1
        listing = b.cmd("list")
        ids = listed_ids(listing)
        assert len(ids) == expect_n, (len(ids), expect_n)
        assert ids == sorted(ids, key=lambda s: s.encode()), "not in id order"
        assert set(ids) <= cat_ids, set(ids) - cat_ids
        if expect_n == len(cat_ids):
            assert set(ids) == cat_ids
        checks += 1
        out = b.cmd("fetch " + bad)
        assert "fetch failed" in out and ("table: %d models from flash"
                                          % expect_n) in out, out
        assert b.cmd("list") == listing, "a bad catalogue changed the table"
        checks += 1
        # the serial picker: search, then choose the first match
        b.send("pick")
        scr = b.expect("Select or search: ")
        assert "Found %d models" % expect_n in scr, scr
        term = ids[len(ids) // 2]
        b.send("s " + term, end="\r")
        scr = b.expect("a number chooses")
        rows = re.findall(r"^\s+1 (\S+)", scr, re.M)
        assert rows, scr
        chosen = rows[0]
        b.send("1", end="\r")
        b.expect("Selected: %s\n" % chosen)
        b.expect(PROMPT)
        assert b.cmd("sel").strip() == "selected: " + chosen
        checks += 1
        mem = b.cmd("mem")
        print("boot-test: " + mem.strip())
        b.send("quit")
        assert b.wait() == 0, "quit: QEMU exit status"
    finally:
        b.kill()

    # ---- power cycle: a new QEMU on the same flash file
    b = Board(a.fw, flash, cat, a.timeout)
    try:
        boot = b.expect(PROMPT)
        assert "table: %d models from flash" % expect_n in boot, boot
        assert "selected: " + chosen in boot, boot
        assert b.cmd("list") == listing, "the table did not come back"
        checks += 1
        # unchanged catalogue: saved again without touching flash
        before = open(flash, "rb").read()
        out = b.cmd("fetch")
        assert "saved to flash" in out, out
        assert open(flash, "rb").read() == before, "unchanged table rewrote flash"
        checks += 1
        # warm reset
        b.send("reboot")
        boot = b.expect(PROMPT)
        assert "table: %d models from flash" % expect_n in boot, boot
        assert "selected: " + chosen in boot, boot
        checks += 1
        b.send("quit")
        assert b.wait() == 0
    finally:
        b.kill()
    print("boot-test: %d checks passed (%s, %d models, chose %s)"
          % (checks, os.path.basename(cat), expect_n, chosen))


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print("boot-test: FAILED: %s" % e)
        sys.exit(1)

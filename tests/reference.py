"""reference.py - an independent model of what the extractor must produce.

Written from the rules in include/ormodels.h with Python's json module and
Decimal, sharing no code with the C extractor: given a catalogue, the
table ormodels should hold (sorted by id, later duplicates win, the
newest models kept when the catalogue exceeds the capacity, over-long ids
skipped, names cut at a character boundary).
"""
import json
import re
from decimal import Decimal, InvalidOperation

CAPACITY = 512
# The ids the tool pins (never dropped): the original plan's popular five.
POPULAR = ("anthropic/claude-sonnet-4", "anthropic/claude-3.5-sonnet",
           "openai/gpt-4o", "openai/gpt-4-turbo",
           "meta-llama/llama-3.3-70b-instruct")
ID_MAX = 96
NAME_MAX = 80


NUMBER = re.compile(r"-?(\d+(\.\d+)?|\.\d+)([eE][+-]?\d+)?")


def price(v):
    """A catalogue price as a normalized Decimal, "var" for -1, None when
    it is absent or not a decimal that 17 digits and 30 places hold."""
    if isinstance(v, bool) or not isinstance(v, (str, int, float)):
        return None
    s = json.dumps(v) if isinstance(v, float) else str(v)
    if not NUMBER.fullmatch(s):
        return None
    d = Decimal(s)
    if d == -1:
        return "var"
    if d < 0:
        return None
    if d == 0:
        return Decimal(0)
    d = d.normalize()
    _sign, digits, exp = d.as_tuple()
    mant = int("".join(map(str, digits)))
    if exp > 0:
        mant *= 10 ** exp
        exp = 0
    if mant >= 2 ** 59 or -exp > 30:
        return None
    return d


def clean_name(name):
    """Control characters become spaces; cut to NAME_MAX bytes of UTF-8."""
    out = []
    for ch in name:
        o = ord(ch)
        out.append(" " if o < 0x20 or o == 0x7F or 0x80 <= o <= 0x9F else ch)
    b = "".join(out).encode("utf-8")
    if len(b) <= NAME_MAX:
        return b.decode("utf-8"), False
    return b[:NAME_MAX].decode("utf-8", "ignore"), True


def uint32(v):
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 0xFFFFFFFF:
        return None
    return v


def first_wins(pairs):
    """object_pairs_hook: the first of repeated keys wins, as in the C."""
    d = {}
    for k, v in pairs:
        if k not in d:
            d[k] = v
    return d


def expected(doc_bytes, capacity=CAPACITY, pinned=POPULAR):
    """The list of models (dicts) the table must hold, in id order."""
    doc = json.loads(doc_bytes, object_pairs_hook=first_wins)
    table = {}  # id -> model
    stats = dict(models=0, long_ids=0, invalid=0, duplicates=0, dropped=0)
    for seq, m in enumerate(doc["data"]):
        stats["models"] += 1
        if not isinstance(m, dict):
            stats["invalid"] += 1
            continue
        mid = m.get("id")
        if not isinstance(mid, str) or not mid:
            stats["invalid"] += 1
            continue
        b = mid.encode("utf-8", "surrogatepass")
        if len(b) > ID_MAX:
            stats["long_ids"] += 1
            continue
        if any(ord(c) < 0x20 or ord(c) == 0x7F or 0x80 <= ord(c) <= 0x9F for c in mid) or mid[0] == " ":
            stats["invalid"] += 1
            continue
        name = m.get("name")
        name, _cut = clean_name(name) if isinstance(name, str) else ("", False)
        p = m.get("pricing") if isinstance(m.get("pricing"), dict) else {}
        created = uint32(m.get("created"))
        rec = dict(
            id=mid,
            name=name,
            prompt=price(p.get("prompt")),
            completion=price(p.get("completion")),
            context_length=uint32(m.get("context_length")) or 0,
            created=created or 0,
            seq=min(seq, 65535),
            pinned=mid in pinned,
        )
        if mid in table:
            stats["duplicates"] += 1
            rec["pinned"] = rec["pinned"] or table[mid]["pinned"]
            table[mid] = rec
            continue
        if len(table) >= capacity:
            # the oldest unpinned: smallest created, then latest listed
            victims = [r for r in table.values() if not r["pinned"]]
            oldest = min(victims, key=lambda r: (r["created"], -r["seq"]))
            stats["dropped"] += 1
            newer = (rec["created"], -rec["seq"]) > (oldest["created"], -oldest["seq"])
            if not (rec["pinned"] or newer):
                continue
            del table[oldest["id"]]
        table[mid] = rec
    models = sorted(table.values(), key=lambda r: r["id"].encode("utf-8"))
    return models, stats


def from_cli_json(text):
    """The CLI's --json output in the same shape as expected()."""
    doc = json.loads(text)
    out = []

    def cli_price(s):  # the CLI writes plain decimals or "-1"
        if s == "-1":
            return "var"
        d = Decimal(s)
        return Decimal(0) if d == 0 else d.normalize()

    for m in doc["models"]:
        pr = m.get("pricing", {})
        out.append(dict(
            id=m["id"],
            name=m["name"],
            prompt=cli_price(pr["prompt"]) if "prompt" in pr else None,
            completion=cli_price(pr["completion"]) if "completion" in pr else None,
            context_length=m["context_length"],
        ))
    return out, doc.get("updated_at")

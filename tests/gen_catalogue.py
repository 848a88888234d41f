#!/usr/bin/env python3
"""gen_catalogue.py - synthetic catalogues of the shape the API sends.

So that the suite means something without ../shared/fixtures, each kind
exercises what real catalogues do and more: more models than the table
holds, a 1 MB description, unknown fields nested 60 deep, every JSON
escape, surrogate pairs, raw UTF-8, names with trailing spaces, ids with
"~" and ":suffix", floats, nulls, pricing.overrides arrays, both top-level
forms, minified and pretty-printed.

    gen_catalogue.py KIND [--seed N] [--pretty] > catalogue.json
"""
import argparse
import json
import random
import sys

KINDS = ("basic", "many", "huge", "deep", "escapes", "schema2026", "hostile")

VENDORS = ["openai", "anthropic", "google", "meta-llama", "mistralai",
           "qwen", "deepseek", "x-ai", "~anthropic", "z-ai", "nvidia"]
WORDS = ["pro", "mini", "flash", "turbo", "instruct", "chat", "coder",
         "vision", "large", "small", "lite", "think", "preview"]
SUFFIXES = ["", "", "", ":free", ":beta", ":thinking", ":exacto", ":extended"]


def price_str(rng):
    kind = rng.random()
    if kind < 0.1:
        return "0"
    if kind < 0.15:
        return "-1"
    if kind < 0.2:  # the 22-decimal kind the API really sends
        return "0.0000000208333333333333"
    mant = rng.randint(1, 99999)
    scale = rng.randint(4, 12)
    s = str(mant).rjust(scale + 1, "0")
    return s[:-scale] + "." + s[-scale:]


def model(rng, i, created, extra=None):
    vendor = rng.choice(VENDORS)
    mid = "%s/%s-%d%s" % (vendor, "-".join(rng.sample(WORDS, 2)), i,
                          rng.choice(SUFFIXES))
    name = "%s: %s %d" % (vendor.strip("~").title(),
                          " ".join(w.title() for w in rng.sample(WORDS, 2)), i)
    if rng.random() < 0.1:
        name += " "  # kept as sent
    m = {
        "id": mid,
        "canonical_slug": mid.replace(":", "-"),
        "hugging_face_id": None if rng.random() < 0.5 else "org/" + mid,
        "name": name,
        "created": created,
        "description": "A model. " * rng.randint(0, 40),
        "context_length": rng.choice([0, 4096, 32768, 131072, 200000,
                                      1048576, 2000000]),
        "architecture": {"modality": "text->text", "input_modalities": ["text"],
                         "output_modalities": ["text"], "tokenizer": "Other",
                         "instruct_type": None},
        "pricing": {"prompt": price_str(rng), "completion": price_str(rng),
                    "request": "0", "image": "0.001"},
        "top_provider": {"context_length": 8192, "max_completion_tokens": None,
                         "is_moderated": rng.random() < 0.5},
        "per_request_limits": None,
        "supported_parameters": ["temperature", "top_p", "tools"],
        "default_parameters": {"temperature": 0.7, "top_p": None,
                               "frequency_penalty": 1e-3},
    }
    if extra:
        m.update(extra)
    return m


def basic(rng, n=40):
    return {"data": [model(rng, i, 1700000000 + rng.randint(0, 10**7))
                     for i in range(n)]}


def gen(kind, rng):
    if kind == "basic":
        return basic(rng)
    if kind == "many":  # more than the table holds: the newest must stay
        doc = basic(rng, 700)
        for m in doc["data"]:
            if rng.random() < 0.05:
                del m["created"]  # catalogue order decides among these
        return doc
    if kind == "huge":  # a 1 MB description and a 200 KB unknown array
        doc = basic(rng, 5)
        doc["data"][2]["description"] = "x\\\"y\u00e9" * 200000
        doc["data"][3]["benchmarks"] = [{"k": i, "v": [i, None, True, 1.5e-7]}
                                        for i in range(10000)]
        return doc
    if kind == "deep":  # unknown fields nested 60 deep, everywhere
        doc = basic(rng, 10)
        deep = "leaf"
        for i in range(58):
            deep = [deep] if i % 2 else {"k%d" % i: deep}
        for m in doc["data"]:
            m["links"] = {"details": "/api/v1/models/%s/endpoints" % m["id"]}
            m["nested"] = deep
        doc["meta"] = deep
        return doc
    if kind == "escapes":  # every escape; surrogates; raw UTF-8
        doc = basic(rng, 12)
        names = ["Tab\there", "Quote \" and \\ slash /", "Caf\u00e9 \u4e2d\u6587",
                 "Emoji \U0001F600 pair", "Ctrl \u0001\u001b[31m red",
                 "\u00fc\u00f6\u00e4 raw", "Trailing  ", "Nul-free \u2028 line"]
        for i, m in enumerate(doc["data"]):
            m["name"] = names[i % len(names)] + " %d" % i
        doc["data"][0]["id"] = "esc/caf\u00e9-\U0001F680:free"
        return doc
    if kind == "schema2026":  # the newest top level and pricing shape
        doc = basic(rng, 30)
        for m in doc["data"]:
            m["pricing"]["overrides"] = [
                {"when": {"prompt_tokens": {"gt": 200000}},
                 "prompt": "0.000006", "completion": "0.0000225"}]
            m["benchmarks"] = {"mmlu": 0.871, "swe": None}
            m["reasoning"] = {"effort": ["low", "high"], "default": None}
            m["links"] = {"details": "/api/v1/models/x/endpoints"}
        doc["data"][0]["id"] = "~vendor/model-latest"
        return {"data": doc["data"], "total_count": 30,
                "links": {"next": None}}
    if kind == "hostile":  # valid JSON, odd content: must not disturb
        doc = basic(rng, 20)
        d = doc["data"]
        d[0]["id"] = "x" * 97            # too long: skipped, counted
        d[1]["id"] = d[2]["id"]          # a repeat: the later one wins
        d[3]["name"] = "N" * 300         # cut to NAME_MAX
        d[4]["pricing"] = {"prompt": 3e-6, "completion": "0.00001"}
        d[5]["pricing"] = {"prompt": "abc", "completion": "-0.5"}
        d[6]["context_length"] = "128000"
        d[7]["context_length"] = None
        d[8]["created"] = -5
        del d[9]["id"]
        d[10]["pricing"] = None
        d[11]["name"] = {"not": "a string"}
        d.append(17)
        d.append(None)
        return doc
    raise SystemExit("unknown kind %r (%s)" % (kind, ", ".join(KINDS)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("kind", choices=KINDS)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pretty", action="store_true")
    a = ap.parse_args()
    doc = gen(a.kind, random.Random(a.seed))
    if a.pretty:
        text = json.dumps(doc, indent=2, ensure_ascii=(a.seed % 2 == 0))
    else:
        text = json.dumps(doc, separators=(",", ":"),
                          ensure_ascii=(a.seed % 2 == 0))
    sys.stdout.write(text)


if __name__ == "__main__":
    main()

#!/usr/bin/env node
// settings_test.js - the settings page in a real browser: Debian's chromium,
// headless, driven by playwright-core. Serves a synthetic catalogue with
// `ormodels serve` (refreshing from the loopback TLS fault server), then:
// loads the page, waits for the dropdown to fill, searches, chooses a model,
// presses Refresh, checks the saved selection survives a reload, and saves
// a screenshot. Nothing but 127.0.0.1 is contacted.
//
//   node settings_test.js --cli build/ormodels --ca build/net/ca --out build/browser
"use strict";
const { chromium } = require("playwright-core");
const { spawn, execFileSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const arg = (k, d) => { const i = process.argv.indexOf(k); return i > 0 ? process.argv[i + 1] : d; };
const root = path.resolve(__dirname, "..", "..");
const cli = path.resolve(arg("--cli", path.join(root, "build", "ormodels")));
const ca = path.resolve(arg("--ca", path.join(root, "build", "net", "ca")));
const outDir = path.resolve(arg("--out", path.join(root, "build", "browser")));
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";

let checks = 0, failed = 0;
function check(name, ok, detail) {
  checks++;
  if (!ok) { failed++; console.log("FAIL " + name + (detail !== undefined ? " " + JSON.stringify(detail) : "")); }
}

// Resolves with the first stdout/stderr match of re, from a child process.
function waitFor(child, stream, re, ms) {
  return new Promise((resolve, reject) => {
    let buf = "";
    const t = setTimeout(() => reject(new Error("timed out waiting for " + re + ": " + buf)), ms);
    child[stream].on("data", (d) => {
      buf += d;
      const m = buf.match(re);
      if (m) { clearTimeout(t); resolve(m); }
    });
    child.on("exit", () => { clearTimeout(t); reject(new Error("exited: " + buf)); });
  });
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "om-browser-"));
  const cat = path.join(home, "catalogue.json");
  const cache = path.join(home, "models.bin");
  fs.writeFileSync(cat, execFileSync("python3", [path.join(root, "tests", "gen_catalogue.py"),
                                                 "schema2026", "--seed", "4"]));
  execFileSync(cli, ["parse", cat, "--save", "--cache-file", cache], { stdio: "ignore" });

  const fault = spawn("python3", [path.join(root, "tests", "net", "fault_server.py"),
    "--cert", path.join(ca, "server-ec.pem"), "--key", path.join(ca, "server-ec.key"),
    "--catalogue", cat, "--lifetime", "120"], { stdio: ["ignore", "pipe", "inherit"] });
  const fport = (await waitFor(fault, "stdout", /port (\d+)/, 10000))[1];
  const serve = spawn(cli, ["serve", "--listen", "127.0.0.1:0", "--cache-file", cache,
    "--url", "https://127.0.0.1:" + fport + "/ok", "--cacert", path.join(ca, "ca.pem"),
    "--timeout", "5"], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, HOME: home } });
  let log = "";
  serve.stderr.on("data", (d) => { log += d; });
  const base = (await waitFor(serve, "stderr", /serving (http:\/\/127\.0\.0\.1:\d+)\//, 10000))[1];

  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true,
                                          args: ["--no-sandbox", "--disable-gpu"] });
  try {
    const page = await browser.newPage({ viewport: { width: 900, height: 560 } });
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    // Hold the first /models answer back, to see the loading state.
    let release;
    const held = new Promise((r) => { release = r; });
    let first = true;
    await page.route("**/models?*", async (route) => {
      if (first) { first = false; await held; }
      await route.continue();
    });
    await page.goto(base + "/");
    await page.waitForSelector("#loading", { state: "visible" });
    check("loading state", (await page.textContent("#loading")) === "Loading models...");
    check("dropdown hidden while loading", await page.isHidden("#model"));
    release();

    await page.waitForFunction(() => document.querySelectorAll("#model option").length > 5);
    check("loading gone", await page.isHidden("#loading"));
    const api = await (await fetch(base + "/models")).json();
    const options = await page.$$eval("#model option", (os) => os.map((o) => [o.value, o.textContent]));
    check("all models listed", options.length === api.models.length + 1, [options.length, api.models.length]);
    const m = api.models.find((x) => x.pricing && x.pricing.prompt && Number(x.pricing.prompt) > 0 &&
                                      x.context_length >= 1000 && x.name);
    const row = options.find((o) => o[0] === m.id);
    const perM = "$" + (Number(m.pricing.prompt) * 1e6 >= 0.01 ? (Number(m.pricing.prompt) * 1e6).toFixed(2) : "");
    check("row shows id, name, price, context", row && row[1].includes(m.name) &&
          row[1].includes(perM) && /\u00b7\s+[\d.]+(K|M)?\s/.test(row[1]), [row, perM]);
    check("updated time", /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/.test(await page.textContent("#updated")),
          await page.textContent("#updated"));
    check("no selection yet", (await page.textContent("#current")) === "none");

    // Search narrows the dropdown to matching models.
    const term = m.id.split("/")[0];
    await page.fill("#search", term);
    const shown = await page.$$eval("#model option", (os) => os.slice(1).map((o) => o.textContent.toLowerCase()));
    check("search filters", shown.length > 0 && shown.length < api.models.length &&
          shown.every((t) => t.includes(term.toLowerCase())), [term, shown.length]);
    check("search count", (await page.textContent("#count")).includes(" of " + api.models.length));

    // Choosing saves it.
    await page.selectOption("#model", m.id);
    await page.waitForFunction((id) => document.getElementById("current").textContent === id, m.id);
    check("saved message", (await page.textContent("#status")).includes("Saved: " + m.id));
    const sel = await (await fetch(base + "/selection")).json();
    check("selection saved on the server", sel.id === m.id && sel.listed === true, sel);

    // Refresh models: a forced refresh from the fault server.
    await page.fill("#search", "");
    await page.click("#refresh");
    await page.waitForFunction(() => /^Refresh: /.test(document.getElementById("status").textContent));
    const st = await page.textContent("#status");
    check("refresh done", /^Refresh: (updated|not-modified)$/.test(st), st);
    check("refresh logged", /refresh \(forced\): (updated|not modified)/.test(log), log);
    await page.click("#refresh");
    await page.waitForFunction(() => /rate-limited/.test(document.getElementById("status").textContent),
                               null, { timeout: 15000 }).catch(() => {});
    const st2 = await page.textContent("#status");
    check("second refresh limited", /rate-limited/.test(st2), st2);
    check("selection kept after refresh", (await page.inputValue("#model")) === m.id);

    // A reload shows the saved choice.
    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll("#model option").length > 5);
    check("selection after reload", (await page.textContent("#current")) === m.id &&
          (await page.inputValue("#model")) === m.id);
    await page.fill("#search", term);
    const shot = path.join(outDir, "settings.png");
    await page.screenshot({ path: shot, fullPage: true });
    check("screenshot", fs.statSync(shot).size > 5000);
    check("no page errors", errors.length === 0, errors);
    console.log("browser-test: screenshot " + path.relative(process.cwd(), shot));
  } finally {
    await browser.close();
    serve.kill("SIGTERM");
    fault.kill("SIGTERM");
  }
  console.log("browser-test: " + checks + " checks, " + failed + " failed");
  process.exit(failed ? 1 : 0);
}

main().catch((e) => { console.log("FAIL " + (e && e.stack || e)); process.exit(1); });

// Sending prep notes to the chart in the built frontend, in real headless
// Chromium against the scripted agent (e2e/stub.js, ?send=1): Today's
// "Send day" and the sheet's "Send to chart", their confirmations, the
// outcome with a refused visit, the "sent 07:52 by Front Desk" marks, and
// axe-core's WCAG 2.1 A/AA rules on each. Run: npm run e2e (after npm run build).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { readFile, mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = fileURLToPath(new URL(".", import.meta.url));
const dist = join(here, "..", "dist");
const shots = join(here, "..", "..", "test-artifacts", "ui");
const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".png": "image/png" };
const chromiumArgs = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
let server, base, browser;

before(async () => {
  await mkdir(shots, { recursive: true });
  server = http.createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
    try {
      const body = await readFile(join(dist, path === "/" ? "index.html" : path));
      res.writeHead(200, { "content-type": types[extname(path)] ?? "text/html" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: chromiumArgs });
});

after(async () => {
  await browser?.close();
  server?.close();
});

async function open(query) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.errors = errors;
  await page.addInitScript({ path: join(here, "stub.js") });
  await page.goto(`${base}/?${query}`);
  await page.locator("#day-table").waitFor();
  return page;
}

const axeSource = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
async function violations(page) {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ path: axeSource });
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
}

const calls = (page) => page.evaluate(() => window.__stub.state.calls.filter((c) => c.startsWith("send")));

test("with sending off there is nothing to send", async () => {
  const page = await open("mode=demo");
  assert.equal(await page.locator("#send-day").count(), 0);
  await page.locator("#row-a1").click();
  await page.locator("#print").waitFor();
  assert.equal(await page.locator("#send-one").count(), 0);
  assert.deepEqual(await calls(page), []);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("Send day asks with the count, sends, lists the refused visit, and marks the rows", async () => {
  const page = await open("mode=demo&send=1");
  await page.locator("#send-day").click();
  const ask = await page.locator("#send-ask-text").textContent();
  assert.match(ask, /^Send the prep notes of 4 visits on .+ \(with 3 providers\) to Epic\?/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), "send-confirm");
  assert.deepEqual(await violations(page), [], "axe, the confirmation");
  await page.screenshot({ path: join(shots, "send-day-ask.png") });
  await page.locator("#send-confirm").click();
  await page.locator("#send-result").waitFor();
  assert.equal(await page.locator("#send-result p").textContent(), "3 of 4 notes sent; 1 not sent. The prep is unchanged.");
  assert.match(await page.locator("#send-failures").textContent(), /^Ana Ruiz: Epic refused the note/);
  assert.equal(await page.locator("#row-a1 .chip.sent").textContent(), "sent 07:52 by Front Desk");
  assert.equal(await page.locator("#row-a4 .chip.sent").count(), 0);
  assert.equal(await page.locator("#send-day-count").textContent(), "3 of 4 prep notes sent to the chart");
  assert.deepEqual(await violations(page), [], "axe, the outcome");
  await page.screenshot({ path: join(shots, "send-day-result.png") });
  assert.deepEqual(await calls(page), ["send day"]);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("Send to chart from the sheet names the patient and provider, and shows who sent it", async () => {
  const page = await open("mode=demo&send=1");
  await page.locator("#row-a3").click();
  await page.locator("#send-one").click();
  assert.match(await page.locator("#send-ask-text").textContent(), /^Send the prep note of Lee Chen \(08:40 with Ada Park, MD\) to Epic\?/);
  await page.keyboard.press("Enter"); // the focused Send
  await page.locator("#sheet-sent").waitFor();
  assert.equal(await page.locator("#sheet-sent").textContent(), "sent 07:52 by Front Desk");
  assert.equal(await page.locator("#send-one").textContent(), "Send to chart again");
  assert.deepEqual(await violations(page), [], "axe, the sheet");
  await page.screenshot({ path: join(shots, "send-sheet.png") });
  assert.deepEqual(await calls(page), ["send a3"]);
  assert.deepEqual(page.errors, []);
  await page.close();
});

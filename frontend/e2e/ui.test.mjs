// End-to-end tests of the built frontend in real headless Chromium (Debian's
// /usr/bin/chromium) driven by playwright-core, with a scripted agent in
// place of the Wails bridge (e2e/stub.js). Screenshots go to
// ../test-artifacts/ui/. Run: npm run e2e (after npm run build).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { readFile, mkdir } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = fileURLToPath(new URL(".", import.meta.url));
const dist = join(here, "..", "dist");
const shots = join(here, "..", "..", "test-artifacts", "ui");
const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".png": "image/png" };
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
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

async function open(mode = "demo") {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.addInitScript({ path: join(here, "stub.js") });
  await page.goto(`${base}/?mode=${mode}`);
  return page;
}

test("setup wizard: inline messages, test connection, sign in, then Today", async () => {
  const page = await open("unconfigured");
  await page.fill("#client-id", '"abc def"');
  await page.waitForSelector("#client-id-msg:has-text('space inside it')");
  await page.fill("#client-id", '  "0a1b2c3d"  ');
  await page.fill("#fhir-base", "http://epic.example/api/FHIR/R4");
  await page.waitForSelector("#fhir-base-msg:has-text('https://')");
  await page.fill("#fhir-base", "https://epic.example/api/FHIR/R4/");
  await page.click("#test-connection");
  await page.waitForSelector("#wizard-result:has-text('Epic answered')");
  await page.screenshot({ path: join(shots, "wizard.png") });
  await page.click("#sign-in");
  await page.waitForSelector("#day-table");
  const calls = await page.evaluate(() => window.__stub.state.calls);
  assert.ok(calls.includes("setup https://epic.example/api/FHIR/R4/ 0a1b2c3d"), calls.join(","));
  await page.close();
});

test("Today with a sync in progress: progress bar, then rows", async () => {
  const page = await open();
  await page.waitForSelector("#day-table");
  assert.equal(await page.locator("#day-table tbody tr").count(), 4);
  assert.equal(await page.title(), "HealthPrep Desk");
  await page.click("#sync");
  await page.evaluate(() => window.__stub.emit({ phase: "patients", appointments: 4, patientsDone: 1, patientsTotal: 4, requests: 9, errors: 0 }));
  await page.waitForSelector(".progress-text:has-text('Updating patients: 1 of 4')");
  assert.equal(await page.locator(".progress-fill").getAttribute("style"), "width:25%");
  await page.screenshot({ path: join(shots, "today-syncing.png") });
  await page.evaluate(() => window.__stub.finishSync());
  await page.waitForSelector("#sync:has-text('Update from Epic')");
  assert.equal(await page.locator(".progress").count(), 0);
  await page.screenshot({ path: join(shots, "today.png") });
  await page.close();
});

test("prep sheet and its print view", async () => {
  const page = await open();
  await page.click("tr[data-appointment=a1]");
  await page.waitForSelector("#patient-name:has-text('Maria Lopez')");
  const statuses = await page.locator("#results tbody tr td:nth-child(2)").allTextContents();
  assert.deepEqual(statuses, ["Due", "Due soon", "Complete", "Excluded"]);
  await page.screenshot({ path: join(shots, "sheet.png"), fullPage: true });
  await page.click("#print");
  const frame = page.frameLocator("iframe.print-frame");
  assert.equal(await frame.locator("#printed").textContent(), "a1");
  await page.close();
});

test("keyboard: Tab to a row and Enter opens the sheet", async () => {
  const page = await open();
  await page.waitForSelector("#day-table");
  await page.focus("tr[data-appointment=a3]");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#patient-name:has-text('Lee Chen')");
  await page.close();
});

test("offline banner keeps the saved day visible", async () => {
  const page = await open();
  await page.evaluate(() => (window.__stub.state.online = false));
  await page.click("#nav-settings");
  await page.click("#nav-today");
  await page.waitForSelector("#offline-banner:has-text('Epic cannot be reached (no network)')");
  assert.equal(await page.locator("#day-table tbody tr").count(), 4);
  await page.screenshot({ path: join(shots, "offline.png") });
  await page.close();
});

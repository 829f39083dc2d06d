// The e2e harness both test files share: the built frontend (../dist) served
// on loopback, Debian's headless Chromium driven by playwright-core, pages
// opened with the scripted agent (stub.js) in place of the Wails bridge,
// and axe-core's WCAG 2.1 A/AA rules. useFrontend() in a test file starts
// the server and the browser before its tests and stops them after.
import { before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { readFile, mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = fileURLToPath(new URL(".", import.meta.url));
const dist = join(here, "..", "dist");
/** Where screenshots and printed PDFs go. */
export const shots = join(here, "..", "..", "test-artifacts", "ui");
const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".png": "image/png" };
export const chromiumArgs = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
let server, base, browser;

/** useFrontend serves the built frontend and launches Chromium for this
 *  test file's tests. */
export function useFrontend() {
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
}

/** newPage is a blank page in the browser (for printed pages). */
export function newPage(viewport = { width: 1280, height: 800 }) {
  return browser.newPage({ viewport });
}

/** open loads the app with the scripted agent; query steers the stub
 *  (mode=demo, send=1, visits=40, …). The page's script errors collect in
 *  page.errors. */
export async function open(query = "mode=demo") {
  const page = await newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.errors = errors;
  await page.addInitScript({ path: join(here, "stub.js") });
  await page.goto(`${base}/?${query}`);
  return page;
}

/** calls is what the page asked of the scripted agent, in order. */
export const calls = (page) => page.evaluate(() => window.__stub.state.calls);

/** done checks that the page had no script errors and a title with no patient in it, then closes it. */
export async function done(page) {
  assert.deepEqual(page.errors, [], "no script errors");
  assert.equal(await page.title(), "HealthPrep Desk");
  await page.close();
}

const axeSource = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
/** The WCAG 2.1 A and AA rules of axe-core (Deque's engine). */
export const wcag21aa = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/** axe runs axe-core on the page as it is and returns its violations, each
 *  with the selectors of the elements at fault. */
export async function axe(page) {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ path: axeSource });
  return page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations", "passes"] });
    return {
      passes: r.passes.length,
      violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) })),
    };
  }, wcag21aa);
}

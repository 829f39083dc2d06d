// print-pages: how many pages Print day makes for the demo's weekday, as
// sheets and as the day list, for all providers and for one. A measurement,
// not a test: the real agent (build/bin, on the clock below, syncing the
// demo's Friday) gives the day and every sheet; the built frontend runs in
// Chromium with the e2e stub's bridge answering with them. Run after
// `make build` and `cd frontend && npm run build`:
//   H=$(mktemp -d) && mkdir -m 700 $H/home && HEALTHPREP_HOME=$H/home \
//     build/scripts/with-keyring node build/scripts/print-pages.mjs; rm -rf $H
import http from "node:http";
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join, extname } from "node:path";
import { createRequire } from "node:module";
const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const require = createRequire(join(root, "frontend", "package.json"));
const { chromium } = require("playwright-core");
const home = process.env.HEALTHPREP_HOME;
const get = (path) => new Promise((res, rej) => http.get({ socketPath: join(home, "agent.sock"), path }, (r) => { let b = ""; r.on("data", (c) => (b += c)); r.on("end", () => res(JSON.parse(b))); }).on("error", rej));
const agent = spawn(join(root, "build/bin/healthprep-agent"), ["serve", "--clock", "2026-11-27T09:30:00Z"], { stdio: "ignore", env: process.env });
let st;
for (let i = 0; i < 120; i++) {
  await new Promise((r) => setTimeout(r, 500));
  st = await get("/v1/status").catch(() => undefined);
  if (st && (st.days ?? []).includes(st.today) && !st.syncing) break;
}
if (!st) { agent.kill("SIGTERM"); throw new Error("agent did not answer"); }
const date = st.today;
const day = await get(`/v1/days/${date}`);
const sheets = {};
for (const r of day.rows) sheets[r.appointmentId] = await get(`/v1/days/${date}/sheets/${r.appointmentId}`);
agent.kill("SIGTERM");
const dist = join(root, "frontend", "dist");
const server = http.createServer(async (req, res) => {
  const p = new URL(req.url, "http://x").pathname;
  try { const b = await readFile(join(dist, p === "/" ? "index.html" : p)); res.writeHead(200, { "content-type": { ".js": "text/javascript", ".css": "text/css" }[extname(p)] ?? "text/html" }); res.end(b); } catch { res.writeHead(404).end(); }
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu"] });
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
page.errs = []; page.on("pageerror", (e) => page.errs.push(e.message)); page.on("console", (m) => m.type() === "error" && page.errs.push(m.text()));
await page.addInitScript({ path: join(root, "frontend/e2e/stub.js") });
await page.addInitScript(({ day, sheets }) => {
  const A = window.go.app.App;
  const today = A.Status;
  A.Status = async () => ({ ...(await today()), today: day.date, days: [day.date] });
  A.Day = async () => day;
  A.Sheet = async (_d, id) => sheets[id];
}, { day, sheets });
await page.goto(`http://127.0.0.1:${server.address().port}/?mode=demo`);
await page.waitForSelector("#day-table");
const out = [];
for (const provider of ["", day.rows[0].provider]) {
  await page.selectOption("#provider-filter", provider);
  const t0 = Date.now();
  await page.click("#print-day");
  for (const kind of ["sheets", "list"]) {
    await page.click(`#print-kind-${kind}`);
    await page.waitForFunction((k) => document.querySelector(`#print-kind-${k}`)?.checked && /pages? to print/.test(document.querySelector("#print-pages")?.textContent ?? ""), kind, { timeout: 120000 }).catch(async (e) => { console.log("panel:", await page.textContent("#print-panel").catch(() => "none"), page.errs); throw e; });
    out.push({ provider: provider || "all", kind, said: await page.textContent("#print-pages"), ms: Date.now() - t0 });
    if (kind === "sheets" && !provider) {
      const html = await page.evaluate(() => document.querySelector("iframe.print-frame").contentDocument.documentElement.outerHTML);
      const p2 = await browser.newPage({ viewport: { width: 800, height: 1056 } });
      await p2.setContent(html);
      const per = await p2.evaluate(() => { const c = {}; let cur = ""; for (const pg of document.querySelectorAll(".page")) { const h = pg.querySelector(".sheet-head h1"); if (h) cur = h.textContent; c[cur] = (c[cur] ?? 0) + 1; } return Object.values(c).reduce((a, n) => ((a[n] = (a[n] ?? 0) + 1), a), {}); });
      console.log("patients by pages:", JSON.stringify(per));
      await p2.close();
    }
  }
  await page.click("#print-close");
}
console.log(JSON.stringify({ date, rows: day.rows.length, active: day.rows.filter((r) => !r.inactive).length, out }, null, 1));
await browser.close();
server.close();

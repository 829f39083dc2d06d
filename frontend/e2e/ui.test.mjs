// End-to-end tests of the built frontend in real headless Chromium (Debian's
// /usr/bin/chromium) driven by playwright-core, with a scripted agent in
// place of the Wails bridge (e2e/stub.js). Screenshots go to
// ../test-artifacts/ui/. Run: npm run e2e (after npm run build).
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { axe, calls, done, newPage, open as openQuery, shots, useFrontend, wcag21aa } from "./harness.mjs";

useFrontend();

const open = (mode = "demo") => openQuery(`mode=${mode}`);
const rowCount = (page) => page.locator("#day-table tbody tr.row").count();

test("setup wizard from the demo: inline messages, test connection, sign-in waiting then done, hours, Today", async () => {
  const page = await open();
  await page.waitForSelector("#day-table");
  await page.click("#demo-setup");
  await page.waitForSelector("#client-id");
  assert.equal(await page.textContent("#try-demo"), "Back to the demo");
  await page.fill("#practice-name", "Riverside Family Medicine");
  await page.fill("#client-id", '"abc def"');
  await page.waitForSelector("#client-id-msg:has-text('space inside it')");
  assert.equal(await page.textContent("#fhir-base-msg"), "", "no message for a field not typed in yet");
  await page.fill("#client-id", '  "0a1b2c3d"  ');
  await page.waitForSelector("#client-id-msg:text-is('')");
  await page.fill("#fhir-base", "http://fhir.riverside.example/api/FHIR/R4");
  await page.waitForSelector("#fhir-base-msg:has-text('must start with https://')");
  await page.fill("#fhir-base", "https://fhir.riverside.example/api/FHIR/R4/");
  // What the paste became shows before anything is saved.
  await page.waitForFunction(() => document.querySelector("#fhir-base-clean")?.textContent === "Will be saved as https://fhir.riverside.example/api/FHIR/R4");
  assert.equal(await page.textContent("#client-id-clean"), "Will be saved as 0a1b2c3d");
  await page.click("#test-connection");
  await page.waitForSelector("#wizard-result:has-text('Epic answered')");
  assert.match(await page.textContent("#wizard-result"), /sign-in page is at fhir\.riverside\.example/);
  assert.match(await page.textContent("#wizard-not-checked"), /Not checked yet: the client ID/);
  await page.screenshot({ path: join(shots, "wizard.png") });

  await page.click("#sign-in");
  await page.waitForSelector("#wizard-signin-waiting:has-text('Waiting for you to sign in in the browser')");
  assert.equal(await page.inputValue("#wizard-signin-url"), "https://fhir.riverside.example/oauth2/authorize?client_id=0a1b2c3d&state=abc");
  await page.click("#wizard-signin-copy");
  await page.waitForSelector("#wizard-signin-copy:text-is('Copied')");
  await page.screenshot({ path: join(shots, "wizard-signin-waiting.png") });
  assert.ok((await calls(page)).includes("setup https://fhir.riverside.example/api/FHIR/R4 0a1b2c3d Riverside Family Medicine"));
  assert.ok((await calls(page)).includes("copy https://fhir.riverside.example/oauth2/authorize?client_id=0a1b2c3d&state=abc"));

  await page.evaluate(() => window.__stub.finishSignIn({ state: "done", user: "Pat Manager", accessMode: "device" }));
  await page.waitForSelector("#wizard-signin-user:has-text('Signed in as Pat Manager.')");
  await page.click("#wizard-next");
  // Schedule: the provider IDs the provider schedule needs, refused when
  // missing, then tested against today's schedule.
  await page.waitForSelector("#schedule-kind-provider-service:checked");
  await page.fill("#provider-ids", "");
  await page.click("#wizard-next");
  await page.waitForSelector("#provider-ids-msg:has-text('Add the Epic provider IDs')");
  assert.equal(await page.getAttribute("#provider-ids", "aria-invalid"), "true");
  await page.fill("#provider-ids", "E1001, E1002 E1003, E9999");
  await page.click("#test-schedule");
  await page.waitForSelector("#schedule-found:text-is('Found 5 appointments for today, Tue 24 Nov 2026.')");
  assert.match(await page.textContent("#schedule-by-provider"), /E9999: Epic does not know this provider ID/);
  await page.screenshot({ path: join(shots, "wizard-schedule.png") });
  await page.fill("#provider-ids", "E1001, E1002 E1003");
  await page.click("#wizard-next");
  await page.waitForSelector("#wizard-sync-at");
  assert.ok((await calls(page)).includes("save schedule provider-service E1001,E1002,E1003"));
  await page.fill("#wizard-sync-at", "07:00");
  await page.check("#wizard-day-Sat");
  await page.click("#wizard-finish");
  await page.waitForSelector("#day-table");
  assert.equal(await page.textContent("#header-practice"), "Riverside Family Medicine");
  assert.equal(await page.textContent("#user"), "Signed in: Pat Manager");
  const saved = await page.evaluate(() => window.__stub.state.settings);
  assert.equal(saved.syncAt, "07:00");
  assert.deepEqual(saved.clinicDays, ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]);
  await done(page);
});

test("an unconfigured install (no saved days: null from Go) opens the wizard; Try the demo shows the demo", async () => {
  const page = await open("unconfigured");
  await page.waitForSelector("#client-id");
  assert.equal(await page.textContent("#try-demo"), "Try the demo");
  await page.click("#try-demo");
  await page.waitForSelector("#day-table");
  await page.waitForSelector("#demo-banner");
  await done(page);
});

test("a practice preset the agent could not apply: the banner says why, Finish setting up opens the wizard filled in, fixed and saved it is the practice", async () => {
  const page = await open("preset");
  await page.waitForSelector("#day-table");
  assert.equal(await page.locator("#demo-banner").count(), 0, "the preset banner stands in for the demo banner");
  assert.equal(await page.textContent("#preset-title"), "This computer was prepared for Riverside Family Medicine, but its setup could not finish.");
  assert.match(await page.textContent("#preset-reason"), /FHIR base URL: The FHIR address must start with https:\/\//);
  assert.equal(await page.getAttribute("#preset-banner", "role"), "status");
  assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 1280);
  await page.screenshot({ path: join(shots, "preset-banner.png") });

  await page.click("#preset-setup");
  await page.waitForSelector("#client-id");
  assert.equal(await page.inputValue("#practice-name"), "Riverside Family Medicine");
  assert.equal(await page.inputValue("#client-id"), "0a1b2c3d");
  assert.equal(await page.inputValue("#fhir-base"), "http://fhir.riverside.example/api/FHIR/R4");
  assert.equal(await page.textContent("#fhir-base-msg"), "The FHIR address must start with https://");
  assert.equal(await page.getAttribute("#fhir-base", "aria-invalid"), "true");
  assert.equal(await page.textContent("#client-id-msg"), "");
  assert.match(await page.textContent("#wizard-preset"), /practice preset this computer was given for Riverside Family Medicine/);
  await page.screenshot({ path: join(shots, "wizard-preset.png") });

  await page.fill("#fhir-base", "https://fhir.riverside.example/api/FHIR/R4");
  await page.waitForSelector("#fhir-base-msg:text-is('')");
  await page.click("#test-connection");
  await page.waitForSelector("#wizard-result:has-text('Epic answered')");
  await page.click("#sign-in");
  await page.waitForSelector("#wizard-signin-waiting");
  assert.ok((await calls(page)).includes("setup https://fhir.riverside.example/api/FHIR/R4 0a1b2c3d Riverside Family Medicine"));
  await page.evaluate(() => window.__stub.finishSignIn({ state: "done", user: "Pat Manager", accessMode: "device" }));
  await page.click("#wizard-next");
  await page.waitForSelector("#provider-ids");
  await page.click("#wizard-next"); // the saved provider IDs stand
  await page.click("#wizard-finish");
  await page.waitForSelector("#day-table");
  assert.equal(await page.textContent("#header-practice"), "Riverside Family Medicine");
  assert.equal(await page.locator("#preset-banner").count(), 0);
  assert.equal(await page.locator("#demo-badge").count(), 0);
  await done(page);
});

test("the agent's notice shows beside the day, is dismissed, and shows again when it changes", async () => {
  const words = "The saved prep on this computer could not be read, so it was set aside and will be fetched again from Epic at the next update.";
  const page = await open(`demo&notice=${encodeURIComponent(words)}`);
  await page.waitForSelector("#day-table");
  assert.equal(await page.textContent("#agent-notice-text"), words);
  assert.equal(await page.getAttribute("#agent-notice", "role"), "status");
  await page.click("#agent-notice-dismiss");
  await page.waitForSelector("#agent-notice", { state: "detached" });
  await page.evaluate(() => (window.__stub.state.notice = "Another thing to know."));
  await page.click("#nav-about");
  await page.click("#nav-today"); // Today asks the agent how things stand
  await page.waitForSelector("#agent-notice-text:text-is('Another thing to know.')");
  await done(page);
});

test("sign-in that fails says what to do; cancel stops waiting", async () => {
  const page = await open("signin");
  await page.waitForSelector("#needs-signin");
  await page.click("#resignin-start");
  await page.waitForSelector("#resignin-waiting");
  await page.click("#resignin-cancel");
  await page.waitForSelector("#resignin-start");
  assert.ok((await calls(page)).includes("cancel sign-in"));
  await page.click("#resignin-start");
  await page.waitForSelector("#resignin-waiting");
  await page.evaluate(() => window.__stub.finishSignIn({ state: "failed", error: "Epic refused the sign-in: this user may not use HealthPrep Desk." }));
  await page.waitForSelector("#resignin-error:has-text('Epic refused the sign-in')");
  assert.match(await page.textContent("#resignin-error"), /If the browser did not open/);
  await page.screenshot({ path: join(shots, "signin-failed.png") });
  await done(page);
});

test("Today with a sync in progress: progress bar, rows updating as patients land, cancel, then a finished update", async () => {
  const page = await open();
  await page.waitForSelector("#day-table");
  assert.equal(await rowCount(page), 5);
  assert.equal(await page.textContent("#row-a1 .chip.due"), "Colorectal · A1C", "what is due, by name");
  await page.click("#sync");
  await page.waitForSelector("#sync-progress");
  await page.evaluate(() => window.__stub.emit({ phase: "patients", date: "2026-11-24", appointments: 5, patientsDone: 1, patientsTotal: 4, requests: 9, patientId: "pa1" }));
  await page.waitForSelector(".progress-text:has-text('Updating patients: 1 of 4')");
  assert.equal(await page.getAttribute("[role=progressbar]", "aria-valuenow"), "25");
  assert.equal(await page.getAttribute(".progress-fill", "style"), "width:25%");
  await page.waitForSelector("#row-a1.updated .chip.fresh");
  assert.equal(await page.locator("tr.updated").count(), 1);
  await page.screenshot({ path: join(shots, "today-syncing.png") });
  await page.click("#cancel-sync");
  await page.waitForSelector("#banner:has-text('The update was stopped. The saved prep is unchanged.')");
  assert.equal(await page.locator("#sync-progress").count(), 0);
  assert.equal(await rowCount(page), 5);

  await page.click("#sync");
  await page.evaluate(() => window.__stub.emit({ phase: "patients", date: "2026-11-24", patientsDone: 4, patientsTotal: 5, patientId: "pa3" }));
  await page.waitForSelector("#row-a3.updated");
  await page.evaluate(() => window.__stub.finishSync());
  await page.waitForSelector("#sync:has-text('Update from Epic'):not([disabled])");
  await page.waitForSelector("#row-a1 .chip.due", { state: "detached" });
  assert.equal(await page.textContent("#row-a1 .chip.due-soon"), "1 due soon");
  assert.equal(await page.locator("tr.updated").count(), 0);
  await page.screenshot({ path: join(shots, "today.png") });
  await done(page);
});

test("schedule file: nothing saved says to import it first; a refused file; the summary with bad rows by line; then Update", async () => {
  const page = await open("file");
  await page.waitForSelector("#day-missing");
  assert.equal(
    await page.textContent("#import-first"),
    "This practice's schedule comes from a file exported from Epic: import Tue 24 Nov 2026's schedule file first, then update from Epic.",
  );
  let focused = "";
  for (let i = 0; i < 20 && focused !== "import-schedule"; i++) {
    await page.keyboard.press("Tab");
    focused = await page.evaluate(() => document.activeElement?.id ?? "");
  }
  assert.equal(focused, "import-schedule", "the import button is reached with Tab");
  assert.equal(await page.getAttribute("#schedule-file", "accept"), ".csv,.tsv,.txt");

  await page.setInputFiles("#schedule-file", { name: "tuesday.csv", mimeType: "text/csv", buffer: Buffer.from("Appt Time,Provider,MRN\n08:00,Ada Park MD,1001\n") });
  await page.waitForSelector("#schedule-import-error");
  assert.equal(await page.textContent("#schedule-import-error .error-message"), 'tuesday.csv was not imported. The schedule file has no column for the visit type ("Visit Type")');
  await page.click("#schedule-import-error-details-summary");
  assert.match(await page.textContent("#schedule-import-error-details pre"), /header: Appt Time,Provider,MRN/);
  await page.screenshot({ path: join(shots, "schedule-import-refused.png") });

  const csv = [
    "Appt Time,Provider,Visit Type,MRN",
    "08:00,Ada Park MD,Annual Physical,1001",
    "08:40,Ada Park MD,Sick Visit,1003",
    "9 o'clock,Cruz Diaz NP,New Patient,1004",
    "09:20,Ben Osei DO,Medicare Wellness,",
  ].join("\r\n");
  await page.setInputFiles("#schedule-file", { name: "tuesday.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.waitForSelector("#schedule-import-summary");
  assert.equal(await page.locator("#schedule-import-error").count(), 0);
  assert.equal(await page.textContent("#schedule-import-summary"), "2 appointments read for Tue 24 Nov 2026; 2 rows could not be read. From tuesday.csv.");
  assert.deepEqual(await page.locator("#schedule-import-problems li").allTextContents(), [
    "Line 4: the appointment time “9 o'clock” is not a time",
    "Line 5: no MRN, and no name with a date of birth",
  ]);
  assert.equal(await page.evaluate(() => document.activeElement?.id), "import-sync", "the next step has the keyboard");
  await page.screenshot({ path: join(shots, "schedule-import.png") });

  await page.keyboard.press("Enter");
  await page.waitForSelector("#sync-progress .progress-text:has-text('Reading the imported schedule file')");
  assert.deepEqual((await calls(page)).filter((c) => /^(import schedule|sync) /.test(c)), ["import schedule 2026-11-24", "import schedule 2026-11-24", "sync 2026-11-24"]);
  await page.evaluate(() => window.__stub.finishSync());
  await page.waitForSelector("#day-table");
  assert.deepEqual(await page.locator("#day-table tbody tr.row").evaluateAll((rs) => rs.map((r) => r.dataset.appointment)), ["a1", "a3"]);
  await page.waitForSelector("#schedule-import-synced");
  assert.equal(await page.locator("#import-sync").count(), 0);
  await done(page);
});

test("filters by provider and status, grouped by provider", async () => {
  const page = await open();
  await page.waitForSelector("#day-table");
  await page.selectOption("#provider-filter", "Ben Osei, DO");
  assert.equal(await rowCount(page), 2);
  await page.selectOption("#status-filter", "due");
  assert.equal(await rowCount(page), 1);
  assert.equal(await page.textContent("#footnote"), "1 of 5 appointments shown");
  await page.selectOption("#provider-filter", "");
  await page.selectOption("#status-filter", "all");
  await page.selectOption("#sort", "provider");
  assert.deepEqual(await page.locator("tr.group").allTextContents(), ["Ada Park, MD · 2 appointments", "Ben Osei, DO · 2 appointments", "Cruz Diaz, NP · 1 appointment"]);
  await done(page);
});

test("prep sheet: screenings with evidence, the check mark, history; Escape goes back", async () => {
  const page = await open();
  await page.click("#row-a1");
  await page.waitForSelector("#patient-name:has-text('Maria Lopez')");
  const statuses = await page.locator("#results tbody tr td:nth-child(2)").allTextContents();
  assert.deepEqual(statuses, ["Due", "Due soon", "Complete", "Complete", "Excluded"]);
  const breast = page.locator("[data-screening=breast_cancer]");
  assert.match(await breast.textContent(), /2025-06-01/);
  assert.match(await breast.locator(".why").textContent(), /MG Screening bilateral2025-06-01 · report/);
  assert.equal(await page.textContent("[data-screening=unhealthy_alcohol_use] .chip.check"), "check");
  assert.match(await page.textContent("[data-screening=unhealthy_alcohol_use] .review-note"), /^Check: decided by a code from “AUDIT-C”/);
  assert.match(await page.textContent("[data-screening=colorectal_cancer] th"), /because of family history of colorectal cancer/);
  assert.match(await page.textContent("#check-note"), /marks for review/);
  assert.match(await page.textContent("#labs"), /LDL cholesterol — 112 mg\/dL/);
  assert.match(await page.textContent("#labs-title"), /last 12 months/);
  assert.match(await page.textContent("#hospital"), /None in this period/);
  assert.match(await page.textContent("#immunizations"), /Tdap/);
  await page.screenshot({ path: join(shots, "sheet.png"), fullPage: true });
  await page.keyboard.press("Escape");
  await page.waitForSelector("#day-table");
  await done(page);
});

test("prep sheet: Show the document's text opens the read text with the sentence marked; Escape closes it, focus returns, the sheet stays", async () => {
  const page = await open("demo&doctext=1");
  await page.click("#row-a1");
  await page.waitForSelector("#patient-name:has-text('Maria Lopez')");
  const button = "#show-text-breast_cancer-outside-doc-7";
  assert.equal(await page.textContent(button), "Show the document's text");
  await page.locator("[data-screening=breast_cancer]").screenshot({ path: join(shots, "sheet-text-evidence.png") });
  await page.focus(button);
  await page.keyboard.press("Enter");
  await page.waitForSelector("#doc-text-dialog[open] .doc-text-body");
  assert.ok((await calls(page)).includes("document text a1 outside-doc-7"));
  assert.equal(await page.textContent("#doc-text-title"), "Outside mammography report");
  assert.match(await page.textContent("#doc-text-meta"), /Valley Imaging Center · 2025-05-28 · read from a scanned PDF, by OCR/);
  assert.equal(await page.textContent("#doc-text-dialog .cited mark"), "Screening mammogram");
  assert.match(await page.textContent("#doc-text-dialog .cited"), /performed on\n05\/28\/2025 at Valley Imaging Center\.$/);
  assert.ok(await page.evaluate(() => document.querySelector("#doc-text-dialog").contains(document.activeElement)), "focus is in the dialog");
  // The cited sentence is scrolled into view inside the text.
  assert.ok(await page.locator("#doc-text-cited").isVisible());
  const r = await axe(page);
  assert.deepEqual(r.violations, [], "the document text dialog");
  await page.screenshot({ path: join(shots, "document-text.png") });
  await page.keyboard.press("Escape");
  await page.waitForSelector("#doc-text-dialog", { state: "detached" });
  assert.equal(await page.textContent("#patient-name"), "Maria Lopez", "Escape closed the dialog, not the sheet");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "show-text-breast_cancer-outside-doc-7");
  await page.keyboard.press("Escape");
  await page.waitForSelector("#day-table");
  await done(page);
});

test("print view: one patient through the agent's print view, in a hidden frame", async () => {
  const page = await open();
  await page.click("#row-a4");
  await page.waitForSelector("#patient-name:has-text('Ana Ruiz')");
  await page.click("#print");
  const frame = page.frameLocator("iframe.print-frame");
  assert.equal(await frame.locator(".sheet h1").textContent(), "Ana Ruiz");
  assert.equal(await page.locator("iframe.print-frame").count(), 1);
  assert.equal(await page.getAttribute("iframe.print-frame", "aria-hidden"), "true");
  assert.deepEqual((await calls(page)).filter((c) => c.startsWith("print")), ["print a4"]);
  await done(page);
});

/** pdfPages prints the print frame's pages to PDF in Chromium, as its print
 *  dialog would (print media, the document's @page size), and counts them. */
async function pdfPages(page) {
  const html = await page.evaluate(() => document.querySelector("iframe.print-frame").contentDocument.documentElement.outerHTML);
  const p = await newPage({ width: 800, height: 1056 });
  await p.emulateMedia({ media: "print" });
  await p.setContent(html);
  // Nothing is cut off at the bottom of a page.
  const cut = await p.evaluate(() => [...document.querySelectorAll(".page-body")].filter((b) => b.scrollHeight > b.clientHeight + 1).length);
  const pdfBytes = await p.pdf({ preferCSSPageSize: true });
  const pdf = pdfBytes.toString("latin1");
  const kind = await p.evaluate(() => (document.querySelector(".li") ? "list" : "sheets"));
  await writeFile(join(shots, `print-${kind}.pdf`), pdfBytes);
  await p.screenshot({ path: join(shots, `print-${kind}.png`), clip: { x: 0, y: 0, width: 800, height: 1056 } });
  await p.close();
  // Each page is a /Type /Page object (the page tree's nodes are /Pages).
  return { count: (pdf.match(/\/Type\s*\/Page\b(?!s)/g) ?? []).length, cut };
}

const printedPages = (page) =>
  page.frameLocator("iframe.print-frame").locator(".page").evaluateAll((ps) =>
    ps.map((p) => ({
      practice: p.querySelector(".practice").textContent,
      what: p.querySelector(".what").textContent,
      provider: p.querySelector(".provider").textContent,
      no: p.querySelector(".page-no").textContent,
      heads: [...p.querySelectorAll(".sheet-head h1")].map((x) => x.textContent),
      lines: [...p.querySelectorAll(".li[data-appointment]")].map((x) => x.dataset.appointment),
      due: [...p.querySelectorAll(".li[data-appointment] .what-due")].map((x) => x.textContent),
    })),
  );

test("print day: what Today shows, prep sheets or a day list, the page count before the dialog, practice, day, provider and page x of y on every page", async () => {
  const page = await open("demo&visits=40");
  await page.waitForSelector("#day-table");
  await page.selectOption("#provider-filter", "Ada Park, MD");
  const shown = await page.locator("#day-table tbody tr.row").evaluateAll((rs) => rs.map((r) => r.dataset.appointment));
  assert.equal(shown.length, 16); // a1, a3 and 14 of the 40
  await page.click("#print-day");
  await page.waitForSelector("#print-panel");
  assert.equal(await page.evaluate(() => document.activeElement.id), "print-title");
  assert.match(await page.textContent("#print-title"), /^Print Tue 24 Nov 2026: 16 visits, Ada Park, MD$/);
  await page.waitForSelector("#print-pages");
  const stated = Number((await page.textContent("#print-pages")).match(/^(\d+) pages? to print for 16 patients\.$/)[1]);
  assert.ok(stated >= 16, `one page or more per patient: ${stated}`);
  // Only the visits on screen were fetched.
  assert.deepEqual((await calls(page)).filter((c) => c.startsWith("sheet ")).map((c) => c.slice(6)).sort(), [...shown].sort());
  let pages = await printedPages(page);
  assert.equal(pages.length, stated, "the page count said is the pages laid out");
  pages.forEach((p, i) => {
    assert.equal(p.practice, "Demo Family Medicine");
    assert.equal(p.what, "Prep sheets · Tue 24 Nov 2026");
    assert.equal(p.provider, "Ada Park, MD");
    assert.equal(p.no, `Page ${i + 1} of ${stated}`);
  });
  assert.equal(pages.flatMap((p) => p.heads).length, 16, "every patient once");
  assert.ok(pages.every((p) => p.heads.length <= 1), "one patient per page");
  let pdf = await pdfPages(page);
  assert.equal(pdf.count, stated, "Chromium prints as many pages as the app said");
  assert.equal(pdf.cut, 0, "no page is cut off");
  await page.screenshot({ path: join(shots, "print-panel.png") });

  // The day list: one line per visit with what is due, the same header.
  await page.click("#print-kind-list");
  await page.waitForFunction(() => /^\d+ pages? to print\.$/.test(document.querySelector("#print-pages")?.textContent ?? ""));
  const listed = Number((await page.textContent("#print-pages")).match(/^(\d+)/)[1]);
  pages = await printedPages(page);
  assert.equal(pages.length, listed);
  assert.deepEqual(pages.flatMap((p) => p.lines), shown, "the visits in Today's order");
  assert.equal(pages[0].what, "Day list · Tue 24 Nov 2026");
  assert.equal(pages.at(-1).no, `Page ${listed} of ${listed}`);
  assert.equal(pages[0].due[0], "Colorectal · A1C; 1 due soon", "what is due, by name, the rest counted");
  pdf = await pdfPages(page);
  assert.equal(pdf.count, listed);
  assert.equal(pdf.cut, 0);

  // Everyone, with "Something due": the header says so, a longer day needs more than a page.
  await page.selectOption("#provider-filter", "");
  await page.selectOption("#status-filter", "due");
  await page.waitForSelector("#print-pages");
  assert.match(await page.textContent("#print-title"), /^Print Tue 24 Nov 2026: \d+ visits, all providers, something due$/);
  pages = await printedPages(page);
  assert.equal(pages[0].what, "Day list · Tue 24 Nov 2026 · Something due");
  assert.equal(pages[0].provider, "All providers");

  await page.click("#print-go");
  await page.waitForSelector("#print-panel", { state: "detached" });
  assert.equal(await page.evaluate(() => document.activeElement.id), "print-day");
  await done(page);
});

test("keyboard: tab to the rows, Enter opens the sheet, Escape returns to the same row", async () => {
  const page = await open();
  await page.waitForSelector("#day-table");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "skip", "the first Tab offers to skip the header");
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "day-picker");
  let focused = "";
  for (let i = 0; i < 40 && focused !== "row-a1"; i++) {
    await page.keyboard.press("Tab");
    focused = await page.evaluate(() => document.activeElement?.id ?? "");
  }
  assert.equal(focused, "row-a1");
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.equal(outline, "solid", "visible focus");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#patient-name:has-text('Lee Chen')");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "back");
  await page.keyboard.press("Escape");
  await page.waitForSelector("#day-table");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "row-a3");
  // The row back in focus has its ring, and only it looks selected (the
  // mouse resting on another row gives that one a fainter background).
  await page.hover("#row-a1");
  const looks = await page.evaluate(() =>
    [...document.querySelectorAll("#day-table tr.row")].map((tr) => ({ id: tr.id, bg: getComputedStyle(tr).backgroundColor, outline: getComputedStyle(tr).outlineStyle })),
  );
  const a3 = looks.find((r) => r.id === "row-a3");
  assert.equal(a3.outline, "solid", "the row Escape returned to has a focus ring");
  assert.equal(looks.filter((r) => r.bg === a3.bg).length, 1, `one row looks selected: ${JSON.stringify(looks)}`);
  await page.keyboard.press("ArrowUp");
  assert.equal(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle), "solid", "the ring follows the arrow keys");
  await done(page);
});

test("Today keeps the filters and the day's total in view, and its columns still during an update", async () => {
  const page = await open();
  await page.setViewportSize({ width: 1280, height: 420 }); // a list longer than the window
  await page.waitForSelector("#day-table");
  assert.match(await page.textContent("#day-total"), /^5 of 5 appointments shown · 3 with something due$/);
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  const top = await page.evaluate(() => document.querySelector(".today-head").getBoundingClientRect().top);
  assert.ok(top >= 0 && top < 5 && (await page.evaluate(() => window.scrollY)) > 0, `the filters scrolled away: top ${top}`);
  await page.evaluate(() => window.scrollTo(0, 0));
  const cols = () => page.evaluate(() => [...document.querySelectorAll("#day-table thead th")].map((th) => Math.round(th.getBoundingClientRect().left)));
  const before = await cols();
  await page.click("#sync");
  await page.waitForSelector("#sync-progress");
  await page.evaluate(() => window.__stub.emit({ phase: "patients", date: "2026-11-24", patientsDone: 1, patientsTotal: 5, patientId: "pa1" }));
  await page.waitForSelector("#row-a1 .chip.fresh");
  assert.deepEqual(await cols(), before, "columns do not move as rows update");
  await page.evaluate(() => window.__stub.finishSync());
  await page.waitForSelector("#banner:has-text('Updated at')");
  assert.match(await page.textContent("#banner"), /^Updated at \d\d:\d\d: 5 appointments on Tue 24 Nov 2026\./);
  // Said in the line that stays in view too.
  assert.match(await page.textContent("#updated-at"), /^ · Updated at \d\d:\d\d$/);
  await done(page);
});

test("a long day scrolled: the column headings stay in view right below the filters, at both text sizes", async () => {
  for (const large of [false, true]) {
    const page = await open(`demo&visits=40${large ? "&large=1" : ""}`);
    await page.waitForSelector("#day-table");
    await page.evaluate(() => window.scrollTo(0, 1500));
    const box = await page.evaluate(() => {
      const head = document.querySelector(".today-head").getBoundingClientRect();
      const th = document.querySelector("#day-table thead th").getBoundingClientRect();
      const row = [...document.querySelectorAll("#day-table tbody tr.row")].find((r) => r.getBoundingClientRect().bottom > th.bottom + 2).getBoundingClientRect();
      return { scrolled: window.scrollY, headTop: head.top, headBottom: head.bottom, thTop: th.top, thBottom: th.bottom, rowTop: row.top };
    });
    assert.ok(box.scrolled > 1000, `the list scrolled: ${box.scrolled}`);
    // A row with seven things due names four and counts the rest, inside its cell.
    assert.equal(await page.textContent("#row-v7 .chip.due"), "Blood pressure · Depression · Tobacco · Falls +3 more");
    const spill = await page.evaluate(() =>
      [...document.querySelectorAll("#day-table td.chips")].filter((td) => [...td.querySelectorAll(".chip")].some((c) => c.getBoundingClientRect().right > td.getBoundingClientRect().right + 0.5)).length,
    );
    assert.equal(spill, 0, "a prep chip runs out of its cell");
    assert.ok(Math.abs(box.headTop) < 1, `the filters at the top: ${box.headTop}`);
    assert.ok(Math.abs(box.thTop - box.headBottom) < 1.5, `the headings just below the filters (${large ? "large" : "normal"} text): ${JSON.stringify(box)}`);
    // The headings cover the rows that scroll under them, not the reverse.
    const onTop = await page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.closest("thead") !== null, { x: 60, y: (box.thTop + box.thBottom) / 2 });
    assert.ok(onTop, "a row is painted over the headings");
    await done(page);
  }
});

test("offline banner keeps the saved day visible", async () => {
  const page = await open();
  await page.waitForSelector("#day-table");
  await page.evaluate(() => (window.__stub.state.online = false));
  await page.click("#nav-settings");
  await page.click("#nav-today");
  await page.waitForSelector("#offline-banner:has-text('Epic cannot be reached (no network)')");
  assert.match(await page.textContent("#net"), /^Epic unreachable since \d\d:\d\d$/);
  assert.equal(await rowCount(page), 5);
  await page.screenshot({ path: join(shots, "offline.png") });
  await done(page);
});

test("catalogue editor: an edit, a refused edit, an import with a line-numbered problem, export", async () => {
  const page = await open();
  await page.waitForSelector("#day-table");
  await page.click("#nav-settings");
  await page.click("#settings-tab-screenings");
  await page.waitForSelector("#catalogue-table");
  await page.fill("#cat-colorectal_cancer-min", "50");
  await page.fill("#cat-colorectal_cancer-fit-n", "2");
  await page.uncheck("#cat-influenza-on");
  await page.click("#catalogue-save");
  await page.waitForSelector("#catalogue-msg:has-text('Saved 3 changes')");
  const edit = (await calls(page)).find((c) => c.startsWith("edit "));
  assert.deepEqual(JSON.parse(edit.slice(5)), [
    { screening: "colorectal_cancer", minAge: 50 },
    { screening: "colorectal_cancer", modality: "fit", interval: "P2Y" },
    { screening: "influenza", enabled: false },
  ]);
  assert.match(await page.textContent("#catalogue-version"), /your practice's own copy · 3 of 4 screenings in use/);

  await page.fill("#cat-breast_cancer-min", "80");
  await page.click("#catalogue-save");
  await page.waitForSelector("#catalogue-problems:has-text('Breast cancer screening (mammography)'), #catalogue-problems:has-text('Breast cancer screening')");
  assert.equal(await page.inputValue("#cat-breast_cancer-min"), "80", "the edit is kept to fix");
  // At its field, in words: no YAML line, no internal id.
  assert.equal(await page.textContent("#cat-breast_cancer-min-msg"), "The lowest age (80) is above the highest age (74).");
  assert.equal(await page.getAttribute("#cat-breast_cancer-min", "aria-invalid"), "true");
  assert.doesNotMatch(await page.textContent("#catalogue-table"), /Line \d|breast_cancer|min_age/);
  assert.doesNotMatch(await page.textContent("#catalogue-problems"), /Line \d|breast_cancer|min_age/);
  // Every value the form can refuse itself, all at once, each at its field.
  await page.fill("#cat-colorectal_cancer-max", "old");
  await page.fill("#cat-colorectal_cancer-fit-n", "0");
  await page.click("#catalogue-save");
  await page.waitForSelector("#cat-colorectal_cancer-max-msg");
  assert.equal(await page.textContent("#cat-colorectal_cancer-max-msg"), "The highest age must be a whole number of years, or empty for no limit.");
  assert.equal(await page.textContent("#cat-colorectal_cancer-iv-fit-msg"), "How often FIT is done must be a whole number of days, weeks, months or years.");
  assert.match(await page.textContent("#catalogue-problems strong"), /fix the 2 values marked below/);
  await page.screenshot({ path: join(shots, "catalogue-field-problems.png") });
  await page.click("#catalogue-discard");
  assert.equal(await page.inputValue("#cat-breast_cancer-min"), "40");

  await page.setInputFiles("#catalogue-file", {
    name: "riverside.yaml",
    mimeType: "application/yaml",
    buffer: Buffer.from("version: '2026.11-practice'\nscreenings:\n- id: colorectal_cancer\n  title: Colorectal cancer screening\n  min_age: 45\n  max_age: 75\n  due_soon: sixty days\n"),
  });
  await page.waitForSelector("#catalogue-problems:has-text('riverside.yaml was not imported')");
  assert.equal(await page.textContent("#catalogue-problems li"), 'Line 7: due_soon: "sixty days" is not an ISO 8601 duration (e.g. P60D)');
  await page.screenshot({ path: join(shots, "catalogue-import-problem.png") });
  await page.setInputFiles("#catalogue-file", { name: "riverside.yaml", mimeType: "application/yaml", buffer: Buffer.from("version: '2026.11-practice'\nscreenings: []\n") });
  await page.waitForSelector("#catalogue-msg:has-text('Imported riverside.yaml')");

  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#catalogue-export")]);
  assert.equal(download.suggestedFilename(), "healthprep-screenings-2026.11-practice.yaml");
  await done(page);
});

test("settings: every refused value at its field, all at once; 0615 is 06:15; then saved", async () => {
  const page = await open();
  await page.waitForSelector("#day-table");
  await page.click("#nav-settings");
  await page.fill("#retention", "900");
  await page.fill("#sync-every", "0");
  await page.fill("#sync-at", "0615");
  await page.click("#save-settings");
  await page.waitForSelector("#settings-problems:has-text('fix the 2 fields marked above')");
  assert.equal(await page.textContent("#retention-msg"), "Keep saved days for 1 to 365 days.");
  assert.equal(await page.textContent("#sync-every-msg"), "Update every 5 to 240 minutes, in whole minutes.");
  assert.equal(await page.textContent("#sync-at-msg"), "");
  assert.ok(!(await calls(page)).some((c) => c.startsWith("save settings")));
  await page.screenshot({ path: join(shots, "settings-error.png") });
  // Large text shows as soon as it is ticked.
  await page.check("#large-text");
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).fontSize), "21px");
  await page.fill("#sync-every", "30");
  await page.fill("#retention", "30");
  await page.fill("#lookback-labs", "6");
  await page.click("#save-settings");
  await page.waitForSelector("#settings-msg:has-text('Saved.')");
  const s = await page.evaluate(() => window.__stub.state.settings);
  assert.equal(s.retentionDays, 30);
  assert.equal(s.syncAt, "06:15");
  assert.equal(s.lookbacks.labs, 6);
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).fontSize), "21px");
  await done(page);
});

test("About shows the build", async () => {
  const page = await open();
  await page.waitForSelector("#day-table");
  await page.click("#nav-about");
  const facts = await page.textContent("#about-facts");
  assert.match(facts, /App versionv0\.9\.0-e2e/);
  assert.match(facts, /Commite2e1234/);
  assert.match(facts, /Built2026-11-24T05:00:00Z/);
  await done(page);
});

test("fits 1280x800 with and without large text: no sideways scrolling on any screen", async () => {
  for (const large of [false, true]) {
    // The stub's settings say large text from the start (a reload would
    // start a fresh stub).
    const page = await open(large ? "demo&large=1" : "demo");
    await page.waitForSelector("#day-table");
    assert.equal(await page.evaluate(() => document.body.classList.contains("large-text")), large);
    const wide = () => page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok((await wide()) <= 1280, `Today ${large ? "large" : "normal"}: ${await wide()}px`);
    if (large) await page.screenshot({ path: join(shots, "today-large-text.png") });
    // The header stays one line; checkboxes grow with the text.
    const head = await page.evaluate(() => ({ h: document.querySelector(".app-header").getBoundingClientRect().height, button: document.querySelector("#nav-today").getBoundingClientRect().height }));
    assert.ok(head.h < head.button * 1.8, `the header wraps: ${head.h}px high, its buttons ${head.button}px`);
    const box = await page.evaluate(() => document.querySelector("#hide-inactive").getBoundingClientRect().height);
    assert.ok(box >= (large ? 20 : 12), `checkbox ${box}px`);
    await page.click("#row-a1");
    await page.waitForSelector("#results");
    assert.ok((await wide()) <= 1280, `sheet: ${await wide()}px`);
    await page.click("#nav-settings");
    await page.click("#settings-tab-screenings");
    await page.waitForSelector("#catalogue-table");
    assert.ok((await wide()) <= 1280, `catalogue: ${await wide()}px`);
    await done(page);
  }
});

/** inView says whether an element is wholly inside the 1280x800 window and
 *  nothing covers it (the element at its corners and centre is itself). */
async function inView(page, sel) {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    const r = el.getBoundingClientRect();
    const vw = document.documentElement.clientWidth;
    const vh = document.documentElement.clientHeight;
    const points = [[r.left + 2, r.top + 2], [r.right - 2, r.top + 2], [r.left + 2, r.bottom - 2], [r.right - 2, r.bottom - 2], [(r.left + r.right) / 2, (r.top + r.bottom) / 2]];
    const covered = points.filter(([x, y]) => !el.contains(document.elementFromPoint(x, y))).length;
    return { ok: r.left >= 0 && r.top >= 0 && r.right <= vw && r.bottom <= vh && covered === 0, box: [r.left, r.top, r.right, r.bottom].map(Math.round), vw, vh, covered };
  }, sel);
}

test("Settings at 1280x800, normal and large text: Save bars in view and uncovered wherever the page is scrolled, the catalogue within the window, large text at once", async () => {
  for (const large of [false, true]) {
    const size = large ? "large" : "normal";
    const page = await open("demo");
    await page.waitForSelector("#day-table");
    await page.click("#nav-settings");
    await page.waitForSelector("#settings-clinic");
    if (large) {
      // Large text shows as soon as it is ticked, on checkboxes too, before any Save.
      const before = await page.evaluate(() => document.querySelector("#large-text").getBoundingClientRect().height);
      await page.check("#large-text");
      await page.waitForFunction(() => document.body.classList.contains("large-text"));
      const after = await page.evaluate(() => document.querySelector("#large-text").getBoundingClientRect().height);
      assert.ok(after > before * 1.2, `the checkbox grows with large text: ${before} -> ${after}`);
    }
    for (const y of [0, 400, 100000]) {
      await page.evaluate((y) => window.scrollTo(0, y), y);
      const v = await inView(page, "#save-settings");
      assert.ok(v.ok, `Settings (${size} text, scrolled to ${y}): Save settings ${JSON.stringify(v)}`);
    }
    await page.click("#settings-tab-screenings");
    await page.waitForSelector("#catalogue-table");
    const fits = await page.evaluate(() => ({ table: document.querySelector("#catalogue-table").getBoundingClientRect().right, vw: document.documentElement.clientWidth, sw: document.documentElement.scrollWidth }));
    assert.ok(fits.table <= fits.vw && fits.sw <= fits.vw, `the catalogue runs off the window (${size}): ${JSON.stringify(fits)}`);
    for (const y of [0, 300, 100000]) {
      await page.evaluate((y) => window.scrollTo(0, y), y);
      const v = await inView(page, "#catalogue-save");
      assert.ok(v.ok, `catalogue (${size} text, scrolled to ${y}): Save screening changes ${JSON.stringify(v)}`);
    }
    await page.screenshot({ path: join(shots, `catalogue-1280x800-${size}.png`) });
    await done(page);
  }
});

test("accessibility: axe-core finds no WCAG 2.1 A/AA violation on any screen, at normal and large text", async () => {
  const report = [];
  for (const large of [false, true]) {
    const size = large ? "large" : "normal";
    const check = async (page, screen) => {
      const r = await axe(page);
      report.push({ screen, size, rulesPassed: r.passes, violations: r.violations.length });
      assert.deepEqual(r.violations, [], `${screen} (${size} text)`);
    };
    const q = large ? "&large=1" : "";
    let page = await open(`demo${q}`);
    await page.waitForSelector("#day-table");
    assert.equal(await page.evaluate(() => document.body.classList.contains("large-text")), large);
    await check(page, "Today");
    await page.click("#print-day");
    await page.waitForSelector("#print-pages");
    await check(page, "Today, Print day panel");
    await page.click("#print-close");
    await page.click("#row-a1");
    await page.waitForSelector("#results");
    await check(page, "prep sheet");
    await page.keyboard.press("Escape");
    await page.click("#nav-settings");
    await page.waitForSelector("#settings-clinic");
    await check(page, "Settings: clinic and updates");
    await page.click("#settings-tab-screenings");
    await page.waitForSelector("#catalogue-table");
    await check(page, "Settings: screening catalogue");
    await page.fill("#cat-breast_cancer-min", "80");
    await page.fill("#cat-colorectal_cancer-fit-n", "0");
    await page.click("#catalogue-save");
    await page.waitForSelector("#cat-colorectal_cancer-iv-fit-msg");
    await check(page, "Settings: screening catalogue, refused values at their fields");
    await page.click("#catalogue-discard");
    await page.click("#settings-tab-practice");
    await page.waitForSelector("#settings-practice");
    await check(page, "Settings: practice");
    await page.click("#nav-about");
    await page.waitForSelector("#nav-about[aria-current=page]");
    await check(page, "About");
    await page.click("#nav-today");
    await page.waitForSelector("#day-table");
    await page.click("#demo-setup");
    await page.waitForSelector("#client-id");
    await page.fill("#client-id", '"abc def"');
    await page.fill("#fhir-base", "http://fhir.riverside.example/api/FHIR/R4");
    await page.waitForSelector("#fhir-base-msg:has-text('https://')");
    await check(page, "wizard: Epic details, with problems");
    await page.fill("#client-id", "0a1b2c3d");
    await page.fill("#fhir-base", "https://fhir.riverside.example/api/FHIR/R4");
    await page.click("#test-connection");
    await page.waitForSelector("#wizard-result:has-text('Epic answered')");
    await check(page, "wizard: connection tested");
    await page.click("#sign-in");
    await page.waitForSelector("#wizard-signin-waiting");
    await check(page, "wizard: waiting for sign-in");
    await page.evaluate(() => window.__stub.finishSignIn({ state: "done", user: "Pat Manager", accessMode: "device" }));
    await page.click("#wizard-next");
    await page.fill("#provider-ids", "");
    await page.click("#wizard-next");
    await page.waitForSelector("#provider-ids-msg:has-text('Add the Epic provider IDs')");
    await check(page, "wizard: schedule, with a problem");
    await page.fill("#provider-ids", "E1001, E9999");
    await page.click("#test-schedule");
    await page.waitForSelector("#schedule-found");
    await check(page, "wizard: schedule tested");
    await page.fill("#provider-ids", "E1001");
    await page.click("#wizard-next");
    await page.waitForSelector("#wizard-sync-at");
    await check(page, "wizard: clinic hours");
    await page.click("#wizard-finish");
    await page.waitForSelector("#day-table");
    await check(page, "Today after setup");
    await page.close();

    page = await open(`file${q}`);
    await page.waitForSelector("#import-first");
    await check(page, "Today, schedule file not imported");
    await page.close();
    page = await open(`signin${q}`);
    await page.waitForSelector("#day-table");
    await check(page, "Today, sign-in needed");
    await page.close();
    page = await open(`demo${q}`);
    await page.waitForSelector("#day-table");
    await page.evaluate(() => (window.__stub.state.online = false));
    await page.click("#nav-settings");
    await page.click("#nav-today");
    await page.waitForSelector("#offline-banner");
    await check(page, "Today, Epic away");
    await page.close();
    page = await open(`unconfigured${q}`);
    await page.waitForSelector("#client-id");
    await check(page, "wizard on an unconfigured install");
    await page.close();
  }
  const total = report.reduce((n, r) => n + r.violations, 0);
  await writeFile(join(shots, "axe.json"), JSON.stringify({ engine: "axe-core", tags: wcag21aa, screens: report.length, violations: total, report }, null, 2) + "\n");
  console.log(`axe-core: ${report.length} screen checks (${report.length / 2} screens x 2 text sizes), ${total} WCAG 2.1 A/AA violations`);
});

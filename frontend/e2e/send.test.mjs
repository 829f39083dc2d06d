// Sending prep notes to the chart in the built frontend, in real headless
// Chromium against the scripted agent (e2e/stub.js, ?send=1): Today's
// "Send day" and the sheet's "Send to chart", their confirmations, the
// outcome with a refused visit, the "sent 07:52 by Front Desk" marks, and
// axe-core's WCAG 2.1 A/AA rules on each. Run: npm run e2e (after npm run build).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { axe, calls as allCalls, open as openQuery, shots, useFrontend } from "./harness.mjs";

useFrontend();

/** open loads Today with the scripted agent steered by query. */
async function open(query) {
  const page = await openQuery(query);
  await page.locator("#day-table").waitFor();
  return page;
}

/** violations are axe-core's WCAG 2.1 A/AA violations, one line each. */
const violations = async (page) => (await axe(page)).violations.map((v) => `${v.id}: ${v.nodes.join(", ")}`);

const calls = async (page) => (await allCalls(page)).filter((c) => c.startsWith("send"));

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

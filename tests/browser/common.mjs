// What the browser scripts share: Chromium, steps that report their time, screenshots, the
// accessibility scan, and logging in and entering the space as a person would.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import { readFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const AXE = readFileSync(new URL("./node_modules/axe-core/axe.min.js", import.meta.url), "utf8");
export const WAIT = 20_000;
export const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run it through cargo test)`);
  return value;
};
const SHOTS = process.env.SCREENSHOTS;
if (SHOTS) mkdirSync(SHOTS, { recursive: true });

export function launch(extra = []) {
  return chromium.launch({
    executablePath: env("CHROMIUM"),
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", ...extra],
  });
}

let steps = 0;
export async function step(name, work) {
  const started = Date.now();
  await work();
  steps += 1;
  console.log(`ok ${steps} - ${name} (${Date.now() - started} ms)`);
}

/// Runs the steps in `work`, reports the result and closes the browser.
export async function run(browser, work) {
  try {
    await work();
    console.log(`${steps} passed, 0 failed`);
  } catch (error) {
    console.log(`not ok ${steps + 1} - ${error.message}`);
    console.error(error);
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

export async function shot(page, name) {
  if (SHOTS) await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

// The serious and critical accessibility violations on the page as it is now.
async function violations(page) {
  // Evaluated through the debugging protocol, not added as an inline script: the page's
  // Content-Security-Policy refuses inline scripts, and must stay as served.
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(AXE);
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
}

// Chooses the page's language with its own switch (#language, on every page), as a person
// would, without opening the settings panel it may sit in; waits until the page is reworded.
export async function chooseLanguage(page, lang) {
  await page.evaluate((lang) => {
    const select = document.getElementById("language");
    select.value = lang;
    select.dispatchEvent(new Event("change", { bubbles: true }));
  }, lang);
  await page.waitForFunction((lang) => document.documentElement.lang === lang, lang, { timeout: WAIT });
}

const SIZES = [["desktop", { width: 1280, height: 900 }], ["phone", { width: 390, height: 844 }]];

// No serious or critical accessibility violations on this screen, at desktop and phone size,
// in Japanese and in English. The page is left in the size and language it had.
export async function axe(page, screen) {
  const size = page.viewportSize();
  const lang = await page.evaluate(() => document.documentElement.lang);
  const found = [];
  try {
    for (const [sizeName, viewport] of SIZES) {
      await page.setViewportSize(viewport);
      for (const each of ["ja", "en"]) {
        await chooseLanguage(page, each);
        for (const v of await violations(page)) found.push(`${sizeName}, ${each}: ${v}`);
      }
    }
  } finally {
    await page.setViewportSize(size);
    await chooseLanguage(page, lang);
  }
  assert.deepEqual(found, [], `${screen}: accessibility violations`);
}

export async function logIn(context, base, who) {
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.fill("#login-email", who.email);
  await page.fill("#login-passphrase", who.passphrase);
  await page.click("#login button[type=submit]");
  await page.waitForSelector("#result[data-kind=done]", { timeout: WAIT });
  return page;
}

export async function enter(page, base) {
  await page.goto(`${base}/space`);
  await page.waitForSelector("#connection[data-state=connected]", { timeout: WAIT });
  await page.waitForSelector("#members li", { timeout: WAIT });
}

export const memberItem = (page, nickname) => page.locator("#members li", { hasText: nickname });

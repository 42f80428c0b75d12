// The office and the operator's words in headless Chromium, run by tests/browser.rs (which
// starts the server, registers a member of staff, leaves two applications waiting and
// withdraws an invitation). Each step says what a person would do and what they should see.
import assert from "node:assert/strict";
import { WAIT, axe, chooseLanguage, enter, env, launch, logIn, run, step } from "./common.mjs";

const URL = env("URL");
const [staff] = JSON.parse(env("PEOPLE"));
const CONTACT = env("CONTACT");
const CONTACT_EN = env("CONTACT_EN");
const WITHDRAWN = env("WITHDRAWN");
const ADMIN_TOKEN = env("ADMIN_TOKEN");
// What staff add when declining; tests/browser.rs finds it in the e-mail.
const WORD = env("DECLINE_WORD");

const browser = await launch();
const person = () => browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "ja-JP" });

await run(browser, async () => {
  await step("the public page says how to reach the office, in the page's language", async () => {
    const page = await (await person()).newPage();
    await page.goto(URL);
    await page.waitForSelector("#contact-card:not([hidden])", { timeout: WAIT });
    assert.equal(await page.innerText("#contact"), CONTACT);
    await axe(page, "public page with the office's contact");
    await chooseLanguage(page, "en");
    assert.equal(await page.innerText("#contact"), CONTACT_EN);
    assert.equal(await page.innerText("#space-name"), "The test space");
  });

  await step("a withdrawn invitation link names the office, in Japanese and in English", async () => {
    const page = await (await person()).newPage();
    await page.goto(`${URL}/register#t=${WITHDRAWN}`);
    await page.waitForSelector("#result[data-kind=problem]", { timeout: WAIT });
    const ja = await page.innerText("#result");
    assert.ok(ja.includes(`お問い合わせ先: ${CONTACT}`), ja);
    await chooseLanguage(page, "en");
    const en = await page.innerText("#result");
    assert.ok(en.startsWith("This invitation link was withdrawn") && en.endsWith(`Contact: ${CONTACT_EN}`), en);
  });

  await step("an empty application form shows every problem at once, each beside its field", async () => {
    const page = await (await person()).newPage();
    await page.goto(`${URL}/apply`);
    await page.waitForFunction(() => !document.querySelector("#eligibility").textContent.includes("読み込んで"), null, { timeout: WAIT });
    await page.click("#apply button[type=submit]");
    await page.waitForSelector("#nickname[aria-invalid=true]", { timeout: WAIT });
    for (const field of ["nickname", "email", "eligible", "consent"]) {
      assert.equal(await page.getAttribute(`[name=${field}]`, "aria-invalid"), "true", field);
      assert.notEqual((await page.innerText(`#${field}-error`)).trim(), "", `${field} says what is wrong`);
    }
    assert.equal(await page.isVisible("#result"), false, "every problem is beside its field");
    assert.equal(await page.evaluate(() => document.activeElement.id), "nickname");
    // In English: the page's words beside each field, and the operator's own wording.
    await chooseLanguage(page, "en");
    assert.match(await page.innerText("#email-error"), /doesn't look quite right/);
    assert.match(await page.innerText("#consent-error"), /agreeing to how your personal information is handled/);
    assert.match(await page.innerText("#eligibility"), /^I live, work or study/);
    assert.equal(await page.locator("#heard_from option").nth(1).innerText(), "The city's website");
    assert.equal(await page.locator("#heard_from option").nth(1).getAttribute("value"), "市のホームページ");
  });

  let page;
  await step("staff decline with a kind word and approve, and are told what happened in the page's language", async () => {
    page = await logIn(await person(), URL, staff);
    await enter(page, URL);
    const midori = page.locator("#applications li", { hasText: "みどり" });
    await midori.locator("textarea").fill(WORD);
    await midori.locator("button", { hasText: "見送る" }).click();
    await midori.locator("[role=status]", { hasText: "添えた言葉とともにメールでお知らせしました" }).waitFor({ timeout: WAIT });
    await chooseLanguage(page, "en");
    await midori.locator("[role=status]", { hasText: "Declined みどり's application and told them by e-mail, with your words." }).waitFor({ timeout: WAIT });
    const aoba = page.locator("#applications li", { hasText: "あおば" });
    await aoba.locator("button", { hasText: "Approve" }).click();
    await aoba.locator("[role=status]", { hasText: "Approved あおば's application and sent the invitation by e-mail." }).waitFor({ timeout: WAIT });
    // The operator's English for the room and the space, and back, without connecting again.
    assert.equal(await page.innerText("#room-name"), "The plaza");
    assert.equal(await page.innerText("#space-name"), "The test space");
    await chooseLanguage(page, "ja");
    assert.equal(await page.innerText("#room-name"), "ひろば");
    assert.match(await aoba.innerText(), /あおばさんの申し込みを承認し/);
  });

  await step("staff who stay on when the space closes are told so, calmly", async () => {
    assert.equal(await page.isVisible("#space-closed"), false, "open: nothing to say yet");
    // The rehearsal clock to a moment before closing time (docs/operations.md).
    const response = await fetch(`${URL}/api/admin/clock`, {
      method: "POST",
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ to: "2026-12-09T17:59:59.5+09:00" }),
    });
    assert.equal(response.status, 200, await response.text());
    await page.waitForSelector("#space-closed:not([hidden])", { timeout: WAIT });
    assert.match(await page.innerText("#space-closed"), /閉室中.*スタッフ/);
    assert.equal(await page.isVisible("#farewell"), false, "staff stay");
    assert.equal(await page.getAttribute("#connection", "data-state"), "connected");
  });
});

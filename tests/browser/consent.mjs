// Consent to share in headless Chromium, run by tests/browser_consent.rs (which starts the
// server and registers a participant and a counsellor). The counsellor writes a note and
// proposes on their account page; the participant answers on theirs.
import assert from "node:assert/strict";
import { WAIT, axe, chooseLanguage, env, launch, logIn, run, shot, step } from "./common.mjs";

const URL = env("URL");
const [sora, counsellor] = JSON.parse(env("PEOPLE"));
const RECIPIENT = "仙台市若者就労支援センター";

const browser = await launch();
const person = () => browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "ja-JP" });
// A request from a logged-in page, as its own script would send it: { status, body }.
const api = (page, method, path, body) =>
  page.evaluate(async ([method, path, body]) => {
    const response = await fetch(path, {
      method,
      headers: { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }, [method, path, body]);

await run(browser, async () => {
  let page, staff, id;
  await step("a counsellor writes a note and proposes sharing, from their account page", async () => {
    page = await logIn(await person(), URL, sora);
    staff = await logIn(await person(), URL, counsellor);
    const me = await api(page, "GET", "/api/me");
    assert.deepEqual(me.body.grants, []);
    await staff.goto(`${URL}/account`);
    await staff.waitForSelector("#counsel:not([hidden])", { timeout: WAIT });
    await staff.fill("#counsel-member", me.body.public_id);
    await staff.fill("#note-text", "就労支援に関心がある。");
    await staff.click("#note-form button[type=submit]");
    await staff.waitForSelector("#note-result[data-kind=done]", { timeout: WAIT });
    await staff.click("#notes-show");
    await staff.locator("#note-list li", { hasText: "就労支援に関心がある。" }).waitFor({ timeout: WAIT });
    // What is missing is said beside its field.
    await staff.click("#propose-form button[type=submit]");
    await staff.waitForSelector("#recipient[aria-invalid=true]", { timeout: WAIT });
    await staff.fill("#recipient", RECIPIENT);
    await staff.fill("#purpose", "就労に向けた相談をスムーズに始めるため");
    await staff.check("#propose-form [value=nickname]");
    await staff.check("#propose-form [value=notes]");
    await staff.click("#propose-form button[type=submit]");
    await staff.waitForSelector("#propose-result[data-kind=done]", { timeout: WAIT });
    assert.equal(await staff.locator("#propose-form [aria-invalid]").count(), 0, "no field is marked wrong after a success");
    assert.equal((await staff.innerText("#recipient-error")).trim(), "");
    await staff.locator("#proposal-list li", { hasText: RECIPIENT }).waitFor({ timeout: WAIT });
    await shot(staff, "consent-counsellor");
    await axe(staff, "a counsellor's tools on the account page");
    const listed = await api(staff, "GET", `/api/consents?member=${me.body.public_id}`);
    id = listed.body.consents[0].id;
  });

  await step("the participant sees it in plain words on their account page, and it passes the accessibility scan", async () => {
    await page.goto(`${URL}/account`);
    await page.waitForSelector("#consents:not([hidden]) .consent", { timeout: WAIT });
    const card = await page.innerText("#consent-list");
    assert.ok(card.includes(`${RECIPIENT}への情報提供`), card);
    assert.ok(card.includes("相談員が書いた相談のメモ") && card.includes("まだお返事していません"), card);
    await shot(page, "consent-request");
    await axe(page, "account page with a request to share");
  });

  await step("they agree; the export works while consent stands", async () => {
    await page.click("#consent-list button.primary");
    await page.waitForSelector("#consent-result[data-kind=done]", { timeout: WAIT });
    await page.locator("#consent-list button", { hasText: "同意を取り消す" }).waitFor({ timeout: WAIT });
    assert.equal(await page.locator(".consent-timeline li").count(), 2);
    assert.equal((await api(staff, "GET", `/api/consents/${id}/export`)).status, 200);
    await staff.click("#proposals-show");
    await staff.locator("#proposal-list a", { hasText: "印刷用のページ" }).waitFor({ timeout: WAIT });
  });

  await step("they withdraw; the export is refused and the timeline stays, in either language", async () => {
    await page.click("#consent-list button");
    await page.locator(".consent-timeline li", { hasText: "同意を取り消しました" }).waitFor({ timeout: WAIT });
    assert.equal(await page.locator("#consent-list button").count(), 0);
    const refused = await api(staff, "GET", `/api/consents/${id}/export`);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error, "consent_not_given");
    await chooseLanguage(page, "en");
    const card = await page.innerText("#consent-list");
    assert.ok(card.includes(`Sharing with ${RECIPIENT}`) && card.includes("You withdrew your consent"), card);
    await shot(page, "consent-withdrawn");
    await axe(page, "account page after withdrawing");
  });
});

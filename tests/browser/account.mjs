// The account page in headless Chromium, run by tests/browser_account.rs (which starts the
// server and registers an admin): the nickname form, then the audit log.
import assert from "node:assert/strict";
import { WAIT, axe, env, launch, logIn, run, shot, step } from "./common.mjs";

const URL = env("URL");
const [admin] = JSON.parse(env("PEOPLE"));

const browser = await launch();

await run(browser, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "ja-JP" });
  const page = await logIn(context, URL, admin);

  await step("a real full name is refused beside the field, with the part to keep as one press", async () => {
    await page.goto(`${URL}/account`);
    await page.waitForSelector("#my-nickname:not([hidden])", { timeout: WAIT });
    assert.equal(await page.inputValue("#nickname"), "管理");
    await page.fill("#nickname", "佐藤花子");
    await page.click("#nickname-form button[type=submit]");
    await page.waitForSelector("#nickname[aria-invalid=true]", { timeout: WAIT });
    const said = await page.innerText("#nickname-error");
    assert.ok(said.includes("本名のように見える") && said.includes("さとう"), said);
    await page.waitForSelector("#nickname-suggestion:not([hidden])", { timeout: WAIT });
    await shot(page, "account-nickname-real-name");
    await axe(page, "the nickname form with a real name refused");
    await page.click("#nickname-suggestion");
    assert.equal(await page.inputValue("#nickname"), "さとう");
    await page.click("#nickname-form button[type=submit]");
    await page.waitForSelector("#nickname-result[data-kind=done]", { timeout: WAIT });
    assert.equal((await page.innerText("#me-nickname")).trim(), "さとう");
    assert.equal(await page.locator("#nickname-form [aria-invalid]").count(), 0);
  });

  await step("an admin reads the audit log in plain words, and it passes the accessibility scan", async () => {
    await page.reload();
    await page.waitForSelector("#audit:not([hidden]) #audit-rows tr", { timeout: WAIT });
    const rows = await page.innerText("#audit-rows");
    assert.ok(rows.includes("ニックネームの変更"), rows);
    assert.ok(rows.includes("さとう"), rows);
    await shot(page, "account-audit");
    await axe(page, "the audit log on the account page");
  });
});

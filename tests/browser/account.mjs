// The account page in headless Chromium, run by tests/browser_account.rs (which starts the
// server and registers an admin and two participants): the nickname form, a report read and
// its member suspended and lifted, then the audit log.
import assert from "node:assert/strict";
import { WAIT, axe, enter, env, launch, logIn, memberItem, run, shot, step } from "./common.mjs";

const URL = env("URL");
const [admin, sora, umi] = JSON.parse(env("PEOPLE"));

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

  await step("a member reports another; staff read it, suspend that account and lift it", async () => {
    const reporter = await logIn(await browser.newContext({ locale: "ja-JP" }), URL, sora);
    const reported = await logIn(await browser.newContext({ locale: "ja-JP" }), URL, umi);
    await enter(reporter, URL);
    await enter(reported, URL);
    await memberItem(reporter, umi.nickname).waitFor({ timeout: WAIT });
    await reported.fill("#chat-input", "ためしの きつい言葉");
    await reported.press("#chat-input", "Enter");
    await reporter.locator("#chat-log li", { hasText: "ためしの きつい言葉" }).waitFor({ timeout: WAIT });
    await memberItem(reporter, umi.nickname).locator("button", { hasText: "通報" }).click();
    await reporter.waitForSelector(".report-dialog[open]", { timeout: WAIT });
    await reporter.check(".report-dialog [value=harassment]");
    await reporter.click(".report-dialog [value=send]");
    await reporter.locator(".report-result", { hasText: "ありがとうございます" }).waitFor({ timeout: WAIT });

    await page.reload();
    const report = page.locator("#report-list li", { hasText: `${umi.nickname}さんについて` });
    await report.waitFor({ timeout: WAIT });
    assert.ok((await report.innerText()).includes("いやがらせ"), await report.innerText());
    await report.locator("button", { hasText: "残されたやりとりを見る" }).click();
    await report.locator("ol.snapshot li", { hasText: "ためしの きつい言葉" }).waitFor({ timeout: WAIT });
    // A reason is asked for before anything happens: the person reads it.
    await report.locator("button[type=submit]").click();
    await page.waitForSelector("#watch-result[data-kind=problem]", { timeout: WAIT });
    await report.locator("input").fill("ほかの方へのきつい言葉が続いたため");
    await report.locator("button[type=submit]").click();
    await page.waitForSelector("#watch-result[data-kind=done]", { timeout: WAIT });
    const suspended = page.locator("#suspended-list li", { hasText: umi.nickname });
    await suspended.waitFor({ timeout: WAIT });
    // The suspended member's page says why and whom to ask, and does not reconnect.
    await reported.locator("body", { hasText: "アカウントを一時停止しています" }).waitFor({ timeout: WAIT });
    assert.ok((await reported.innerText("body")).includes("ほかの方へのきつい言葉が続いたため"));
    await shot(page, "account-reports");
    await axe(page, "reports and suspensions on the account page");
    await suspended.locator("button", { hasText: "一時停止を解除する" }).click();
    await page.waitForSelector("#suspended-none:not([hidden])", { timeout: WAIT });
    // Lifted: they log in again (suspending ended their web sessions) and come back in.
    await enter(await logIn(reported.context(), URL, umi), URL);
  });

  await step("an admin reads the audit log in plain words, and it passes the accessibility scan", async () => {
    // Loaded with the page, before the suspension: one press brings the newest entries.
    await page.waitForSelector("#audit:not([hidden]) #audit-rows tr", { timeout: WAIT });
    await page.click("#audit-refresh");
    await page.locator("#audit-rows tr", { hasText: "一時停止の解除" }).waitFor({ timeout: WAIT });
    const rows = await page.innerText("#audit-rows");
    assert.ok(rows.includes("ニックネームの変更"), rows);
    assert.ok(rows.includes("さとう"), rows);
    assert.ok(rows.includes("アカウントの一時停止"), rows);
    // The details in words: the report's reason named, the suspension's reason as written.
    assert.ok(rows.includes("理由: いやがらせ"), rows);
    assert.ok(rows.includes("理由: ほかの方へのきつい言葉が続いたため"), rows);
    assert.ok(rows.includes("新しい名前: さとう"), rows);
    assert.ok(!/\b(reason|from|to|list|room): /.test(rows), rows);
    await shot(page, "account-audit");
    await axe(page, "the audit log on the account page");
  });
});

// Blocking in headless Chromium, run by tests/browser.rs (which starts the test space and
// registers two participants). Both are in the free space and see each other; one says a word;
// the other blocks them from the member list, after a gentle confirm, and from then on sees
// neither their avatar, nor their name, nor their words, old or new. The blocked one only sees
// the other leave. The account page lists the block and lifts it. Screenshots at desktop and
// phone size; axe finds nothing serious.
import assert from "node:assert/strict";
import { WAIT, axe, enter, env, launch, logIn, memberItem, run, shot, step } from "./common.mjs";

const URL = env("URL");
const [blocker, other] = JSON.parse(env("PEOPLE"));

const browser = await launch();
const context = () => browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "ja-JP" });

async function say(page, text) {
  await page.fill("#chat-input", text);
  await page.click("#chat-form button[type=submit]");
}
const line = (page, text) => page.locator("#chat-log li", { hasText: text });
const avatarOf = (page, nickname) => page.locator("#map g.avatar", { has: page.locator("title", { hasText: nickname }) });

await run(browser, async () => {
  const a = await logIn(await context(), URL, blocker);
  const b = await logIn(await context(), URL, other);

  await step("both are in the free space and see each other and each other's words", async () => {
    await enter(a, URL);
    await enter(b, URL);
    await memberItem(a, other.nickname).waitFor({ timeout: WAIT });
    await memberItem(b, blocker.nickname).waitFor({ timeout: WAIT });
    await avatarOf(a, other.nickname).waitFor({ timeout: WAIT });
    await say(b, "こんにちは、はじめまして");
    await line(a, "はじめまして").waitFor({ timeout: WAIT });
  });

  await step("blocking asks gently first, and can be called off", async () => {
    const row = memberItem(a, other.nickname);
    await row.getByRole("button", { name: `${other.nickname}さんをブロック` }).click();
    const ask = row.locator(".block-confirm");
    await ask.waitFor({ timeout: WAIT });
    assert.equal(
      await ask.locator("p").innerText(),
      `${other.nickname}さんのメッセージや姿が見えなくなります。相手には伝わりません。`,
    );
    assert.equal(await a.evaluate(() => document.activeElement.textContent), "ブロックする", "the confirm has the focus");
    await axe(a, "the confirm before blocking");
    await shot(a, "block-confirm");
    await ask.getByRole("button", { name: "やめる" }).click();
    await row.getByRole("button", { name: `${other.nickname}さんをブロック` }).waitFor({ timeout: WAIT });
  });

  await step("once blocked, their name, avatar and words are gone, and new words never come", async () => {
    const row = memberItem(a, other.nickname);
    await row.getByRole("button", { name: `${other.nickname}さんをブロック` }).click();
    await row.getByRole("button", { name: "ブロックする" }).click();
    await memberItem(a, other.nickname).waitFor({ state: "detached", timeout: WAIT });
    await avatarOf(a, other.nickname).waitFor({ state: "detached", timeout: WAIT });
    await line(a, "はじめまして").waitFor({ state: "detached", timeout: WAIT });
    // For the other it looks as if the blocker had left; nothing says why.
    await memberItem(b, blocker.nickname).waitFor({ state: "detached", timeout: WAIT });
    assert.doesNotMatch(await b.innerText("body"), /ブロック/);
    // Their next words do not come; the blocker's own still go out (to nobody here now).
    await say(b, "聞こえますか");
    await say(a, "ひとりごと");
    await line(a, "ひとりごと").waitFor({ timeout: WAIT });
    await line(b, "聞こえますか").waitFor({ timeout: WAIT });
    assert.equal(await line(a, "聞こえますか").count(), 0);
    assert.equal(await line(b, "ひとりごと").count(), 0);
    await axe(a, "the space after blocking someone");
    await shot(a, "blocked-desktop");
    await a.setViewportSize({ width: 390, height: 844 });
    await shot(a, "blocked-phone");
    await a.setViewportSize({ width: 1280, height: 900 });
  });

  await step("the account page lists whom one blocked, and lifting it brings them back", async () => {
    await a.goto(`${URL}/account`);
    const item = a.locator("#block-list li", { hasText: other.nickname });
    await item.waitFor({ timeout: WAIT });
    await axe(a, "whom one blocked, on the account page");
    await shot(a, "blocks-account");
    await item.getByRole("button", { name: "ブロックを解除" }).click();
    await a.waitForSelector("#block-result[data-kind=done]", { timeout: WAIT });
    assert.equal(await a.innerText("#block-result"), `${other.nickname}さんのブロックを解除しました。`);
    await a.waitForSelector("#blocks-none:not([hidden])", { timeout: WAIT });
    await enter(a, URL);
    await memberItem(a, other.nickname).waitFor({ timeout: WAIT });
    await memberItem(b, blocker.nickname).waitFor({ timeout: WAIT });
  });
});

// Staff on duty and "I'd like to talk" in headless Chromium, run by tests/browser.rs (which
// starts the server with two consultation rooms and one person needed on duty, and registers
// a participant and a counsellor). The counsellor goes on duty, so the participant may come
// in and sees that staff are there; the participant asks privately, text only; the counsellor
// sees them waiting and accepts; the participant goes in, they exchange a few words, and the
// participant leaves with one press.
import assert from "node:assert/strict";
import { WAIT, axe, enter, env, launch, logIn, memberItem, run, shot, step } from "./common.mjs";

const URL = env("URL");
const [person, counsellor] = JSON.parse(env("PEOPLE"));

const browser = await launch();
const context = () => browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "ja-JP" });

async function say(page, text) {
  await page.fill("#chat-input", text);
  await page.click("#chat-form button[type=submit]");
}
const heard = (page, text) => page.locator("#chat-log li", { hasText: text }).waitFor({ timeout: WAIT });

await run(browser, async () => {
  const p = await logIn(await context(), URL, person);
  const c = await logIn(await context(), URL, counsellor);

  await step("the counsellor goes on duty, and the participant sees that staff are there", async () => {
    await c.goto(`${URL}/space`);
    await c.waitForSelector("#duty-toggle:not([hidden])", { timeout: WAIT });
    assert.match(await c.innerText("#duty-note"), /0人/);
    await c.click("#duty-toggle");
    await c.waitForFunction(() => document.querySelector("#duty-toggle").textContent === "勤務を終える", null, { timeout: WAIT });
    assert.match(await c.innerText("#duty-note"), /1人（2人以上いると安心です/);
    assert.equal(await c.getAttribute("#duty-toggle", "aria-pressed"), "true");
    await axe(c, "staff on duty");
    await enter(p, URL);
    await p.waitForSelector("#staff-present:not([hidden])", { timeout: WAIT });
    assert.equal(await p.innerText("#staff-present"), "スタッフがいます");
    assert.equal(await p.isVisible("#duty-toggle"), false);
  });

  await step("a participant asks to talk, text only, and sees their place in line", async () => {
    await p.click("#talk-toggle");
    await p.waitForSelector("#talk-panel:not([hidden])", { timeout: WAIT });
    assert.equal(await p.isChecked("input[name=talk-mode][value=text]"), true, "text only is the default");
    await axe(p, "asking to talk");
    await shot(p, "talk-ask");
    await p.click("#talk-form button[type=submit]");
    await p.waitForSelector("#talk-waiting:not([hidden])", { timeout: WAIT });
    assert.match(await p.innerText("#talk-place"), /1番目/);
    assert.match(await p.innerText("#talk-toggle"), /順番待ち（1番目）/);
  });

  await step("the counsellor sees who waits and how, and accepts", async () => {
    assert.equal(await c.isVisible("#talk-toggle"), false, "counsellors do not ask");
    const waiting = c.locator("#talk-line li", { hasText: person.nickname });
    await waiting.waitFor({ timeout: WAIT });
    assert.match(await waiting.innerText(), /文字だけ/);
    await axe(c, "the line of people waiting to talk");
    await waiting.locator("button").click();
    await c.waitForSelector("#talk-leave:not([hidden])", { timeout: WAIT });
    assert.equal(await c.innerText("#talk-leave"), "相談を終える");
    await c.locator("#talk-line li", { hasText: "いま待っている人はいません" }).waitFor({ timeout: WAIT });
  });

  await step("the participant gets a gentle card, goes in, and they talk", async () => {
    await p.waitForSelector("#talk-offer:not([hidden])", { timeout: WAIT });
    assert.equal(await p.isVisible("#talk-panel"), false, "the request's panel gives way");
    const offer = await p.innerText("#talk-offer");
    assert.ok(offer.includes(counsellor.nickname) && offer.includes("文字だけ") && offer.includes("今はやめておく"), offer);
    assert.equal(await p.isVisible("#talk-waiting"), false);
    await axe(p, "a counsellor's invitation");
    await shot(p, "talk-offer");
    await p.click("#talk-go");
    await p.waitForSelector("#talk-leave:not([hidden])", { timeout: WAIT });
    assert.equal(await p.isVisible("#talk-offer"), false);
    await memberItem(c, person.nickname).waitFor({ timeout: WAIT });
    await say(p, "こんにちは。少し話を聞いてほしくて。");
    await heard(c, "少し話を聞いてほしくて");
    await say(c, "来てくださってありがとうございます。ゆっくりどうぞ。");
    await heard(p, "ゆっくりどうぞ");
    await axe(p, "in a consultation");
    await shot(p, "talk-consultation");
  });

  await step("one press takes the participant out, back to the free space", async () => {
    await p.click("#talk-leave");
    await p.waitForSelector("#talk-leave", { state: "hidden", timeout: WAIT });
    await p.waitForFunction(() => document.querySelector("#room-name").textContent === "ひろば", null, { timeout: WAIT });
    await memberItem(c, person.nickname).waitFor({ state: "detached", timeout: WAIT });
    // Nothing of the consultation stays on the participant's page.
    assert.equal(await p.locator("#chat-log li", { hasText: "ゆっくりどうぞ" }).count(), 0);
  });

  await step("a crisis line: the counsellor on duty is alerted and takes it on; the writer sees where to call", async () => {
    await say(p, "もう消えてしまいたい");
    const alert = c.locator("#alerts li", { hasText: "もう消えてしまいたい" });
    await alert.waitFor({ timeout: WAIT });
    assert.match(await alert.innerText(), new RegExp(`${person.nickname}さんが書きました`));
    await axe(c, "a crisis alert");
    await shot(c, "crisis-alert");
    await alert.locator("button[data-action=ack]").click();
    await alert.locator(".note", { hasText: `${counsellor.nickname}さんが対応しています` }).waitFor({ timeout: WAIT });
    // The line itself went to the room as any other.
    await heard(p, "もう消えてしまいたい");
    await p.waitForSelector("#help:not([hidden])", { timeout: WAIT });
    assert.match(await p.innerText("#help-lines"), /よりそいホットライン/);
    await axe(p, "where to call");
    await shot(p, "crisis-help");
    // One press asks a counsellor, text only.
    await p.click("#help-talk");
    await p.waitForSelector("#help", { state: "hidden", timeout: WAIT });
    await p.waitForFunction(() => document.querySelector("#talk-toggle").textContent.includes("順番待ち"), null, { timeout: WAIT });
    await c.locator("#talk-line li", { hasText: person.nickname }).waitFor({ timeout: WAIT });
    await p.click("#talk-toggle");
    await p.click("#talk-withdraw");
    await p.waitForSelector("#talk-form:not([hidden])", { timeout: WAIT });
    await p.click("#talk-toggle");
  });

  await step("contact details in the free space wait for a yes, and staff on duty see it happened", async () => {
    const line = "よかったらLINEしませんか 090-1234-5678";
    await say(p, line);
    await p.waitForSelector("#chat-confirm:not([hidden])", { timeout: WAIT });
    assert.match(await p.innerText("#chat-error"), /このまま送りますか/);
    assert.equal(await p.inputValue("#chat-input"), line, "the line comes back to the input");
    assert.equal(await p.locator("#chat-log li", { hasText: "090-1234-5678" }).count(), 0);
    await axe(p, "a line held back");
    await p.click("#chat-confirm");
    await heard(p, "090-1234-5678");
    await p.waitForSelector("#chat-confirm", { state: "hidden", timeout: WAIT });
    await c.locator("#alerts li", { hasText: "連絡先（電話番号）" }).or(c.locator("#alerts li", { hasText: "連絡先（メッセンジャーのID）" })).first().waitFor({ timeout: WAIT });
  });

  await step("on a phone, the request and the one-press leave are within reach", async () => {
    await p.setViewportSize({ width: 390, height: 844 });
    await p.click("#talk-toggle");
    await p.waitForSelector("#talk-form:not([hidden])", { timeout: WAIT });
    await p.check("input[name=talk-mode][value=voice]");
    await p.click("#talk-form button[type=submit]");
    await p.waitForSelector("#talk-waiting:not([hidden])", { timeout: WAIT });
    await shot(p, "talk-waiting-phone");
    await p.click("#talk-withdraw");
    await p.waitForSelector("#talk-form:not([hidden])", { timeout: WAIT });
    assert.equal(await p.innerText("#talk-toggle"), "今話したい");
  });
});

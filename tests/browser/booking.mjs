// Consultation booking on the account page in headless Chromium, run by
// tests/browser_booking.rs (which starts the server at 11:00 on an open day and registers a
// counsellor and a participant, and passes an admin's token to set its rehearsal clock).
// Each step says what a person would do and what they see.
import assert from "node:assert/strict";
import { WAIT, axe, enter, env, launch, logIn, run, step } from "./common.mjs";

const URL = env("URL");
const [counsellor, participant] = JSON.parse(env("PEOPLE"));
const CLOCK_TOKEN = env("CLOCK_TOKEN");

const browser = await launch();
const person = () => browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "ja-JP" });

await run(browser, async () => {
  let c, p;
  await step("a counsellor publishes a 50-minute slot at 14:00, text and voice", async () => {
    const page = c = await logIn(await person(), URL, counsellor);
    await page.goto(`${URL}/account`);
    await page.waitForSelector("#my-day:not([hidden])", { timeout: WAIT });
    await page.fill("#publish-start", "2026-12-09T14:00");
    await page.fill("#publish-minutes", "50");
    await page.selectOption("#publish-profession", "social_worker");
    await page.check("#publish-modes input[value=voice]");
    await page.click("#publish button[type=submit]");
    await page.waitForSelector("#publish-result[data-kind=done]", { timeout: WAIT });
    await page.waitForFunction(() => document.querySelector("#my-slots").textContent.includes("14:00"), null, { timeout: WAIT });
    assert.match(await page.innerText("#my-slots"), /社会福祉士 しろくま.*空き/);
    // A slot past closing time is refused, kindly.
    await page.fill("#publish-start", "2026-12-09T17:40");
    await page.click("#publish button[type=submit]");
    await page.waitForSelector("#publish-result[data-kind=problem]", { timeout: WAIT });
    assert.match(await page.innerText("#publish-result"), /開室時間/);
    await axe(page, "account page with a counsellor's slots");
  });

  await step("a participant finds it by way of talking, books it, sees it, and cancels it", async () => {
    const page = p = await logIn(await person(), URL, participant);
    await page.goto(`${URL}/account`);
    await page.waitForSelector("#booking:not([hidden])", { timeout: WAIT });
    assert.equal(await page.isVisible("#my-day"), false, "only counsellors publish");
    await page.waitForFunction(() => document.querySelector("#free-slots").textContent.includes("14:00"), null, { timeout: WAIT });
    await page.selectOption("#slot-mode", "video");
    await page.click("#slot-search button[type=submit]");
    await page.waitForFunction(() => !document.querySelector("#free-slots").textContent.includes("14:00"), null, { timeout: WAIT });
    await page.selectOption("#slot-mode", "text");
    await page.click("#slot-search button[type=submit]");
    await page.waitForFunction(() => document.querySelector("#free-slots").textContent.includes("14:00"), null, { timeout: WAIT });
    await page.click("#free-slots button");
    await page.waitForSelector("#booking-result[data-kind=done]", { timeout: WAIT });
    await page.waitForFunction(() => document.querySelector("#my-bookings").textContent.includes("14:00"), null, { timeout: WAIT });
    assert.match(await page.innerText("#my-bookings"), /12月9日 14:00〜14:50 社会福祉士 しろくま（文字だけ）/);
    assert.equal(await page.isVisible("#no-bookings"), false);
    await axe(page, "account page with a booking");
    await page.click("#my-bookings button");
    await page.waitForFunction(() => document.querySelector("#my-bookings").children.length === 0, null, { timeout: WAIT });
    assert.equal(await page.isVisible("#no-bookings"), true);
  });

  await step("booked again, the time comes: the participant is first in line, the counsellor sees 予約 and accepts", async () => {
    await p.waitForFunction(() => document.querySelector("#free-slots").textContent.includes("14:00"), null, { timeout: WAIT });
    await p.click("#free-slots button");
    await p.waitForSelector("#booking-result[data-kind=done]", { timeout: WAIT });
    await enter(p, URL);
    await enter(c, URL);
    const set = await fetch(`${URL}/api/admin/clock`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${CLOCK_TOKEN}` },
      body: JSON.stringify({ to: "2026-12-09T13:59:59.5+09:00" }),
    });
    assert.equal(set.status, 200, "setting the clock");
    await p.waitForSelector("#talk-waiting:not([hidden])", { timeout: WAIT });
    assert.match(await p.innerText("#talk-place"), /予約の時間になりました/);
    assert.match(await p.innerText("#talk-toggle"), /順番待ち（1番目）/);
    const booked = c.locator("#talk-line li", { hasText: participant.nickname });
    await booked.waitFor({ timeout: WAIT });
    assert.match(await booked.innerText(), /予約/);
    await axe(c, "a counsellor's line with a booked consultation");
    await booked.locator("button").click();
    await p.waitForSelector("#talk-offer:not([hidden])", { timeout: WAIT });
    assert.match(await p.innerText("#talk-offer-text"), /しろくま/);
  });
});

// A table of the free space in headless Chromium, run by tests/browser_table.rs (which starts
// the server with the shipped areas and registers the people). Chromium's fake microphone
// stands in for real ones. Who hears whom is read from each page's WebRTC statistics.
import assert from "node:assert/strict";
import { WAIT, axe, enter, env, launch, logIn, memberItem, run, shot, step } from "./common.mjs";

const URL = env("URL");
const [sora, counsellor, umi] = JSON.parse(env("PEOPLE"));

const browser = await launch(["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]);

// A browser profile that keeps its peer connections, for their statistics.
async function person() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "ja-JP" });
  await context.addInitScript(() => {
    window.__peers = [];
    const Peer = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends Peer {
      constructor(...args) {
        super(...args);
        window.__peers.push(this);
      }
    };
  });
  return context;
}

// Audio received so far on the page's live peer connection: bytes per incoming stream.
const incoming = (page) =>
  page.evaluate(async () => {
    const pc = window.__peers.findLast((p) => p.connectionState !== "closed");
    const streams = [];
    (await pc?.getStats())?.forEach((s) => {
      if (s.type === "inbound-rtp" && s.kind === "audio" && (s.bytesReceived ?? 0) > 0) streams.push(s.bytesReceived);
    });
    return streams;
  });

// Audio packets the page has sent so far.
const sent = (page) =>
  page.evaluate(async () => {
    const pc = window.__peers.findLast((p) => p.connectionState !== "closed");
    let packets = 0;
    (await pc?.getStats())?.forEach((s) => {
      if (s.type === "outbound-rtp" && s.kind === "audio") packets += s.packetsSent ?? 0;
    });
    return packets;
  });

// Waits until the page receives `count` voices, each still growing; says what it got if not.
async function hears(page, count, who) {
  const deadline = Date.now() + WAIT;
  let first = null;
  for (;;) {
    const now = await incoming(page);
    if (now.length === count) {
      if (first?.length === count && now.every((bytes, i) => bytes > first[i] + 2000)) return;
      if (first?.length !== count) first = now;
    } else first = null;
    if (Date.now() > deadline) assert.fail(`${who} should hear ${count} voice(s); receives ${JSON.stringify(now)}`);
    await page.waitForTimeout(250);
  }
}

// Clicks the map at a point in map units (the shipped areas: docs/rooms.md).
async function walkTo(page, x, y) {
  const at = await page.evaluate(([x, y]) => {
    const p = new DOMPoint(x, y).matrixTransform(document.querySelector("#map").getScreenCTM());
    return { x: p.x, y: p.y };
  }, [x, y]);
  await page.mouse.click(at.x, at.y);
}

// Waits until `page` shows `nickname` at the table (or, with `at` false, not there).
const atTable = (page, nickname, at = true) =>
  page.waitForFunction(
    ([name, at]) => [...document.querySelectorAll("#members li")].some((li) => li.textContent.includes(name) && li.textContent.includes("テーブル") === at),
    [nickname, at],
    { timeout: WAIT },
  );

const a = await logIn(await person(), URL, sora);
const b = await logIn(await person(), URL, counsellor);
const c = await logIn(await person(), URL, umi);

await run(browser, async () => {
  await step("two sit at opposite ends of the big table; a third stands just outside it, close to one of them", async () => {
    for (const page of [a, b, c]) await enter(page, URL);
    await memberItem(a, umi.nickname).waitFor({ timeout: WAIT });
    await memberItem(a, counsellor.nickname).waitFor({ timeout: WAIT });
    // The table is x 540–1060, y 260–600: 440 apart at the table, farther than voices carry
    // (160); うみ is 80 from そら, near enough to hear by distance were there no table.
    await walkTo(a, 580, 430);
    await walkTo(b, 1020, 430);
    await walkTo(c, 500, 430);
    await atTable(c, sora.nickname);
    await atTable(c, counsellor.nickname);
    await c.waitForFunction(() => document.querySelector("#area-note").hidden, null, { timeout: WAIT });
    assert.match(await memberItem(a, counsellor.nickname).innerText(), /相談員/);
    await axe(a, "space with a counsellor at the table");
    await shot(a, "table");
  });

  await step("all three choose 話せます and press 話す: the two at the table hear each other, the one outside hears nobody", async () => {
    for (const page of [a, b, c]) {
      await page.selectOption("#status", "can_talk");
      await page.waitForFunction(() => document.querySelector("#status").value === "can_talk");
      await page.click("#talk");
      await page.waitForSelector("#voice-state[data-state=talking]", { timeout: WAIT });
    }
    await hears(a, 1, sora.nickname);
    await hears(b, 1, counsellor.nickname);
    // うみ's microphone is sending, and the two at the table have heard more of each other
    // since: yet nothing of theirs reached うみ, and うみ's voice is not one of theirs.
    await c.waitForFunction(async () => {
      const pc = window.__peers.findLast((p) => p.connectionState !== "closed");
      let packets = 0;
      (await pc?.getStats())?.forEach((s) => {
        if (s.type === "outbound-rtp" && s.kind === "audio") packets += s.packetsSent ?? 0;
      });
      return packets > 50;
    }, null, { timeout: WAIT, polling: 250 });
    await hears(a, 1, sora.nickname);
    await hears(b, 1, counsellor.nickname);
    assert.deepEqual(await incoming(c), [], "うみ, outside the table, received audio");
    assert.ok((await sent(c)) > 50);
  });

  await step("once the third sits down at the table too, all three hear each other", async () => {
    await walkTo(c, 600, 500);
    await atTable(a, umi.nickname);
    await hears(c, 2, umi.nickname);
    await hears(a, 2, sora.nickname);
    await hears(b, 2, counsellor.nickname);
    // The three at the table, on a phone (the map is the tab a phone shows first).
    await c.setViewportSize({ width: 390, height: 844 });
    await c.waitForSelector("#map g.avatar.you", { timeout: WAIT });
    await shot(c, "table-phone");
  });
});

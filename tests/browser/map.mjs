// Avatars and names on a crowded map in headless Chromium, run by tests/browser_map.rs (which
// starts the server with the shipped free space, invites the browser's person and places four
// people close together). The person registers, choosing a face and a colour, and walks into
// the crowd; every name shown must be legible (no two name boxes meet), on a desktop and on
// a phone, and a long name is shortened on the map but whole in the list.
import assert from "node:assert/strict";
import { WAIT, axe, enter, env, launch, memberItem, run, shot, step } from "./common.mjs";

const URL = env("URL");
const INVITATION = env("INVITATION");
const CROWD = JSON.parse(env("CROWD"));
const LONG = CROWD.reduce((a, b) => (b.length > a.length ? b : a));

const browser = await launch();

// In the page: the names drawn on the map (not hidden), with their boxes on the screen, and
// each pair of them whose boxes meet.
function namesShown() {
  const names = [...document.querySelectorAll("#map text.name")]
    .filter((t) => t.getAttribute("visibility") !== "hidden")
    .map((t) => {
      const r = t.getBoundingClientRect();
      return { text: t.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom };
    });
  const meeting = [];
  for (const [i, a] of names.entries()) {
    for (const b of names.slice(i + 1)) {
      if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) meeting.push([a.text, b.text]);
    }
  }
  return { names, meeting };
}

// Waits until the map holds still (no avatar still gliding to its place) with all five
// names shown and none meeting another; then says what it shows.
async function legible(page, where) {
  // Given to the page through the debugging protocol: its Content-Security-Policy refuses
  // a predicate passed as a string.
  await page.evaluate(`window.namesShown = ${namesShown}`);
  await page.waitForFunction(() => {
    const { names, meeting } = window.namesShown();
    // Heights too: a resized page redraws its names at their screen size one frame later.
    return document.getAnimations().length === 0 && names.length === 5 && meeting.length === 0
      && names.every((n) => n.bottom - n.top >= 14);
  }, null, { timeout: WAIT }).catch(() => {});
  const { names, meeting } = await page.evaluate(namesShown);
  assert.deepEqual(meeting, [], `${where}: names that cover each other`);
  assert.equal(names.length, 5, `${where}: the names shown: ${JSON.stringify(names.map((n) => n.text))}`);
  for (const n of names) assert.ok(n.bottom - n.top >= 14, `${where}: ${n.text} is ${n.bottom - n.top} px high`);
}

await run(browser, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "ja-JP" });
  const page = await context.newPage();

  await step("registering, each shape shows its drawn face on the colour chosen", async () => {
    await page.goto(INVITATION);
    await page.waitForSelector("#register:not([hidden])", { timeout: WAIT });
    await page.check("input[name=color][value='#9ad1d4']");
    const faces = await page.$$eval("#shapes .swatch", (swatches) => swatches.map((s) => {
      const img = s.querySelector("img.face");
      return { shape: s.querySelector("input").value, src: img?.getAttribute("src"), loaded: img?.complete && img.naturalWidth > 0, behind: img && getComputedStyle(img).backgroundColor };
    }));
    assert.equal(faces.length, 12);
    for (const f of faces) {
      assert.deepEqual(f, { shape: f.shape, src: `/space/avatars/${f.shape}.svg`, loaded: true, behind: "rgb(154, 209, 212)" });
    }
    await axe(page, "registration");
    await page.check("input[name=shape][value=fox]");
    await page.fill("#passphrase", "きつねのかおでとうろくします");
    await shot(page, "register");
    await page.click("#register button[type=submit]");
    await page.waitForSelector("#result[data-kind=done]", { timeout: WAIT });
  });

  await step("five people stand close together: every name is shown, and none covers another", async () => {
    await enter(page, URL);
    for (const nickname of CROWD) await memberItem(page, nickname).waitFor({ timeout: WAIT });
    await page.waitForFunction(() => document.querySelectorAll("#map g.avatar").length === 5, null, { timeout: WAIT });
    // The face chosen at registration, on its colour.
    assert.equal(await page.getAttribute("#map g.avatar.you image.face", "href"), "/space/avatars/fox.svg");
    assert.equal(await page.getAttribute("#map g.avatar.you circle.body", "fill"), "#9ad1d4");
    // Into the middle of the crowd (map units), as a click would.
    const at = await page.evaluate(() => {
      const p = new DOMPoint(305, 465).matrixTransform(document.querySelector("#map").getScreenCTM());
      return { x: p.x, y: p.y };
    });
    await page.mouse.click(at.x, at.y);
    await page.waitForFunction(() => {
      const [x, y] = document.querySelector("#map g.avatar.you").getAttribute("transform").match(/[\d.]+/g).map(Number);
      return Math.hypot(x - 305, y - 465) < 10;
    }, null, { timeout: WAIT });
    await legible(page, "desktop");
    await axe(page, "a crowded map");
    await shot(page, "crowded-map");
  });

  await step("a long name is shortened on the map, and whole in the list and on hovering", async () => {
    const shown = await page.evaluate((long) => {
      const g = [...document.querySelectorAll("#map g.avatar")].find((g) => g.querySelector("title").textContent === long);
      return g.querySelector("text.name").textContent;
    }, LONG);
    assert.ok(shown.endsWith("…") && LONG.startsWith(shown.slice(0, -1)), `the long name shows as ${shown}`);
    assert.match(await memberItem(page, LONG).innerText(), new RegExp(LONG));
  });

  await step("on a phone (390×844) the names still do not cover each other", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForSelector("#tabs:not([hidden])", { timeout: WAIT });
    await legible(page, "phone");
    await shot(page, "crowded-map-phone");
  });
});

// The web client in headless Chromium, run by tests/browser.rs (which starts the servers and
// registers the people). Each step says what a person would do and what they should see.
// Screenshots go to $SCREENSHOTS when it is set (bench/screenshots.sh).
import assert from "node:assert/strict";
import { WAIT, axe, chooseLanguage, enter, env, launch, logIn, memberItem, run, shot, step } from "./common.mjs";

const OPEN = env("OPEN_URL");
const [sora, staff] = JSON.parse(env("PEOPLE"));
const CLOSING = env("CLOSING_URL");
const [yuki] = JSON.parse(env("CLOSING_PEOPLE"));
const CLOSED = env("CLOSED_URL");
const [yoru, nightStaff] = JSON.parse(env("CLOSED_PEOPLE"));
// The space's own name in tests/support TEST_ROOMS.
const SPACE_NAME = "テストの居場所";
// The operator's names of the rooms (tests/support TEST_ROOMS and tests/browser.rs): shown as
// written, in either language.
const ROOM_NAMES = ["ひろば", "いっしょにランチ", "ちいさなギャラリー", "スタッフルーム", "ギャラリー", "家族のつどい"];

// In the page: what it says (visible text, text for screen readers, the names and titles of
// its controls) that is not in `lang`, once the texts of people and of the operator (`own`)
// are taken out: Japanese script in English, words in Latin letters in Japanese.
function foreignText([lang, own]) {
  const foreign = lang === "en" ? /[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]/ : /[A-Za-z]{2,}/;
  const said = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    // A select shows only its chosen option (below).
    if (el.closest("option, script, style") || !el.checkVisibility()) continue;
    said.push(node.textContent);
  }
  for (const el of document.querySelectorAll("[aria-label], [title], [alt], [placeholder]")) {
    if (!el.checkVisibility()) continue;
    for (const name of ["aria-label", "title", "alt", "placeholder"]) said.push(el.getAttribute(name) ?? "");
  }
  for (const select of document.querySelectorAll("select")) {
    if (select.checkVisibility()) said.push(select.selectedOptions[0]?.textContent ?? "");
  }
  const longestFirst = [...own].sort((x, y) => y.length - x.length);
  return said
    .map((text) => longestFirst.reduce((rest, mine) => rest.split(mine).join(" "), text))
    .filter((rest) => foreign.test(rest))
    .map((rest) => rest.trim());
}

// Switches `page` to `lang` as a person would; everything it says is then in `lang` (a list
// of microphones may follow a moment later: it is waited for), but for `own` texts.
async function allIn(page, lang, own) {
  await chooseLanguage(page, lang);
  // Given to the page through the debugging protocol: its Content-Security-Policy refuses
  // a predicate passed as a string.
  await page.evaluate(`window.foreignText = ${foreignText}`);
  await page.waitForFunction((args) => window.foreignText(args).length === 0, [lang, own], { timeout: WAIT }).catch(() => {});
  assert.deepEqual(await page.evaluate(foreignText, [lang, own]), [], `in ${lang}, these are still in the other language`);
}

const browser = await launch();

// A fresh browser profile whose camera and microphone requests are recorded, never granted.
// The value both readers give, once it has held still for 250 ms.
async function sameFor250ms(readA, readB) {
  const deadline = Date.now() + WAIT;
  let last = null;
  while (Date.now() < deadline) {
    const [one, other] = [await readA(), await readB()];
    if (one === other && one === last) return one;
    last = one === other ? one : null;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error("the two screens never agreed");
}

async function person(size = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport: size, locale: "ja-JP" });
  await context.addInitScript(() => {
    window.__askedForMedia = false;
    if (navigator.mediaDevices) {
      navigator.mediaDevices.getUserMedia = async () => {
        window.__askedForMedia = true;
        throw new Error("not in this test");
      };
    }
  });
  return context;
}

// The closing server runs ten times faster; this person's evening goes on beside the other
// steps and is awaited near the end.
const closingFlow = (async () => {
  const page = await logIn(await person(), CLOSING, yuki);
  await enter(page, CLOSING);
  await page.waitForSelector(".banner.closing .countdown", { timeout: 60_000 });
  assert.match(await page.innerText(".banner.closing"), /閉室/);
  assert.match(await page.innerText(".banner.closing .countdown"), /あと \d+分\d\d秒/);
  await shot(page, "closing-banner");
  // The countdown follows the server's clock, which runs ten times faster here: once that
  // clock is 30 s past the 5-minute notice (3 s of ours), the page agrees with it.
  const serverNow = async () => Date.parse((await (await fetch(`${CLOSING}/api/status`)).json()).now);
  const closesAt = Date.parse("2026-12-09T18:00:00+09:00");
  await page.waitForFunction(
    async (at) => Date.parse((await (await fetch("/api/status")).json()).now) >= at,
    closesAt - 270_000,
    { timeout: WAIT, polling: 100 },
  );
  const shown = await page.innerText(".banner.closing .countdown");
  const left = (closesAt - (await serverNow())) / 1000;
  const [, min, sec] = shown.match(/あと (\d+)分(\d\d)秒/);
  assert.ok(left > 60, `the 1-minute notice came before the check (${left} s left)`);
  assert.ok(Math.abs(Number(min) * 60 + Number(sec) - left) <= 8, `the countdown says ${shown}, the server's clock ${left} s`);
  await page.waitForSelector("#farewell:not([hidden])", { timeout: 90_000 });
  assert.match(await page.innerText("#farewell"), /閉室しました/);
  assert.equal((await page.innerText("#farewell")).split("本日は閉室しました").length - 1, 1, "the goodbye says it once");
  assert.equal(await page.isVisible("#connection"), false, "no 接続していません badge beside the goodbye");
  assert.equal(await page.isVisible("#main"), false, "the space is put away after the goodbye");
  assert.equal(await page.isVisible(".banner"), false, "no countdown is left after closing");
  assert.match(await page.innerText("#farewell"), /次回は12月10日\(木\) 10:00/);
  await shot(page, "goodbye");
  // Coming back after closing: refused kindly, under the space's own name.
  await page.reload();
  await page.waitForSelector("#farewell:not([hidden])", { timeout: WAIT });
  await page.waitForFunction((name) => document.querySelector("#space-name").textContent === name, SPACE_NAME, { timeout: WAIT });
  assert.equal(await page.title(), SPACE_NAME);
})();
closingFlow.catch(() => {}); // awaited (and reported) in its step

await run(browser, async () => {
  await step("the public page says the space is open and how to join", async () => {
    const page = await (await person()).newPage();
    await page.goto(OPEN);
    await page.waitForFunction(() => document.querySelector("#status").textContent.includes("開室中"), null, { timeout: WAIT });
    await page.waitForSelector("#days li", { timeout: WAIT });
    assert.ok(await page.locator("a[href='/apply']").isVisible());
    await axe(page, "public page");
    await shot(page, "public-open");
    await page.goto(`${OPEN}/apply`);
    await page.waitForFunction(() => !document.querySelector("#eligibility").textContent.includes("読み込んで"));
    await axe(page, "application form");
    await shot(page, "apply");
    await page.goto(`${OPEN}/login`);
    await axe(page, "login");
    await shot(page, "login");
  });

  await step("the public, application and login pages switch to English, and the choice carries over", async () => {
    const page = await (await person()).newPage();
    await page.goto(OPEN);
    await page.waitForFunction(() => document.querySelector("#status").textContent.includes("開室中"), null, { timeout: WAIT });
    await page.selectOption("#language", "en");
    await page.waitForSelector("html[lang=en]");
    assert.equal(await page.innerText("#now-heading"), "Is it open now?");
    assert.match(await page.innerText("#status"), /^The space is open now, until \d\d:\d\d\.$/);
    assert.match(await page.locator("#days .day").first().innerText(), /^Wed 9 Dec \d\d:\d\d–\d\d:\d\d/);
    await axe(page, "public page (English)");
    await shot(page, "public-en");

    await page.goto(`${OPEN}/apply`);
    await page.waitForSelector("html[lang=en]");
    assert.equal(await page.innerText("h1"), "Apply to join");
    await page.waitForFunction(() => document.querySelector("#eligibility").textContent.endsWith("(required)"));
    await axe(page, "application form (English)");
    await page.fill("#nickname", "はな");
    await page.fill("#email", "hana@example.org");
    await page.check("#eligible");
    await page.check("#consent");
    await page.click("#apply button[type=submit]");
    // The server answers in English only when the form sent lang "en".
    await page.waitForSelector("#result[data-kind=done]", { timeout: WAIT });
    assert.match(await page.innerText("#result"), /^Thank you/);

    await page.goto(`${OPEN}/login`);
    await page.waitForSelector("html[lang=en]");
    assert.equal(await page.innerText("#login button[type=submit]"), "Log in");
    await page.fill("#login-email", "nobody@example.org");
    await page.fill("#login-passphrase", "not the passphrase");
    await page.click("#login button[type=submit]");
    await page.waitForSelector("#result[data-kind=problem]", { timeout: WAIT });
    assert.match(await page.innerText("#result"), /don't seem to match/);
    await axe(page, "login (English)");
    await shot(page, "login-en");
    // Back to Japanese: the page and the message already shown follow.
    await page.selectOption("#language", "ja");
    await page.waitForSelector("html[lang=ja]");
    assert.equal(await page.innerText("h1"), "ログイン");
    assert.match(await page.innerText("#result"), /パスフレーズが違う/);
  });

  // Something for the staff view to show.
  await fetch(`${OPEN}/api/applications`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ nickname: "はじめて", email: "new@example.org", applicant: "family", eligible: true, consent: true, note: "見学からはじめたいです" }),
  });

  const soraContext = await person();
  const staffContext = await person();
  const a = await logIn(soraContext, OPEN, sora);
  const b = await logIn(staffContext, OPEN, staff);

  await step("two people enter the free space and see each other in the list and on the map", async () => {
    await enter(a, OPEN);
    await enter(b, OPEN);
    await memberItem(a, staff.nickname).waitFor({ timeout: WAIT });
    await memberItem(b, sora.nickname).waitFor({ timeout: WAIT });
    assert.match(await memberItem(a, staff.nickname).innerText(), /スタッフ/);
    await a.waitForFunction(() => document.querySelectorAll("#map g.avatar").length === 2, null, { timeout: WAIT });
    await b.waitForFunction(() => document.querySelectorAll("#map g.avatar").length === 2, null, { timeout: WAIT });
    // The arrival shows in who is here and its count, not as a line in the chat.
    await a.waitForFunction(() => document.querySelector("#member-count").textContent.includes("2"), null, { timeout: WAIT });
    assert.equal(await a.locator("#chat-log li", { hasText: staff.nickname }).count(), 0, "an arrival announced in the chat");
    assert.equal(await a.locator("#chat-log li.note").count(), 0);
  });

  await step("the map is the drawn room, avatars are at least 32 px, and the keyboard's focus shows on it", async () => {
    await a.waitForFunction(() => {
      const drawing = document.querySelector("#map image.drawing");
      return drawing?.getAttribute("href") === "/media/map/free.svg" && drawing.getBoundingClientRect().width > 300;
    }, null, { timeout: WAIT });
    const size = await a.evaluate(() => document.querySelector("#map g.avatar.you circle.body").getBoundingClientRect().width);
    assert.ok(size >= 32, `an avatar is ${size} px across`);
    // Faces are drawn pictures (no emoji font needed), the same on the map and in the list.
    const faces = await a.evaluate(async () => {
      const loads = async (src) => {
        const img = new Image();
        img.src = src;
        return img.decode().then(() => img.naturalWidth > 0, () => false);
      };
      const map = [...document.querySelectorAll("#map g.avatar")].map((g) => g.querySelector("image.face")?.getAttribute("href"));
      const list = [...document.querySelectorAll("#members li .dot img")].map((img) => img.getAttribute("src"));
      const drawn = [...map, ...list].every((src) => /^\/space\/avatars\/[a-z]+\.svg$/.test(src ?? ""));
      return { map, list, drawn, load: (await Promise.all([...map, ...list].map(loads))).every(Boolean), text: [...document.querySelectorAll("#map text")].map((t) => t.textContent) };
    });
    assert.ok(faces.drawn && faces.load && faces.map.length === 2 && faces.list.length === 2, `faces: ${JSON.stringify(faces)}`);
    assert.deepEqual(faces.map.toSorted(), faces.list.toSorted(), "the list shows the faces the map shows");
    assert.deepEqual(faces.text.toSorted(), [sora.nickname, staff.nickname].toSorted(), "the map's only texts are the names");
    // Reached with the keyboard (Shift+Tab from the status), the map shows a focus ring.
    await a.focus("#status");
    await a.keyboard.press("Shift+Tab");
    const ring = await a.evaluate(() => {
      const map = document.activeElement;
      const style = getComputedStyle(map);
      return { id: map.id, outline: style.outlineStyle, width: parseFloat(style.outlineWidth) };
    });
    assert.deepEqual(ring, { id: "map", outline: "solid", width: 3 });
    await shot(a, "map-focus");
  });

  await step("walking with the arrow keys moves the avatar on the other screen", async () => {
    const id = await a.getAttribute("#map g.avatar.you", "data-id");
    const before = await b.getAttribute(`#map g.avatar[data-id="${id}"]`, "transform");
    await a.focus("#map");
    for (let i = 0; i < 3; i++) await a.keyboard.press("ArrowRight");
    await b.waitForFunction(
      ([sel, old]) => document.querySelector(sel)?.getAttribute("transform") !== old,
      [`#map g.avatar[data-id="${id}"]`, before],
      { timeout: WAIT },
    );
    // A click walks too. First both screens must agree where the arrow steps ended (they
    // arrive in 100 ms batches), and that place is read before clicking: read after, it
    // could already be the new one.
    const afterArrows = await sameFor250ms(
      () => a.getAttribute("#map g.avatar.you", "transform"),
      () => b.getAttribute(`#map g.avatar[data-id="${id}"]`, "transform"),
    );
    const box = await a.locator("#map").boundingBox();
    await a.mouse.click(box.x + box.width * 0.2, box.y + box.height * 0.8);
    await b.waitForFunction(
      ([sel, old]) => document.querySelector(sel)?.getAttribute("transform") !== old,
      [`#map g.avatar[data-id="${id}"]`, afterArrows],
      { timeout: WAIT },
    );
  });

  await step("a chat line reaches the other person", async () => {
    await a.fill("#chat-input", "こんにちは、ブラウザからです");
    await a.press("#chat-input", "Enter");
    await b.locator("#chat-log li", { hasText: "こんにちは、ブラウザからです" }).waitFor({ timeout: WAIT });
    assert.equal(await a.inputValue("#chat-input"), "");
  });

  await step("a line can be reported to the staff from beside it, kindly and without telling its writer", async () => {
    const line = b.locator("#chat-log li", { hasText: "こんにちは、ブラウザからです" });
    await line.locator("button", { hasText: "通報" }).click();
    await b.waitForSelector(".report-dialog[open]", { timeout: WAIT });
    assert.match(await b.innerText("#report-title"), new RegExp(`${sora.nickname}さんの発言`));
    await axe(b, "the report dialog");
    await shot(b, "space-report");
    await b.check(".report-dialog [value=other]");
    await b.fill("#report-note", "ためしの通報です");
    await b.click(".report-dialog [value=send]");
    await b.locator(".report-result", { hasText: "ありがとうございます" }).waitFor({ timeout: WAIT });
    await b.click(".report-dialog [value=cancel]");
    assert.equal(await b.isVisible(".report-dialog"), false);
  });

  await step("stamps are drawn pictures with names, and one shows on the other screen", async () => {
    // Every stamp button shows its picture (loaded, not a missing-image box) and is named in words.
    await b.waitForFunction(() => {
      const pictures = [...document.querySelectorAll(".stamps button img")];
      return pictures.length === 8 && pictures.every((img) => img.complete && img.naturalWidth > 0);
    }, null, { timeout: WAIT });
    const names = await b.$$eval(".stamps button", (buttons) => buttons.map((button) => button.getAttribute("aria-label")));
    assert.deepEqual(names, ["やあ", "うんうん", "はくしゅ", "いいね", "わらい", "ありがとう", "きらきら", "おちゃ"]);
    await b.click(".stamps button[aria-label='やあ']");
    await a.locator("#chat-log li.note", { hasText: "やあ" }).waitFor({ timeout: WAIT });
    await a.waitForSelector("#map image.bubble[href='/space/stamps/wave.svg']", { timeout: WAIT });
    await shot(a, "stamp");
  });

  await step("a status change shows in the other's list", async () => {
    await a.selectOption("#status", "can_talk");
    await b.waitForFunction(
      (name) => [...document.querySelectorAll("#members li")].some((li) => li.textContent.includes(name) && li.textContent.includes("話せます")),
      sora.nickname,
      { timeout: WAIT },
    );
  });

  await step("in the quiet corner one shows as 休憩中 to everyone, keeps one's own choice, and gets it back on leaving", async () => {
    // Clicks the map at a point in map units (the shipped areas: docs/rooms.md).
    const walkTo = async (x, y) => {
      const at = await a.evaluate(([x, y]) => {
        const p = new DOMPoint(x, y).matrixTransform(document.querySelector("#map").getScreenCTM());
        return { x: p.x, y: p.y };
      }, [x, y]);
      await a.mouse.click(at.x, at.y);
    };
    const row = (page) => memberItem(page, sora.nickname);
    await walkTo(1385, 715);
    await b.waitForFunction(
      (name) => [...document.querySelectorAll("#members li")].some((li) => li.textContent.includes(name) && li.textContent.includes("休憩中")),
      sora.nickname,
      { timeout: WAIT },
    );
    assert.match(await row(b).innerText(), /静かなコーナー/);
    await a.waitForFunction(() => !document.querySelector("#area-note").hidden, null, { timeout: WAIT });
    assert.match(await a.innerText("#area-note"), /静かなコーナー.*休憩中/);
    assert.match(await row(a).innerText(), /休憩中/, "one's own row says what others see");
    assert.equal(await a.inputValue("#status"), "can_talk", "one's own choice stays chosen");
    await shot(a, "quiet-corner");

    // At the big table: a table, and one's own status again.
    await walkTo(800, 430);
    await b.waitForFunction(
      (name) => [...document.querySelectorAll("#members li")].some((li) => li.textContent.includes(name) && li.textContent.includes("テーブル") && li.textContent.includes("話せます")),
      sora.nickname,
      { timeout: WAIT },
    );
    assert.doesNotMatch(await row(b).innerText(), /休憩中|静かなコーナー/);
    await a.waitForFunction(() => document.querySelector("#area-note").textContent.includes("テーブル"), null, { timeout: WAIT });
    assert.equal(await a.inputValue("#status"), "can_talk");
    await walkTo(800, 720);
    await a.waitForFunction(() => document.querySelector("#area-note").hidden, null, { timeout: WAIT });
  });

  await step("the microphone is asked for only when 話す is pressed, and a refusal is told kindly", async () => {
    assert.equal(await a.evaluate(() => window.__askedForMedia), false);
    await a.click("#talk");
    await a.waitForFunction(() => document.querySelector("#talk-note").textContent.includes("マイクを使えませんでした"), null, { timeout: WAIT });
    assert.equal(await a.evaluate(() => window.__askedForMedia), true);
    await a.click("#listen"); // 聞くのをやめる: voice off again
    await a.waitForSelector("#voice-state[data-state=off]", { timeout: WAIT });
  });

  await step("after a reload the chat since joining is still there", async () => {
    await a.reload();
    await a.waitForSelector("#connection[data-state=connected]", { timeout: WAIT });
    await a.locator("#chat-log li", { hasText: "こんにちは、ブラウザからです" }).waitFor({ timeout: WAIT });
    await memberItem(a, staff.nickname).waitFor({ timeout: WAIT });
  });

  await step("staff see the waiting application; participants do not see the staff view", async () => {
    await b.locator("#applications li", { hasText: "はじめて" }).waitFor({ timeout: WAIT });
    assert.equal(await a.isVisible("#staff"), false);
    // Looking after someone is granted to staff (`moderate`), never to participants.
    assert.equal(await memberItem(b, sora.nickname).locator("button", { hasText: "見守る" }).count(), 1);
    assert.equal(await memberItem(a, staff.nickname).locator("button", { hasText: "見守る" }).count(), 0);
    // Anyone may tell the staff about someone (report.js): never about themselves.
    assert.equal(await memberItem(a, staff.nickname).locator("button", { hasText: "通報" }).count(), 1);
    assert.equal(await memberItem(a, sora.nickname).locator("button", { hasText: "通報" }).count(), 0);
    await axe(b, "space (staff)");
    await shot(b, "space-staff");
    // Switching language rewords the staff's list and the connection badge at once.
    await b.click("#settings-toggle");
    await b.selectOption("#language", "en");
    await b.locator("#applications li", { hasText: "はじめて" }).locator("button", { hasText: "Approve" }).waitFor({ timeout: WAIT });
    assert.match(await b.locator("#applications li", { hasText: "はじめて" }).innerText(), /はじめて \(family\)/);
    assert.equal(await b.textContent("#connection"), "Connected");
    await b.selectOption("#language", "ja");
    await b.locator("#applications li button[aria-label='はじめて 承認する']").waitFor({ timeout: WAIT });
    await b.click("#settings-toggle");
  });

  await step("staff hide a line: the participant's page drops it, the staff's keeps it greyed", async () => {
    await a.fill("#chat-input", "あとで消える言葉");
    await a.press("#chat-input", "Enter");
    await b.locator("#chat-log li", { hasText: "あとで消える言葉" }).waitFor({ timeout: WAIT });
    assert.equal(await a.locator("#chat-log li", { hasText: "あとで消える言葉" }).locator("button").count(), 0);
    await b.locator("#chat-log li", { hasText: "あとで消える言葉" }).locator("button.line-hide").click();
    await b.waitForSelector("#moderate[open]", { timeout: WAIT });
    await b.fill("#moderate-reason", "テストのため");
    await axe(b, "moderation dialog (hide)");
    await b.click("#moderate-go");
    await b.locator("#chat-log li.hidden-line", { hasText: "非表示にしました" }).waitFor({ timeout: WAIT });
    await a.locator("#chat-log li", { hasText: "あとで消える言葉" }).waitFor({ state: "detached", timeout: WAIT });
  });

  await step("staff whisper to a participant, who answers in a private thread", async () => {
    assert.equal(await a.isVisible("#whispers"), false);
    await b.click(`button[aria-label='${sora.nickname} 見守る']`);
    await b.waitForSelector("#moderate[open]", { timeout: WAIT });
    await b.selectOption("#moderate-action", "whisper");
    await b.fill("#moderate-text", "ご気分はいかがですか？");
    await axe(b, "moderation dialog (whisper)");
    await b.click("#moderate-go");
    await a.locator("#whispers", { hasText: "スタッフからのメッセージ" }).waitFor({ timeout: WAIT });
    await a.locator("#whisper-log li", { hasText: "ご気分はいかがですか？" }).waitFor({ timeout: WAIT });
    await a.fill("#whisper-input", "だいじょうぶです");
    await a.press("#whisper-input", "Enter");
    await b.locator("#whisper-log li", { hasText: "だいじょうぶです" }).waitFor({ timeout: WAIT });
    await a.locator("#whisper-log li", { hasText: "だいじょうぶです" }).waitFor({ timeout: WAIT });
    await axe(a, "space with a whisper (participant)");
    await axe(b, "space with a whisper (staff)");
  });

  await step("staff announce to everyone and see who is where", async () => {
    await b.fill("#announce-input", "15時からお茶の時間です");
    await b.press("#announce-input", "Enter");
    await a.locator(".banner.announcement", { hasText: "15時からお茶の時間です" }).waitFor({ timeout: WAIT });
    await b.click("#overview-refresh");
    await b.locator("#overview li", { hasText: sora.nickname }).waitFor({ timeout: WAIT });
  });

  await step("switching language rewords everything on both screens at once, ja → en → ja", async () => {
    // Each page shows its chat with a stamp's note, the connection badge, who is here, the
    // rooms, the voice controls and a refusal under them (a), an announcement (a), and the
    // staff's lists (b). Only people's and the operator's own texts stay as written.
    const own = [SPACE_NAME, ...ROOM_NAMES, sora.nickname, staff.nickname, "はな", "はじめて", "見学からはじめたいです",
      "こんにちは、ブラウザからです", "15時からお茶の時間です", "あとで消える言葉", "ご気分はいかがですか？", "だいじょうぶです"];
    // 話す while 見てるだけ (a reload started afresh): the server's refusal, under the controls.
    await a.click("#talk");
    await a.waitForFunction(() => document.querySelector("#talk-note").textContent !== "", null, { timeout: WAIT });
    await a.click("#listen"); // 聞くのをやめる: the note stays
    await a.waitForSelector("#voice-state[data-state=off]", { timeout: WAIT });
    for (const lang of ["en", "ja"]) {
      for (const page of [a, b]) await allIn(page, lang, own);
    }
  });

  await step("the space page passes the accessibility scan, in Japanese and in English", async () => {
    await axe(a, "space");
    await shot(a, "space");
    await a.click("#settings-toggle");
    await a.selectOption("#language", "en");
    await a.waitForFunction(() => document.querySelector("#chat-heading").textContent === "Chat");
    await axe(a, "space (English)");
    await a.selectOption("#language", "ja");
    await a.check("#calm");
    await a.check("#large");
    await shot(a, "space-calm-large");
    await a.uncheck("#calm");
    await a.uncheck("#large");
  });

  await step("a program room is entered as audience, and the way back is clear", async () => {
    await a.click("button[aria-label='いっしょにランチ 入る']");
    await a.waitForFunction(() => document.querySelector("#room-name").textContent === "いっしょにランチ", null, { timeout: WAIT });
    assert.match(await a.innerText("#room-note"), /見学/);
    await shot(a, "program-audience");
    await a.click("#room-note button");
    await a.waitForFunction(() => document.querySelector("#room-name").textContent === "ひろば", null, { timeout: WAIT });
  });

  await step("a room for another group says kindly whom it is for, before any click", async () => {
    const note = await a.$eval("#rooms li.not-for-you", (li) => li.textContent);
    assert.match(note, /家族のつどい/);
    assert.match(note, /ご家族のための集まりです/);
    assert.equal(await a.locator("#rooms li.not-for-you button").count(), 0, "no button that would only be refused");
  });

  // The tab sora is in now (a fresh one takes over below).
  let soraTab = a;

  await step("a reload while someone is chatting shows every line exactly once", async () => {
    // A fresh tab (its own sessionStorage) enters a room whose chat is older than the tab, with
    // comings and goings after it; the tab before is told another one took over.
    const fresh = await soraContext.newPage();
    await enter(fresh, OPEN);
    await a.waitForSelector("#farewell:not([hidden])", { timeout: WAIT });
    soraTab = fresh;
    const earlier = "こんにちは、ブラウザからです";
    await fresh.locator("#chat-log li", { hasText: earlier }).waitFor({ timeout: WAIT });
    // Five lines (the chat burst), each sent once the one before came back; the reload starts
    // after the second and runs while the others are sent.
    const lines = [1, 2, 3, 4, 5].map((n) => `読み込み直しのあいだに ${n}`);
    const say = async (text) => {
      await b.fill("#chat-input", text);
      await b.press("#chat-input", "Enter");
      await b.locator("#chat-log li", { hasText: text }).waitFor({ timeout: WAIT });
    };
    for (const text of lines.slice(0, 2)) await say(text);
    await fresh.locator("#chat-log li", { hasText: lines[1] }).waitFor({ timeout: WAIT });
    const reloaded = fresh.reload();
    for (const text of lines.slice(2)) await say(text);
    await reloaded;
    await fresh.waitForSelector("#connection[data-state=connected]", { timeout: WAIT });
    await fresh.locator("#chat-log li", { hasText: lines[4] }).waitFor({ timeout: WAIT });
    const shown = await fresh.$$eval("#chat-log li:not(.note) .text", (els) => els.map((el) => el.textContent));
    for (const text of [earlier, ...lines]) {
      assert.equal(shown.filter((t) => t === text).length, 1, `"${text}" once in ${JSON.stringify(shown)}`);
    }
  });

  await step("the gallery's video plays with captions, and a missing one is a kind note, not a broken player", async () => {
    const page = soraTab;
    await page.click("button[aria-label='ギャラリー 入る']");
    await page.waitForFunction(() => document.querySelector("#room-name").textContent === "ギャラリー", null, { timeout: WAIT });
    await page.locator(".videos .video-missing").waitFor({ timeout: WAIT });
    assert.match(await page.innerText(".videos figure:nth-child(2)"), /用意できていません/);
    assert.equal(await page.locator(".videos video").count(), 1, "only the video that exists has a player");
    await page.waitForFunction(() => document.querySelector(".videos video").readyState >= 1, null, { timeout: WAIT });
    await page.evaluate(() => {
      const video = document.querySelector(".videos video");
      video.muted = true;
      return video.play();
    });
    await page.waitForFunction(() => document.querySelector(".videos video").currentTime > 1, null, { timeout: WAIT });
    await page.waitForFunction(() => {
      const track = document.querySelector(".videos video").textTracks[0];
      return track?.mode === "showing" && track.cues?.length === 3;
    }, null, { timeout: WAIT });
    await axe(page, "gallery");
    await shot(page, "gallery");
    await page.click("#room-note button");
    await page.waitForFunction(() => document.querySelector("#room-name").textContent === "ひろば", null, { timeout: WAIT });
  });

  await step("on a phone (390×844) nothing is wider than the screen, 退室 stays in sight, each tab shows its part, and a tap walks", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "ja-JP", hasTouch: true, isMobile: true });
    const phone = await logIn(context, OPEN, sora);
    // The map is the part a phone shows first (the list of people is a tab away).
    await phone.goto(`${OPEN}/space`);
    await phone.waitForSelector("#connection[data-state=connected]", { timeout: WAIT });
    await phone.waitForSelector("#map g.avatar.you", { timeout: WAIT });
    // Avatars and names keep their size on the small map: 36 px across, names of 14 px.
    const [avatar, name] = await phone.evaluate(() => [
      document.querySelector("#map g.avatar.you circle.body").getBoundingClientRect().width,
      document.querySelector("#map g.avatar.you text.name").getBoundingClientRect().height,
    ]);
    assert.ok(avatar >= 32 && name >= 14, `on a phone an avatar is ${avatar} px, a name ${name} px high`);
    const fits = async (where) => {
      const { width, inner } = await phone.evaluate(() => ({ width: document.scrollingElement.scrollWidth, inner: window.innerWidth }));
      assert.ok(width <= inner, `${where}: the page is ${width} px wide on a ${inner} px screen`);
    };
    const leaveInSight = async (where) => {
      // Scrolled to the very bottom, the bar with 退室 is still on the screen.
      await phone.evaluate(() => window.scrollTo(0, document.scrollingElement.scrollHeight));
      const box = await phone.locator("#leave").boundingBox();
      const height = await phone.evaluate(() => window.innerHeight);
      assert.ok(box && box.y >= 0 && box.y + box.height <= height, `${where}: 退室 is off the screen (${JSON.stringify(box)})`);
      await phone.evaluate(() => window.scrollTo(0, 0));
    };
    const panels = { stage: "#stage-panel", chat: "#chat-panel", members: "#members-panel", rooms: "#rooms-panel" };
    for (const [tab, panel] of Object.entries(panels)) {
      await phone.tap(`#tabs [data-tab=${tab}]`);
      assert.equal(await phone.getAttribute(`#tabs [data-tab=${tab}]`, "aria-selected"), "true");
      for (const [other, otherPanel] of Object.entries(panels)) {
        assert.equal(await phone.isVisible(otherPanel), other === tab, `tab ${tab}: ${otherPanel} shown: ${other === tab}`);
      }
      await fits(`tab ${tab}`);
      await leaveInSight(`tab ${tab}`);
      await axe(phone, `phone, tab ${tab}`);
      await shot(phone, `phone-${tab}`);
    }
    // The chat is written and read from its tab.
    await phone.tap("#tabs [data-tab=chat]");
    assert.ok(await phone.locator("#chat-input").isVisible());
    await phone.fill("#chat-input", "スマートフォンからです");
    await phone.press("#chat-input", "Enter");
    await phone.locator("#chat-log li", { hasText: "スマートフォンからです" }).waitFor({ timeout: WAIT });
    // A tap on the map walks there.
    await phone.tap("#tabs [data-tab=stage]");
    const before = await phone.getAttribute("#map g.avatar.you", "transform");
    const box = await phone.locator("#map").boundingBox();
    await phone.touchscreen.tap(box.x + box.width * 0.8, box.y + box.height * 0.3);
    await phone.waitForFunction((old) => document.querySelector("#map g.avatar.you")?.getAttribute("transform") !== old, before, { timeout: WAIT });
    // The narrowest and the widest phones fit too, in English as well.
    for (const width of [360, 430]) {
      await phone.setViewportSize({ width, height: 800 });
      for (const tab of Object.keys(panels)) {
        await phone.tap(`#tabs [data-tab=${tab}]`);
        await fits(`${width} px, tab ${tab}`);
      }
    }
    await phone.click("#settings-toggle");
    await phone.selectOption("#language", "en");
    await phone.waitForFunction(() => document.querySelector("#tab-members").textContent === "People");
    await fits("360 px, English");
    await axe(phone, "phone (English)");
    await shot(phone, "phone-en");
    await phone.selectOption("#language", "ja");
    // This tab took over the connection: the first one is told so, calmly.
    await soraTab.waitForSelector("#farewell:not([hidden])", { timeout: WAIT });
    assert.match(await soraTab.innerText("#farewell"), /別の画面/);
  });

  await step("a host speaks in the room they host without first choosing 話せます", async () => {
    await b.click("button[aria-label='いっしょにランチ 入る']");
    await b.waitForFunction(() => document.querySelector("#room-name").textContent === "いっしょにランチ", null, { timeout: WAIT });
    assert.equal(await b.inputValue("#status"), "watching");
    await b.click("#talk");
    // The server let the host speak, so the microphone was asked for (and, in this test,
    // refused by the browser): not the 見てるだけ refusal.
    await b.waitForFunction(() => document.querySelector("#talk-note").textContent.includes("マイクを使えませんでした"), null, { timeout: WAIT });
    assert.equal(await b.evaluate(() => window.__askedForMedia), true);
    await b.click("#room-note button");
    await b.waitForFunction(() => document.querySelector("#room-name").textContent === "ひろば", null, { timeout: WAIT });
  });

  await step("the leave button says goodbye, with no 接続していません badge", async () => {
    await b.click("#leave");
    await b.waitForSelector("#farewell:not([hidden])", { timeout: WAIT });
    assert.match(await b.innerText("#farewell"), /退室しました/);
    assert.equal(await b.isVisible("#connection"), false);
    assert.notEqual(await b.getAttribute("#connection", "data-state"), "offline");
  });

  await step("before closing a calm banner counts down, and at closing a goodbye names the next day", async () => {
    await closingFlow;
  });

  await step("when the space is closed, the pages say when it opens next", async () => {
    const page = await logIn(await person(), CLOSED, yoru);
    await page.goto(CLOSED);
    await page.waitForFunction(() => document.querySelector("#status").textContent.includes("閉室中"), null, { timeout: WAIT });
    assert.match(await page.innerText("#status"), /次回は12月10日\(木\) 10:00から/);
    await shot(page, "public-closed");
    await page.goto(`${CLOSED}/space`);
    await page.waitForSelector("#farewell:not([hidden])", { timeout: WAIT });
    assert.match(await page.innerText("#farewell"), /次回は12月10日/);
    await page.waitForFunction((name) => document.querySelector("#space-name").textContent === name, SPACE_NAME, { timeout: WAIT });
    await axe(page, "space (closed)");
    await shot(page, "space-closed");
    // In English the page words the server's refusal itself, from its code and next_opening.
    await page.evaluate(() => localStorage.setItem("ibasho.lang", "en"));
    await page.reload();
    await page.waitForSelector("#farewell:not([hidden])", { timeout: WAIT });
    assert.match(await page.innerText("#farewell"), /It opens again on Thu 10 Dec at 10:00/);
    assert.doesNotMatch(await page.innerText("#farewell"), /次回/);
    await shot(page, "space-closed-en");
  });

  await step("staff inside the closed space are told it is closed", async () => {
    const page = await logIn(await person(), CLOSED, nightStaff);
    await enter(page, CLOSED);
    await page.waitForSelector("#space-closed:not([hidden])", { timeout: WAIT });
    assert.match(await page.innerText("#space-closed"), /閉室中.*スタッフ/);
    await axe(page, "space (closed, staff)");
  });

  await step("the account page in English says what others see, and passes the accessibility scan", async () => {
    const page = await logIn(await person(), CLOSED, yoru);
    await page.selectOption("#language", "en");
    await page.goto(`${CLOSED}/account`);
    await page.waitForSelector("#me:not([hidden])", { timeout: WAIT });
    assert.equal(await page.getAttribute("html", "lang"), "en");
    assert.equal(await page.innerText("h1"), "Your account");
    assert.equal(await page.innerText("#me-method"), "Passphrase");
    await axe(page, "account (English)");
  });
});

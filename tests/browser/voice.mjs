// Voice in headless Chromium, run by tests/browser_voice.rs (which starts the server and
// registers the people). Chromium's fake microphone and camera stand in for real ones, and
// its fake permission prompt says yes: what is checked is that the page asks only when the
// person presses 話す, and that each browser then receives the other's voice through the
// server. Screenshots go to $SCREENSHOTS when it is set.
import assert from "node:assert/strict";
import { WAIT, axe, enter, env, launch, logIn, memberItem, run, shot, step } from "./common.mjs";

const URL = env("URL");
const [sora, staff, yuki] = JSON.parse(env("PEOPLE"));

const browser = await launch(["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]);

// A browser profile that counts the page's requests for the microphone or camera, keeps the
// tracks it got, its WebSockets and peer connections (for their statistics), and its audio
// elements.
async function person() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "ja-JP" });
  await context.addInitScript(() => {
    window.__media = { asked: 0, tracks: [] };
    window.__peers = [];
    const devices = navigator.mediaDevices;
    const real = devices.getUserMedia.bind(devices);
    devices.getUserMedia = async (constraints) => {
      window.__media.asked += 1;
      const stream = await real(constraints);
      window.__media.tracks.push(...stream.getTracks());
      return stream;
    };
    window.__audio = [];
    const Sound = window.Audio;
    window.Audio = class extends Sound {
      constructor(...args) {
        super(...args);
        window.__audio.push(this);
      }
    };
    window.__sockets = [];
    const Socket = window.WebSocket;
    window.WebSocket = class extends Socket {
      constructor(...args) {
        super(...args);
        window.__sockets.push(this);
      }
    };
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

const asked = (page) => page.evaluate(() => window.__media.asked);

// Audio bytes received so far on the page's live peer connection.
const audioBytes = (page) =>
  page.evaluate(async () => {
    const pc = window.__peers.findLast((p) => p.connectionState !== "closed");
    if (!pc) return 0;
    let bytes = 0;
    (await pc.getStats()).forEach((s) => {
      if (s.type === "inbound-rtp" && s.kind === "audio") bytes += s.bytesReceived ?? 0;
    });
    return bytes;
  });

// Waits until the page has received audio and keeps receiving it; says why not if it does not.
async function receivesAudio(page, who) {
  const deadline = Date.now() + WAIT;
  let first = 0;
  for (;;) {
    const now = await audioBytes(page);
    if (first === 0 && now > 0) first = now;
    else if (first > 0 && now > first + 2000) return;
    if (Date.now() > deadline) {
      const why = await page.evaluate(async () => ({
        note: document.querySelector("#talk-note").textContent,
        peers: window.__peers.map((p) => `${p.connectionState}/${p.signalingState}`),
        lines: window.__peers.at(-1)?.getTransceivers().map((t) => `${t.mid}:${t.currentDirection}`),
        places: [...document.querySelectorAll("#map g.avatar")].map((g) => g.getAttribute("transform")),
        stats: [...((await window.__peers.at(-1)?.getStats())?.values() ?? [])]
          .filter((s) => s.type === "inbound-rtp" || s.type === "candidate-pair")
          .map((s) => (s.type === "inbound-rtp" ? `${s.kind} ${s.bytesReceived}` : `pair ${s.state}`)),
      }));
      // And what the other page sends, to tell a silent sender from a lost forward.
      const other = await (page === a ? b : a).evaluate(async () => {
        const pc = window.__peers.findLast((p) => p.connectionState !== "closed");
        return {
          peers: window.__peers.map((p) => `${p.connectionState}/${p.signalingState}`),
          lines: pc?.getTransceivers().map((t) => `${t.mid}:${t.currentDirection}:${t.sender.track?.readyState ?? "-"}`),
          sent: [...((await pc?.getStats())?.values() ?? [])]
            .filter((s) => s.type === "outbound-rtp")
            .map((s) => `${s.kind} ${s.mid} ${s.packetsSent}`),
        };
      });
      assert.fail(`${who} received no audio (${now} bytes): ${JSON.stringify(why)}; the other page: ${JSON.stringify(other)}`);
    }
    await page.waitForTimeout(250);
  }
}

// Video statistics of a page's live peer connection, for a failure message.
const videoStats = (page) =>
  page.evaluate(async () => {
    const pc = window.__peers.findLast((p) => p.connectionState !== "closed");
    return {
      lines: pc?.getTransceivers().map((t) => `${t.mid}:${t.currentDirection}:${t.receiver.track.kind}`),
      video: [...((await pc?.getStats())?.values() ?? [])]
        .filter((s) => s.kind === "video" && (s.type === "inbound-rtp" || s.type === "outbound-rtp"))
        .map((s) => s.type === "inbound-rtp"
          ? `in ${s.mid} packets ${s.packetsReceived} frames ${s.framesDecoded} keyframes ${s.keyFramesDecoded} pli ${s.pliCount}`
          : `out ${s.mid} packets ${s.packetsSent} keyframes ${s.keyFramesEncoded} pli ${s.pliCount} limit ${s.qualityLimitationReason}`),
    };
  });

// Waits until `viewer` shows a picture in its `kind` tile (camera or screen) from `sender`.
async function seesVideo(viewer, sender, kind) {
  try {
    await viewer.waitForFunction((k) => document.querySelector(`#voice-media figure.${k} video`)?.videoWidth > 0, kind, { timeout: WAIT });
  } catch (error) {
    const why = { viewer: await videoStats(viewer), sender: await videoStats(sender) };
    assert.fail(`no ${kind} picture: ${error.message}: ${JSON.stringify(why)}`);
  }
}

// Clicks the map at a point of the 400×300 free space (its view box has a 40 margin).
async function walkTo(page, x, y) {
  const box = await page.locator("#map").boundingBox();
  await page.mouse.click(box.x + (box.width * (x + 40)) / 480, box.y + (box.height * (y + 40)) / 380);
}

const a = await logIn(await person(), URL, sora);
const b = await logIn(await person(), URL, staff);

await run(browser, async () => {
  await step("two people enter the free space and stand near each other", async () => {
    await enter(a, URL);
    await enter(b, URL);
    await memberItem(a, staff.nickname).waitFor({ timeout: WAIT });
    await walkTo(a, 180, 150);
    await walkTo(b, 220, 150);
    await a.waitForSelector("#members li.near", { timeout: WAIT });
    assert.equal(await asked(a), 0, "the microphone was asked for on entering");
    assert.equal(await asked(b), 0, "the microphone was asked for on entering");
  });

  await step("while 見てるだけ, 話す says how to speak and asks for no microphone", async () => {
    await a.click("#talk");
    await a.waitForFunction(() => document.querySelector("#talk-note").textContent.includes("話せます"), null, { timeout: WAIT });
    assert.equal(await asked(a), 0);
    await a.waitForSelector("#voice-state[data-state=listening]", { timeout: WAIT });
  });

  await step("both choose 話せます and press 話す: each hears the other", async () => {
    for (const page of [a, b]) {
      await page.selectOption("#status", "can_talk");
      await page.waitForFunction(() => document.querySelector("#status").value === "can_talk");
      assert.equal(await asked(page), 0, "choosing 話せます asked for the microphone");
      await page.click("#talk");
      await page.waitForSelector("#voice-state[data-state=talking]", { timeout: WAIT });
      assert.equal(await asked(page), 1);
    }
    await receivesAudio(a, sora.nickname);
    await receivesAudio(b, staff.nickname);
  });

  // Voice comes back by itself on a new peer connection, with the microphone already granted.
  async function comesBack(cause) {
    const before = { asked: await asked(a), peers: await a.evaluate(() => window.__peers.length) };
    await a.evaluate(cause);
    await a.waitForFunction((n) => window.__peers.length > n && window.__peers.at(-1).connectionState === "connected", before.peers, { timeout: WAIT });
    await a.waitForSelector("#voice-state[data-state=talking]", { timeout: WAIT });
    await a.waitForFunction(() => document.querySelector("#status").value === "can_talk", null, { timeout: WAIT });
    await walkTo(a, 180, 150); // a new connection may have been placed elsewhere on the map
    await receivesAudio(a, sora.nickname);
    await receivesAudio(b, staff.nickname);
    assert.equal(await asked(a), before.asked, "the microphone was asked for again");
    assert.equal(await a.innerText("#talk-note"), "");
  }

  await step("the WebSocket drops: once it is back, voice comes back by itself", async () => {
    await comesBack(() => window.__sockets.at(-1).close());
  });

  await step("the peer connection fails (ICE): voice comes back by itself, the WebSocket stays", async () => {
    const sockets = await a.evaluate(() => window.__sockets.length);
    // Chromium takes about 30 s to call a dead path failed; the page is told so at once here.
    await comesBack(() => {
      const pc = window.__peers.at(-1);
      Object.defineProperty(pc, "connectionState", { get: () => "failed", configurable: true });
      pc.dispatchEvent(new Event("connectionstatechange")); // handled before it returns
      delete pc.connectionState;
    });
    assert.equal(await a.evaluate(() => window.__sockets.length), sockets);
  });

  await step("a voice fades with distance on the map, and comes back close by", async () => {
    const volume = () => a.evaluate(() => window.__audio.filter((e) => e.srcObject).map((e) => e.volume));
    assert.deepEqual(await volume(), [1]);
    await walkTo(b, 330, 150); // 150 away: still heard, more quietly
    await a.waitForFunction(() => window.__audio.some((e) => e.srcObject && e.volume < 0.6), null, { timeout: WAIT });
    await walkTo(b, 220, 150);
    await a.waitForFunction(() => window.__audio.some((e) => e.srcObject && e.volume === 1), null, { timeout: WAIT });
  });

  await step("the page with voice on passes the accessibility scan", async () => {
    assert.ok(await a.locator("#mic-mute").isVisible());
    await axe(a, "space with voice");
    await axe(b, "space with voice (staff)");
    await shot(a, "voice-on");
    await shot(b, "voice-on-staff");
  });

  await step("once talking, another microphone can be chosen in the settings", async () => {
    await a.click("#settings-toggle");
    await a.waitForFunction(() => document.querySelector("#mic-device").options.length > 1, null, { timeout: WAIT });
    assert.equal(await a.isVisible("#mic-device-note"), false);
    const other = await a.evaluate(() => document.querySelector("#mic-device").options[1].value);
    await a.selectOption("#mic-device", other);
    await a.waitForFunction(() => window.__media.asked === 2, null, { timeout: WAIT });
    await receivesAudio(b, staff.nickname);
    await a.click("#settings-toggle");
  });

  await step("muting the microphone sends silence and says so", async () => {
    await a.click("#mic-mute");
    await a.waitForSelector("#voice-state[data-state=muted]", { timeout: WAIT });
    const live = await a.evaluate(() => window.__media.tracks.filter((t) => t.readyState === "live").map((t) => t.enabled));
    assert.deepEqual(live, [false], "the one live microphone is muted");
    await a.click("#mic-mute");
    await a.waitForSelector("#voice-state[data-state=talking]", { timeout: WAIT });
  });

  await step("the camera is off until pressed; then the other person sees it", async () => {
    assert.equal(await a.locator("#voice-media figure").count(), 0);
    await a.click("#camera");
    await a.locator("#voice-media figure", { hasText: "あなたのカメラ" }).waitFor({ timeout: WAIT });
    assert.equal(await asked(a), 3);
    await b.locator("#voice-media figure.camera", { hasText: sora.nickname }).waitFor({ timeout: WAIT });
    await seesVideo(b, a, "camera");
    await shot(b, "camera-seen");
    await a.click("#camera");
    await b.waitForSelector("#voice-media", { state: "hidden", timeout: WAIT });
  });

  await step("staff pause someone's voice from the member list; their microphone is let go until the pause ends", async () => {
    const moderate = async (action) => {
      await b.click(`button[aria-label='${sora.nickname} 見守る']`);
      await b.waitForSelector("#moderate[open]", { timeout: WAIT });
      await b.selectOption("#moderate-action", action);
      await b.click("#moderate-go");
    };
    await moderate("mute_voice");
    await a.waitForSelector("#voice-state[data-state=listening]", { timeout: WAIT });
    assert.match(await a.innerText("#talk-note"), /声をお休み/);
    const before = await asked(a);
    await a.click("#talk");
    await a.waitForFunction(() => document.querySelector("#talk-note").textContent.includes("ミュートしています"), null, { timeout: WAIT });
    assert.equal(await asked(a), before, "a muted person was asked for the microphone");
    await moderate("unmute");
    await a.waitForFunction(() => !document.querySelector("#talk-note").textContent.includes("ミュートしています"), null, { timeout: WAIT });
  });

  await step("on a stage the audience raises a hand, the host invites, and the speaker talks and shares a screen", async () => {
    await a.click("button[aria-label='唄ごえカフェ 入る']");
    await a.waitForSelector("#stage-tools:not([hidden])", { timeout: WAIT });
    // Another room: the microphone was let go, listening goes on.
    assert.equal(await a.evaluate(() => window.__media.tracks.every((t) => t.readyState === "ended")), true);
    await b.click("button[aria-label='唄ごえカフェ 入る']");
    await b.waitForSelector("#stage-tools:not([hidden])", { timeout: WAIT });
    // By keyboard: the button keeps the focus as the stage is redrawn.
    await a.focus("#stage-tools button:text('手を挙げる')");
    await a.keyboard.press("Enter");
    await a.waitForFunction(() => document.activeElement.textContent === "手をおろす", null, { timeout: WAIT });
    await b.click(`button[aria-label='${sora.nickname} 話してもらう']`);
    await a.waitForFunction(() => document.querySelector("#stage-tools").textContent.includes("招かれました"), null, { timeout: WAIT });
    await a.click("#talk");
    await a.waitForSelector("#voice-state[data-state=talking]", { timeout: WAIT });
    await a.locator("#stage-tools button", { hasText: "ステージからおりる" }).waitFor({ timeout: WAIT });
    // Someone in the audience who never pressed 聞く.
    const c = await logIn(await person(), URL, yuki);
    await enter(c, URL);
    await c.click("button[aria-label='唄ごえカフェ 入る']");
    await c.waitForSelector("#stage-tools:not([hidden])", { timeout: WAIT });
    assert.equal(await c.isVisible("#screen-note"), false);
    await a.click("#screen-share");
    await b.locator("#voice-media figure.screen", { hasText: sora.nickname }).waitFor({ timeout: WAIT });
    await seesVideo(b, a, "screen");
    // The audience is told a screen is shared, and sees it; voices stay silent until 聞く.
    await c.locator("#screen-note", { hasText: sora.nickname }).waitFor({ timeout: WAIT });
    assert.match(await c.innerText("#screen-note"), /画面を共有/);
    await seesVideo(c, a, "screen");
    assert.equal(await c.getAttribute("#voice-state", "data-state"), "off");
    await c.waitForFunction(() => window.__audio.length > 0, null, { timeout: WAIT });
    assert.equal(await c.evaluate(() => window.__audio.every((el) => el.muted)), true, "a voice plays before 聞く");
    await c.click("#listen");
    await c.waitForSelector("#voice-state[data-state=listening]", { timeout: WAIT });
    assert.equal(await c.evaluate(() => window.__audio.some((el) => el.muted)), false);
    await axe(c, "stage (audience, a shared screen)");
    await c.close();
    await axe(a, "stage (speaker)");
    await axe(b, "stage (host)");
    await shot(b, "stage-host");
  });

  await step("this stage has one place to speak: the host is told it is taken", async () => {
    await b.click("#talk");
    await b.waitForFunction(() => document.querySelector("#talk-note").textContent.includes("1人まで"), null, { timeout: WAIT });
    assert.notEqual(await b.getAttribute("#voice-state", "data-state"), "talking");
  });

  await step("the speaker steps down from the stage and is back in the audience; the host is told the place is free", async () => {
    await a.click("#stage-tools button:text('ステージからおりる')");
    await a.waitForSelector("#stage-tools button:text('手を挙げる')", { timeout: WAIT });
    await a.waitForSelector("#voice-state[data-state=listening]", { timeout: WAIT });
    await b.waitForFunction(() => document.querySelector("#stage-tools").textContent.includes("話す人いまはいません"), null, { timeout: WAIT });
    await b.waitForFunction(() => document.querySelector("#talk-note").textContent.includes("話せる場所が空きました"), null, { timeout: WAIT });
    assert.notEqual(await b.getAttribute("#voice-state", "data-state"), "talking", "nothing switches on by itself");
    await b.click("#talk");
    await b.waitForSelector("#voice-state[data-state=talking]", { timeout: WAIT });
    await b.click("#talk");
    await b.waitForFunction(() => document.querySelector("#voice-state").dataset.state !== "talking", null, { timeout: WAIT });
    // Back up again, the same way, for the last step.
    await a.click("#stage-tools button:text('手を挙げる')");
    await b.click(`button[aria-label='${sora.nickname} 話してもらう']`);
    await a.waitForSelector("#stage-tools button:text('ステージからおりる')", { timeout: WAIT });
    await a.click("#talk");
    await a.waitForSelector("#voice-state[data-state=talking]", { timeout: WAIT });
  });

  await step("leaving stops every track and the peer connection", async () => {
    await a.click("#leave");
    await a.waitForSelector("#farewell:not([hidden])", { timeout: WAIT });
    const left = await a.evaluate(() => ({
      tracks: window.__media.tracks.every((t) => t.readyState === "ended"),
      peers: window.__peers.every((p) => p.connectionState === "closed"),
    }));
    assert.deepEqual(left, { tracks: true, peers: true });
  });
});

// The space page: one store of state (store.js), fed by the connection's messages, and the
// views that show its parts: settings, rooms, the map, who is here, chat, banners, the stage,
// staff tools and the last screen. What the page does on its own when a message arrives
// (join a room, restart voice, say a status again) is here. Plain ES modules, no build step.
import { alertsView } from "./alerts.js";
import { bannersView } from "./banners.js";
import { chatView } from "./chat.js";
import { Connection } from "./connection.js";
import { dutyView } from "./duty.js";
import { farewellView } from "./farewell.js";
import { operatorText, said, wordsFor } from "../words/lookup.js";
import { areaAt, mapView } from "./map.js";
import { membersView } from "./members.js";
import { moderationView } from "./moderation.js";
import { reportView } from "./report.js";
import { roomsView } from "./rooms.js";
import { savedSettings, settingsView } from "./settings.js";
import { StageTools } from "./stage.js";
import { staffView } from "./staff.js";
import { Store, initialState } from "./store.js";
import { tabsView } from "./tabs.js";
import { talkView } from "./talk.js";
import { Voice } from "./voice.js";

const $ = (id) => document.getElementById(id);

// Where this tab has been, so a reload resumes the same room's chat from the moment this tab
// first entered it ("history since you joined"); sessionStorage keeps it for the tab only.
const RESUME = "ibasho.room";
function savedResume() {
  try {
    const memory = JSON.parse(sessionStorage.getItem(RESUME) ?? "null");
    return typeof memory?.since === "number" ? memory : null;
  } catch {
    return null;
  }
}

const store = new Store(initialState(savedSettings(), savedResume()));
const state = store.state;
const T = () => wordsFor(state);

const connection = new Connection({
  message: onMessage,
  state: (name, detail) => store.dispatch({ type: "page:connection", name, detail }),
  final: (code, reason) => store.dispatch({ type: "page:closed", code, reason }),
});
const request = (m) => connection.request(m);
const send = (m) => connection.send(m);

const voice = new Voice(
  {
    listen: $("listen"), talk: $("talk"), mute: $("mic-mute"), camera: $("camera"), screen: $("screen-share"),
    state: $("voice-state"), note: $("talk-note"), media: $("voice-media"), device: $("mic-device"), deviceNote: $("mic-device-note"),
  },
  { request, state: () => state, words: T, said: (msg) => said(state, msg), changed: () => stage.render(state) },
);
const stage = new StageTools($("stage-tools"), {
  words: T,
  request,
  refused: (reply) => voice.say(voice.refusal(reply)),
  sending: () => voice.sending(),
  stopSending: () => voice.stopSending(),
});

settingsView(store, {
  choose: (settings) => store.dispatch({ type: "page:settings", settings }),
  opened: () => voice.devices.refresh(),
});
roomsView(store, { join });
mapView(store, $("map"), (p) => send({ type: "move", x: p.x, y: p.y }));
const moderation = moderationView(store, { request, refused: (reply) => store.dispatch({ type: "page:refused", reply }) });
membersView(store, $("members"), $("member-count"), { moderate: moderation.member, block });
chatView(store, { send, sent: () => store.dispatch({ type: "page:chat_sent" }), hide: moderation.line });
reportView(store, { request });
bannersView(store);
staffView(store, $("staff"), $("applications"), send);
farewellView(store);
tabsView(store);
talkView(store, { request, send, join, refused: (reply) => store.dispatch({ type: "page:refused", reply }) });
dutyView(store, { request, refused: (reply) => store.dispatch({ type: "page:refused", reply }) });
alertsView(store, { request, join, refused: (reply) => store.dispatch({ type: "page:refused", reply }) });

store.on(["connection", "settings"], ({ connection: c }) => {
  const el = $("connection");
  el.dataset.state = c.name;
  el.hidden = c.name === "ended";
  el.textContent = c.name === "reconnecting" ? T().reconnecting(c.detail) : T()[c.name] ?? c.name;
});
store.on(["space", "settings"], (state) => {
  // The space's own name, also on a page that never got in (closed, logged out).
  const { space } = state;
  const name = operatorText(state.settings.lang, space ?? state.spaceName, "name");
  if (name) {
    $("space-name").textContent = name;
    document.title = name;
  }
  if (space && !state.farewell) $("main").hidden = false;
});
// Only staff are let in while the space is closed: they are told so, all the while.
store.on(["space", "farewell", "settings"], ({ space, farewell }) => {
  const note = $("space-closed");
  note.hidden = !space || space.open !== false || Boolean(farewell);
  note.textContent = note.hidden ? "" : T().closedForStaff;
});
store.on(["you"], ({ you }) => ($("status").value = you?.status ?? "watching"));
// Standing at a table or in a quiet corner changes who hears you: say so by the status.
store.on(["room", "members", "positions", "settings"], (state) => {
  const area = areaAt(state.room?.map?.areas, state.members.get(state.you?.id)?.pos);
  const text = area ? wordsFor(state)[area.kind === "quiet" ? "quietNote" : "tableNote"] : "";
  const note = $("area-note");
  if (note.textContent !== text) note.textContent = text;
  note.hidden = !text;
});
store.on(["room", "members", "stage", "you", "settings"], () => stage.render(state));
// Someone shares a screen here: the audience is told, and sees it without pressing 聞く.
store.on(["members", "settings"], ({ members, you }) => {
  const sharing = [...members.values()].filter((m) => m.screen && m.id !== you?.id);
  const note = $("screen-note");
  note.hidden = sharing.length === 0;
  note.textContent = sharing.length ? T().screenShared(sharing.map((m) => m.nickname).join(T().listSeparator)) : "";
  if (state.farewell) return;
  if (sharing.length) voice.watchScreens();
  else voice.screensGone();
});
store.on(["positions", "members"], () => voice.tiles.place());
// The microphones are listed again too: their default and numbered names are worded.
store.on(["settings"], () => {
  voice.render();
  voice.devices.refresh();
});
store.on(["resume"], ({ resume }) => {
  if (resume) sessionStorage.setItem(RESUME, JSON.stringify(resume));
  else sessionStorage.removeItem(RESUME);
});
store.on(["farewell"], ({ farewell }) => {
  if (!farewell) return;
  voice.stop();
  connection.close();
  // The last screen says why the page is done; a 接続していません badge beside it would
  // only alarm (above all after leaving on purpose).
  store.dispatch({ type: "page:connection", name: "ended" });
});

$("status").addEventListener("change", (e) => send({ type: "status", status: e.target.value }));
$("leave").addEventListener("click", () => {
  send({ type: "leave" });
  store.dispatch({ type: "page:leave" });
});

/// Enters `roomId`, resuming its chat: after a reload from where this tab first entered it
/// (the page shows nothing yet), after a reconnect from the highest `seq` seen (the lines up
/// to it are on the page), docs/protocol.md "Connection lifecycle".
function join(roomId) {
  const memory = state.resume;
  if (memory?.room !== roomId) return send({ type: "join", room: roomId });
  const shown = state.chat.room === roomId && state.chat.epoch === memory.epoch;
  return send({ type: "join", room: roomId, resume: { epoch: memory.epoch, seq: shown ? memory.seq : memory.since } });
}

async function block(member) {
  try {
    await request({ type: "block", member });
    store.dispatch({ type: "page:blocked", member });
  } catch (refused) {
    store.dispatch({ type: "page:refused", reply: refused.reply });
  }
}

function onMessage(msg) {
  const before = { status: state.you?.status, room: state.room?.id };
  store.dispatch(msg);
  switch (msg.type) {
    case "welcome": {
      // A status lives as long as a connection: after a reconnect, say again what the person
      // chose (before the join, so the room sees it; voice starts again after both).
      if (before.status && before.status !== msg.you.status && send({ type: "status", status: before.status }) !== null) {
        store.dispatch({ type: "page:status", status: before.status });
      }
      const free = msg.rooms.find((r) => r.kind === "free");
      const target = msg.rooms.find((r) => r.id === state.resume?.room) ?? free ?? msg.rooms[0];
      if (target) join(target.id);
      voice.welcome();
      break;
    }
    case "joined":
      if (before.room !== msg.room) voice.roomChanged();
      break;
    case "left":
      if (before.room === msg.room) {
        voice.stopSending();
        const free = state.rooms.find((r) => r.kind === "free");
        if (free && ["session_ended", "consultation_ended"].includes(msg.reason)) join(free.id);
      }
      break;
    case "member_updated":
      if (msg.member.id === state.you?.id && before.room === msg.room) voice.statusChanged(msg.member.status);
      break;
    case "stamp":
      // The stamp shows over the avatar for a moment.
      setTimeout(() => store.dispatch({ type: "page:bubble_gone", member: msg.from, stamp: msg.stamp }), 3000);
      break;
    case "voice_offer":
    case "muted":
    case "mute_ended":
    case "voice_place_free":
      voice.handle(msg);
      break;
    default:
      break;
  }
}

/// The server's clock and the space's name (GET /api/status); again with each notice, whose
/// countdown follows that clock.
function serverStatus() {
  fetch("/api/status")
    .then((r) => r.json())
    .then((status) => store.dispatch({ type: "page:server", status, local: Date.now() }))
    .catch(() => {});
}
serverStatus();
store.on(["banner"], ({ banner }) => {
  if (banner?.msg?.type === "notice" && banner.until) serverStatus();
});
connection.open();

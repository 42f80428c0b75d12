// The space: rooms, the map, chat and stamps, notices and goodbyes; who is here in
// members.js, voice in voice.js, the stage in stage.js. Plain ES module, no build step.
import { Connection } from "./connection.js";
import { MapView, SHAPE_EMOJI } from "./map.js";
import { STAMP_EMOJI, STAMPS, WORDS } from "./i18n.js";
import { MemberList } from "./members.js";
import { StaffPanel } from "./staff.js";
import { StageTools } from "./stage.js";
import { Voice } from "./voice.js";

const $ = (id) => document.getElementById(id);
const prefs = {
  lang: localStorage.getItem("ibasho.lang") === "en" ? "en" : "ja",
  calm: localStorage.getItem("ibasho.calm") === "1",
  large: localStorage.getItem("ibasho.large") === "1",
};
let T = WORDS[prefs.lang];

const state = {
  you: null,
  rooms: [],
  space: null,
  room: null, // { id, kind, epoch, seq, members: Map, name, stageView }
  finished: false,
};

const connection = new Connection({
  message: onMessage,
  state: showConnection,
  final: onFinal,
  say: (msg) => T.fromServer(msg, state.space?.timezone ?? "Asia/Tokyo"),
});
const map = new MapView($("map"), (p) => connection.send({ type: "move", x: p.x, y: p.y }));
const staff = new StaffPanel($("staff"), $("applications"), () => T, (m) => connection.send(m));
const voice = new Voice(
  {
    listen: $("listen"), talk: $("talk"), mute: $("mic-mute"), camera: $("camera"), screen: $("screen-share"),
    state: $("voice-state"), note: $("talk-note"), media: $("voice-media"), device: $("mic-device"), deviceNote: $("mic-device-note"),
  },
  {
    send: (m) => connection.send(m),
    words: () => T,
    context: () => ({ you: state.you, room: state.room }),
    changed: () => stage.render(state.room, state.you),
  },
);
const members = new MemberList($("members"), $("member-count"), {
  words: () => T,
  isNear: (m) => map.isNear(m),
  request: (m) => voice.request(m),
  alert: (text) => banner("error", text),
});
const stage = new StageTools($("stage-tools"), {
  words: () => T,
  request: (m) => voice.request(m),
  say: (text) => voice.say(text),
  sending: () => voice.sending(),
  stopSending: () => voice.stopSending(),
});

// --- Words and comfort settings -------------------------------------------------------

function applyWords() {
  document.documentElement.lang = prefs.lang;
  for (const el of document.querySelectorAll("[data-t]")) {
    const word = T[el.dataset.t];
    if (typeof word === "string") el.textContent = word;
  }
  renderAll();
}

function applyComfort() {
  document.body.classList.toggle("calm", prefs.calm);
  document.documentElement.classList.toggle("large", prefs.large);
  $("calm").checked = prefs.calm;
  $("large").checked = prefs.large;
  $("language").value = prefs.lang;
}

$("settings-toggle").addEventListener("click", () => {
  const open = $("settings").hidden;
  $("settings").hidden = !open;
  $("settings-toggle").setAttribute("aria-expanded", String(open));
  if (open) voice.refreshDevices();
});
$("calm").addEventListener("change", (e) => {
  prefs.calm = e.target.checked;
  localStorage.setItem("ibasho.calm", prefs.calm ? "1" : "0");
  applyComfort();
});
$("large").addEventListener("change", (e) => {
  prefs.large = e.target.checked;
  localStorage.setItem("ibasho.large", prefs.large ? "1" : "0");
  applyComfort();
});
$("language").addEventListener("change", (e) => {
  prefs.lang = e.target.value === "en" ? "en" : "ja";
  localStorage.setItem("ibasho.lang", prefs.lang);
  T = WORDS[prefs.lang];
  applyWords();
});

// --- Connection ------------------------------------------------------------------------

function showConnection(name, detail) {
  const el = $("connection");
  el.dataset.state = name;
  el.textContent = name === "reconnecting" ? T.reconnecting(detail) : T[name] ?? name;
}

function onFinal(code, reason) {
  if (state.finished) return;
  if (code === 4001) farewell(T.loginAgain, reason === "not_logged_in" ? T.notLoggedIn : "", true);
  else if (code === 4004) farewell(T.replacedTitle, T.replaced);
  else farewell(T.closedNow, "");
}

function farewell(title, text, login = false) {
  state.finished = true;
  voice.stop();
  connection.close();
  clearInterval(ticker);
  $("banners").replaceChildren();
  $("leave").hidden = true;
  $("main").hidden = true;
  $("farewell-heading").textContent = title;
  $("farewell-text").textContent = text;
  $("farewell-login").hidden = !login;
  $("farewell").hidden = false;
  $("farewell").focus();
  showConnection("offline");
}

$("leave").addEventListener("click", () => {
  connection.send({ type: "leave" });
  sessionStorage.removeItem("ibasho.room");
  farewell(T.leftTitle, T.leftText);
});

// Where this tab has been, so a reload or reconnect resumes the same room's chat from the
// moment this tab first entered it ("history since you joined").
function saved() {
  try {
    return JSON.parse(sessionStorage.getItem("ibasho.room") ?? "null");
  } catch {
    return null;
  }
}

function join(roomId) {
  const memory = saved();
  const resume = memory?.room === roomId ? { epoch: memory.epoch, seq: memory.since } : undefined;
  connection.send(resume ? { type: "join", room: roomId, resume } : { type: "join", room: roomId });
}

function onMessage(msg) {
  if (voice.reply(msg)) return;
  switch (msg.type) {
    case "welcome": {
      // A status lives as long as a connection: after a reconnect, say again what the person
      // chose (before the join, so the room sees it; voice starts again after both).
      const chosen = state.you?.status;
      state.you = msg.you;
      if (chosen && chosen !== msg.you.status && connection.send({ type: "status", status: chosen }) !== null) {
        state.you = { ...msg.you, status: chosen };
      }
      voice.welcome(msg);
      state.rooms = msg.rooms;
      state.space = msg.space;
      $("space-name").textContent = msg.space.name;
      document.title = msg.space.name;
      $("main").hidden = false;
      staff.show(Boolean(msg.you.badge));
      const memory = saved();
      const free = msg.rooms.find((r) => r.kind === "free");
      const target = msg.rooms.find((r) => r.id === memory?.room) ?? free ?? msg.rooms[0];
      if (target) join(target.id);
      break;
    }
    case "joined": {
      const room = state.rooms.find((r) => r.id === msg.room) ?? { id: msg.room, kind: "free" };
      const memory = saved();
      const since = memory?.room === msg.room && memory.epoch === msg.epoch ? memory.since : msg.seq - msg.chat.length;
      sessionStorage.setItem("ibasho.room", JSON.stringify({ room: msg.room, epoch: msg.epoch, since }));
      if (state.room?.id !== msg.room) {
        voice.roomChanged();
        members.reset();
      }
      state.room = {
        ...room, epoch: msg.epoch, seq: msg.seq, members: new Map(msg.members.map((m) => [m.id, m])), stageView: msg.stage,
      };
      $("chat-log").replaceChildren();
      if (msg.gap) chatNote(T.gap);
      for (const line of msg.chat) chatLine(line);
      renderAll();
      break;
    }
    case "left":
      if (state.room?.id === msg.room) {
        state.room = null;
        voice.stopSending();
        if (msg.message) banner("left", msg.message);
        const free = state.rooms.find((r) => r.kind === "free");
        if (free && msg.reason === "session_ended") join(free.id);
        renderAll();
      }
      break;
    case "member_joined":
      if (!inRoom(msg)) break;
      state.room.members.set(msg.member.id, msg.member);
      chatNote(T.joinedRoom(msg.member.nickname));
      renderAll();
      break;
    case "member_left":
      if (!inRoom(msg)) break;
      chatNote(T.leftRoom(state.room.members.get(msg.id)?.nickname ?? ""));
      state.room.members.delete(msg.id);
      renderAll();
      break;
    case "member_updated":
      if (!inRoom(msg)) break;
      state.room.members.set(msg.member.id, { ...state.room.members.get(msg.member.id), ...msg.member });
      if (msg.member.id === state.you?.id) {
        state.you = { ...state.you, ...msg.member };
        voice.statusChanged(msg.member.status);
      }
      renderAll();
      break;
    case "positions":
      if (!inRoom(msg)) break;
      for (const move of msg.moves) {
        const m = state.room.members.get(move.id);
        if (m) m.pos = { x: move.x, y: move.y };
      }
      renderMap();
      renderMembers();
      voice.place();
      break;
    case "voice_speaking": {
      const m = inRoom(msg) && state.room.members.get(msg.id);
      if (!m) break;
      m.speaking = msg.speaking;
      renderMap();
      renderMembers();
      break;
    }
    case "stage":
      if (!inRoom(msg)) break;
      state.room.stageView = { speakers: msg.speakers, hands: msg.hands };
      renderAll();
      break;
    case "voice_offer":
    case "voice_muted":
    case "voice_place_free":
      voice.handle(msg);
      break;
    case "chat":
      if (!inRoom(msg)) break;
      chatLine(msg);
      break;
    case "stamp":
      if (!inRoom(msg)) break;
      showStamp(msg);
      break;
    case "notice":
      syncClock();
      banner(msg.kind, msg.message, msg.until);
      break;
    case "announcement":
      banner("announcement", T.announcementFrom(msg.from.nickname) + msg.text);
      break;
    case "overview":
      staff.renderOverview(msg.rooms, (id) => state.rooms.find((r) => r.id === id)?.name ?? id);
      break;
    case "goodbye":
      sessionStorage.removeItem("ibasho.room");
      farewell(msg.reason === "closed" ? T.closedTitle : T.shutdownTitle, msg.message);
      break;
    case "error":
      if (["space_closed", "room_closed"].includes(msg.code) && !state.room) {
        farewell(T.closedNow, msg.message);
      } else if (msg.code === "rate_limited" || msg.code?.startsWith("chat_")) {
        $("chat-error").textContent = msg.message;
      } else {
        banner("error", msg.message);
      }
      break;
    default:
      break;
  }
}

function inRoom(msg) {
  if (state.room && msg.room === state.room.id) {
    if (typeof msg.seq === "number") state.room.seq = Math.max(state.room.seq, msg.seq);
    return true;
  }
  return false;
}

// --- Rendering ---------------------------------------------------------------------------

function renderAll() {
  renderRooms();
  renderRoomHeader();
  renderMap();
  renderMembers();
  renderStamps();
  voice.render(); // and the stage tools, which follow the voice
}

function windowText(w) {
  const fmt = new Intl.DateTimeFormat(prefs.lang === "ja" ? "ja-JP" : "en-GB", {
    timeZone: state.space?.timezone ?? "Asia/Tokyo", month: "numeric", day: "numeric", weekday: "short", hour: "2-digit", minute: "2-digit",
  });
  return fmt.format(new Date(w.start));
}

function renderRooms() {
  const list = $("rooms");
  list.replaceChildren();
  for (const room of state.rooms) {
    const li = document.createElement("li");
    const name = document.createElement("span");
    name.className = "room-name";
    name.textContent = room.name;
    li.append(name);
    if (room.session_now) li.append(small(T.nowOn(windowText(room.session_now))));
    else if (room.session_next) li.append(small(T.nextOn(windowText(room.session_next))));
    if (state.room?.id === room.id) {
      li.classList.add("current");
      li.append(small(T.here));
      li.setAttribute("aria-current", "location");
    } else {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button small";
      button.textContent = T.enter;
      button.setAttribute("aria-label", `${room.name} ${T.enter}`);
      button.addEventListener("click", () => join(room.id));
      li.append(button);
    }
    list.append(li);
  }
}

function small(text) {
  const s = document.createElement("small");
  s.textContent = text;
  return s;
}

function renderRoomHeader() {
  const room = state.room;
  $("room-name").textContent = room?.name ?? "";
  $("room-note").textContent = room ? T[room.host ? "hosting" : room.kind] ?? "" : "";
  $("map-wrap").hidden = !room?.map;
  const videos = $("videos");
  videos.hidden = room?.kind !== "gallery";
  if (room?.kind === "gallery" && videos.dataset.room !== room.id) {
    videos.dataset.room = room.id;
    videos.replaceChildren(
      ...(room.videos ?? []).map((v) => {
        const figure = document.createElement("figure");
        const video = document.createElement("video");
        video.controls = true;
        video.preload = "none"; // nothing plays, nothing loads, until asked
        video.src = v.src;
        const caption = document.createElement("figcaption");
        caption.textContent = v.title;
        figure.append(video, caption);
        return figure;
      }),
    );
  }
  if (room && room.kind !== "free") {
    const free = state.rooms.find((r) => r.kind === "free");
    if (free && !$("room-note").querySelector("button")) {
      const back = document.createElement("button");
      back.type = "button";
      back.className = "button small";
      back.textContent = T.backToFree;
      back.addEventListener("click", () => join(free.id));
      $("room-note").append(" ", back);
    }
  }
  $("status").value = state.you?.status ?? "watching";
}

function renderMap() {
  if (!state.room?.map) return;
  map.setSize(state.room.map);
  map.render(state.room.members, state.you?.id, (shape) => SHAPE_EMOJI[shape] ?? "●");
}

function renderMembers() {
  members.render(state.room, state.you);
}

function renderStamps() {
  const group = document.querySelector(".stamps");
  group.querySelectorAll("button").forEach((b) => b.remove());
  for (const stamp of STAMPS) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "stamp";
    button.textContent = STAMP_EMOJI[stamp];
    button.title = T.stampNames[stamp];
    button.setAttribute("aria-label", T.stampNames[stamp]);
    button.addEventListener("click", () => connection.send({ type: "stamp", stamp }));
    group.append(button);
  }
}

function timeOf(at) {
  return new Intl.DateTimeFormat("ja-JP", { timeZone: state.space?.timezone ?? "Asia/Tokyo", hour: "2-digit", minute: "2-digit" }).format(new Date(at));
}

function chatLine(line) {
  const li = document.createElement("li");
  li.dataset.seq = line.seq;
  const who = document.createElement("span");
  who.className = "who";
  who.textContent = line.nickname;
  const text = document.createElement("span");
  text.className = "text";
  text.textContent = line.text;
  const at = document.createElement("time");
  at.dateTime = line.at;
  at.textContent = timeOf(line.at);
  li.append(who, text, at);
  appendChat(li);
}

function chatNote(text) {
  const li = document.createElement("li");
  li.className = "note";
  li.textContent = text;
  appendChat(li);
}

function appendChat(li) {
  const log = $("chat-log");
  log.append(li);
  log.scrollTop = log.scrollHeight;
}

function showStamp(msg) {
  const m = state.room.members.get(msg.from);
  const label = `${STAMP_EMOJI[msg.stamp] ?? ""} ${T.stampNames[msg.stamp] ?? msg.stamp}`;
  chatNote(T.stampFrom(m?.nickname ?? "", label));
  if (!m) return;
  m.bubble = STAMP_EMOJI[msg.stamp];
  renderMap();
  setTimeout(() => {
    m.bubble = null;
    renderMap();
  }, 3000);
}

// --- Banners: notices with a calm countdown ------------------------------------------

let ticker = null;

function banner(kind, message, until) {
  const box = document.createElement("div");
  box.className = `banner ${kind}`;
  box.setAttribute("role", kind === "error" ? "alert" : "status");
  const text = document.createElement("span");
  text.textContent = message;
  box.append(text);
  if (until) {
    const count = document.createElement("strong");
    count.className = "countdown";
    box.append(" ", count);
    const tick = () => {
      const left = Math.max(0, Math.round((new Date(until) - serverNow()) / 1000));
      count.textContent = T.countdown(Math.floor(left / 60), left % 60);
    };
    tick();
    clearInterval(ticker);
    ticker = setInterval(tick, 1000);
  }
  $("banners").replaceChildren(box);
}

// The server may run a rehearsal clock (--clock): count down from its "now", not ours,
// measured again with every notice.
let clockSkew = 0;
function serverNow() {
  return new Date(Date.now() + clockSkew);
}
function syncClock() {
  fetch("/api/status")
    .then((r) => r.json())
    .then((s) => {
      if (s.now) clockSkew = new Date(s.now) - Date.now();
    })
    .catch(() => {});
}
syncClock();

// --- What the person does --------------------------------------------------------------

$("chat-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("chat-input");
  const text = input.value.trim();
  if (!text) return;
  $("chat-error").textContent = "";
  if (connection.send({ type: "chat", text }) !== null) input.value = "";
});

$("status").addEventListener("change", (e) => connection.send({ type: "status", status: e.target.value }));

applyComfort();
applyWords();
connection.open();

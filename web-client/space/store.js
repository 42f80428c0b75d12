// The page's state, in one place. `apply(state, msg)` is the only thing that changes it:
// from the server's messages (docs/protocol.md) and from a few of the page's own, whose types
// start with "page:". It answers which parts changed, and the store tells the views that show
// those parts; nothing else keeps a copy. Server `message` texts are kept as the messages
// they came in, and worded by the view in the page's language.

import { areaAt } from "./map.js";

/// The server's time now, in milliseconds: a rehearsal clock (--clock) may run faster, so it is
/// measured again with every notice (`serverClock`).
export function serverNow({ serverClock: c }) {
  return c.now + (Date.now() - c.local) * c.speed;
}

export function initialState(settings, resume) {
  return {
    settings, // { lang, calm, large }
    connection: { name: "connecting", detail: undefined },
    you: null,
    grants: new Set(),
    space: null,
    rooms: [],
    iceServers: [],
    room: null, // the room we are in: its welcome.rooms entry + { epoch, seq (highest seen), stageView }
    members: new Map(), // id → member, in the room we are in
    bubbles: new Map(), // id → the stamp shown over their avatar for a moment
    whisper: { with: null, lines: [] }, // a private word with one person (staff or a member)
    chat: { room: null, epoch: null, last: 0, entries: [] }, // what the chat log shows
    chatError: null,
    // Where chat resumes (sessionStorage keeps it for a reload): `since` is the seq before the
    // first line this tab showed, `seq` the highest seen.
    resume,
    banner: null, // { kind, msg | text, until }
    overview: null,
    duty: null, // the latest `duty`: whether staff are there (staff: how many, you, short)
    alerts: new Map(), // staff: crisis alerts by id ({...crisis_alert, by: who took it on})
    help: null, // the writer's `help` (where to call), until they close it
    // Talking with a counsellor (docs/protocol.md talk_*): our own request (place in line…),
    // the line a counsellor sees, a counsellor's invitation waiting for an answer, and the
    // nicknames of those who asked (for a counsellor's "not now" note).
    // `rooms`: the consultation rooms we were invited into (not listed in welcome for us).
    talk: { request: null, line: [], invitation: null, asked: new Map(), rooms: new Set() },
    farewell: null, // { title, text | msg, login }
    // The server's clock (GET /api/status): its `now` read at `local` (Date.now()), and how
    // fast it runs (a rehearsal clock may run faster); countdowns follow it, not the device's.
    serverClock: { now: Date.now(), local: Date.now(), speed: 1 },
    spaceName: null, // { name, name_en }: the space's own, known before any welcome (GET /api/status)
    // On a phone, the part of the space shown ("stage", "chat", "members", "rooms"), and the
    // chat lines that came while the chat was not the one shown.
    tab: { shown: "stage", unread: 0 },
  };
}

/// Applies one message to `state`; returns the names of the parts that changed.
export function apply(state, msg) {
  const changed = new Set();
  const room = state.room && msg.room === state.room.id ? state.room : null;
  // Events of a room we have left (or not yet joined) may still arrive: they change nothing.
  if (ROOM_EVENTS.has(msg.type) && !room) return changed;
  if (room && typeof msg.seq === "number" && msg.seq > room.seq) {
    room.seq = msg.seq;
    if (state.resume?.room === room.id) {
      state.resume = { ...state.resume, seq: msg.seq };
      changed.add("resume");
    }
  }
  switch (msg.type) {
    case "welcome":
      state.you = msg.you;
      state.grants = new Set(msg.grants ?? []);
      state.space = msg.space;
      state.rooms = msg.rooms;
      state.iceServers = msg.ice_servers ?? [];
      add(changed, "you", "grants", "space", "rooms");
      break;
    case "joined":
      joined(state, msg);
      add(changed, "room", "members", "positions", "stage", "chat", "resume");
      if (state.talk.invitation?.room === msg.room) {
        state.talk.invitation = null;
        changed.add("talk");
      }
      break;
    case "left":
      if (state.room?.id !== msg.room) break;
      state.room = null;
      state.members = new Map();
      state.bubbles = new Map();
      add(changed, "room", "members", "positions", "stage");
      if (msg.message) {
        state.banner = { kind: "left", msg };
        changed.add("banner");
      } else if (msg.reason === "consultation_ended") {
        state.banner = { kind: "left", words: "consultationEnded" };
        changed.add("banner");
      }
      break;
    // Comings and goings show in who is here and its count, never as lines in the chat:
    // a busy room's log would be all arrivals.
    case "member_joined":
      state.members.set(msg.member.id, msg.member);
      add(changed, "members", "positions");
      break;
    case "member_left":
      state.members.delete(msg.id);
      add(changed, "members", "positions");
      break;
    case "member_updated":
      state.members.set(msg.member.id, { ...state.members.get(msg.member.id), ...msg.member });
      changed.add("members");
      if (msg.member.id === state.you?.id) {
        // In a quiet corner the server shows everyone "resting"; `you.status` stays what this
        // person chose (the select shows it, and a reconnect says it again).
        const quiet = areaAt(room.map?.areas, msg.member.pos)?.kind === "quiet";
        state.you = { ...state.you, ...msg.member, status: quiet ? state.you.status : msg.member.status };
        changed.add("you");
      }
      break;
    case "positions":
      for (const move of msg.moves) {
        const m = state.members.get(move.id);
        if (m) m.pos = { x: move.x, y: move.y };
      }
      changed.add("positions");
      break;
    case "voice_speaking": {
      const m = state.members.get(msg.id);
      if (!m || m.speaking === msg.speaking) break;
      m.speaking = msg.speaking;
      changed.add("speaking");
      break;
    }
    case "stage":
      room.stageView = { speakers: msg.speakers, hands: msg.hands };
      changed.add("stage");
      break;
    case "chat":
      if (line(state, msg)) {
        changed.add("chat");
        if (state.tab.shown !== "chat") {
          state.tab = { ...state.tab, unread: state.tab.unread + 1 };
          changed.add("tab");
        }
      }
      break;
    case "stamp":
      note(state, { stamp: msg.stamp, from: state.members.get(msg.from)?.nickname ?? "" });
      changed.add("chat");
      if (state.members.has(msg.from)) {
        state.bubbles.set(msg.from, msg.stamp);
        changed.add("bubbles");
      }
      break;
    case "notice":
      state.banner = { kind: msg.kind, msg, until: msg.until };
      changed.add("banner");
      break;
    case "space_changed":
      // It opened, or closed while staff stay (they are told so by the note the space part
      // shows); a closing countdown has nothing left to count.
      state.space = msg.space;
      changed.add("space");
      if (!msg.space.open && state.banner?.kind === "closing") {
        state.banner = null;
        changed.add("banner");
      }
      break;
    case "announcement":
      state.banner = { kind: "announcement", announcement: msg };
      changed.add("banner");
      break;
    case "overview":
      state.overview = { rooms: msg.rooms, consultations: msg.consultations };
      changed.add("overview");
      break;
    case "crisis_alert": {
      const known = state.alerts.get(msg.alert);
      state.alerts.set(msg.alert, { ...msg, by: known?.by ?? null });
      changed.add("alerts");
      break;
    }
    case "contact_shared":
      state.alerts.set(`contact:${msg.member.id}:${msg.at}`, { ...msg, alert: null, by: null });
      changed.add("alerts");
      break;
    case "report_filed":
      state.alerts.set(`report:${msg.report}`, { ...msg, alert: null, by: null });
      changed.add("alerts");
      break;
    case "alert_acknowledged": {
      const known = state.alerts.get(msg.alert);
      if (known) state.alerts.set(msg.alert, { ...known, by: msg.by });
      changed.add("alerts");
      break;
    }
    case "help":
      state.help = msg;
      changed.add("help");
      break;
    case "page:help_closed":
      state.help = null;
      changed.add("help");
      break;
    case "duty":
      state.duty = msg;
      changed.add("duty");
      break;
    case "talk_request":
      state.talk.request = msg.waiting ? msg : null;
      changed.add("talk");
      break;
    case "talk_line":
      state.talk.line = msg.requests;
      for (const r of msg.requests) state.talk.asked.set(r.member.id, r.member.nickname);
      changed.add("talk");
      break;
    case "invited":
      state.talk.invitation = msg;
      state.talk.rooms.add(msg.room);
      state.talk.request = null;
      changed.add("talk");
      break;
    case "talk_declined":
      state.banner = { kind: "notice", words: "talkDeclined", who: state.talk.asked.get(msg.member) ?? "" };
      changed.add("banner");
      break;
    case "goodbye":
      farewell(state, changed, { title: msg.reason === "closed" ? "closedTitle" : "shutdownTitle", msg });
      forget(state, changed);
      break;
    case "error":
      if (["space_closed", "room_closed", "no_staff"].includes(msg.code) && !state.room) {
        farewell(state, changed, { title: "closedNow", msg });
      } else if (msg.code === "account_suspended") {
        // Close 4008 follows: the reason and whom to ask stay on the last screen.
        farewell(state, changed, { title: "suspendedTitle", msg });
        forget(state, changed);
      } else if (msg.code === "rate_limited" || msg.code?.startsWith("chat_")) {
        state.chatError = msg;
        changed.add("chatError");
      } else {
        state.banner = { kind: "error", msg };
        changed.add("banner");
      }
      break;

    // --- The page's own -----------------------------------------------------------------
    case "page:connection":
      state.connection = { name: msg.name, detail: msg.detail };
      changed.add("connection");
      break;
    case "page:server":
      state.serverClock = { now: Date.parse(msg.status.now), local: msg.local, speed: msg.status.speed ?? 1 };
      changed.add("serverClock");
      if (msg.status.name && state.spaceName?.name !== msg.status.name) {
        state.spaceName = { name: msg.status.name, name_en: msg.status.name_en };
        changed.add("space");
      }
      break;
    case "page:settings":
      state.settings = { ...state.settings, ...msg.settings };
      changed.add("settings");
      break;
    case "page:status":
      // Said again after a reconnect (a status lives as long as its connection).
      state.you = { ...state.you, status: msg.status };
      changed.add("you");
      break;
    case "chat_hidden":
      if (state.chat.room !== msg.room) break;
      hide(state, [msg.seq]);
      changed.add("chat");
      break;
    case "muted":
    case "mute_ended":
      state.banner = { kind: "notice", msg };
      changed.add("banner");
      break;
    case "whisper":
      state.whisper = { with: msg.from, lines: [...state.whisper.lines, { from: msg.from, text: msg.text }] };
      changed.add("whisper");
      break;
    case "page:whisper_with":
      state.whisper = { with: msg.member, lines: state.whisper.lines };
      changed.add("whisper");
      break;
    case "page:whispered":
      state.whisper = { ...state.whisper, lines: [...state.whisper.lines, { mine: true, text: msg.text }] };
      changed.add("whisper");
      break;
    // Blocked: their lines already shown go too (the server sends no more, nor them ours).
    case "page:blocked":
      state.members.delete(msg.member);
      state.chat.entries = state.chat.entries.filter((e) => e.line?.from !== msg.member);
      add(changed, "members", "positions", "chat");
      break;
    case "page:bubble_gone":
      if (state.bubbles.get(msg.member) === msg.stamp) {
        state.bubbles.delete(msg.member);
        changed.add("bubbles");
      }
      break;
    case "page:tab":
      state.tab = { shown: msg.tab, unread: msg.tab === "chat" ? 0 : state.tab.unread };
      changed.add("tab");
      break;
    case "page:chat_sent":
      state.chatError = null;
      changed.add("chatError");
      break;
    case "page:done":
      // Staff's own action went through: said quietly where notices show.
      state.banner = { kind: "notice", words: "moderateDone", who: msg.action };
      changed.add("banner");
      break;
    case "page:refused":
      // A request of ours the server refused, shown where errors show.
      state.banner = { kind: "error", msg: msg.reply };
      changed.add("banner");
      break;
    case "page:closed": {
      // The connection ended for good (docs/protocol.md, close codes 4001, 4002, 4004, 4008).
      const [title, text, login] = msg.code === 4001
        ? ["loginAgain", msg.reason === "not_logged_in" ? "notLoggedIn" : "", true]
        : msg.code === 4004 ? ["replacedTitle", "replaced", false] : ["closedNow", "", false];
      farewell(state, changed, { title, text, login });
      break;
    }
    case "page:not_now":
      state.talk.invitation = null;
      changed.add("talk");
      break;
    case "page:leave":
      farewell(state, changed, { title: "leftTitle", text: "leftText" });
      forget(state, changed);
      break;
    default:
      break;
  }
  return changed;
}

/// Events about the room one is in: they carry `room`, and are dropped for any other.
const ROOM_EVENTS = new Set([
  "member_joined", "member_left", "member_updated", "positions", "voice_speaking", "stage", "chat", "stamp",
  "chat_hidden",
]);

function add(set, ...names) {
  for (const name of names) set.add(name);
}

function joined(state, msg) {
  const info = state.rooms.find((r) => r.id === msg.room)
    ?? { id: msg.room, kind: state.talk.rooms.has(msg.room) ? "consult" : "free" };
  state.room = { ...info, epoch: msg.epoch, seq: msg.seq, stageView: msg.stage };
  state.members = new Map(msg.members.map((m) => [m.id, m]));
  state.bubbles = new Map();
  // The lines already on the page stay (a reconnect replays only what was missed); another
  // room or a restarted one starts the log afresh.
  const chat = state.chat;
  if (chat.room !== msg.room || chat.epoch !== msg.epoch) {
    state.chat = { room: msg.room, epoch: msg.epoch, last: 0, entries: [] };
  }
  // Lines staff hid while this page was away (it missed their chat_hidden).
  if (msg.hidden) hide(state, msg.hidden);
  if (msg.gap) state.chat.entries.push({ gap: true });
  for (const l of msg.chat) line(state, l);
  // Resuming from `since` after a reload shows every line since this tab entered the room;
  // a gap or another room moves that point to the first line shown now.
  const memory = state.resume;
  const kept = memory?.room === msg.room && memory.epoch === msg.epoch && !msg.gap;
  const since = kept ? memory.since : msg.chat.length > 0 ? msg.chat[0].seq - 1 : msg.seq;
  state.resume = { room: msg.room, epoch: msg.epoch, since, seq: Math.max(msg.seq, state.chat.last) };
}

/// Lines staff hid: gone from a participant's page; staff keep them, greyed (「非表示にしました」).
function hide(state, seqs) {
  const gone = new Set(seqs);
  state.chat.entries = state.grants.has("moderate")
    ? state.chat.entries.map((e) => (gone.has(e.line?.seq) ? { ...e, hidden: true } : e))
    : state.chat.entries.filter((e) => !gone.has(e.line?.seq));
}

/// A chat line, once: a line replayed on resume that the page already shows is skipped.
function line(state, l) {
  if (l.seq <= state.chat.last) return false;
  state.chat.last = l.seq;
  state.chat.entries.push({ line: l });
  return true;
}

function note(state, entry) {
  state.chat.entries.push(entry);
}

function farewell(state, changed, view) {
  if (state.farewell) return;
  state.farewell = view;
  state.banner = null;
  add(changed, "farewell", "banner");
}

/// Leaving for good: a reload then starts afresh.
function forget(state, changed) {
  state.resume = null;
  changed.add("resume");
}

/// Holds the state; views subscribe to the parts they show and are called after each change.
export class Store {
  constructor(state) {
    this.state = state;
    this.views = [];
  }

  /// `render(state, changed)` is called when any of `parts` changed (and once now).
  on(parts, render) {
    this.views.push({ parts: new Set(parts), render });
    render(this.state, new Set(parts));
  }

  dispatch(msg) {
    const changed = apply(this.state, msg);
    if (changed.size === 0) return changed;
    for (const view of this.views) {
      if ([...changed].some((part) => view.parts.has(part))) view.render(this.state, changed);
    }
    return changed;
  }
}

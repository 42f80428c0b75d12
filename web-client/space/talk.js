// Talking with a counsellor (今話したい, docs/protocol.md talk_*): one quiet button opens a
// private request (how, and with whom); while waiting the person sees their place and may
// withdraw; a counsellor's invitation is a card to go in or not; in a consultation one press
// leaves it (a counsellor ends it). Counsellors see the line and accept from it.
import { wordsFor } from "../words/lookup.js";
import { serverNow } from "./store.js";

const $ = (id) => document.getElementById(id);

export function talkView(store, { request, send, join, refused }) {
  const state = store.state;
  const ask = (message) => request(message).catch((e) => e.reply && refused(e.reply));
  const toggle = $("talk-toggle");
  const panel = $("talk-panel");
  const form = $("talk-form");

  toggle.addEventListener("click", () => {
    const open = panel.hidden;
    panel.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    if (open) panel.querySelector("h2").focus();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const mode = form.querySelector("input[name=talk-mode]:checked")?.value ?? "text";
    const profession = $("talk-profession").value;
    ask({ type: "talk_ask", mode, ...(profession ? { profession } : {}) });
  });
  $("talk-withdraw").addEventListener("click", () => ask({ type: "talk_withdraw" }));
  $("talk-go").addEventListener("click", () => {
    if (state.talk.invitation) join(state.talk.invitation.room);
  });
  $("talk-not-now").addEventListener("click", () => {
    const invitation = state.talk.invitation;
    if (!invitation) return;
    store.dispatch({ type: "page:not_now" });
    ask({ type: "talk_decline", room: invitation.room });
  });
  // One press out of a consultation: the person goes back to the free space; a counsellor
  // ends it for both.
  $("talk-leave").addEventListener("click", () => {
    if (state.grants.has("take_consultations")) return send({ type: "talk_end" });
    const free = state.rooms.find((r) => r.kind === "free");
    if (free) join(free.id);
    else send({ type: "leave" });
  });
  $("talk-line").addEventListener("click", (event) => {
    const member = event.target.closest("button[data-member]")?.dataset.member;
    if (member) ask({ type: "talk_accept", member });
  });

  store.on(["talk", "room", "grants", "settings", "farewell"], render);
  // How long each has waited moves on by itself.
  setInterval(() => {
    if (state.talk.line.length) renderLine(state);
  }, 30_000);
}

/// The booked request whose panel was opened by itself (its start): once, not on every render.
let bookedShown = null;

function render(state) {
  const T = wordsFor(state);
  const { request, invitation } = state.talk;
  const counsellor = state.grants.has("take_consultations");
  const inConsultation = state.room?.kind === "consult";

  const toggle = $("talk-toggle");
  toggle.hidden = counsellor || Boolean(state.farewell);
  toggle.textContent = request ? T.talkWaitingShort(request.place) : T.talkToggle;
  $("talk-form").hidden = Boolean(request);
  $("talk-waiting").hidden = !request;
  $("talk-place").textContent = !request ? ""
    : request.booked_with ? T.talkBookedWaiting
    : T.talkWaiting(request.place);

  // A booked consultation's time has come: the panel opens to say so (the person expects it).
  if (request?.booked_with && bookedShown !== request.since) {
    bookedShown = request.since;
    $("talk-panel").hidden = false;
    toggle.setAttribute("aria-expanded", "true");
  }
  // The request is answered: its panel gives way to the invitation.
  if (invitation && !$("talk-panel").hidden) {
    $("talk-panel").hidden = true;
    toggle.setAttribute("aria-expanded", "false");
  }
  const offer = $("talk-offer");
  offer.hidden = !invitation || Boolean(state.farewell);
  $("talk-offer-text").textContent = invitation
    ? T.talkOffer(invitation.by.nickname, invitation.mode ? T.talkModes[invitation.mode] : "")
    : "";

  const leave = $("talk-leave");
  leave.hidden = !inConsultation || Boolean(state.farewell);
  leave.textContent = counsellor ? T.talkEnd : T.talkLeave;

  $("talk-line-panel").hidden = !counsellor;
  if (counsellor) renderLine(state);
}

/// A counsellor's view of the line: who, how, since when, and a button to take them. A booked
/// consultation whose time has come stands first, marked 予約; only its counsellor takes it.
function renderLine(state) {
  const T = wordsFor(state);
  const list = $("talk-line");
  if (state.talk.line.length === 0) {
    const li = document.createElement("li");
    li.className = "note";
    li.textContent = T.talkNobody;
    list.replaceChildren(li);
    return;
  }
  const timeZone = state.space?.timezone ?? "Asia/Tokyo";
  const clock = new Intl.DateTimeFormat(state.settings.lang === "en" ? "en-GB" : "ja-JP", { timeZone, hour: "2-digit", minute: "2-digit" });
  list.replaceChildren(...state.talk.line.map((r) => {
    const li = document.createElement("li");
    const who = document.createElement("span");
    const minutes = Math.max(0, Math.floor((serverNow(state) - Date.parse(r.since)) / 60_000));
    const how = [T.talkModes[r.mode], r.profession && T[r.profession]].filter(Boolean).join(T.listSeparator);
    who.textContent = T.talkWho(r.member.nickname, how, clock.format(new Date(r.since)), minutes);
    if (r.booked_with) {
      const booked = document.createElement("span");
      booked.className = "badge booked";
      booked.textContent = T.talkBooked;
      li.append(booked, " ");
      if (r.booked_with !== state.you?.id) {
        const elsewhere = document.createElement("span");
        elsewhere.className = "note";
        elsewhere.textContent = T.talkBookedElsewhere;
        li.append(who, " ", elsewhere);
        return li;
      }
    }
    const accept = document.createElement("button");
    accept.type = "button";
    accept.className = "button small primary";
    accept.dataset.member = r.member.id;
    accept.textContent = T.talkAccept;
    accept.setAttribute("aria-label", `${T.talkAccept}: ${r.member.nickname}`);
    li.append(who, " ", accept);
    return li;
  }));
}

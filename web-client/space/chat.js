// The room's chat: the log (lines, and quiet notes of stamps and of a gap), the
// form to write, the stamps to send, and what the server said about a line it refused.
// The log grows by what is new; it is drawn again only when it starts afresh or the
// language changes.
import { said, wordsFor } from "../words/lookup.js";
import { STAMPS, stampPicture } from "../pictures.js";
import { reportButton } from "./report.js";

const $ = (id) => document.getElementById(id);

/// `send(message)`: the connection's send (null when offline); `sent()`: a line went out;
/// `hide(line)`: staff chose to hide a line.
export function chatView(store, { send, sent, hide }) {
  // The last line sent: held back for contact details (`chat_contact`), it comes back to the
  // input, and one press sends it as it is.
  let last = "";
  $("chat-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("chat-input");
    const text = input.value.trim();
    if (!text) return;
    sent();
    last = text;
    if (send({ type: "chat", text }) !== null) input.value = "";
  });
  $("chat-confirm").addEventListener("click", () => {
    sent();
    if (send({ type: "chat", text: last, confirm: true }) !== null) $("chat-input").value = "";
  });

  // The log's notes are worded by the page: another language draws the log again.
  const drawn = { entries: null, count: 0, lang: null };
  store.on(["chat", "settings"], (state) => {
    const { entries } = state.chat;
    const log = $("chat-log");
    if (drawn.entries !== entries || drawn.lang !== state.settings.lang) {
      log.replaceChildren();
      drawn.entries = entries;
      drawn.count = 0;
      drawn.lang = state.settings.lang;
    }
    if (drawn.count === entries.length) return;
    log.append(...entries.slice(drawn.count).map((entry) => item(state, entry, hide)));
    drawn.count = entries.length;
    log.scrollTop = log.scrollHeight;
  });

  store.on(["settings"], (state) => {
    const T = wordsFor(state);
    const group = document.querySelector(".stamps");
    group.querySelectorAll("button").forEach((b) => b.remove());
    for (const stamp of STAMPS) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "stamp";
      // The button's name is the stamp's word; the picture beside it says nothing more.
      button.append(picture(stamp));
      button.title = T.stampNames[stamp];
      button.setAttribute("aria-label", T.stampNames[stamp]);
      button.addEventListener("click", () => send({ type: "stamp", stamp }));
      group.append(button);
    }
  });

  store.on(["chatError"], (state) => {
    const held = state.chatError?.code === "chat_contact";
    $("chat-confirm").hidden = !held;
    if (held && !$("chat-input").value) $("chat-input").value = last;
  });
  store.on(["chatError", "settings"], (state) => {
    $("chat-error").textContent = state.chatError ? said(state, state.chatError) : "";
  });
}

function item(state, entry, hide) {
  const T = wordsFor(state);
  const li = document.createElement("li");
  if (entry.line) {
    const l = entry.line;
    li.dataset.seq = l.seq;
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = l.nickname;
    const text = document.createElement("span");
    text.className = "text";
    text.textContent = l.text;
    const at = document.createElement("time");
    at.dateTime = l.at;
    at.textContent = new Intl.DateTimeFormat("ja-JP", {
      timeZone: state.space?.timezone ?? "Asia/Tokyo", hour: "2-digit", minute: "2-digit",
    }).format(new Date(l.at));
    li.append(who, text, at);
    if (entry.hidden) {
      li.classList.add("hidden-line");
      li.append(Object.assign(document.createElement("small"), { className: "hidden-note", textContent: T.hiddenLine }));
    } else if (state.grants.has("moderate") && l.from !== state.you?.id) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button small line-hide";
      button.textContent = T.hideLine;
      button.setAttribute("aria-label", `${l.nickname} ${l.text.slice(0, 20)} ${T.hideLine}`);
      button.addEventListener("click", () => hide(l));
      li.append(" ", button);
    }
    if (!entry.hidden && l.from !== state.you?.id) li.append(" ", reportButton(T, l.from, l.nickname, l.seq));
    return li;
  }
  li.className = "note";
  if (entry.gap) li.textContent = T.gap;
  else if (entry.stamp) {
    li.textContent = T.stampFrom(entry.from, T.stampNames[entry.stamp] ?? entry.stamp);
    if (stampPicture(entry.stamp)) li.prepend(picture(entry.stamp), " ");
  }
  return li;
}

function picture(stamp) {
  return Object.assign(document.createElement("img"), { src: stampPicture(stamp), alt: "", className: "stamp-picture" });
}

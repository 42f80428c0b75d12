// Staff's gentle moderation in the space (docs/protocol.md `hide`, `whisper`, `mute`,
// `unmute`, `ask_to_leave`): one small dialog for a member (話しかける, 書き込み・声を止める,
// 退室をお願いする) or a chat line (非表示), each with a reason for the audit log; and the
// private thread (ひそひそ) a whisper opens, where a member answers the staff who wrote.
import { wordsFor } from "../words/lookup.js";

const $ = (id) => document.getElementById(id);

const MEMBER_ACTIONS = ["whisper", "mute_text", "mute_voice", "unmute", "ask_to_leave"];

/// Returns `{ member(m), line(l) }`: open the dialog for a member, or for a chat line.
export function moderationView(store, { request, refused }) {
  const state = store.state;
  const dialog = $("moderate");
  let target = null; // { member, nickname, line? }

  const show = () => {
    const T = wordsFor(state);
    const hide = Boolean(target.line);
    $("moderate-heading").textContent = hide ? T.moderateLine(target.nickname) : T.moderateFor(target.nickname);
    const select = $("moderate-action");
    const actions = hide ? ["hide"] : MEMBER_ACTIONS;
    select.replaceChildren(...actions.map((a) => new Option(T.moderateActions[a], a)));
    $("moderate-action-row").hidden = hide;
    for (const option of $("moderate-minutes").options) option.textContent = T.minutes(Number(option.value));
    $("moderate-text").value = "";
    $("moderate-reason").value = "";
    fields();
    dialog.showModal();
  };
  const fields = () => {
    const action = $("moderate-action").value;
    $("moderate-minutes-row").hidden = !action.startsWith("mute_");
    $("moderate-text-row").hidden = action !== "whisper";
    $("moderate-reason-row").hidden = action === "whisper" || action === "unmute";
  };
  $("moderate-action").addEventListener("change", fields);

  dialog.addEventListener("close", async () => {
    if (dialog.returnValue !== "go" || !target) return;
    const action = $("moderate-action").value;
    const reason = $("moderate-reason").value.trim() || undefined;
    const minutes = Number($("moderate-minutes").value);
    const text = $("moderate-text").value.trim();
    const { member, line } = target;
    const message = {
      hide: () => ({ type: "hide", room: state.chat.room, seq: line?.seq, reason }),
      whisper: () => ({ type: "whisper", member, text }),
      mute_text: () => ({ type: "mute", member, text: true, minutes, reason }),
      mute_voice: () => ({ type: "mute", member, voice: true, minutes, reason }),
      unmute: () => ({ type: "unmute", member }),
      ask_to_leave: () => ({ type: "ask_to_leave", member, reason }),
    }[action]();
    if (action === "whisper" && !text) return;
    try {
      await request(message);
      if (action === "whisper") {
        store.dispatch({ type: "page:whisper_with", member: { id: member, nickname: target.nickname } });
        store.dispatch({ type: "page:whispered", text });
      } else {
        store.dispatch({ type: "page:done", action });
      }
    } catch (e) {
      if (e.reply) refused(e.reply);
    }
  });

  // The private thread: a member answers the staff who whispered; staff answer whoever
  // answered them (or whom they chose to speak to).
  $("whisper-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("whisper-input");
    const text = input.value.trim();
    const to = state.whisper.with;
    if (!text || !to) return;
    try {
      await request({ type: "whisper", member: to.id, text });
      input.value = "";
      store.dispatch({ type: "page:whispered", text });
    } catch (e) {
      if (e.reply) refused(e.reply);
    }
  });
  store.on(["whisper", "grants", "settings", "farewell"], (state) => {
    const T = wordsFor(state);
    const { with: other, lines } = state.whisper;
    $("whispers").hidden = !other || Boolean(state.farewell);
    if (!other) return;
    $("whispers-heading").textContent = state.grants.has("moderate") ? T.whispersStaff : T.whispersMember;
    $("whisper-label").textContent = T.whisperReplyTo(other.nickname);
    const note = document.createElement("li");
    note.className = "note";
    note.textContent = T.whisperNote;
    $("whisper-log").replaceChildren(note, ...lines.map((l) => {
      const li = document.createElement("li");
      const who = document.createElement("span");
      who.className = "who";
      who.textContent = l.mine ? T.whisperMine : T.whisperFrom(l.from.nickname);
      li.append(who, " ", l.text);
      return li;
    }));
  });

  return {
    member: (m) => {
      target = { member: m.id, nickname: m.nickname };
      show();
    },
    line: (l) => {
      target = { member: l.from, nickname: l.nickname, line: l };
      show();
    },
  };
}

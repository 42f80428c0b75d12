// Who is here: the list beside the map, with each person's status, whether they are near
// (heard) or speaking, the stage's speakers and raised hands, and for staff a mute button.
import { SHAPE_EMOJI } from "./map.js";

export class MemberList {
  /// `isNear(member)`: within hearing on the map; `request`: a voice request, answered;
  /// `alert(text)`: shows a refusal.
  constructor(list, count, { words, isNear, request, alert }) {
    this.list = list;
    this.count = count;
    this.words = words;
    this.isNear = isNear;
    this.request = request;
    this.alert = alert;
    this.muted = new Set(); // members this staff member muted in the room
  }

  /// A new room: mutes hold per room on the server, so the old ones are gone here too.
  reset() {
    this.muted.clear();
  }

  render(room, you) {
    const T = this.words();
    const members = room ? [...room.members.values()] : [];
    this.count.textContent = `(${members.length})`;
    // The list is redrawn whenever someone moves or speaks: keep a focused button focused.
    const focused = this.list.contains(document.activeElement) ? document.activeElement.dataset.key : undefined;
    this.list.replaceChildren(
      ...members.map((m) => {
        const li = document.createElement("li");
        li.dataset.id = m.id;
        const near = m.pos && this.isNear(m);
        if (near) li.classList.add("near");
        const dot = document.createElement("span");
        dot.className = "dot";
        dot.style.background = m.avatar?.color ?? "#cfcfcf";
        dot.textContent = SHAPE_EMOJI[m.avatar?.shape] ?? "";
        dot.setAttribute("aria-hidden", "true");
        const name = document.createElement("span");
        name.className = "who";
        name.textContent = m.nickname + (m.id === you?.id ? `（${T.you}）` : "");
        li.append(dot, name);
        if (m.badge) {
          const badge = document.createElement("span");
          badge.className = `badge ${m.badge}`;
          badge.textContent = T.badge[m.badge] ?? m.badge;
          li.append(badge);
        }
        const status = document.createElement("span");
        status.className = "member-status";
        status.textContent = T.statusWord[m.status] ?? m.status;
        li.append(status);
        if (near) li.append(small(T.near));
        if (room.stageView?.speakers.includes(m.id)) li.append(small(T.speakerTag));
        if (room.stageView?.hands.includes(m.id)) li.append(small(`✋ ${T.handUp}`));
        if (m.speaking) {
          li.classList.add("speaking");
          li.append(Object.assign(small(T.speaking), { className: "speaking-mark" }));
        }
        if (you?.badge && m.id !== you.id) li.append(this.muteButton(m, room, you));
        return li;
      }),
    );
    if (focused) this.list.querySelector(`[data-key="${CSS.escape(focused)}"]`)?.focus();
  }

  /// Staff mute: the server stops forwarding this member's voice to anyone in the room.
  muteButton(m, room, you) {
    const T = this.words();
    const muted = this.muted.has(m.id);
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button small";
    button.textContent = muted ? T.unmuteMember : T.muteMember;
    button.dataset.key = `mute-${m.id}`;
    button.setAttribute("aria-label", `${m.nickname} ${button.textContent}`);
    button.addEventListener("click", async () => {
      const reply = await this.request({ type: "voice_mute", member: m.id, muted: !muted });
      if (reply.type === "ack") {
        if (muted) this.muted.delete(m.id);
        else this.muted.add(m.id);
        this.render(room, you);
      } else if (reply.message) {
        this.alert(reply.message);
      }
    });
    return button;
  }
}

function small(text) {
  return Object.assign(document.createElement("small"), { textContent: text });
}

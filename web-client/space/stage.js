// The stage of a program room (docs/protocol.md: raise_hand, set_speaker, stage): the
// audience listens and may raise a hand; hosts see the hands and invite someone to speak or
// bring them back; a speaker may step down. Who is a host is the server's decision (the room's
// host_roles), which `welcome.rooms[].host` tells this page; the server enforces it anyway.

export class StageTools {
  /// `request`: the connection's; `refused(reply)`: shows a refusal; `sending()` and
  /// `stopSending()`: the voice's.
  constructor(section, { words, request, refused, sending, stopSending }) {
    this.section = section;
    this.words = words;
    this.request = request;
    this.refused = refused;
    this.sending = sending;
    this.stopSending = stopSending;
  }

  async ask(message) {
    await this.request(message).catch((refused) => this.refused(refused.reply));
  }

  /// Stepping down: the microphone goes off here, and the server stops forwarding anyway.
  leave(you) {
    this.stopSending();
    this.ask({ type: "set_speaker", member: you.id, speaker: false });
  }

  render(state) {
    const T = this.words();
    const { room, you } = state;
    this.section.hidden = !room?.stage;
    if (!room?.stage || !you) return;
    const stage = room.stageView ?? { speakers: [], hands: [] };
    const name = (id) => state.members.get(id)?.nickname ?? "";
    // Redrawn on every stage change: the button pressed keeps the focus (by its key).
    const focused = this.section.contains(document.activeElement) ? document.activeElement.dataset.key : undefined;
    const parts = [heading(T.stageTitle)];
    const speaker = stage.speakers.includes(you.id);
    const raised = stage.hands.includes(you.id);
    if (speaker) {
      parts.push(note(this.sending() ? T.onStage : T.invitedToSpeak));
      parts.push(button(T.leaveStage, "", () => this.leave(you), "leave"));
    } else if (room.host) {
      parts.push(note(T.hostNote));
    } else {
      parts.push(note(raised ? T.handRaisedNote : T.audienceNote));
      parts.push(button(raised ? T.lowerHand : T.raiseHand, "", () => this.ask({ type: "raise_hand", raised: !raised }), "hand"));
    }
    if (room.host) {
      const people = (ids, label, action, speaker) => {
        const list = document.createElement("ul");
        list.className = "stage-list";
        list.setAttribute("aria-label", label);
        for (const id of ids) {
          const li = document.createElement("li");
          li.append(name(id), " ", button(action, `${name(id)} ${action}`, () => this.ask({ type: "set_speaker", member: id, speaker }), `${speaker}-${id}`));
          list.append(li);
        }
        if (ids.length === 0) list.append(Object.assign(document.createElement("li"), { textContent: T.nobodyYet }));
        return [heading(label, "h4"), list];
      };
      parts.push(...people(stage.hands, T.hands, T.inviteSpeaker, true));
      parts.push(...people(stage.speakers, T.speakers, T.toAudience, false));
    }
    this.section.replaceChildren(...parts);
    if (focused) this.section.querySelector(`[data-key="${CSS.escape(focused)}"]`)?.focus();
  }
}

function heading(text, level = "h3") {
  return Object.assign(document.createElement(level), { textContent: text });
}

function note(text) {
  return Object.assign(document.createElement("p"), { className: "note", textContent: text });
}

function button(text, label, click, key = "") {
  const b = Object.assign(document.createElement("button"), { type: "button", className: "button small", textContent: text });
  if (label) b.setAttribute("aria-label", label);
  b.dataset.key = key;
  b.addEventListener("click", click);
  return b;
}

// The staff's corner of the space page: an announcement to everyone and who is where (for
// those granted `oversee_space`), and applications waiting for review (`review_applications`).
// Shown from the grants in `welcome` (docs/protocol.md); the server still decides each request.
import { operatorText, wordsFor } from "../words/lookup.js";

export function staffView(store, section, list, send) {
  const panel = new StaffPanel(section, list, send);
  let shown = null;
  store.on(["overview", "rooms", "settings"], (state) => {
    panel.words = wordsFor(state);
    panel.reword();
    if (state.overview) {
      panel.renderOverview(state.overview.rooms, state.overview.consultations, (id) => operatorText(state.settings.lang, state.rooms.find((r) => r.id === id), "name") ?? id);
    }
  });
  store.on(["grants"], (state) => {
    const key = [...state.grants].sort().join();
    if (key === shown) return;
    shown = key;
    panel.show(state.grants);
  });
}

class StaffPanel {
  constructor(section, list, send) {
    this.section = section;
    this.list = list;
    this.send = send;
    this.words = null;
    const form = section.querySelector("#announce-form");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const input = form.querySelector("input");
      const text = input.value.trim();
      if (text && this.send({ type: "announce", text }) !== null) input.value = "";
    });
    section.querySelector("#overview-refresh").addEventListener("click", () => this.send({ type: "overview" }));
  }

  /// The parts of the corner this member's grants open (none: the corner stays hidden).
  async show(grants) {
    const oversee = grants.has("oversee_space");
    const review = grants.has("review_applications");
    this.section.hidden = !oversee && !review;
    const overview = this.section.querySelector("#overview");
    for (const el of [this.section.querySelector("#announce-form"), overview.previousElementSibling, overview]) el.hidden = !oversee;
    for (const el of [this.list.previousElementSibling, this.list]) el.hidden = !review;
    if (oversee) this.send({ type: "overview" });
    if (!review) return;
    const response = await fetch("/api/admin/applications", { credentials: "same-origin" });
    if (!response.ok) return;
    this.render((await response.json()).applications ?? []);
  }

  /// The `overview` reply: rooms with people in them (consultations only as "in use").
  /// Staff without the consultation grant learn only how many consultations go on.
  renderOverview(rooms, consultations, roomName) {
    const T = this.words;
    const list = this.section.querySelector("#overview");
    const items = rooms.map((r) => {
      const li = document.createElement("li");
      const who = r.members?.length ? r.members.map((m) => m.nickname).join(T.listSeparator) : T.inConsultation(r.count);
      li.textContent = `${roomName(r.room)}: ${who}`;
      return li;
    });
    if (consultations) {
      const li = document.createElement("li");
      li.textContent = T.consultationsGoingOn(consultations);
      items.push(li);
    }
    if (items.length === 0) {
      const li = document.createElement("li");
      li.textContent = T.nobodyHere;
      items.push(li);
    }
    list.replaceChildren(...items);
  }

  render(applications) {
    const T = this.words;
    if (applications.length === 0) {
      const li = document.createElement("li");
      li.dataset.word = "noApplications";
      li.textContent = T.noApplications;
      this.list.replaceChildren(li);
      return;
    }
    this.list.replaceChildren(
      ...applications.map((a) => {
        const li = document.createElement("li");
        const who = document.createElement("p");
        who.className = "who";
        li.dataset.nickname = a.nickname;
        li.dataset.applicant = a.applicant;
        li.append(who);
        if (a.note) {
          const note = document.createElement("p");
          note.className = "note";
          note.textContent = a.note;
          li.append(note);
        }
        // A kind word for the e-mail, should staff decline (optional).
        const word = document.createElement("p");
        word.className = "decline";
        const label = document.createElement("label");
        label.htmlFor = `decline-word-${a.id}`;
        label.dataset.word = "declineWord";
        const input = document.createElement("textarea");
        input.id = label.htmlFor;
        input.className = "decline-word";
        input.rows = 2;
        input.maxLength = 1000;
        word.append(label, input);
        li.append(word);
        for (const action of ["approve", "decline"]) {
          const button = document.createElement("button");
          button.type = "button";
          button.className = "button small";
          button.dataset.action = action;
          button.addEventListener("click", () => this.decide(a.id, action, li));
          li.append(button, " ");
        }
        return li;
      }),
    );
    this.reword();
  }

  /// Words the applications list in the page's language, in place: a switch of language
  /// rewords it at once, keeping what was already decided (and saying it in the new words).
  reword() {
    const T = this.words;
    if (!T) return;
    for (const el of this.list.querySelectorAll("[data-word]")) el.textContent = T[el.dataset.word];
    for (const el of this.list.querySelectorAll("[data-outcome]")) el.textContent = T.decided(JSON.parse(el.dataset.outcome));
    for (const li of this.list.querySelectorAll("li[data-nickname]")) {
      const { nickname, applicant } = li.dataset;
      li.querySelector("p.who").textContent = T.applicantLine(nickname, T.applicant[applicant] ?? applicant);
      for (const button of li.querySelectorAll("button[data-action]")) {
        const label = T[button.dataset.action];
        button.textContent = label;
        button.setAttribute("aria-label", `${nickname} ${label}`);
      }
    }
  }

  /// Approves or declines (with the kind word, if staff wrote one), and says in words what
  /// happened where the buttons were.
  async decide(id, action, li) {
    const word = action === "decline" ? li.querySelector("textarea.decline-word")?.value.trim() : "";
    const response = await fetch(`/api/admin/applications/${encodeURIComponent(id)}/${action}`, {
      method: "POST",
      credentials: "same-origin",
      ...(word ? { headers: { "Content-Type": "application/json" }, body: JSON.stringify({ message: word }) } : {}),
    });
    const body = await response.json().catch(() => ({}));
    const outcome = {
      action,
      ok: response.ok,
      nickname: li.dataset.nickname,
      mailed: body.invitation?.mailed !== false,
      word: Boolean(word),
      error: body.error,
      message: body.message,
    };
    const result = document.createElement("p");
    result.setAttribute("role", "status");
    result.dataset.outcome = JSON.stringify(outcome);
    result.textContent = this.words.decided(outcome);
    for (const el of li.querySelectorAll("button, .decline")) el.remove();
    li.append(result);
  }
}

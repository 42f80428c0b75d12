// Crisis alerts (docs/protocol.md `crisis_alert`, `help`): staff on duty see who wrote what
// where, acknowledge it and may go there; the writer privately sees where to call and may
// ask a counsellor now with one press.
import { operatorText, wordsFor } from "../words/lookup.js";

const $ = (id) => document.getElementById(id);

export function alertsView(store, { request, join, refused }) {
  const state = store.state;
  const ask = (message) => request(message).catch((e) => e.reply && refused(e.reply));
  $("alerts").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-alert]");
    if (!button) return;
    if (button.dataset.action === "ack") ask({ type: "alert_ack", alert: button.dataset.alert });
    else join(state.alerts.get(button.dataset.alert)?.room);
  });
  $("help-talk").addEventListener("click", () => {
    store.dispatch({ type: "page:help_closed" });
    ask({ type: "talk_ask", mode: "text" });
  });
  $("help-close").addEventListener("click", () => store.dispatch({ type: "page:help_closed" }));
  store.on(["alerts", "rooms", "settings", "farewell"], renderAlerts);
  store.on(["help", "settings", "farewell"], renderHelp);
}

function renderAlerts(state) {
  const T = wordsFor(state);
  const panel = $("alerts-panel");
  const alerts = [...state.alerts.values()].reverse();
  panel.hidden = alerts.length === 0 || Boolean(state.farewell);
  const timeZone = state.space?.timezone ?? "Asia/Tokyo";
  const clock = new Intl.DateTimeFormat(state.settings.lang === "en" ? "en-GB" : "ja-JP", { timeZone, hour: "2-digit", minute: "2-digit" });
  const roomName = (id) => operatorText(state.settings.lang, state.rooms.find((r) => r.id === id), "name") ?? id;
  $("alerts").replaceChildren(...alerts.map((a) => {
    const li = document.createElement("li");
    if (a.type === "contact_shared") {
      li.textContent = T.contactShared(a.member.nickname, roomName(a.room), clock.format(new Date(a.at)), T.contactKinds[a.kind] ?? a.kind);
      return li;
    }
    if (a.type === "report_filed") {
      li.textContent = T.reportFiled(a.nickname, roomName(a.room), clock.format(new Date(a.at)), T.reportReasons[a.reason] ?? a.reason);
      return li;
    }
    li.dataset.alert = a.alert;
    const what = document.createElement("p");
    what.textContent = T.alertLine(a.member.nickname, roomName(a.room), clock.format(new Date(a.at)));
    const text = document.createElement("blockquote");
    text.textContent = a.text;
    li.append(what, text);
    if (a.by) {
      const done = document.createElement("p");
      done.className = "note";
      done.textContent = T.alertTaken(a.by.nickname);
      li.append(done);
    } else {
      li.append(button(T.alertAck, a.alert, "ack", "primary"));
    }
    if (state.room?.id !== a.room) li.append(" ", button(T.alertGo, a.alert, "go", ""));
    return li;
  }));
}

function button(label, alert, action, kind) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = `button small ${kind}`.trim();
  b.dataset.alert = alert;
  b.dataset.action = action;
  b.textContent = label;
  return b;
}

function renderHelp(state) {
  const T = wordsFor(state);
  const card = $("help");
  const help = state.help;
  card.hidden = !help || Boolean(state.farewell);
  if (!help) return;
  const en = state.settings.lang === "en";
  $("help-lines").replaceChildren(...help.help_lines.map((line) => {
    const li = document.createElement("li");
    const name = document.createElement("strong");
    name.textContent = (en && line.name_en) || line.name;
    const number = document.createElement("a");
    number.href = `tel:${line.number.replace(/[^0-9+]/g, "")}`;
    number.textContent = line.number;
    li.append(name, " ", number, ` ${T.helpHours((en && line.hours_en) || line.hours)}`);
    return li;
  }));
}

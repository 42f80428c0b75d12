// Staff on duty (docs/protocol.md `duty`): everyone sees whether someone from the staff is
// there (never who); staff go on duty and off with one button, see how many are on, and are
// warned while too few are during opening hours.
import { wordsFor } from "../words/lookup.js";

const $ = (id) => document.getElementById(id);

export function dutyView(store, { request, refused }) {
  const state = store.state;
  $("duty-toggle").addEventListener("click", () => {
    const on = !state.duty?.you;
    request({ type: "duty", on }).catch((e) => e.reply && refused(e.reply));
  });
  store.on(["duty", "grants", "settings", "farewell"], render);
}

function render(state) {
  const T = wordsFor(state);
  const duty = state.duty;
  const staff = state.grants.has("go_on_duty");
  const present = $("staff-present");
  present.hidden = !duty?.staff_present || staff || Boolean(state.farewell);
  present.textContent = T.staffPresent;

  const toggle = $("duty-toggle");
  toggle.hidden = !staff || Boolean(state.farewell);
  toggle.textContent = duty?.you ? T.dutyOff : T.dutyOn;
  toggle.setAttribute("aria-pressed", String(Boolean(duty?.you)));

  const note = $("duty-note");
  note.hidden = !staff || !duty || Boolean(state.farewell);
  note.textContent = staff && duty ? T.onDuty(duty.on_duty ?? 0, duty.short) : "";
  note.classList.toggle("warning", Boolean(duty?.short));
}

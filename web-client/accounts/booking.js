// Consultation booking on the account page (docs/accounts.md, "Consultation booking"):
// participants and family members see free slots by day, profession and way of talking, book
// with their nickname and cancel; counsellors publish slots and see their day.
import { show } from "../words/page.js";
import { $, busy, say, send, showProblems } from "./common.js";

// The server's names (server/src/model/booking.rs); it checks them again.
const PROFESSIONS = ["clinical_psychologist", "social_worker", "psychiatric_social_worker"];
const MODES = ["text", "voice", "video"];

/// An answer's problem in the page's language (booking errors carry their English).
const problem = (body) => (w) => w.problem(body);

function options(select, values, label, withAny) {
  select.replaceChildren(
    ...[...(withAny ? [""] : []), ...values].map((value) => {
      const option = document.createElement("option");
      option.value = value;
      show(option, (w) => label(w)[value] ?? w.anyChoice);
      return option;
    }),
  );
}

/// One line of a list, worded now and after a language switch, with an optional button.
function item(words, button) {
  const li = document.createElement("li");
  const text = document.createElement("span");
  show(text, words);
  li.append(text);
  if (button) li.append(" ", button);
  return li;
}

function button(words, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "button";
  show(b, words);
  b.addEventListener("click", onClick);
  return b;
}

async function showMine() {
  const { ok, body } = await send("GET", `/api/slots/mine?day=${$("slot-day").value}`);
  if (!ok) return;
  $("booking-notices").replaceChildren(...body.notices.map((n) => item((w) => w.bookingNotice(n))));
  $("my-bookings").replaceChildren(
    ...body.bookings.map((slot) =>
      item(
        (w) => w.slotLine(slot, slot.mode),
        button((w) => w.cancelBooking, async () => {
          const done = await send("DELETE", `/api/slots/${slot.id}/booking`);
          say($("booking-result"), done.ok ? (w) => w.bookingCancelled : problem(done.body), done.ok ? "done" : "problem");
          await refresh();
        }),
      ),
    ),
  );
  $("no-bookings").hidden = body.bookings.length > 0;
  if (body.slots) {
    $("my-slots").replaceChildren(
      ...body.slots.map((slot) =>
        item(
          (w) => `${w.slotLine(slot)} — ${slot.booking ? w.bookedBy(slot.booking.nickname, w.modes[slot.booking.mode]) : w.slotFree}`,
          button((w) => w.withdrawSlot, async () => {
            const done = await send("DELETE", `/api/slots/${slot.id}`);
            say($("publish-result"), done.ok ? (w) => w.slotWithdrawn : problem(done.body), done.ok ? "done" : "problem");
            await refresh();
          }),
        ),
      ),
    );
  }
}

async function showFree() {
  const query = new URLSearchParams({ day: $("slot-day").value, profession: $("slot-profession").value, mode: $("slot-mode").value });
  const { ok, body } = await send("GET", `/api/slots?${query}`);
  if (!ok) {
    say($("booking-result"), problem(body), "problem");
    return;
  }
  const slots = body.slots.map((slot) =>
    item(
      (w) => w.slotLine(slot),
      button((w) => w.bookSlot, async () => {
        const wanted = $("slot-mode").value;
        const mode = slot.modes.includes(wanted) ? wanted : slot.modes[0];
        const done = await send("POST", `/api/slots/${slot.id}/booking`, { mode, notify_by_email: $("slot-email").checked });
        say($("booking-result"), done.ok ? (w) => w.slotBooked : problem(done.body), done.ok ? "done" : "problem");
        await refresh();
      }),
    ),
  );
  $("free-slots").replaceChildren(...(slots.length ? slots : [item((w) => w.noFreeSlots)]));
}

async function refresh() {
  await Promise.all([showMine(), showFree()]);
}

/// Shows the booking section (and, for those who take consultations, their day).
export async function showBooking(me) {
  // Today in the space's zone, by the server's clock.
  const { ok, body } = await send("GET", "/api/slots");
  if (!ok) return;
  $("slot-day").value = body.day;
  options($("slot-profession"), PROFESSIONS, (w) => w.professions, true);
  options($("slot-mode"), MODES, (w) => w.modes, true);
  $("slot-search").addEventListener("submit", async (event) => {
    event.preventDefault();
    await busy(event.currentTarget, refresh);
  });
  $("booking").hidden = false;
  if (me.role === "counsellor" || me.role === "admin") {
    options($("publish-profession"), PROFESSIONS, (w) => w.professions, false);
    $("publish-modes").append(
      ...MODES.map((mode) => {
        const label = document.createElement("label");
        const box = document.createElement("input");
        box.type = "checkbox";
        box.name = "modes";
        box.value = mode;
        box.checked = mode === "text";
        const text = document.createElement("span");
        show(text, (w) => w.modes[mode]);
        label.append(box, " ", text, " ");
        return label;
      }),
    );
    $("publish").addEventListener("submit", publish);
    $("my-day").hidden = false;
  }
  await refresh();
}

async function publish(event) {
  event.preventDefault();
  const form = event.currentTarget;
  await busy(form, async () => {
    const request = {
      start: $("publish-start").value, // 2026-12-09T14:00: the server reads it in the space's zone
      minutes: Number($("publish-minutes").value),
      profession: $("publish-profession").value,
      modes: [...form.querySelectorAll("input[name=modes]:checked")].map((b) => b.value),
      notify_by_email: $("publish-email").checked,
    };
    const { ok, body } = await send("POST", "/api/slots", request);
    if (ok) {
      say($("publish-result"), (w) => w.slotPublished, "done");
      await refresh();
      return;
    }
    showProblems(form, body, $("publish-result"));
  });
}

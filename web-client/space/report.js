// Reporting a member, or one of their lines, to the staff (docs/protocol.md `report`): a
// 通報 button beside each other member and each of their lines opens a small dialog with the
// reason and an optional note. The other person is never told; the reporter is thanked.
import { wordsFor } from "../words/lookup.js";

const REASONS = ["harassment", "contact_swapping", "worrying", "other"];
const NOTE_MAX = 200;

let dialog = null;
let current = null; // { member, nickname, seq }

/// `request(message)`: the connection's request (a promise of the reply). Returns
/// `button(T, member, nickname, seq?)`, for members.js and chat.js.
export function reportView(store, { request }) {
  dialog = build();
  const form = dialog.querySelector("form");
  store.on(["settings"], (state) => reword(wordsFor(state)));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (event.submitter?.value === "cancel") return dialog.close();
    const T = wordsFor(store.state);
    const reason = form.querySelector("[name=report-reason]:checked")?.value;
    const result = dialog.querySelector(".report-result");
    if (!reason) {
      result.textContent = T.reportChooseReason;
      return;
    }
    const note = form.querySelector("textarea").value.trim();
    try {
      await request({ type: "report", member: current.member, seq: current.seq ?? undefined, reason, note: note || undefined });
      result.textContent = T.reportThanks;
      form.querySelector("[type=submit][value=send]").hidden = true;
      form.querySelector("[value=cancel]").textContent = T.reportClose;
    } catch (refused) {
      result.textContent = refused.reply?.message ?? T.reportFailed;
    }
  });
}

/// The 通報 button for `member` (and, with `seq`, their line).
export function reportButton(T, member, nickname, seq = null) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button small report";
  button.textContent = T.reportAction;
  button.dataset.key = `report-${member}-${seq ?? ""}`;
  // The name starts with the visible word (WCAG 2.5.3), then says about whom.
  const about = seq === null ? T.reportMemberLabel(nickname) : T.reportLineLabel(nickname);
  button.setAttribute("aria-label", `${T.reportAction}: ${about}`);
  button.addEventListener("click", () => open(T, { member, nickname, seq }));
  return button;
}

function open(T, target) {
  if (!dialog) return;
  current = target;
  const form = dialog.querySelector("form");
  form.reset();
  dialog.querySelector(".report-result").textContent = "";
  form.querySelector("[type=submit][value=send]").hidden = false;
  reword(T);
  dialog.showModal();
}

function build() {
  const d = document.createElement("dialog");
  d.className = "report-dialog";
  d.setAttribute("aria-labelledby", "report-title");
  d.innerHTML = `<form method="dialog" class="form">
    <h2 id="report-title"></h2>
    <p class="report-text"></p>
    <fieldset><legend class="report-reason-legend"></legend>
      ${REASONS.map((r) => `<label><input type="radio" name="report-reason" value="${r}"> <span data-reason="${r}"></span></label>`).join("<br>")}
    </fieldset>
    <p><label for="report-note" class="report-note-label"></label><br>
      <textarea id="report-note" maxlength="${NOTE_MAX}" rows="3"></textarea></p>
    <p role="status" aria-live="polite" class="report-result"></p>
    <p><button type="submit" value="send" class="button"></button>
      <button type="submit" value="cancel" class="button" formnovalidate></button></p>
  </form>`;
  document.body.append(d);
  return d;
}

function reword(T) {
  if (!dialog) return;
  const who = current?.nickname ?? "";
  dialog.querySelector("#report-title").textContent = current?.seq == null ? T.reportMemberTitle(who) : T.reportLineTitle(who);
  dialog.querySelector(".report-text").textContent = T.reportText;
  dialog.querySelector(".report-reason-legend").textContent = T.reportReason;
  for (const span of dialog.querySelectorAll("[data-reason]")) span.textContent = T.reportReasons[span.dataset.reason];
  dialog.querySelector(".report-note-label").textContent = T.reportNote;
  dialog.querySelector("[value=send]").textContent = T.reportSend;
  dialog.querySelector("[value=cancel]").textContent = T.reportCancel;
}

// Staff's side of members' safety (grant `moderate`): the reports members filed, each with
// the snapshot kept (every read is audited by the server), and suspension: from a report,
// with a reason the person will read, and lifted in one press (docs/accounts.md).
import { show } from "../words/page.js";
import { $, say, send } from "./common.js";

export async function showWatch() {
  $("watch").hidden = false;
  await Promise.all([showReports(), showSuspended()]);
}

async function showReports() {
  const { ok, body } = await send("GET", "/api/staff/reports");
  if (!ok) return say($("watch-result"), (w) => w.problem(body), "problem");
  const reports = body.reports ?? [];
  $("reports-none").hidden = reports.length > 0;
  $("report-list").replaceChildren(...reports.map(reportItem));
}

const nameOf = (person) => person?.nickname ?? person?.id ?? "—";

function reportItem(report) {
  const item = document.createElement("li");
  const summary = document.createElement("p");
  show(summary, (w) => w.reportSummary(w.consentWhen(report.at), report.room, nameOf(report.reported), nameOf(report.reporter), w.reportReasons[report.reason] ?? report.reason));
  item.append(summary);
  if (report.note) item.append(Object.assign(document.createElement("p"), { textContent: report.note }));
  const open = button((w) => w.reportOpen);
  const lines = document.createElement("ol");
  lines.className = "snapshot";
  lines.hidden = true;
  open.addEventListener("click", async () => {
    const { ok, body } = await send("GET", `/api/staff/reports/${encodeURIComponent(report.id)}`);
    if (!ok) return say($("watch-result"), (w) => w.problem(body), "problem");
    const shown = [...(body.snapshot?.before ?? []), ...(body.snapshot?.line ? [body.snapshot.line] : [])];
    const items = shown.map((line) => {
      const li = document.createElement("li");
      li.textContent = `${line.nickname}: ${line.text}`;
      if (line.seq === body.snapshot?.line?.seq) li.className = "reported-line";
      return li;
    });
    if (items.length === 0) {
      items.push(document.createElement("li"));
      show(items[0], (w) => w.reportNoLines);
    }
    lines.replaceChildren(...items);
    lines.hidden = false;
    open.hidden = true;
  });
  item.append(open, lines);
  if (report.reported?.nickname) item.append(suspendForm(report));
  return item;
}

function suspendForm(report) {
  const form = document.createElement("form");
  form.className = "form";
  form.noValidate = true;
  const id = `suspend-reason-${report.id}`;
  const label = document.createElement("label");
  label.htmlFor = id;
  show(label, (w) => w.suspendReason(report.reported.nickname));
  const reason = Object.assign(document.createElement("input"), { id, maxLength: 200 });
  const go = button((w) => w.suspendGo);
  go.type = "submit";
  form.append(label, reason, go);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!reason.value.trim()) {
      reason.setAttribute("aria-invalid", "true");
      reason.focus();
      return say($("watch-result"), (w) => w.suspendNeedsReason, "problem");
    }
    reason.removeAttribute("aria-invalid");
    go.disabled = true;
    const url = `/api/staff/members/${encodeURIComponent(report.reported.id)}/suspend`;
    const { ok, body } = await send("POST", url, { reason: reason.value.trim() });
    go.disabled = false;
    if (!ok) return say($("watch-result"), (w) => w.problem(body), "problem");
    say($("watch-result"), (w) => w.suspendedDone(body.nickname), "done");
    await showSuspended();
  });
  return form;
}

async function showSuspended() {
  const { ok, body } = await send("GET", "/api/staff/suspended");
  if (!ok) return;
  const suspended = body.suspended ?? [];
  $("suspended-none").hidden = suspended.length > 0;
  $("suspended-list").replaceChildren(...suspended.map(suspendedItem));
}

function suspendedItem(member) {
  const item = document.createElement("li");
  const what = document.createElement("span");
  what.id = `suspended-${member.member}`;
  show(what, (w) => w.suspendedWhat(member.nickname ?? member.member, w.consentWhen(member.suspended_at), member.reason));
  const lift = button((w) => w.suspendLift);
  lift.setAttribute("aria-describedby", what.id);
  lift.addEventListener("click", async () => {
    lift.disabled = true;
    const { ok, body } = await send("DELETE", `/api/staff/members/${encodeURIComponent(member.member)}/suspend`);
    lift.disabled = false;
    if (!ok) return say($("watch-result"), (w) => w.problem(body), "problem");
    say($("watch-result"), () => body.message, "done");
    await showSuspended();
  });
  item.append(what, " ", lift);
  return item;
}

function button(words) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "button";
  show(b, words);
  return b;
}

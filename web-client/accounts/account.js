// One's own account: what others see, consultation booking (booking.js), whom one blocked,
// staff's reports and suspensions (watch.js), logging out, and deleting everything.
import { show, wordPage } from "../words/page.js";
import { showBooking } from "./booking.js";
import { $, busy, groupChoices, say, send, showProblems } from "./common.js";
import { showWatch } from "./watch.js";

// The bands one may declare (server/src/model/group.rs); the server checks them again.
const GROUPS = ["10s", "20s", "30s", "40s_plus"];

async function showAccount() {
  const { ok, body } = await send("GET", "/api/me");
  if (!ok) {
    say($("result"), (w) => w.problem(body), "problem");
    const login = document.createElement("a");
    login.href = "/login";
    login.className = "button";
    show(login, (w) => w.toLogin);
    $("result").after(login);
    return;
  }
  $("result").hidden = true;
  $("me-nickname").textContent = body.nickname;
  show($("me-avatar"), (w) => w.shapes[body.avatar?.shape] ?? body.avatar?.shape ?? "");
  show($("me-method"), (w) => (body.has_passphrase ? w.methodPassphrase : w.methodEmail));
  $("me").hidden = false;
  $("nickname").value = body.nickname;
  $("my-nickname").hidden = false;
  groupChoices($("group"), GROUPS, body.group);
  $("my-group").hidden = false;
  $("leave").hidden = false;
  await showBooking(body);
  showCounselTools(body.grants ?? []);
  if ((body.grants ?? []).includes("moderate")) await showWatch();
  if ((body.grants ?? []).includes("manage_accounts")) await showAudit();
  await showConsents();
  // Only participants and family members block (server/src/hub/blocks.rs).
  if (body.role === "participant" || body.role === "family") await showBlocks();
}

async function showBlocks(focus) {
  const { ok, body } = await send("GET", "/api/me/blocks");
  if (!ok) return;
  const blocked = body.blocked ?? [];
  $("blocks-none").hidden = blocked.length > 0;
  $("block-list").replaceChildren(...blocked.map(blockedItem));
  $("blocks").hidden = false;
  if (focus) document.getElementById(focus)?.focus();
}

function blockedItem(member) {
  const item = document.createElement("li");
  const name = document.createElement("span");
  name.textContent = member.nickname;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button";
  show(button, (w) => w.unblock);
  button.setAttribute("aria-describedby", `blocked-${member.id}`);
  name.id = `blocked-${member.id}`;
  button.addEventListener("click", async () => {
    button.disabled = true;
    const { ok, body } = await send("DELETE", `/api/me/blocks/${encodeURIComponent(member.id)}`);
    button.disabled = false;
    if (!ok) {
      say($("block-result"), (w) => w.problem(body), "problem");
      return;
    }
    say($("block-result"), (w) => w.unblocked(member.nickname), "done");
    await showBlocks("block-result");
  });
  item.append(name, " ", button);
  return item;
}

// A counsellor's tools (notes, proposals to share), from the grants the server sends; the
// server checks them again.
function showCounselTools(grants) {
  if (!grants.includes("take_consultations")) return;
  $("notes-show").hidden = !grants.includes("read_notes");
  $("counsel").hidden = false;
}

const counselMember = () => $("counsel-member").value.trim();

// After a success, no field is marked wrong any more.
function clearProblems(form) {
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  for (const el of form.querySelectorAll(".field-error")) show(el, () => "");
}

$("note-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  await busy(form, async () => {
    const { ok, body } = await send("POST", "/api/notes", { member: counselMember(), text: $("note-text").value });
    if (!ok) return showProblems(form, body, $("note-result"));
    $("note-text").value = "";
    clearProblems(form);
    say($("note-result"), (w) => w.noteSaved, "done");
  });
});

$("notes-show").addEventListener("click", async () => {
  const { ok, body } = await send("GET", `/api/notes?member=${encodeURIComponent(counselMember())}`);
  if (!ok) return say($("note-result"), (w) => w.problem(body), "problem");
  const notes = body.notes ?? [];
  $("note-list").replaceChildren(
    ...notes.map((note) => {
      const item = document.createElement("li");
      const when = document.createElement("strong");
      show(when, (w) => w.consentWhen(note.created_at));
      const text = document.createElement("p");
      text.textContent = note.text;
      item.append(when, text);
      return item;
    }),
  );
  if (notes.length === 0) say($("note-result"), (w) => w.notesNone);
});

$("propose-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  await busy(form, async () => {
    const information = [...form.querySelectorAll("[name=information]:checked")].map((box) => box.value);
    const { ok, body } = await send("POST", "/api/consents", {
      member: counselMember(),
      recipient: $("recipient").value,
      purpose: $("purpose").value,
      information,
      legal_basis: $("legal_basis").value,
    });
    if (!ok) return showProblems(form, body, $("propose-result"));
    clearProblems(form);
    say($("propose-result"), (w) => w.proposeSent, "done");
    await listProposals();
  });
});

$("proposals-show").addEventListener("click", () => listProposals());

async function listProposals() {
  const { ok, body } = await send("GET", `/api/consents?member=${encodeURIComponent(counselMember())}`);
  if (!ok) return say($("propose-result"), (w) => w.problem(body), "problem");
  const consents = body.consents ?? [];
  $("proposal-list").replaceChildren(
    ...consents.map((consent) => {
      const item = document.createElement("li");
      const line = document.createElement("span");
      show(line, (w) => w.proposalLine(consent));
      item.append(line);
      if (consent.state === "agreed") {
        for (const [path, words] of [["export.html", (w) => w.exportPage], ["export", (w) => w.exportJson]]) {
          const link = document.createElement("a");
          link.href = `/api/consents/${encodeURIComponent(consent.id)}/${path}`;
          link.target = "_blank";
          show(link, words);
          item.append(" ", link);
        }
      }
      return item;
    }),
  );
  if (consents.length === 0) say($("propose-result"), (w) => w.proposalsNone);
}

// Requests to share one's information (docs/accounts.md, "Consent to share"): each in plain
// words, with what one may answer now and everything that happened so far.
async function showConsents(focus) {
  const { ok, body } = await send("GET", "/api/me/consents");
  if (!ok) return;
  const consents = body.consents ?? [];
  $("consents-none").hidden = consents.length > 0;
  $("consent-list").replaceChildren(...consents.map(consentCard));
  $("consents").hidden = false;
  if (focus) document.getElementById(focus)?.focus();
}

function consentCard(consent) {
  const card = document.createElement("article");
  card.className = "consent";
  card.setAttribute("aria-labelledby", `consent-${consent.id}`);
  const title = document.createElement("h3");
  title.id = `consent-${consent.id}`;
  title.tabIndex = -1;
  show(title, (w) => w.consentTitle(consent.recipient));
  const facts = document.createElement("dl");
  facts.className = "facts";
  const fact = (label, value) => {
    const dt = document.createElement("dt");
    show(dt, label);
    const dd = document.createElement("dd");
    show(dd, value);
    facts.append(dt, dd);
  };
  fact((w) => w.consentRecipient, () => consent.recipient);
  fact((w) => w.consentPurpose, () => consent.purpose);
  fact((w) => w.consentInformation, (w) => consent.information.map((i) => w.consentInformationItems[i] ?? i).join(w.listSeparator));
  fact((w) => w.consentBasis, () => consent.legal_basis);
  const state = document.createElement("p");
  state.className = "consent-state";
  show(state, (w) => w.consentStates[consent.state] ?? consent.state);
  const actions = document.createElement("p");
  const choices = { proposed: ["agree", "decline"], agreed: ["withdraw"] }[consent.state] ?? [];
  for (const decision of choices) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = decision === "agree" ? "button primary" : "button";
    show(button, (w) => ({ agree: w.consentAgree, decline: w.consentDecline, withdraw: w.consentWithdraw })[decision]);
    button.addEventListener("click", () => answer(consent, decision, button));
    actions.append(button, " ");
  }
  const heading = document.createElement("h4");
  show(heading, (w) => w.consentTimeline);
  const timeline = document.createElement("ol");
  timeline.className = "consent-timeline";
  for (const step of consent.timeline) {
    const item = document.createElement("li");
    show(item, (w) => `${w.consentWhen(step.at)} ${w.consentSteps[step.event] ?? step.event}`);
    timeline.append(item);
  }
  card.append(title, facts, state, ...(choices.length ? [actions] : []), heading, timeline);
  return card;
}

async function answer(consent, decision, button) {
  button.disabled = true;
  const { ok, body } = await send("POST", `/api/me/consents/${encodeURIComponent(consent.id)}/${decision}`);
  button.disabled = false;
  if (!ok) {
    say($("consent-result"), (w) => w.problem(body), "problem");
    return;
  }
  say($("consent-result"), (w) => w.consentAnswered[decision], "done");
  await showConsents(`consent-${consent.id}`);
}

$("group-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  await busy(form, async () => {
    const { ok, body } = await send("PUT", "/api/me/group", { group: $("group").value || null });
    if (ok) {
      $("group").removeAttribute("aria-invalid");
      show($("group-error"), () => "");
      say($("group-result"), (w) => w.groupSaved, "done");
      return;
    }
    showProblems(form, body, $("group-result"));
  });
});

// A new nickname: the registration's rules again (server/src/accounts/nickname.rs). A name
// that looks real comes back with the part to keep, offered as one press.
$("nickname-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  $("nickname-suggestion").hidden = true;
  await busy(form, async () => {
    const { ok, body } = await send("PUT", "/api/me/nickname", { nickname: $("nickname").value });
    if (ok) {
      clearProblems(form);
      $("nickname").value = body.nickname;
      $("me-nickname").textContent = body.nickname;
      say($("nickname-result"), (w) => w.nicknameSaved(body.nickname), "done");
      return;
    }
    showProblems(form, body, $("nickname-result"));
    const realName = (body.problems ?? []).find((p) => p.code === "nickname_real_name");
    if (realName?.suggestion) {
      const button = $("nickname-suggestion");
      show(button, (w) => w.nicknameUseSuggestion(realName.suggestion));
      button.onclick = () => {
        $("nickname").value = realName.suggestion;
        button.hidden = true;
        $("nickname").focus();
      };
      button.hidden = false;
    }
  });
});

// The audit log for admins (GET /api/admin/audit), a page at a time, newest first.
let auditBefore = null;

async function showAudit() {
  $("audit").hidden = false;
  await moreAudit();
}

async function moreAudit() {
  const query = auditBefore === null ? "" : `&before=${auditBefore}`;
  const { ok, body } = await send("GET", `/api/admin/audit?limit=50${query}`);
  if (!ok) return say($("audit-result"), (w) => w.problem(body), "problem");
  const who = (person) => (person ? person.nickname ?? person.id : null);
  for (const entry of body.entries ?? []) {
    const row = document.createElement("tr");
    const cells = [
      (w) => w.consentWhen(entry.at),
      (w) => who(entry.actor) ?? w.auditCommandLine,
      (w) => w.auditActions[entry.action] ?? entry.action,
      (w) => who(entry.subject) ?? "—",
      (w) => auditDetail(w, entry.detail),
    ];
    for (const words of cells) {
      const cell = document.createElement("td");
      show(cell, words);
      row.append(cell);
    }
    $("audit-rows").append(row);
  }
  auditBefore = body.next_before ?? null;
  $("audit-more").hidden = auditBefore === null;
  if ($("audit-rows").children.length === 0) say($("audit-result"), (w) => w.auditNone);
}

// The details as "name: value" pairs in the page's language, readable without knowing JSON:
// known names and values in words, times as times, anything else as it is.
function auditDetail(w, detail) {
  if (!detail || typeof detail !== "object") return "";
  const value = (key, v) => {
    if (typeof v === "boolean") return v ? w.auditYes : w.auditNo;
    if (v === null || v === undefined) return "—";
    if (typeof v === "object") return JSON.stringify(v);
    const named = {
      reason: w.reportReasons, role: w.roles, category: w.crisisCategories, by: w.auditBy,
    }[key];
    if (named?.[v]) return named[v];
    if (key === "until") return w.consentWhen(v);
    return v;
  };
  return Object.entries(detail)
    .map(([key, v]) => `${w.auditKeys[key] ?? key}: ${value(key, v)}`)
    .join("、");
}

$("audit-more").addEventListener("click", () => moreAudit());
$("audit-refresh").addEventListener("click", () => {
  auditBefore = null;
  $("audit-rows").replaceChildren();
  $("audit-result").hidden = true;
  moreAudit();
});

$("logout").addEventListener("click", async () => {
  await send("POST", "/api/logout");
  location.href = "/";
});

$("delete").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  await busy(form, async () => {
    const { ok, body } = await send("DELETE", "/api/me", { confirm: $("confirm").value });
    if (ok) {
      $("me").hidden = true;
      $("leave").hidden = true;
      say($("result"), (w) => w.deleted, "done");
      return;
    }
    showProblems(form, body, $("result"));
  });
});

wordPage();
showAccount();

// What the account pages share: talking to the API and showing its answers. Their words
// are in ../words/ (ja.js, en.js).
// Plain ES module, no build step, nothing loaded from outside this server.
import { show } from "../words/page.js";

export const $ = (id) => document.getElementById(id);

// POSTs (or another method) JSON; never throws for an HTTP error: the caller gets
// { ok, status, body } and shows the problem (the words' `problem(body)`).
export async function send(method, url, body) {
  try {
    const response = await fetch(url, {
      method,
      headers: body === undefined ? { Accept: "application/json" } : { "Content-Type": "application/json", Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
    const text = await response.text();
    let parsed = {};
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = {};
    }
    return { ok: response.ok, status: response.status, body: parsed };
  } catch (error) {
    console.warn(error);
    return { ok: false, status: 0, body: { error: "network" } };
  }
}

// Shows a message in the page's status box (a polite live region), calm or as a problem.
// `words(table)` picks it from the chosen language's words, so a switch rewords it.
export function say(box, words, kind = "info") {
  show(box, words);
  box.dataset.kind = kind;
  box.hidden = false;
  if (kind === "problem") box.focus();
}

// Says what is wrong. Every field an `invalid` answer names (all at once: `problems`) gets
// its reason beside it and is marked, and the first takes the focus; any other problem, or a
// field this form has no place for, goes to the status box `box`.
export function showProblems(form, body, box) {
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  for (const el of form.querySelectorAll(".field-error")) show(el, () => "");
  const named = body.error === "invalid" ? body.problems ?? [{ field: body.field }]
    : body.error === "nickname_taken" ? [{ field: "nickname" }] : [];
  const problems = named.map((problem) => ({ ...body, ...problem }));
  const elsewhere = [];
  let first = null;
  for (const problem of problems) {
    const error = form.querySelector(`#${problem.field}-error`);
    if (!error) {
      elsewhere.push(problem);
      continue;
    }
    show(error, (w) => w.problem(problem));
    const input = form.querySelector(`[name="${problem.field}"]`);
    input?.setAttribute("aria-invalid", "true");
    first ??= input;
  }
  if (problems.length === 0 || elsewhere.length > 0) {
    say(box, (w) => w.problem(elsewhere[0] ?? body), "problem");
  } else {
    box.hidden = true;
    first?.focus();
  }
}

// Reads `#t=…` from the address and then removes it, so the token does not stay in the
// address bar, the history or a screenshot.
export function takeToken() {
  const match = /(?:^#|&)t=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (match) history.replaceState(null, "", location.pathname);
  return match ? match[1] : null;
}

// Disables a form's button while a request is on its way, so one click sends once.
export async function busy(form, work) {
  const button = form.querySelector("button[type=submit]");
  if (button) button.disabled = true;
  try {
    return await work();
  } finally {
    if (button) button.disabled = false;
  }
}

// Fills an age-band <select>: 答えない first (value ""), then each band the server offers,
// each worded in the chosen language.
export function groupChoices(select, groups, chosen = "") {
  select.replaceChildren(
    ...["", ...groups].map((value) => {
      const option = document.createElement("option");
      option.value = value;
      show(option, (w) => w.groups[value] ?? value);
      return option;
    }),
  );
  select.value = chosen ?? "";
}

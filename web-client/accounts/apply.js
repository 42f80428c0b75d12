// The application form (docs/accounts.md: POST /api/applications).
import { operatorText } from "../words/lookup.js";
import { language, show, wordPage } from "../words/page.js";
import { $, busy, say, send, showProblems } from "./common.js";

async function showForm() {
  const { ok, body } = await send("GET", "/api/applications/form");
  if (!ok) {
    say($("result"), (w) => w.problem(body), "problem");
    return;
  }
  // The operator's own wording (rooms.toml), shown as written, in English when given.
  show($("eligibility"), (w) => `${operatorText(language(), body, "eligibility")}${w.required}`);
  show($("privacy"), () => operatorText(language(), body, "privacy_notice"));
  (body.heard_from ?? []).forEach((choice, i) => {
    const option = document.createElement("option");
    // The Japanese is sent (staff read it), whichever the applicant reads.
    option.value = choice;
    show(option, () => (language() === "en" && body.heard_from_en?.[i]) || choice);
    $("heard_from").append(option);
  });
}

async function apply(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const data = new FormData(form);
  const request = {
    nickname: data.get("nickname") ?? "",
    email: data.get("email") ?? "",
    applicant: data.get("applicant") ?? "self",
    eligible: $("eligible").checked,
    consent: $("consent").checked,
    heard_from: data.get("heard_from") || null,
    note: data.get("note") || null,
    website: data.get("website") ?? "",
    // The answer and the e-mails come in the page's language.
    lang: language(),
  };
  await busy(form, async () => {
    say($("result"), (w) => w.sending);
    const { ok, body } = await send("POST", "/api/applications", request);
    if (ok) {
      form.hidden = true;
      say($("result"), () => body.message, "done");
      $("result").focus();
      return;
    }
    showProblems(form, body, $("result"));
  });
}

wordPage();
$("apply").addEventListener("submit", apply);
showForm();

// The application form (docs/accounts.md: POST /api/applications).
import { $, busy, markField, say, send, TEXT } from "./common.js";

async function showForm() {
  const { ok, body } = await send("GET", "/api/applications/form");
  if (!ok) {
    say($("result"), body.message ?? TEXT.networkFailed, "problem");
    return;
  }
  $("eligibility").textContent = `${body.eligibility}（必須）`;
  $("privacy").textContent = body.privacy_notice;
  for (const choice of body.heard_from ?? []) {
    const option = document.createElement("option");
    option.value = option.textContent = choice;
    $("heard_from").append(option);
  }
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
    lang: "ja",
  };
  await busy(form, async () => {
    say($("result"), TEXT.sending);
    const { ok, body } = await send("POST", "/api/applications", request);
    if (ok) {
      form.hidden = true;
      say($("result"), body.message, "done");
      $("result").focus();
      return;
    }
    if (body.field && markField(form, body.field, body.message)) {
      $("result").hidden = true;
    } else {
      say($("result"), body.message ?? TEXT.networkFailed, "problem");
    }
  });
}

$("apply").addEventListener("submit", apply);
showForm();

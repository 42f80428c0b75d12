// Registration from an invitation link (/register#t=…): nickname, avatar, and a passphrase
// or log-in-by-e-mail. A used, expired or revoked link gets the API's kind message and a way on.
import { avatarPicture } from "../pictures.js";
import { show, wordPage } from "../words/page.js";
import { $, busy, groupChoices, say, send, showProblems, takeToken } from "./common.js";

const token = takeToken();

function swatches(container, name, values, label, paint) {
  values.forEach((value, i) => {
    const choice = document.createElement("label");
    choice.className = "swatch";
    const input = document.createElement("input");
    input.type = "radio";
    input.name = name;
    input.value = value;
    input.checked = i === 0;
    const text = document.createElement("span");
    show(text, (w) => label(w, value, i));
    choice.append(input, text);
    paint(text, value);
    container.append(choice);
  });
}

function wayOn(error) {
  const next = $("next");
  next.replaceChildren();
  const link = document.createElement("a");
  link.className = "button";
  if (error === "invitation_used") {
    link.href = "/login";
    show(link, (w) => w.toLogin);
  } else {
    link.href = "/apply";
    show(link, (w) => w.toApply);
  }
  next.append(link);
  next.hidden = false;
}

async function showForm() {
  if (!token) {
    say($("result"), (w) => w.noInvitation, "problem");
    wayOn("invitation_unknown");
    return;
  }
  const { ok, body } = await send("GET", `/api/invitations/${encodeURIComponent(token)}`);
  if (!ok) {
    say($("result"), (w) => w.problem(body), "problem");
    wayOn(body.error);
    return;
  }
  say($("result"), (w) => w.registeringAs(body.role));
  $("nickname").value = body.nickname ?? "";
  // Each shape shows its face, on the colour chosen below (as the space will show it).
  swatches($("shapes"), "shape", body.avatars.shapes, (w, v) => w.shapes[v] ?? v, (el, v) => {
    const face = avatarPicture(v);
    if (face) el.before(Object.assign(document.createElement("img"), { src: face, alt: "", className: "face" }));
  });
  swatches($("colors"), "color", body.avatars.colors, (w, v, i) => w.color(v, i + 1), (el, v) => {
    el.style.setProperty("--swatch", v);
    el.classList.add("colour");
  });
  const faceColour = () => $("shapes").style.setProperty("--face", new FormData($("register")).get("color"));
  $("colors").addEventListener("change", faceColour);
  faceColour();
  groupChoices($("group"), body.groups ?? []);
  if (body.passphrase_required) $("by-email-choice").hidden = true;
  for (const radio of document.querySelectorAll("input[name=method]")) {
    radio.addEventListener("change", () => {
      $("passphrase-field").hidden = radio.value === "email" && radio.checked;
    });
  }
  $("register").hidden = false;
}

async function register(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const data = new FormData(form);
  const byEmail = data.get("method") === "email";
  const request = {
    token,
    nickname: data.get("nickname") ?? "",
    avatar: { shape: data.get("shape"), color: data.get("color") },
    group: data.get("group") || null,
    passphrase: byEmail ? null : data.get("passphrase") ?? "",
    login_by_email: byEmail,
  };
  await busy(form, async () => {
    say($("result"), (w) => w.sending);
    const { ok, body } = await send("POST", "/api/registrations", request);
    if (ok) {
      form.hidden = true;
      say($("result"), (w) => w.registered(body.nickname), "done");
      $("welcome").hidden = false;
      return;
    }
    showProblems(form, body, $("result"));
    if (body.error?.startsWith("invitation_")) {
      form.hidden = true;
      wayOn(body.error);
    }
  });
}

wordPage();
$("register").addEventListener("submit", register);
showForm();

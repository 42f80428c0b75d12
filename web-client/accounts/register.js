// Registration from an invitation link (/register#t=…): nickname, avatar, and a passphrase
// or log-in-by-e-mail. A used, expired or revoked link gets the API's kind message and a way on.
import { $, busy, markField, say, send, takeToken, TEXT } from "./common.js";

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
    text.textContent = label(value, i);
    paint(text, value);
    choice.append(input, text);
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
    link.textContent = "ログインのページへ";
  } else {
    link.href = "/apply";
    link.textContent = "お申し込みのページへ";
  }
  next.append(link);
  next.hidden = false;
}

async function showForm() {
  if (!token) {
    say($("result"), "招待リンクが見つかりませんでした。メールに書かれたリンクを、そのまま開いてください。", "problem");
    wayOn("invitation_unknown");
    return;
  }
  const { ok, body } = await send("GET", `/api/invitations/${encodeURIComponent(token)}`);
  if (!ok) {
    say($("result"), body.message, "problem");
    wayOn(body.error);
    return;
  }
  say($("result"), `${TEXT.roles[body.role] ?? body.role}としての登録です。`);
  $("nickname").value = body.nickname ?? "";
  swatches($("shapes"), "shape", body.avatars.shapes, (v) => TEXT.shapes[v] ?? v, () => {});
  swatches($("colors"), "color", body.avatars.colors, (v, i) => TEXT.color(v, i + 1), (el, v) => {
    el.style.setProperty("--swatch", v);
    el.classList.add("colour");
  });
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
    passphrase: byEmail ? null : data.get("passphrase") ?? "",
    login_by_email: byEmail,
  };
  await busy(form, async () => {
    say($("result"), TEXT.sending);
    const { ok, body } = await send("POST", "/api/registrations", request);
    if (ok) {
      form.hidden = true;
      say($("result"), `登録が済みました。ようこそ、${body.nickname} さん。開室中は、いつでも居場所に入れます。`, "done");
      $("next").innerHTML = '<a class="button primary" href="/space">居場所に入る</a> <a class="button" href="/account">アカウント</a>';
      $("next").hidden = false;
      return;
    }
    const field = body.field;
    if (body.error === "nickname_taken") {
      markField(form, "nickname", body.message);
      $("result").hidden = true;
    } else if (field && markField(form, field, body.message)) {
      $("result").hidden = true;
    } else {
      say($("result"), body.message ?? TEXT.networkFailed, "problem");
      if (body.error?.startsWith("invitation_")) {
        form.hidden = true;
        wayOn(body.error);
      }
    }
  });
}

$("register").addEventListener("submit", register);
showForm();

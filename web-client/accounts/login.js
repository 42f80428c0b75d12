// Logging in: by passphrase, by asking for a link, or by opening that link (/login#t=…).
import { $, busy, say, send, takeToken, TEXT } from "./common.js";

function loggedIn(body) {
  $("forms").hidden = true;
  say($("result"), `ログインしました。こんにちは、${body.nickname} さん。`, "done");
  $("next").hidden = false;
}

async function redeem(token) {
  $("forms").hidden = true;
  say($("result"), "ログイン用のリンクを確かめています…");
  const { ok, body } = await send("POST", "/api/login/redeem", { token });
  if (ok) {
    loggedIn(body);
  } else {
    say($("result"), body.message ?? TEXT.networkFailed, "problem");
    $("forms").hidden = false;
  }
}

$("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const data = new FormData(form);
  await busy(form, async () => {
    say($("result"), TEXT.sending);
    const { ok, body } = await send("POST", "/api/login", {
      email: data.get("email") ?? "",
      passphrase: data.get("passphrase") ?? "",
    });
    if (ok) loggedIn(body);
    else say($("result"), body.message ?? TEXT.networkFailed, "problem");
  });
});

$("link").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const data = new FormData(form);
  await busy(form, async () => {
    say($("result"), TEXT.sending);
    const { body } = await send("POST", "/api/login/link", { email: data.get("email") ?? "", lang: "ja" });
    say($("result"), body.message ?? TEXT.networkFailed, body.error ? "problem" : "done");
  });
});

const token = takeToken();
if (token) redeem(token);

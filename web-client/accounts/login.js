// Logging in: by passphrase, by asking for a link, or by opening that link (/login#t=…).
import { language, wordPage } from "../words/page.js";
import { $, busy, say, send, takeToken } from "./common.js";

function loggedIn(body) {
  $("forms").hidden = true;
  say($("result"), (w) => w.loggedIn(body.nickname), "done");
  $("next").hidden = false;
}

async function redeem(token) {
  $("forms").hidden = true;
  say($("result"), (w) => w.checkingLink);
  const { ok, body } = await send("POST", "/api/login/redeem", { token });
  if (ok) {
    loggedIn(body);
  } else {
    say($("result"), (w) => w.problem(body), "problem");
    $("forms").hidden = false;
  }
}

$("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const data = new FormData(form);
  await busy(form, async () => {
    say($("result"), (w) => w.sending);
    const { ok, body } = await send("POST", "/api/login", {
      email: data.get("email") ?? "",
      passphrase: data.get("passphrase") ?? "",
    });
    if (ok) loggedIn(body);
    else say($("result"), (w) => w.problem(body), "problem");
  });
});

$("link").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const data = new FormData(form);
  await busy(form, async () => {
    say($("result"), (w) => w.sending);
    // The answer and the e-mail with the link come in the page's language.
    const { ok, body } = await send("POST", "/api/login/link", { email: data.get("email") ?? "", lang: language() });
    say($("result"), (w) => (ok ? body.message : w.problem(body)), ok ? "done" : "problem");
  });
});

wordPage();
const token = takeToken();
if (token) redeem(token);

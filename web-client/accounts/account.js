// One's own account: what others see, logging out, and deleting everything.
import { show, wordPage } from "../words.js";
import { $, busy, markField, say, send } from "./common.js";

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
  $("leave").hidden = false;
}

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
    if (!(body.field && markField(form, body.field, (w) => w.problem(body)))) {
      say($("result"), (w) => w.problem(body), "problem");
    }
  });
});

wordPage();
showAccount();

// One's own account: what others see, logging out, and deleting everything.
import { $, busy, markField, say, send, TEXT } from "./common.js";

async function show() {
  const { ok, body } = await send("GET", "/api/me");
  if (!ok) {
    say($("result"), body.message ?? TEXT.networkFailed, "problem");
    const login = document.createElement("a");
    login.href = "/login";
    login.className = "button";
    login.textContent = "ログインのページへ";
    $("result").after(login);
    return;
  }
  $("result").hidden = true;
  $("me-nickname").textContent = body.nickname;
  $("me-avatar").textContent = TEXT.shapes[body.avatar?.shape] ?? body.avatar?.shape ?? "";
  $("me-method").textContent = body.has_passphrase ? "パスフレーズ" : "メールのリンク";
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
      say($("result"), "退会の手続きが終わりました。登録していただいた情報は削除しました。これまで来てくださって、ありがとうございました。", "done");
      return;
    }
    if (!(body.field && markField(form, body.field, body.message))) {
      say($("result"), body.message ?? TEXT.networkFailed, "problem");
    }
  });
});

show();

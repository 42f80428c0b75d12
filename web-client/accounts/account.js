// One's own account: what others see, consultation booking (booking.js), logging out, and
// deleting everything.
import { show, wordPage } from "../words/page.js";
import { showBooking } from "./booking.js";
import { $, busy, groupChoices, say, send, showProblems } from "./common.js";

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
  groupChoices($("group"), GROUPS, body.group);
  $("my-group").hidden = false;
  $("leave").hidden = false;
  await showBooking(body);
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

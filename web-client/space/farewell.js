// The last screen: the space is put away and the person is told why, kindly.
import { said, wordsFor } from "./i18n.js";

const $ = (id) => document.getElementById(id);

export function farewellView(store) {
  let focused = false;
  store.on(["farewell", "settings"], (state) => {
    const f = state.farewell;
    if (!f) return;
    const T = wordsFor(state);
    $("leave").hidden = true;
    $("main").hidden = true;
    $("farewell-heading").textContent = T[f.title] ?? "";
    $("farewell-text").textContent = f.msg ? said(state, f.msg) : T[f.text] ?? "";
    $("farewell-login").hidden = !f.login;
    $("farewell").hidden = false;
    if (!focused) $("farewell").focus();
    focused = true;
  });
}

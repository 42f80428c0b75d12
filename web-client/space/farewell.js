// The last screen: the space is put away and the person is told why, kindly.
import { said, wordsFor } from "../words/lookup.js";

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
    $("farewell-text").textContent = unrepeated(f.msg ? said(state, f.msg) : T[f.text] ?? "", T[f.title] ?? "");
    $("farewell-login").hidden = !f.login;
    $("farewell").hidden = false;
    if (!focused) $("farewell").focus();
    focused = true;
  });
}

/// The text without a first sentence that only says the heading again (the server's goodbye
/// starts with "本日は閉室しました。", as the heading does).
function unrepeated(text, heading) {
  if (!heading || !text.startsWith(heading)) return text;
  return text.slice(heading.length).replace(/^[。.!！]?\s*/, "") || text;
}

// Wording the pages other than the space (the public page, the account pages): their fixed
// parts (`data-t`) and the parts worded at run time, again at once whenever the language is
// switched (`#language`). The space page words itself from its store (space/settings.js).
// Plain ES module, no build step, nothing loaded from outside this server.
import { storeLanguage, storedLanguage, wordFixed, wordsIn } from "./lookup.js";

let lang = storedLanguage();

// Elements worded at run time, with how to word them again after a switch.
const live = new Map();

/** The chosen language, "ja" or "en", for requests whose answer (or e-mail) is worded. */
export function language() {
  return lang;
}

/** Words `el` with `paint(words)` now and again whenever the language changes. */
export function reword(el, paint) {
  el.removeAttribute("data-t"); // its words now come from `paint`, not the static key
  live.set(el, paint);
  paint(wordsIn(lang));
}

/** Sets `el`'s text to `words(table)`, now and after every switch. */
export function show(el, words) {
  reword(el, (w) => {
    el.textContent = words(w);
  });
}

function applyWords() {
  wordFixed(lang);
  for (const paint of live.values()) paint(wordsIn(lang));
}

/** Words the page in the chosen language and wires its switch (`#language`). */
export function wordPage() {
  const select = document.getElementById("language");
  select.value = lang;
  select.addEventListener("change", () => {
    lang = select.value === "en" ? "en" : "ja";
    storeLanguage(lang);
    applyWords();
  });
  applyWords();
}

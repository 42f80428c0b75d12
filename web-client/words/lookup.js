// Which words a page shows: one table per language (ja.js, en.js), Japanese first. The
// choice is kept in localStorage["ibasho.lang"], so it carries across every page of the
// space. Plain ES module, no build step.
import en from "./en.js";
import ja from "./ja.js";

const WORDS = { ja, en };
const STORED = "ibasho.lang";

/// "en" when that was chosen on this device, else "ja".
export function storedLanguage() {
  try {
    return localStorage.getItem(STORED) === "en" ? "en" : "ja";
  } catch {
    return "ja"; // storage can be blocked; Japanese is the default anyway
  }
}

export function storeLanguage(lang) {
  try {
    localStorage.setItem(STORED, lang);
  } catch {
    // Not remembered, but this page still switches.
  }
}

/// The words of `lang` ("ja" or "en").
export function wordsIn(lang) {
  return WORDS[lang] ?? ja;
}

/// Words the page's fixed parts: its language and each `data-t` element's text (the key of
/// a plain string in the table).
export function wordFixed(lang) {
  const words = wordsIn(lang);
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll("[data-t]")) {
    const word = words[el.dataset.t];
    if (typeof word === "string") el.textContent = word;
  }
}

/// An operator's text from rooms.toml (the space's `name`, `about`, `contact`, a room's or an
/// area's `name`, a video's `title`, the form's wording) in `lang`: its `key_en` on an English
/// page when the operator gave one, else the Japanese as written.
export function operatorText(lang, source, key) {
  return (lang === "en" && source?.[`${key}_en`]) || source?.[key];
}

/// The space page's words now (its state holds the chosen language).
export function wordsFor(state) {
  return wordsIn(state.settings.lang);
}

/// The server's `message` of `msg` in the space page's language ("" when it has none).
export function said(state, msg) {
  if (typeof msg?.message !== "string") return "";
  return wordsFor(state).fromServer(msg, state.space?.timezone ?? "Asia/Tokyo");
}

// The display settings: calm colours, larger text and the page's language, kept in
// localStorage for the next visit. The choice goes through the store; this view shows it.
import { wordsFor } from "./i18n.js";

const $ = (id) => document.getElementById(id);

/// The settings saved on this device.
export function savedSettings() {
  return {
    lang: localStorage.getItem("ibasho.lang") === "en" ? "en" : "ja",
    calm: localStorage.getItem("ibasho.calm") === "1",
    large: localStorage.getItem("ibasho.large") === "1",
  };
}

/// `choose(settings)`: a changed setting; `opened()`: the settings were opened.
export function settingsView(store, { choose, opened }) {
  $("settings-toggle").addEventListener("click", () => {
    const open = $("settings").hidden;
    $("settings").hidden = !open;
    $("settings-toggle").setAttribute("aria-expanded", String(open));
    if (open) opened();
  });
  $("calm").addEventListener("change", (e) => choose({ calm: e.target.checked }));
  $("large").addEventListener("change", (e) => choose({ large: e.target.checked }));
  $("language").addEventListener("change", (e) => choose({ lang: e.target.value === "en" ? "en" : "ja" }));

  let shown = null;
  store.on(["settings"], (state) => {
    const s = state.settings;
    localStorage.setItem("ibasho.lang", s.lang);
    localStorage.setItem("ibasho.calm", s.calm ? "1" : "0");
    localStorage.setItem("ibasho.large", s.large ? "1" : "0");
    document.body.classList.toggle("calm", s.calm);
    document.documentElement.classList.toggle("large", s.large);
    $("calm").checked = s.calm;
    $("large").checked = s.large;
    $("language").value = s.lang;
    if (shown === s.lang) return;
    shown = s.lang;
    const T = wordsFor(state);
    document.documentElement.lang = s.lang;
    for (const el of document.querySelectorAll("[data-t]")) {
      const word = T[el.dataset.t];
      if (typeof word === "string") el.textContent = word;
    }
  });
}

// The display settings: calm colours, larger text and the page's language, kept in
// localStorage for the next visit. The choice goes through the store; this view shows it.
import { storeLanguage, storedLanguage, wordFixed } from "../words/lookup.js";

const $ = (id) => document.getElementById(id);

/// The settings saved on this device.
export function savedSettings() {
  return {
    lang: storedLanguage(),
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
    storeLanguage(s.lang);
    localStorage.setItem("ibasho.calm", s.calm ? "1" : "0");
    localStorage.setItem("ibasho.large", s.large ? "1" : "0");
    document.body.classList.toggle("calm", s.calm);
    document.documentElement.classList.toggle("large", s.large);
    $("calm").checked = s.calm;
    $("large").checked = s.large;
    $("language").value = s.lang;
    if (shown === s.lang) return;
    shown = s.lang;
    wordFixed(s.lang);
  });
}

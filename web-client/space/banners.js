// Banners: a notice (with a calm countdown to `until`), an announcement, a refusal or a room
// that ended, one at a time. The countdown follows the server's clock, which may be a
// rehearsal clock (--clock): its "now" is measured again with every notice.
import { said, wordsFor } from "./i18n.js";

const $ = (id) => document.getElementById(id);

export function bannersView(store) {
  let skew = 0;
  let ticker = null;
  const syncClock = () =>
    fetch("/api/status")
      .then((r) => r.json())
      .then((s) => {
        if (s.now) skew = new Date(s.now) - Date.now();
      })
      .catch(() => {});
  syncClock();

  let shown = null;
  store.on(["banner", "settings"], (state, changed) => {
    const banner = state.banner;
    if (changed.has("banner") && banner?.msg?.type === "notice" && banner !== shown) syncClock();
    shown = banner;
    clearInterval(ticker);
    if (!banner) {
      $("banners").replaceChildren();
      return;
    }
    const T = wordsFor(state);
    const box = document.createElement("div");
    box.className = `banner ${banner.kind}`;
    box.setAttribute("role", banner.kind === "error" ? "alert" : "status");
    const text = document.createElement("span");
    text.textContent = banner.announcement
      ? T.announcementFrom(banner.announcement.from.nickname) + banner.announcement.text
      : said(state, banner.msg) || (banner.msg?.code === "offline" ? T.voiceOffline : "");
    box.append(text);
    if (banner.until) {
      const count = document.createElement("strong");
      count.className = "countdown";
      box.append(" ", count);
      const tick = () => {
        const left = Math.max(0, Math.round((new Date(banner.until) - (Date.now() + skew)) / 1000));
        count.textContent = T.countdown(Math.floor(left / 60), left % 60);
      };
      tick();
      ticker = setInterval(tick, 1000);
    }
    $("banners").replaceChildren(box);
  });
}

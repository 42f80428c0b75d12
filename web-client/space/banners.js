// Banners: a notice (with a calm countdown to `until`), an announcement, a refusal or a room
// that ended, one at a time. The countdown follows the server's clock, which may be a
// rehearsal clock (--clock) running faster: `state.serverClock`, measured again with every
// notice (app.js).
import { said, wordsFor } from "../words/lookup.js";
import { serverNow } from "./store.js";

const $ = (id) => document.getElementById(id);

export function bannersView(store) {
  let ticker = null;
  store.on(["banner", "serverClock", "settings"], (state) => {
    const banner = state.banner;
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
    const words = banner.words && T[banner.words];
    text.textContent = banner.announcement
      ? T.announcementFrom(banner.announcement.from.nickname) + banner.announcement.text
      : typeof words === "function" ? words(banner.who)
      : words || said(state, banner.msg) || (banner.msg?.code === "offline" ? T.voiceOffline : "");
    box.append(text);
    if (banner.until) {
      const count = document.createElement("strong");
      count.className = "countdown";
      box.append(" ", count);
      const tick = () => {
        const left = Math.max(0, Math.round((new Date(banner.until) - serverNow(state)) / 1000));
        count.textContent = T.countdown(Math.floor(left / 60), left % 60);
      };
      tick();
      // Once a second of the server's clock (more often in a rehearsal), not of the device's.
      ticker = setInterval(tick, Math.max(100, 1000 / state.serverClock.speed));
    }
    $("banners").replaceChildren(box);
  });
}

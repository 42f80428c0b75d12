// On a phone the space shows one part at a time: the room (its map or videos, and the voice
// tools), the chat, who is here (and the staff tools), the rooms. These tabs switch between
// them, always at hand under the bar with 退室. On a wide screen every part shows at once and
// the tabs are not drawn (space.css); the choice is kept in the store either way.
import { wordsFor } from "../words/lookup.js";

const $ = (id) => document.getElementById(id);
const TABS = ["stage", "chat", "members", "rooms"];

export function tabsView(store) {
  const bar = $("tabs");
  const choose = (tab) => store.dispatch({ type: "page:tab", tab });
  for (const button of bar.querySelectorAll("[role=tab]")) {
    button.addEventListener("click", () => choose(button.dataset.tab));
    // Arrow keys move between tabs (the tab pattern); Tab leaves the bar.
    button.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      event.preventDefault();
      const next = TABS[(TABS.indexOf(button.dataset.tab) + step + TABS.length) % TABS.length];
      choose(next);
      bar.querySelector(`[data-tab=${next}]`).focus();
    });
  }
  // The skip link goes to the chat's input: on a phone the chat must be the part shown.
  document.querySelector(".skip")?.addEventListener("click", () => choose("chat"));
  store.on(["tab", "room", "settings", "space"], (state) => {
    const T = wordsFor(state);
    bar.hidden = !state.space;
    bar.setAttribute("aria-label", T.tabsLabel);
    $("main").dataset.tab = state.tab.shown;
    for (const button of bar.querySelectorAll("[role=tab]")) {
      const tab = button.dataset.tab;
      const selected = tab === state.tab.shown;
      button.setAttribute("aria-selected", String(selected));
      button.tabIndex = selected ? 0 : -1;
      const words = { stage: state.room?.map ? T.tabMap : T.tabRoom, chat: T.chat, members: T.tabMembers, rooms: T.rooms }[tab];
      const unread = tab === "chat" && state.tab.unread > 0 ? state.tab.unread : 0;
      button.textContent = words;
      if (unread) {
        // The count is seen; screen readers hear it in words. No aria-label: a name that does
        // not contain the visible text confuses voice control (axe label-content-name-mismatch).
        const count = document.createElement("span");
        count.className = "unread";
        count.setAttribute("aria-hidden", "true");
        count.textContent = unread > 99 ? "99+" : String(unread);
        const said = document.createElement("span");
        said.className = "sr-only";
        said.textContent = T.unreadChat(unread);
        button.append(" ", count, said);
      }
    }
  });
}

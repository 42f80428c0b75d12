// The rooms: the list to move between them, and the header of the one we are in (its
// note, the map or the gallery's videos, the way back to the free space).
import { wordsFor } from "./i18n.js";

const $ = (id) => document.getElementById(id);

/// `join(roomId)`: the person asked to enter a room.
export function roomsView(store, { join }) {
  store.on(["rooms", "room", "space", "settings"], (state) => {
    renderList(state, join);
    renderHeader(state, join);
  });
}

function renderList(state, join) {
  const T = wordsFor(state);
  $("rooms").replaceChildren(
    ...state.rooms.map((room) => {
      const li = document.createElement("li");
      const name = document.createElement("span");
      name.className = "room-name";
      name.textContent = room.name;
      li.append(name);
      if (room.session_now) li.append(small(T.nowOn(windowText(state, room.session_now))));
      else if (room.session_next) li.append(small(T.nextOn(windowText(state, room.session_next))));
      if (state.room?.id === room.id) {
        li.classList.add("current");
        li.append(small(T.here));
        li.setAttribute("aria-current", "location");
      } else {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "button small";
        button.textContent = T.enter;
        button.setAttribute("aria-label", `${room.name} ${T.enter}`);
        button.addEventListener("click", () => join(room.id));
        li.append(button);
      }
      return li;
    }),
  );
}

function renderHeader(state, join) {
  const T = wordsFor(state);
  const room = state.room;
  $("room-name").textContent = room?.name ?? "";
  $("room-note").textContent = room ? T[room.host ? "hosting" : room.kind] ?? "" : "";
  $("map-wrap").hidden = !room?.map;
  const videos = $("videos");
  videos.hidden = room?.kind !== "gallery";
  if (room?.kind === "gallery" && videos.dataset.room !== room.id) {
    videos.dataset.room = room.id;
    videos.replaceChildren(
      ...(room.videos ?? []).map((v) => {
        const figure = document.createElement("figure");
        const video = document.createElement("video");
        video.controls = true;
        video.preload = "none"; // nothing plays, nothing loads, until asked
        video.src = v.src;
        const caption = document.createElement("figcaption");
        caption.textContent = v.title;
        figure.append(video, caption);
        return figure;
      }),
    );
  }
  const free = state.rooms.find((r) => r.kind === "free");
  if (room && room.kind !== "free" && free) {
    const back = document.createElement("button");
    back.type = "button";
    back.className = "button small";
    back.textContent = T.backToFree;
    back.addEventListener("click", () => join(free.id));
    $("room-note").append(" ", back);
  }
}

function windowText(state, w) {
  const fmt = new Intl.DateTimeFormat(state.settings.lang === "ja" ? "ja-JP" : "en-GB", {
    timeZone: state.space?.timezone ?? "Asia/Tokyo", month: "numeric", day: "numeric", weekday: "short", hour: "2-digit", minute: "2-digit",
  });
  return fmt.format(new Date(w.start));
}

function small(text) {
  return Object.assign(document.createElement("small"), { textContent: text });
}

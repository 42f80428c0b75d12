// The rooms: the list to move between them, and the header of the one we are in (its
// note, the map or the gallery's videos, the way back to the free space).
import { operatorText, wordsFor } from "../words/lookup.js";

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
      name.textContent = operatorText(state.settings.lang, room, "name");
      li.append(name);
      if (room.session_now) li.append(small(T.nowOn(windowText(state, room.session_now))));
      else if (room.session_next) li.append(small(T.nextOn(windowText(state, room.session_next))));
      if (room.for_you === false) {
        // Said before anyone clicks: whom the room is for, and no button that would only
        // be refused (the server refuses with not_for_you all the same).
        li.classList.add("not-for-you");
        li.append(small(T.notForYou(room)));
      } else if (state.room?.id === room.id) {
        li.classList.add("current");
        li.append(small(T.here));
        li.setAttribute("aria-current", "location");
      } else {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "button small";
        button.textContent = T.enter;
        button.setAttribute("aria-label", `${operatorText(state.settings.lang, room, "name")} ${T.enter}`);
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
  $("room-name").textContent = operatorText(state.settings.lang, room, "name") ?? "";
  $("room-note").textContent = room ? T[room.host ? "hosting" : room.kind] ?? "" : "";
  $("map-wrap").hidden = !room?.map;
  const videos = $("videos");
  videos.hidden = room?.kind !== "gallery";
  // Drawn again on entering and when the language changes (the captions' label, the notes).
  const drawn = room ? `${room.id}/${state.settings.lang}` : "";
  if (room?.kind === "gallery" && videos.dataset.drawn !== drawn) {
    videos.dataset.drawn = drawn;
    videos.replaceChildren(
      ...(room.videos ?? []).map((v) => galleryVideo(v, operatorText(state.settings.lang, v, "title"), T)),
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

/// One of the gallery's videos: a player with its poster and captions, or, when the file
/// cannot be played (missing, unreachable), a kind note in its place, never a broken player.
function galleryVideo(v, title, T) {
  const figure = document.createElement("figure");
  const video = document.createElement("video");
  video.controls = true;
  // Only the first bytes (length, size) load before play: enough to learn a file is missing.
  video.preload = "metadata";
  if (v.poster) video.poster = v.poster;
  if (v.captions) {
    const track = document.createElement("track");
    Object.assign(track, { kind: "captions", src: v.captions, srclang: "ja", label: T.captionsLabel, default: true });
    video.append(track);
  }
  video.addEventListener("error", () => {
    const note = document.createElement("p");
    note.className = "video-missing";
    note.textContent = T.videoMissing;
    video.replaceWith(note);
  });
  video.src = v.src;
  const caption = document.createElement("figcaption");
  caption.textContent = title;
  figure.append(video, caption);
  return figure;
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

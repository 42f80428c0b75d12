// Who is in the room with you: nickname, avatar, badge and status, whether they are near
// you on the map (you hear each other) and in which area (テーブル, 静かなコーナー), on the
// stage, or speaking. Those granted `moderate` can mute someone's
// voice in the room. A row is drawn again only when what it shows changed, so people walking
// (positions, ~10 times a second) leave the list alone unless someone comes near or goes.
import { avatarPicture } from "../pictures.js";
import { wordsFor } from "../words/lookup.js";
import { areaAt, isNear } from "./map.js";
import { reportButton } from "./report.js";

/// `mute(member, muted)`: staff asked to mute or unmute a member.
export function membersView(store, list, count, { mute }) {
  const rows = new Map(); // id → { li, look }
  store.on(["members", "positions", "speaking", "stage", "you", "grants", "settings"], (state) => {
    const T = wordsFor(state);
    const you = state.you;
    const me = state.members.get(you?.id);
    const stage = state.room?.stageView;
    const moderator = state.grants.has("moderate");
    const areas = state.room?.map?.areas;
    count.textContent = `(${state.members.size})`;
    const focused = list.contains(document.activeElement) ? document.activeElement.dataset.key : undefined;
    let refocus = false;
    const items = [];
    for (const m of state.members.values()) {
      const shows = {
        nickname: m.nickname, avatar: m.avatar, badge: m.badge, status: m.status, you: m.id === you?.id,
        near: Boolean(m.pos && isNear(me, m, areas)), area: areaAt(areas, m.pos)?.kind ?? null, speaker: Boolean(stage?.speakers.includes(m.id)),
        hand: Boolean(stage?.hands.includes(m.id)), speaking: Boolean(m.speaking),
        mute: moderator && m.id !== you?.id ? state.mutedHere.has(m.id) : null, lang: state.settings.lang,
      };
      const look = JSON.stringify(shows);
      let row = rows.get(m.id);
      if (row?.look !== look) {
        if (row && focused && row.li.contains(document.activeElement)) refocus = true;
        row = { li: item(T, m, shows, mute), look };
        rows.set(m.id, row);
      }
      items.push(row.li);
    }
    for (const id of rows.keys()) if (!state.members.has(id)) rows.delete(id);
    const children = list.children;
    if (children.length !== items.length || items.some((li, i) => children[i] !== li)) {
      refocus ||= Boolean(focused);
      list.replaceChildren(...items);
    }
    if (refocus) list.querySelector(`[data-key="${CSS.escape(focused)}"]`)?.focus();
  });
}

function item(T, m, shows, mute) {
  const li = document.createElement("li");
  li.dataset.id = m.id;
  if (shows.near) li.classList.add("near");
  const dot = document.createElement("span");
  dot.className = "dot";
  dot.style.background = m.avatar?.color ?? "#cfcfcf";
  dot.setAttribute("aria-hidden", "true");
  const face = avatarPicture(m.avatar?.shape);
  if (face) dot.append(Object.assign(document.createElement("img"), { src: face, alt: "" }));
  const name = document.createElement("span");
  name.className = "who";
  name.textContent = shows.you ? T.yourself(m.nickname) : m.nickname;
  li.append(dot, name);
  if (m.badge) {
    const badge = document.createElement("span");
    badge.className = `badge ${m.badge}`;
    badge.textContent = T.badge[m.badge] ?? m.badge;
    li.append(badge);
  }
  const status = document.createElement("span");
  status.className = "member-status";
  status.textContent = T.statusWord[m.status] ?? m.status;
  li.append(status);
  if (shows.area) li.append(Object.assign(small(T.areaWord[shows.area]), { className: `area-tag ${shows.area}` }));
  if (shows.near) li.append(small(T.near));
  if (shows.speaker) li.append(small(T.speakerTag));
  if (shows.hand) li.append(small(T.handUp));
  if (shows.speaking) {
    li.classList.add("speaking");
    li.append(Object.assign(small(T.speaking), { className: "speaking-mark" }));
  }
  if (shows.mute !== null) li.append(muteButton(T, m, shows.mute, mute));
  if (!shows.you) li.append(reportButton(T, m.id, m.nickname));
  return li;
}

/// Staff mute: the server stops forwarding this member's voice to anyone in the room.
function muteButton(T, m, muted, mute) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button small";
  button.textContent = muted ? T.unmuteMember : T.muteMember;
  button.dataset.key = `mute-${m.id}`;
  button.setAttribute("aria-label", `${m.nickname} ${button.textContent}`);
  button.addEventListener("click", () => mute(m.id, !muted));
  return button;
}

function small(text) {
  return Object.assign(document.createElement("small"), { textContent: text });
}

// Who is in the room with you: nickname, avatar, badge and status, whether they are near
// you on the map (you hear each other) and in which area (テーブル, 静かなコーナー), on the
// stage, or speaking. Those granted `moderate` can look after someone (moderation.js). A
// participant or family member can block another one (after a gentle confirm): they no longer
// see or hear each other, and the other is not told. A row is drawn again only when what it shows changed, so people walking
// (positions, ~10 times a second) leave the list alone unless someone comes near or goes.
import { avatarPicture } from "../pictures.js";
import { wordsFor } from "../words/lookup.js";
import { areaAt, isNear } from "./map.js";
import { reportButton } from "./report.js";

/// `moderate(member)`: staff chose to look after a member (話しかける, 止める, 退室をお願いする).
/// `block(member)`: the member asked to block someone.
export function membersView(store, list, count, { moderate, block }) {
  const rows = new Map(); // id → { li, look }
  // Whose block is being confirmed (the question stays while the list is drawn again).
  let asking = null;
  let last = null;
  // `focus`: the data-key of the control to focus once drawn.
  const ask = (id, focus) => {
    asking = id;
    render(last);
    if (focus) list.querySelector(`[data-key="${CSS.escape(focus)}"]`)?.focus();
  };
  const render = (state) => {
    last = state;
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
        moderate: moderator && m.id !== you?.id, lang: state.settings.lang,
        // Only between participants and family members (they carry no badge but `family`).
        block: m.id !== you?.id && blockable(you) && blockable(m) ? asking === m.id : null,
      };
      const look = JSON.stringify(shows);
      let row = rows.get(m.id);
      if (row?.look !== look) {
        if (row && focused && row.li.contains(document.activeElement)) refocus = true;
        row = { li: item(T, m, shows, moderate, { block, ask }), look };
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
  };
  store.on(["members", "positions", "speaking", "stage", "you", "grants", "settings"], render);
}

function blockable(member) {
  return Boolean(member) && (!member.badge || member.badge === "family");
}

function item(T, m, shows, moderate, blocking) {
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
  if (shows.moderate) li.append(moderateButton(T, m, moderate));
  if (shows.block === false) li.append(blockButton(T, m, blocking.ask));
  if (shows.block === true) li.append(blockConfirm(T, m, blocking));
  if (!shows.you) li.append(reportButton(T, m.id, m.nickname));
  return li;
}

/// Staff: opens the small dialog of gentle moderation for this member.
function moderateButton(T, m, moderate) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button small";
  button.textContent = T.moderateMember;
  button.dataset.key = `moderate-${m.id}`;
  button.setAttribute("aria-label", `${m.nickname} ${button.textContent}`);
  button.addEventListener("click", () => moderate(m));
  return button;
}

/// ブロックする: first a gentle question (`ask`), in the row itself.
function blockButton(T, m, ask) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button small";
  button.textContent = T.blockMember;
  button.dataset.key = `block-${m.id}`;
  button.setAttribute("aria-label", T.blockWho(m.nickname));
  button.addEventListener("click", () => ask(m.id, `block-yes-${m.id}`));
  return button;
}

/// What blocking does and that they are not told; ブロックする or やめる.
function blockConfirm(T, m, { block, ask }) {
  const group = document.createElement("div");
  group.className = "block-confirm";
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", T.blockWho(m.nickname));
  const why = Object.assign(document.createElement("p"), { textContent: T.blockConfirm(m.nickname) });
  const yes = Object.assign(document.createElement("button"), { type: "button", className: "button small", textContent: T.blockYes });
  yes.dataset.key = `block-yes-${m.id}`;
  yes.addEventListener("click", () => {
    ask(null);
    block(m.id);
  });
  const no = Object.assign(document.createElement("button"), { type: "button", className: "button small", textContent: T.blockNo });
  no.dataset.key = `block-no-${m.id}`;
  no.addEventListener("click", () => ask(null, `block-${m.id}`));
  group.append(why, yes, no);
  return group;
}

function small(text) {
  return Object.assign(document.createElement("small"), { textContent: text });
}

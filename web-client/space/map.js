// The free space's map: an SVG with the room's drawing (rooms.toml `background`) and
// everyone's avatar and nickname. Click or tap to walk there; arrow keys walk a step. Nearby
// people (those you can hear: at your table, or near you outside every area; nobody in a
// quiet corner) are highlighted, and a ring shows who is speaking. A map without a drawing
// outlines its areas (a drawn map shows them in its picture). The map is
// scaled to the screen but avatars, names and stamps keep their size in screen pixels, so
// they stay readable on a phone; names are placed so that none covers another (labels.js),
// and a long one is shortened (the list of who is here has it in full). An avatar is drawn
// again only when how it looks changed; a move only moves it.
import { avatarPicture, stampPicture } from "../pictures.js";
import { operatorText } from "../words/lookup.js";
import { placeNames } from "./labels.js";

const SVG = "http://www.w3.org/2000/svg";
/// Within this many map pixels someone counts as near (the server's hearing distance).
export const NEAR = 160;
const STEP = 24;
const MARGIN = 40;
/// A name wider than this many screen pixels is shortened on the map, with "…".
const LONGEST = 120;

/// The area (rooms.toml `[[room.area]]`) holding `pos`, edges included, or null.
export function areaAt(areas, pos) {
  if (!pos) return null;
  return (areas ?? []).find((a) => pos.x >= a.x && pos.x <= a.x + a.width && pos.y >= a.y && pos.y <= a.y + a.height) ?? null;
}

/// Whether `me` hears `m` on the map, as the server decides (docs/rooms.md, areas): nobody in
/// a quiet corner; at a table only the same table; elsewhere by distance.
export function isNear(me, m, areas) {
  if (!me?.pos || !m.pos || m.id === me.id) return false;
  const [mine, theirs] = [areaAt(areas, me.pos), areaAt(areas, m.pos)];
  if (mine?.kind === "quiet" || theirs?.kind === "quiet") return false;
  if (mine || theirs) return mine === theirs;
  return Math.hypot(m.pos.x - me.pos.x, m.pos.y - me.pos.y) <= NEAR;
}

/// `move(point)`: the person asked to walk there.
export function mapView(store, svg, move) {
  const view = new MapView(svg, move);
  store.on(["room", "members", "positions", "speaking", "bubbles", "you", "settings"], (state) => view.render(state));
}

class MapView {
  constructor(svg, move) {
    this.svg = svg;
    this.size = null;
    this.me = null;
    this.avatars = new Map(); // id → { g, look, name (its text), size (the name's, once measured), at }
    this.ground = document.createElementNS(SVG, "rect");
    this.ground.setAttribute("class", "ground");
    this.drawing = null; // the background image, when the room has one
    this.scale = 1; // map units per screen pixel: avatars are drawn this much larger
    this.state = null;
    // A new width (a turned phone, a resized window) redraws avatars at their screen size.
    new ResizeObserver(() => {
      if (this.state) this.render(this.state);
    }).observe(svg);
    svg.addEventListener("click", (event) => {
      const point = this.toMap(event.clientX, event.clientY);
      if (point) move(point);
    });
    svg.addEventListener("keydown", (event) => {
      const d = { ArrowLeft: [-STEP, 0], ArrowRight: [STEP, 0], ArrowUp: [0, -STEP], ArrowDown: [0, STEP] }[event.key];
      if (!d || !this.me?.pos) return;
      event.preventDefault();
      move({ x: this.me.pos.x + d[0], y: this.me.pos.y + d[1] });
    });
  }

  setSize(map, state) {
    if (this.size === map && this.lang === state.settings.lang) return;
    this.size = map;
    this.lang = state.settings.lang; // the outlines' area names are in it
    this.drawing = map.background
      ? svg("image", { class: "drawing", href: map.background, x: 0, y: 0, width: map.width, height: map.height, preserveAspectRatio: "none" })
      : outlines(map.areas ?? [], (a) => operatorText(state.settings.lang, a, "name"));
    // A margin around the walkable area, so names and stamps at the edge stay visible.
    const m = MARGIN;
    this.svg.setAttribute("viewBox", `${-m} ${-m} ${map.width + 2 * m} ${map.height + 2 * m}`);
    this.ground.setAttribute("x", -m);
    this.ground.setAttribute("y", -m);
    this.ground.setAttribute("width", map.width + 2 * m);
    this.ground.setAttribute("height", map.height + 2 * m);
  }

  toMap(clientX, clientY) {
    const matrix = this.svg.getScreenCTM();
    if (!matrix || !this.size) return null;
    const p = new DOMPoint(clientX, clientY).matrixTransform(matrix.inverse());
    return {
      x: Math.round(Math.min(this.size.width, Math.max(0, p.x)) * 10) / 10,
      y: Math.round(Math.min(this.size.height, Math.max(0, p.y)) * 10) / 10,
    };
  }

  render(state) {
    this.state = state;
    const map = state.room?.map;
    if (!map) return;
    this.setSize(map, state);
    // Screen pixels per map unit as drawn (the map may be fitted to the height, not the width).
    const drawn = this.svg.getScreenCTM()?.a;
    this.scale = drawn > 0 ? 1 / drawn : 1;
    const youId = state.you?.id;
    this.me = state.members.get(youId);
    const nodes = [this.ground, ...(this.drawing ? [this.drawing] : [])];
    const seen = new Set();
    for (const m of state.members.values()) {
      if (!m.pos) continue;
      seen.add(m.id);
      const classes = ["avatar", m.id === youId ? "you" : "", isNear(this.me, m, map.areas) ? "near" : "", m.speaking ? "speaking" : ""].join(" ").trim();
      const bubble = state.bubbles.get(m.id);
      const look = JSON.stringify([classes, m.nickname, m.avatar, bubble]);
      let avatar = this.avatars.get(m.id);
      if (avatar?.look !== look) {
        const g = drawAvatar(m, classes, bubble);
        avatar = { g, look, name: g.querySelector("text.name"), size: null, at: null };
        this.avatars.set(m.id, avatar);
      }
      avatar.g.setAttribute("transform", `translate(${m.pos.x} ${m.pos.y}) scale(${this.scale.toFixed(3)})`);
      nodes.push(avatar.g);
    }
    for (const id of this.avatars.keys()) if (!seen.has(id)) this.avatars.delete(id);
    const children = this.svg.children;
    if (children.length !== nodes.length || nodes.some((n, i) => children[i] !== n)) this.svg.replaceChildren(...nodes);
    this.placeNames(state, map);
  }

  /// Puts each name where it covers no other (yours first, then in the order people came).
  placeNames(state, map) {
    const people = [];
    const you = state.you?.id;
    const members = [...state.members.values()].sort((a, b) => (b.id === you) - (a.id === you));
    for (const m of members) {
      const avatar = this.avatars.get(m.id);
      if (!avatar || !m.pos) continue;
      avatar.size ??= measure(avatar.name, m.nickname);
      // Not measurable while the map is not shown (another tab on a phone): placed once it is.
      if (!avatar.size) continue;
      const [x, y] = [(m.pos.x + MARGIN) / this.scale, (m.pos.y + MARGIN) / this.scale];
      people.push({ id: m.id, x, y, width: avatar.size.width, height: avatar.size.height });
    }
    const bounds = { width: (map.width + 2 * MARGIN) / this.scale, height: (map.height + 2 * MARGIN) / this.scale };
    for (const [id, at] of placeNames(people, bounds)) {
      const avatar = this.avatars.get(id);
      const key = at ? `${at.x.toFixed(1)} ${at.y.toFixed(1)}` : "hidden";
      if (avatar.at === key) continue;
      avatar.at = key;
      if (at) {
        avatar.name.setAttribute("x", at.x.toFixed(1));
        avatar.name.setAttribute("y", (at.y - avatar.size.middle).toFixed(1));
      }
      avatar.name.setAttribute("visibility", at ? "visible" : "hidden");
    }
  }
}

/// The size of a name as drawn (screen pixels), shortened first when it is too long; null
/// while the map is not shown. `middle`: its box's centre below the baseline.
function measure(name, full) {
  if (name.getComputedTextLength() === 0) return null;
  const chars = [...full];
  while (chars.length > 1 && name.getComputedTextLength() > LONGEST) {
    chars.pop();
    name.textContent = `${chars.join("")}…`;
  }
  const box = name.getBBox();
  const baseline = Number(name.getAttribute("y"));
  return { width: box.width, height: box.height, middle: box.y + box.height / 2 - baseline };
}

/// The areas of a map without a drawing: a soft outline and the area's `name(area)`.
function outlines(areas, name) {
  if (areas.length === 0) return null;
  const g = document.createElementNS(SVG, "g");
  g.setAttribute("class", "areas");
  for (const a of areas) {
    g.append(
      svg("rect", { class: `area ${a.kind}`, x: a.x, y: a.y, width: a.width, height: a.height, rx: 24 }),
      svg("text", { class: "area-name", x: a.x + a.width / 2, y: a.y + 36, "text-anchor": "middle" }, name(a)),
    );
  }
  return g;
}

function drawAvatar(m, classes, bubble) {
  const g = document.createElementNS(SVG, "g");
  g.setAttribute("class", classes);
  g.dataset.id = m.id;
  // 36 screen pixels across (the group is scaled to the screen), a name of 14 pixels.
  const circle = svg("circle", { class: "body", r: "18", fill: m.avatar?.color ?? "#cfcfcf" });
  const picture = avatarPicture(m.avatar?.shape);
  const face = picture ? svg("image", { class: "face", href: picture, x: "-18", y: "-18", width: "36", height: "36" }) : null;
  // Placed by placeNames; until then (and when it cannot be) under the avatar.
  const name = svg("text", { class: "name", "text-anchor": "middle", y: "36" }, m.nickname);
  // The full name on hovering, also when the one shown is shortened or has no place.
  const title = svg("title", {}, m.nickname);
  // A soft ring around whoever is speaking (the member list says it in words).
  if (m.speaking) g.append(svg("circle", { class: "ring", r: "25" }));
  g.append(title, circle, ...(face ? [face] : []), name);
  const stamp = stampPicture(bubble);
  if (stamp) g.append(svg("image", { class: "bubble", href: stamp, x: "-16", y: "-58", width: "32", height: "32" }));
  return g;
}

function svg(tag, attributes, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
  if (text !== undefined) el.textContent = text;
  return el;
}

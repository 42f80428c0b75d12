// Where each name goes on the map, so that names stay legible when people stand close
// together: under the avatar when there is room, else above, beside, or a step farther out;
// never over another name. A name with no free place left is not drawn (the list of who is
// here always has every name, in full). Sizes are screen pixels (names are drawn at a fixed
// size in screen pixels, map.js).

/// Half an avatar's size, the air between an avatar and its name, and between two names.
const RADIUS = 18;
const GAP = 3;
const AIR = 2;

/// The places tried for a name of `w`×`h`, in order: its box's centre relative to the
/// avatar's centre.
function places(w, h) {
  const under = RADIUS + GAP + h / 2;
  const side = RADIUS + GAP + w / 2;
  const row = h + AIR;
  return [
    [0, under], [0, -under], [side, 0], [-side, 0],
    [0, under + row], [0, -under - row], [side, row], [-side, row], [side, -row], [-side, -row],
    [0, under + 2 * row], [0, -under - 2 * row],
  ];
}

/// `people`: [{ id, x, y, width, height }] (the avatar's centre, the name's size), the first
/// placed first (the person themself, then in a steady order, so names do not jump about as
/// people walk); `bounds`: { width, height } of the map. Answers id → { x, y } (the name's
/// centre, relative to its avatar) or null when the name is not drawn.
export function placeNames(people, bounds) {
  const discs = people.map((p) => ({ left: p.x - RADIUS, right: p.x + RADIUS, top: p.y - RADIUS, bottom: p.y + RADIUS }));
  const taken = [];
  const placed = new Map();
  for (const p of people) {
    let best = null;
    for (const [dx, dy] of places(p.width, p.height)) {
      const box = { left: p.x + dx - p.width / 2, right: p.x + dx + p.width / 2, top: p.y + dy - p.height / 2, bottom: p.y + dy + p.height / 2 };
      if (taken.some((t) => meets(t, box, AIR))) continue;
      // Better on the map than cut off at its edge, and better beside a face than over it.
      const cost = (inside(box, bounds) ? 0 : 2) + (discs.some((d) => meets(d, box, 0)) ? 1 : 0);
      if (!best || cost < best.cost) best = { cost, box, at: { x: dx, y: dy } };
      if (cost === 0) break;
    }
    placed.set(p.id, best?.at ?? null);
    if (best) taken.push(best.box);
  }
  return placed;
}

/// Whether boxes `a` and `b` come closer than `air`.
function meets(a, b, air) {
  return a.left < b.right + air && b.left < a.right + air && a.top < b.bottom + air && b.top < a.bottom + air;
}

function inside(box, bounds) {
  return box.left >= 0 && box.top >= 0 && box.right <= bounds.width && box.bottom <= bounds.height;
}

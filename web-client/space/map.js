// The free space's map: an SVG with everyone's avatar and nickname. Click or tap to walk
// there; arrow keys walk a step. Nearby people (those you can hear) are highlighted, and a
// ring shows who is speaking.

const SVG = "http://www.w3.org/2000/svg";
/// Within this many map pixels someone counts as near (the server's hearing distance).
export const NEAR = 160;
const STEP = 24;
const MARGIN = 40;

export class MapView {
  constructor(svg, onMove) {
    this.svg = svg;
    this.onMove = onMove;
    this.size = { width: 0, height: 0 };
    svg.addEventListener("click", (event) => {
      const point = this.toMap(event.clientX, event.clientY);
      if (point) this.onMove(point);
    });
    svg.addEventListener("keydown", (event) => {
      const d = { ArrowLeft: [-STEP, 0], ArrowRight: [STEP, 0], ArrowUp: [0, -STEP], ArrowDown: [0, STEP] }[event.key];
      if (!d || !this.me) return;
      event.preventDefault();
      this.onMove({ x: this.me.pos.x + d[0], y: this.me.pos.y + d[1] });
    });
  }

  setSize(map) {
    this.size = map ?? { width: 0, height: 0 };
    // A margin around the walkable area, so names and stamps at the edge stay visible.
    const m = MARGIN;
    this.svg.setAttribute("viewBox", `${-m} ${-m} ${this.size.width + 2 * m} ${this.size.height + 2 * m}`);
  }

  toMap(clientX, clientY) {
    const matrix = this.svg.getScreenCTM();
    if (!matrix) return null;
    const p = new DOMPoint(clientX, clientY).matrixTransform(matrix.inverse());
    return this.clamp(p);
  }

  clamp(p) {
    return {
      x: Math.round(Math.min(this.size.width, Math.max(0, p.x)) * 10) / 10,
      y: Math.round(Math.min(this.size.height, Math.max(0, p.y)) * 10) / 10,
    };
  }

  /// Draws every member; `youId` marks you, and the people near you.
  render(members, youId, emojiFor) {
    this.me = members.get(youId);
    const ground = document.createElementNS(SVG, "rect");
    ground.setAttribute("class", "ground");
    ground.setAttribute("x", -MARGIN);
    ground.setAttribute("y", -MARGIN);
    ground.setAttribute("width", this.size.width + 2 * MARGIN);
    ground.setAttribute("height", this.size.height + 2 * MARGIN);
    const nodes = [ground];
    for (const m of members.values()) {
      if (!m.pos) continue;
      const g = document.createElementNS(SVG, "g");
      g.setAttribute("class", ["avatar", m.id === youId ? "you" : "", this.isNear(m) ? "near" : "", m.speaking ? "speaking" : ""].join(" ").trim());
      g.setAttribute("transform", `translate(${m.pos.x} ${m.pos.y})`);
      g.dataset.id = m.id;
      const circle = document.createElementNS(SVG, "circle");
      circle.setAttribute("r", "18");
      circle.setAttribute("fill", m.avatar?.color ?? "#cfcfcf");
      const face = document.createElementNS(SVG, "text");
      face.setAttribute("class", "face");
      face.setAttribute("text-anchor", "middle");
      face.setAttribute("dy", "6");
      face.textContent = emojiFor(m.avatar?.shape);
      const name = document.createElementNS(SVG, "text");
      name.setAttribute("class", "name");
      name.setAttribute("text-anchor", "middle");
      name.setAttribute("y", "36");
      name.textContent = m.nickname;
      if (m.speaking) {
        // A soft ring around whoever is speaking (the member list says it in words).
        const ring = document.createElementNS(SVG, "circle");
        ring.setAttribute("class", "ring");
        ring.setAttribute("r", "25");
        g.append(ring);
      }
      g.append(circle, face, name);
      if (m.bubble) {
        const bubble = document.createElementNS(SVG, "text");
        bubble.setAttribute("class", "bubble");
        bubble.setAttribute("text-anchor", "middle");
        bubble.setAttribute("y", "-26");
        bubble.textContent = m.bubble;
        g.append(bubble);
      }
      nodes.push(g);
    }
    this.svg.replaceChildren(...nodes);
  }

  isNear(m) {
    if (!this.me?.pos || !m.pos || m.id === this.me.id) return false;
    return Math.hypot(m.pos.x - this.me.pos.x, m.pos.y - this.me.pos.y) <= NEAR;
  }
}

export const SHAPE_EMOJI = {
  cat: "🐱", dog: "🐶", rabbit: "🐰", bear: "🐻", bird: "🐦", fox: "🦊",
  frog: "🐸", turtle: "🐢", leaf: "🍃", flower: "🌼", star: "⭐", cloud: "☁️",
};

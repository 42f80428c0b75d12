// What the person hears and sees of others' voice: one element per remote track, voices
// louder the nearer their speaker is on the map, and video tiles (shared screens first and
// large, cameras small, our own camera and screen as previews).

/// Full volume this close on the map; farther away a voice fades, down to FAINT at the edge
/// of hearing (the server stops forwarding beyond 200 map units).
const CLOSE = 60;
const EDGE = 200;
const FAINT = 0.2;

export class Tiles {
  /// `media`: the element the tiles go in; `state()`: the page's state now; `words()`.
  constructor(media, state, words) {
    this.media = media;
    this.state = state;
    this.words = words;
    this.remote = new Map(); // mid → { member, kind, el }
    this.localViews = {}; // kind → { track, el }: previews of our camera and screen
    // Voices are not played (a shared screen is shown before the person pressed 聞く).
    this.silent = false;
  }

  silence(silent) {
    this.silent = silent;
    for (const r of this.remote.values()) if (r.kind === "audio") r.el.muted = silent;
  }

  /// The tracks the server's latest offer forwards to us (`byMid`: its transceivers).
  show(tracks, byMid, local) {
    const wanted = new Map(tracks.map((t) => [t.mid, t]));
    for (const [mid, r] of this.remote) {
      const now = wanted.get(mid);
      if (!now || now.member !== r.member || now.kind !== r.kind) this.drop(mid, local);
    }
    for (const t of tracks) {
      const track = byMid.get(t.mid)?.receiver.track;
      if (this.remote.has(t.mid) || !track) continue;
      const stream = new MediaStream([track]);
      let el;
      if (t.kind === "audio") {
        el = new Audio();
        el.muted = this.silent;
        el.srcObject = stream;
        el.play().catch(() => {});
      } else {
        el = videoElement(stream);
      }
      this.remote.set(t.mid, { member: t.member, kind: t.kind, el });
    }
    this.place();
    this.render(local);
  }

  drop(mid, local) {
    const r = this.remote.get(mid);
    if (!r) return;
    r.el.pause();
    r.el.srcObject = null;
    this.remote.delete(mid);
    this.render(local);
  }

  /// Nothing more is heard or seen from others.
  dropAll(local) {
    for (const mid of [...this.remote.keys()]) this.drop(mid, local);
  }

  /// Volume by distance on the map; elsewhere everyone heard is heard fully.
  place() {
    const { room, members, you } = this.state();
    const me = members.get(you?.id);
    for (const r of this.remote.values()) {
      if (r.kind !== "audio") continue;
      const other = members.get(r.member);
      r.el.volume = room?.map && me?.pos && other?.pos
        ? loudness(Math.hypot(other.pos.x - me.pos.x, other.pos.y - me.pos.y))
        : 1;
    }
  }

  /// `local`: kind → our own track being sent.
  render(local) {
    const T = this.words();
    const { members } = this.state();
    const name = (id) => members.get(id)?.nickname ?? "";
    const tiles = [];
    for (const kind of ["screen", "video"]) {
      const track = local[kind];
      const view = this.localViews[kind];
      if (!track) {
        delete this.localViews[kind];
        continue;
      }
      if (view?.track !== track) this.localViews[kind] = { track, el: videoElement(new MediaStream([track])) };
      tiles.push({ kind, el: this.localViews[kind].el, label: kind === "screen" ? T.yourScreen : T.yourCamera });
    }
    for (const r of this.remote.values()) {
      if (r.kind === "audio") continue;
      tiles.push({ kind: r.kind, el: r.el, label: r.kind === "screen" ? T.screenOf(name(r.member)) : name(r.member) });
    }
    tiles.sort((a, b) => (a.kind === "screen" ? 0 : 1) - (b.kind === "screen" ? 0 : 1));
    this.media.hidden = tiles.length === 0;
    this.media.replaceChildren(
      ...tiles.map((tile) => {
        const figure = document.createElement("figure");
        figure.className = tile.kind === "screen" ? "screen" : "camera";
        const caption = document.createElement("figcaption");
        caption.textContent = tile.label;
        tile.el.setAttribute("aria-label", tile.label);
        figure.append(tile.el, caption);
        return figure;
      }),
    );
  }
}

function loudness(distance) {
  if (distance <= CLOSE) return 1;
  return Math.max(FAINT, 1 - ((1 - FAINT) * (distance - CLOSE)) / (EDGE - CLOSE));
}

/// Video has no sound here (voices come on their own tracks), so it may play by itself.
function videoElement(stream) {
  const video = document.createElement("video");
  video.muted = true;
  video.autoplay = true;
  video.playsInline = true;
  video.srcObject = stream;
  return video;
}

// Voice through the server's SFU (docs/protocol.md, "Voice"): one peer connection, the server
// always offers, we answer. Nothing here asks for the microphone, camera or screen until the
// person presses the button for it, and no sound plays before they press 聞く or 話す (the
// peer connection, and so every remote track, exists only after that press).

/// Full volume this close on the map; farther away a voice fades, down to FAINT at the edge
/// of hearing (the server stops forwarding beyond 200 map units).
const CLOSE = 60;
const EDGE = 200;
const FAINT = 0.2;
/// A lost peer connection is started again after 1, 2, 4 … seconds; after this many tries the
/// microphone is let go and the person is told (a WebSocket reconnect tries again at once).
const RECOVERY_TRIES = 6;
/// "disconnected" often heals by itself; this long without it healing counts as lost.
const DISCONNECTED_GRACE_MS = 5000;

export class Voice {
  /// `el`: the page's voice controls; `context()`: `{ you, room }` now; `send`: the
  /// connection's send (returns the rid, or null when offline).
  /// `changed()`: after every change of what we send, for the stage tools.
  constructor(el, { send, words, context, changed }) {
    this.el = el;
    this.send = send;
    this.words = words;
    this.context = context;
    this.changed = changed;
    this.iceServers = [];
    this.pc = null;
    this.waiting = new Map(); // rid → resolve, for replies to our requests
    this.local = {}; // kind (audio, video, screen) → our MediaStreamTrack
    this.uplinks = {}; // kind → the transceiver the server named for it
    this.remote = new Map(); // mid → { member, kind, el }
    this.localViews = {}; // kind → { track, el }: previews of our camera and screen
    this.offers = Promise.resolve(); // offers are answered one at a time, in order
    this.busy = false;
    // Set while a lost peer connection is being started again: { tries, timer }.
    this.recovery = null;
    // Counts stopSending calls: a microphone or camera granted after the person stopped,
    // left the room or was muted meanwhile is let go at once instead of going live.
    this.generation = 0;

    el.listen.addEventListener("click", () => (this.on() ? this.stop() : this.listen()));
    el.talk.addEventListener("click", () => (this.local.audio ? this.stopSending() : this.talk()));
    el.mute.addEventListener("click", () => {
      const mic = this.local.audio;
      if (mic) mic.enabled = !mic.enabled;
      this.render();
    });
    el.camera.addEventListener("click", () => this.toggle("video"));
    el.screen.addEventListener("click", () => this.toggle("screen"));
    el.device.addEventListener("change", () => this.chooseMic(el.device.value));
    // Leaving the page lets go of the microphone and camera at once.
    window.addEventListener("pagehide", () => this.stop());
  }

  // --- Signalling ---------------------------------------------------------------------

  /// A new connection: the server's peer connection (if any) went with the old one, so voice
  /// starts again at once, with what the person was sending (the room is joined first: the
  /// join was sent before this runs on).
  welcome(msg) {
    this.iceServers = msg.ice_servers ?? [];
    for (const resolve of this.waiting.values()) resolve({ type: "error", code: "offline" });
    this.waiting.clear();
    if (this.pc) this.lost();
    if (this.recovery) {
      clearTimeout(this.recovery.timer);
      this.recovery.timer = setTimeout(() => this.recover(), 0);
    }
  }

  request(message) {
    const rid = this.send(message);
    if (rid === null) return Promise.resolve({ type: "error", code: "offline", message: this.words().voiceOffline });
    return new Promise((resolve) => this.waiting.set(rid, resolve));
  }

  /// Takes the replies to our own requests; returns whether `msg` was one.
  reply(msg) {
    const resolve = this.waiting.get(msg.rid);
    if (msg.rid === undefined || !resolve) return false;
    this.waiting.delete(msg.rid);
    resolve(msg);
    return true;
  }

  handle(msg) {
    if (msg.type === "voice_offer" && this.pc) {
      const pc = this.pc;
      // An offer left unanswered would hold back every later one: start over visibly instead.
      this.offers = this.offers.then(() => this.answer(pc, msg)).catch((error) => {
        console.warn("voice offer", error);
        if (pc === this.pc) this.lost();
      });
    } else if (msg.type === "voice_muted") {
      if (msg.muted) this.stopSending();
      this.say(msg.message);
    } else if (msg.type === "voice_place_free") {
      // Only said: the microphone goes on when the person presses 話す, never by itself.
      this.say(msg.message);
    }
  }

  async answer(pc, offer) {
    if (pc !== this.pc) return;
    await pc.setRemoteDescription({ type: "offer", sdp: offer.sdp });
    if (pc !== this.pc) return;
    const byMid = new Map(pc.getTransceivers().map((t) => [t.mid, t]));
    // The new uplinks are in place before anything below waits: a microphone or screen
    // granted meanwhile (setLocal) then finds its transceiver, and its replaceTrack, queued
    // after ours, wins.
    const uplinks = {};
    for (const link of offer.uplinks) {
      const t = byMid.get(link.mid);
      if (t) uplinks[link.kind] = t;
    }
    this.uplinks = uplinks;
    const up = new Set(Object.values(uplinks));
    for (const [kind, t] of Object.entries(uplinks)) {
      t.direction = "sendonly";
      await t.sender.replaceTrack(this.local[kind] ?? null);
    }
    // m-lines are reused: one that carried our track may now carry someone else's.
    for (const t of byMid.values()) {
      if (up.has(t)) continue;
      if (t.sender.track) await t.sender.replaceTrack(null);
      t.direction = "recvonly";
    }
    this.showRemote(offer.tracks, byMid);
    await pc.setLocalDescription(await pc.createAnswer());
    const reply = await this.request({ type: "voice_answer", sdp: pc.localDescription.sdp });
    if (reply.type === "error" && reply.code !== "offline" && pc === this.pc) this.lost();
  }

  trickle(candidate) {
    // mDNS names (….local) mean nothing to the server, which learns our address from the
    // connectivity checks anyway; candidates are optional there, so errors are let go.
    if (candidate && candidate.address?.endsWith(".local")) return;
    this.request({ type: "voice_candidate", candidate: candidate?.candidate ?? "" });
  }

  // --- What the person does --------------------------------------------------------------

  /// Starts voice without the microphone: the person hears those the server lets them hear.
  /// Returns true once started. `quietly`: a recovery try, whose failure is retried rather
  /// than shown. Otherwise it returns false, "offline" (no WebSocket: the next `welcome`
  /// tries again) or "superseded" (voice was stopped or started anew meanwhile).
  async listen({ quietly = false } = {}) {
    if (this.pc) return true;
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    this.pc = pc;
    pc.addEventListener("icecandidate", (e) => pc === this.pc && this.trickle(e.candidate));
    let disconnected = null;
    pc.addEventListener("connectionstatechange", () => {
      if (pc !== this.pc) return;
      const state = pc.connectionState;
      clearTimeout(disconnected);
      if (state === "connected") this.recovered();
      // "closed" without our close(): the server ended it (it is restarting, or dropped us).
      else if (state === "failed" || state === "closed") this.lost();
      else if (state === "disconnected") {
        disconnected = setTimeout(() => pc === this.pc && this.lost(), DISCONNECTED_GRACE_MS);
      }
    });
    this.render();
    const reply = await this.request({ type: "voice_start" });
    if (pc !== this.pc) return "superseded";
    if (reply.type !== "ack") {
      if (quietly) {
        this.closePeer();
        this.render();
        return reply.code === "offline" ? "offline" : false;
      }
      this.stop();
      this.say(reply.message ?? this.words().voiceLost);
      return false;
    }
    if (!quietly) this.say("");
    return true;
  }

  /// The server says first whether this person may speak here (status, stage, mute), so the
  /// microphone is asked for only when their voice can reach someone.
  async talk() {
    if (this.busy) return;
    this.busy = true;
    this.render();
    try {
      if ((await this.listen()) !== true) return;
      const generation = this.generation;
      const reply = await this.request({ type: "voice_publish", kind: "audio" });
      if (reply.type !== "ack") {
        this.say(reply.message ?? this.words().voiceLost);
        return;
      }
      let stream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({ audio: this.micConstraints() });
      } catch {
        this.request({ type: "voice_unpublish", kind: "audio" });
        this.say(this.words().micUnavailable);
        return;
      }
      if (!this.still(generation, stream)) return;
      this.setLocal("audio", stream.getAudioTracks()[0]);
      this.say("");
      this.refreshDevices();
    } finally {
      this.busy = false;
      this.render();
    }
  }

  /// The camera (off until pressed) or a shared screen.
  async toggle(kind) {
    if (this.local[kind]) {
      this.unpublish(kind);
      this.render();
      return;
    }
    const T = this.words();
    const generation = this.generation;
    const reply = await this.request({ type: "voice_publish", kind });
    if (reply.type !== "ack") {
      this.say(reply.message ?? T.voiceLost);
      return;
    }
    try {
      const stream = kind === "video"
        ? await navigator.mediaDevices.getUserMedia({ video: true })
        : await navigator.mediaDevices.getDisplayMedia({ video: true });
      if (!this.still(generation, stream)) return;
      const track = stream.getVideoTracks()[0];
      // The browser's own "stop sharing" ends the track: stop publishing it too.
      track.addEventListener("ended", () => {
        if (this.local[kind] === track) {
          this.unpublish(kind);
          this.render();
        }
      });
      this.setLocal(kind, track);
      this.say("");
    } catch {
      this.request({ type: "voice_unpublish", kind });
      this.say(kind === "video" ? T.cameraUnavailable : T.screenUnavailable);
    }
    this.render();
  }

  /// Whether a stream granted just now may still be used; if not, it is stopped.
  still(generation, stream) {
    if (generation === this.generation && this.pc) return true;
    for (const track of stream.getTracks()) track.stop();
    return false;
  }

  setLocal(kind, track) {
    if (this.local[kind] && this.local[kind] !== track) this.local[kind].stop();
    this.local[kind] = track;
    this.uplinks[kind]?.sender.replaceTrack(track);
  }

  unpublish(kind) {
    const track = this.local[kind];
    if (!track) return;
    track.stop();
    delete this.local[kind];
    this.uplinks[kind]?.sender.replaceTrack(null);
    if (this.pc) this.request({ type: "voice_unpublish", kind });
  }

  sending() {
    return Boolean(this.local.audio);
  }

  /// Stops the microphone, camera and screen; listening goes on.
  stopSending() {
    this.generation += 1;
    for (const kind of Object.keys(this.local)) this.unpublish(kind);
    this.render();
  }

  // --- Recovery --------------------------------------------------------------------------

  /// The peer connection broke (ICE failed, the server closed it, the WebSocket went): it is
  /// started again by itself, keeping the microphone, camera or screen the person had on.
  lost() {
    if (!this.closePeer()) return;
    this.recovery ??= { tries: 0, timer: null };
    this.say(this.words().voiceReconnecting);
    this.retryLater();
    this.render();
  }

  retryLater() {
    const recovery = this.recovery;
    clearTimeout(recovery.timer);
    if (recovery.tries >= RECOVERY_TRIES) {
      this.stop();
      this.say(this.words().voiceLost);
      return;
    }
    const seconds = 2 ** recovery.tries;
    recovery.tries += 1;
    recovery.timer = setTimeout(() => this.recover(), seconds * 1000);
  }

  /// One try: a new peer connection, and each track that was on is asked for again. One the
  /// room no longer lets through (muted meanwhile, no place left) is let go, with the reason.
  async recover() {
    if (!this.recovery || this.pc) return;
    const started = await this.listen({ quietly: true });
    if (started !== true) {
      if (started === false && this.recovery && !this.pc) this.retryLater();
      return;
    }
    // Started: what follows is up to the connection (the tries are counted until it connects).
    if (this.el.note.textContent === this.words().voiceReconnecting) this.say("");
    const pc = this.pc;
    for (const kind of Object.keys(this.local)) {
      const reply = await this.request({ type: "voice_publish", kind });
      if (pc !== this.pc) return;
      if (reply.type !== "ack") {
        this.local[kind]?.stop();
        delete this.local[kind];
        this.say(reply.message ?? this.words().voiceLost);
      }
    }
    this.render();
  }

  /// Connected (again): the next loss starts counting tries from the beginning.
  recovered() {
    if (!this.recovery) return;
    clearTimeout(this.recovery.timer);
    this.recovery = null;
  }

  /// Voice is on: connected, or being started again.
  on() {
    return Boolean(this.pc || this.recovery);
  }

  /// Ends voice altogether: every track stopped, nothing more plays.
  stop() {
    if (this.recovery) clearTimeout(this.recovery.timer);
    this.recovery = null;
    this.stopSending();
    if (this.closePeer()) this.request({ type: "voice_stop" });
    this.render();
  }

  /// Lets go of the peer connection and everything heard on it; returns whether there was one.
  closePeer() {
    for (const mid of [...this.remote.keys()]) this.drop(mid);
    const pc = this.pc;
    if (!pc) return false;
    this.pc = null;
    pc.close();
    this.uplinks = {};
    return true;
  }

  /// Another room: the person chooses again there whether to speak.
  roomChanged() {
    this.stopSending();
    this.say("");
  }

  /// 見てるだけ means nobody hears you: let go of the microphone too.
  statusChanged(status) {
    if (status === "watching") this.stopSending();
  }

  // --- The microphone in the settings -----------------------------------------------------

  micConstraints() {
    const id = localStorage.getItem("ibasho.mic");
    return id ? { deviceId: { ideal: id } } : true;
  }

  /// Lists microphones without asking for one: before the first 話す the browser gives no
  /// names, and only the default is offered.
  async refreshDevices() {
    const T = this.words();
    const devices = (await navigator.mediaDevices?.enumerateDevices?.().catch(() => [])) ?? [];
    const mics = devices.filter((d) => d.kind === "audioinput" && d.deviceId && d.deviceId !== "default");
    const option = (value, label) => Object.assign(document.createElement("option"), { value, textContent: label });
    this.el.device.replaceChildren(option("", T.defaultMic), ...mics.map((d, i) => option(d.deviceId, d.label || T.micNumber(i + 1))));
    const saved = localStorage.getItem("ibasho.mic") ?? "";
    this.el.device.value = mics.some((d) => d.deviceId === saved) ? saved : "";
    this.el.deviceNote.hidden = mics.length > 0;
  }

  async chooseMic(id) {
    if (id) localStorage.setItem("ibasho.mic", id);
    else localStorage.removeItem("ibasho.mic");
    if (!this.local.audio) return;
    const enabled = this.local.audio.enabled;
    const generation = this.generation;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: this.micConstraints() });
      if (!this.still(generation, stream)) return;
      const track = stream.getAudioTracks()[0];
      track.enabled = enabled;
      this.setLocal("audio", track);
    } catch {
      this.say(this.words().micUnavailable);
    }
  }

  // --- What the person hears and sees ---------------------------------------------------

  showRemote(tracks, byMid) {
    const wanted = new Map(tracks.map((t) => [t.mid, t]));
    for (const [mid, r] of this.remote) {
      const now = wanted.get(mid);
      if (!now || now.member !== r.member || now.kind !== r.kind) this.drop(mid);
    }
    for (const t of tracks) {
      const track = byMid.get(t.mid)?.receiver.track;
      if (this.remote.has(t.mid) || !track) continue;
      const stream = new MediaStream([track]);
      let el;
      if (t.kind === "audio") {
        el = new Audio();
        el.srcObject = stream;
        el.play().catch(() => {});
      } else {
        el = videoElement(stream);
      }
      this.remote.set(t.mid, { member: t.member, kind: t.kind, el });
    }
    this.place();
    this.renderMedia();
  }

  drop(mid) {
    const r = this.remote.get(mid);
    if (!r) return;
    r.el.pause();
    r.el.srcObject = null;
    this.remote.delete(mid);
    this.renderMedia();
  }

  /// Volume by distance on the map; elsewhere everyone heard is heard fully.
  place() {
    const { room, you } = this.context();
    const me = room?.members.get(you?.id);
    for (const r of this.remote.values()) {
      if (r.kind !== "audio") continue;
      const other = room?.members.get(r.member);
      r.el.volume = room?.map && me?.pos && other?.pos
        ? loudness(Math.hypot(other.pos.x - me.pos.x, other.pos.y - me.pos.y))
        : 1;
    }
  }

  /// Shared screens first, large; cameras as small tiles; our own as a preview.
  renderMedia() {
    const T = this.words();
    const { room } = this.context();
    const name = (id) => room?.members.get(id)?.nickname ?? "";
    const tiles = [];
    for (const kind of ["screen", "video"]) {
      const track = this.local[kind];
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
    this.el.media.hidden = tiles.length === 0;
    this.el.media.replaceChildren(
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

  say(text) {
    this.el.note.textContent = text;
  }

  render() {
    const T = this.words();
    const mic = this.local.audio;
    this.el.listen.textContent = this.on() ? T.stopListening : T.listen;
    this.el.talk.textContent = mic ? T.stopTalking : T.talk;
    this.el.talk.disabled = this.busy;
    for (const b of [this.el.mute, this.el.camera, this.el.screen]) b.hidden = !mic;
    this.el.mute.textContent = mic?.enabled === false ? T.micOn : T.micOff;
    this.el.camera.textContent = this.local.video ? T.cameraOff : T.cameraOn;
    this.el.screen.textContent = this.local.screen ? T.screenStop : T.screenShare;
    this.el.state.dataset.state = mic ? (mic.enabled ? "talking" : "muted") : this.on() ? "listening" : "off";
    this.el.state.textContent = mic ? (mic.enabled ? T.voiceTalking : T.voiceMuted) : this.on() ? T.voiceListening : T.voiceOff;
    this.renderMedia();
    this.changed();
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

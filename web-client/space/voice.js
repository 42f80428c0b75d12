// Voice through the server's SFU: what the person does (聞く, 話す, mute, camera, screen)
// and what the controls say. Nothing here asks for the microphone, camera or screen until
// the person presses the button for it, and no sound plays before they press 聞く or 話す
// (the peer connection, and so every remote track, exists only after that press). The peer
// connection is in peer.js, starting it again in recovery.js, the microphone choice in
// devices.js, what is heard and seen in tiles.js.
import { Devices } from "./devices.js";
import { answerOffer, candidateLine, openPeer } from "./peer.js";
import { Recovery } from "./recovery.js";
import { Tiles } from "./tiles.js";

/// What `say` shows while voice is being started again (cleared once it is back).
const RECONNECTING = (T) => T.voiceReconnecting;

export class Voice {
  /// `el`: the page's voice controls; `request`: the connection's request (a promise of the
  /// reply, rejected with `Refused`); `state()`: the page's state now; `words()`; `said(msg)`:
  /// a server message's words; `changed()`: after every change of what we send.
  constructor(el, { request, state, words, said, changed }) {
    this.el = el;
    this.request = request;
    this.state = state;
    this.words = words;
    this.said = said;
    this.changed = changed;
    this.pc = null;
    this.local = {}; // kind (audio, video, screen) → our MediaStreamTrack
    this.uplinks = {}; // kind → the transceiver the server named for it
    this.offers = Promise.resolve(); // offers are answered one at a time, in order
    this.busy = false;
    // Voice was started only to show a screen someone shares: nothing is heard until the
    // person presses 聞く or 話す.
    this.screenOnly = false;
    this.saying = null; // what the note under the controls says: a wording, for `say`
    this.tiles = new Tiles(el.media, state, words);
    this.devices = new Devices(el.device, el.deviceNote, words);
    this.recovery = new Recovery({
      attempt: () => this.recover(),
      giveUp: () => {
        this.stop();
        this.say((T) => T.voiceLost);
      },
    });
    // Counts stopSending calls: a microphone or camera granted after the person stopped,
    // left the room or was muted meanwhile is let go at once instead of going live.
    this.generation = 0;

    el.listen.addEventListener("click", () => (this.screenOnly ? this.hearVoices() : this.on() ? this.stop() : this.listen()));
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

  /// The reply to `message`, or the error it got ("offline" when the connection is down).
  ask(message) {
    return this.request(message).catch((refused) => refused.reply ?? { type: "error", code: "offline" });
  }

  /// What to tell the person of a refused request (a wording, for `say`).
  refusal(reply) {
    return (T) => (reply.code === "offline" ? T.voiceOffline : this.said(reply) || T.voiceLost);
  }

  // --- Signalling ---------------------------------------------------------------------

  /// A new connection: the server's peer connection (if any) went with the old one, so voice
  /// starts again at once, with what the person was sending (the room is joined first: the
  /// join was sent before this runs).
  welcome() {
    if (this.pc) this.lost();
    this.recovery.now();
  }

  handle(msg) {
    if (msg.type === "voice_offer" && this.pc) {
      const pc = this.pc;
      // An offer left unanswered would hold back every later one: start over visibly instead.
      this.offers = this.offers.then(() => this.answer(pc, msg)).catch((error) => {
        console.warn("voice offer", error);
        if (pc === this.pc) this.lost();
      });
    } else if (msg.type === "muted" || msg.type === "mute_ended") {
      // Staff paused this person's voice (what they send stops), or the pause is over.
      if (msg.type === "muted" && !msg.voice_until) return;
      if (msg.voice_until) this.stopSending();
      this.say(() => this.said(msg));
    } else if (msg.type === "voice_place_free") {
      // Only said: the microphone goes on when the person presses 話す, never by itself.
      this.say(() => this.said(msg));
    }
  }

  async answer(pc, offer) {
    if (pc !== this.pc) return;
    const sdp = await answerOffer(pc, offer, {
      current: () => pc === this.pc,
      uplinks: (uplinks) => (this.uplinks = uplinks),
      local: () => this.local,
      heard: (tracks, byMid) => this.tiles.show(tracks, byMid, this.local),
    });
    if (sdp === null) return;
    const reply = await this.ask({ type: "voice_answer", sdp });
    if (reply.type === "error" && reply.code !== "offline" && pc === this.pc) this.lost();
  }

  // --- What the person does --------------------------------------------------------------

  /// Starts voice without the microphone: the person hears those the server lets them hear.
  /// Returns true once started. `quietly`: a recovery try, whose failure is retried rather
  /// than shown. Otherwise it returns false, "offline" (no WebSocket: the next `welcome`
  /// tries again) or "superseded" (voice was stopped or started anew meanwhile).
  async listen({ quietly = false } = {}) {
    if (this.pc) return true;
    const pc = openPeer(this.state().iceServers, {
      // Candidates are optional for the server, so a refused one is let go.
      candidate: (c) => {
        const line = candidateLine(c);
        if (pc === this.pc && line !== null) this.ask({ type: "voice_candidate", candidate: line });
      },
      connected: () => pc === this.pc && this.recovery.end(),
      lost: () => pc === this.pc && this.lost(),
    });
    this.pc = pc;
    this.render();
    const reply = await this.ask({ type: "voice_start" });
    if (pc !== this.pc) return "superseded";
    if (reply.type !== "ack") {
      if (quietly) {
        this.closePeer();
        this.render();
        return reply.code === "offline" ? "offline" : false;
      }
      this.stop();
      this.say(this.refusal(reply));
      return false;
    }
    if (!quietly) this.say(null);
    return true;
  }

  /// Someone here shares a screen: it is shown at once, without voices (started like 聞く,
  /// with every voice silent until the person presses 聞く or 話す).
  async watchScreens() {
    if (this.on()) return;
    this.screenOnly = true;
    this.tiles.silence(true);
    if ((await this.listen({ quietly: true })) !== true && !this.pc) this.hearVoices();
    this.render();
  }

  /// Nobody shares a screen any more: voice started only for it ends.
  screensGone() {
    if (this.screenOnly) this.stop();
  }

  /// The person chose to hear (聞く or 話す): voices play from now on.
  hearVoices() {
    this.screenOnly = false;
    this.tiles.silence(false);
    this.render();
  }

  /// The server says first whether this person may speak here (status, stage, mute), so the
  /// microphone is asked for only when their voice can reach someone.
  async talk() {
    if (this.busy) return;
    this.busy = true;
    this.render();
    try {
      if ((await this.listen()) !== true) return;
      this.hearVoices();
      const generation = this.generation;
      const reply = await this.ask({ type: "voice_publish", kind: "audio" });
      if (reply.type !== "ack") {
        this.say(this.refusal(reply));
        return;
      }
      let stream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({ audio: this.devices.constraints() });
      } catch {
        this.ask({ type: "voice_unpublish", kind: "audio" });
        this.say((T) => T.micUnavailable);
        return;
      }
      if (!this.still(generation, stream)) return;
      this.setLocal("audio", stream.getAudioTracks()[0]);
      this.say(null);
      this.devices.refresh();
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
    const generation = this.generation;
    const reply = await this.ask({ type: "voice_publish", kind });
    if (reply.type !== "ack") {
      this.say(this.refusal(reply));
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
      this.say(null);
    } catch {
      this.ask({ type: "voice_unpublish", kind });
      this.say((T) => (kind === "video" ? T.cameraUnavailable : T.screenUnavailable));
    }
    this.render();
  }

  async chooseMic(id) {
    this.devices.choose(id);
    if (!this.local.audio) return;
    const enabled = this.local.audio.enabled;
    const generation = this.generation;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: this.devices.constraints() });
      if (!this.still(generation, stream)) return;
      const track = stream.getAudioTracks()[0];
      track.enabled = enabled;
      this.setLocal("audio", track);
    } catch {
      this.say((T) => T.micUnavailable);
    }
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
    if (this.pc) this.ask({ type: "voice_unpublish", kind });
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

  // --- Losing the peer connection, and starting it again -------------------------------------

  /// The peer connection broke (ICE failed, the server closed it, the WebSocket went): it is
  /// started again by itself, keeping the microphone, camera or screen the person had on.
  lost() {
    if (!this.closePeer()) return;
    this.say(RECONNECTING);
    this.recovery.lost();
    this.render();
  }

  /// One try: a new peer connection, and each track that was on is asked for again. One the
  /// room no longer lets through (muted meanwhile, no place left) is let go, with the reason.
  async recover() {
    if (!this.recovery.active() || this.pc) return;
    const started = await this.listen({ quietly: true });
    if (started !== true) {
      if (started === false && this.recovery.active() && !this.pc) this.recovery.later();
      return;
    }
    // Started: what follows is up to the connection (the tries are counted until it connects).
    if (this.saying === RECONNECTING) this.say(null);
    const pc = this.pc;
    for (const kind of Object.keys(this.local)) {
      const reply = await this.ask({ type: "voice_publish", kind });
      if (pc !== this.pc) return;
      if (reply.type !== "ack") {
        this.local[kind]?.stop();
        delete this.local[kind];
        this.say(this.refusal(reply));
      }
    }
    this.render();
  }

  /// Voice is on: connected, or being started again.
  on() {
    return Boolean(this.pc || this.recovery.active());
  }

  /// Ends voice altogether: every track stopped, nothing more plays.
  stop() {
    this.hearVoices();
    this.recovery.end();
    this.stopSending();
    if (this.closePeer()) this.ask({ type: "voice_stop" });
    this.render();
  }

  /// Lets go of the peer connection and everything heard on it; returns whether there was one.
  closePeer() {
    this.tiles.dropAll(this.local);
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
    this.say(null);
  }

  /// 見てるだけ means nobody hears you: let go of the microphone too.
  statusChanged(status) {
    if (status === "watching") this.stopSending();
  }

  // --- What the controls say -------------------------------------------------------------

  /// Says `wording(words)` under the controls (null: nothing), in the page's language now
  /// and again after a switch (`render`).
  say(wording) {
    this.saying = wording;
    this.el.note.textContent = wording ? wording(this.words()) : "";
  }

  render() {
    const T = this.words();
    const mic = this.local.audio;
    const hearing = this.on() && !this.screenOnly;
    this.el.listen.textContent = hearing ? T.stopListening : T.listen;
    this.el.talk.textContent = mic ? T.stopTalking : T.talk;
    this.el.talk.disabled = this.busy;
    for (const b of [this.el.mute, this.el.camera, this.el.screen]) b.hidden = !mic;
    this.el.mute.textContent = mic?.enabled === false ? T.micOn : T.micOff;
    this.el.camera.textContent = this.local.video ? T.cameraOff : T.cameraOn;
    this.el.screen.textContent = this.local.screen ? T.screenStop : T.screenShare;
    this.el.state.dataset.state = mic ? (mic.enabled ? "talking" : "muted") : hearing ? "listening" : "off";
    this.el.state.textContent = mic ? (mic.enabled ? T.voiceTalking : T.voiceMuted) : hearing ? T.voiceListening : T.voiceOff;
    // Set only when it changed: the note is a live region, read out on every change.
    const said = this.saying ? this.saying(T) : "";
    if (this.el.note.textContent !== said) this.el.note.textContent = said;
    this.tiles.render(this.local);
    this.changed();
  }
}

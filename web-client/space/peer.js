// The one peer connection to the server's SFU (docs/protocol.md, "Voice"): the server always
// offers and we answer. Our uplinks are the transceivers the offer names for each kind we
// send; every other m-line only receives (they are reused: one that carried our track may
// now carry someone else's).

/// "disconnected" often heals by itself; this long without it healing counts as lost.
const DISCONNECTED_GRACE_MS = 5000;

/// A new peer connection; `candidate(c)` for each local ICE candidate, `connected()` and
/// `lost()` as its state goes (the caller checks that `pc` is still the current one).
export function openPeer(iceServers, { candidate, connected, lost }) {
  const pc = new RTCPeerConnection({ iceServers });
  pc.addEventListener("icecandidate", (e) => candidate(e.candidate));
  let disconnected = null;
  pc.addEventListener("connectionstatechange", () => {
    const state = pc.connectionState;
    clearTimeout(disconnected);
    if (state === "connected") connected();
    // "closed" without our close(): the server ended it (it is restarting, or dropped us).
    else if (state === "failed" || state === "closed") lost();
    else if (state === "disconnected") disconnected = setTimeout(lost, DISCONNECTED_GRACE_MS);
  });
  return pc;
}

/// Answers `offer` on `pc`; returns the answer's SDP, or null when `current()` says `pc` was
/// replaced meanwhile. `uplinks(byKind)` is told our uplinks before anything waits, so a
/// microphone or screen granted meanwhile finds its transceiver (and its replaceTrack, queued
/// after ours, wins); `local()` is what we send now; `heard(tracks, byMid)` what we receive.
export async function answerOffer(pc, offer, { current, uplinks, local, heard }) {
  await pc.setRemoteDescription({ type: "offer", sdp: offer.sdp });
  if (!current()) return null;
  const byMid = new Map(pc.getTransceivers().map((t) => [t.mid, t]));
  const ours = {};
  for (const link of offer.uplinks) {
    const t = byMid.get(link.mid);
    if (t) ours[link.kind] = t;
  }
  uplinks(ours);
  const up = new Set(Object.values(ours));
  for (const [kind, t] of Object.entries(ours)) {
    t.direction = "sendonly";
    await t.sender.replaceTrack(local()[kind] ?? null);
  }
  for (const t of byMid.values()) {
    if (up.has(t)) continue;
    if (t.sender.track) await t.sender.replaceTrack(null);
    t.direction = "recvonly";
  }
  heard(offer.tracks, byMid);
  await pc.setLocalDescription(await pc.createAnswer());
  return pc.localDescription.sdp;
}

/// What to send of a local ICE candidate: mDNS names (….local) mean nothing to the server,
/// which learns our address from the connectivity checks anyway (null: send nothing).
export function candidateLine(candidate) {
  if (candidate && candidate.address?.endsWith(".local")) return null;
  return candidate?.candidate ?? "";
}

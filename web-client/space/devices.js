// The microphone chosen in the settings, kept in localStorage. Listing them asks for
// nothing: before the first 話す the browser gives no names, and only the default is offered.

export class Devices {
  /// `select`, `note`: the settings' microphone choice and its note; `words()`.
  constructor(select, note, words) {
    this.select = select;
    this.note = note;
    this.words = words;
  }

  /// What to ask getUserMedia for.
  constraints() {
    const id = localStorage.getItem("ibasho.mic");
    return id ? { deviceId: { ideal: id } } : true;
  }

  choose(id) {
    if (id) localStorage.setItem("ibasho.mic", id);
    else localStorage.removeItem("ibasho.mic");
  }

  async refresh() {
    const T = this.words();
    const devices = (await navigator.mediaDevices?.enumerateDevices?.().catch(() => [])) ?? [];
    const mics = devices.filter((d) => d.kind === "audioinput" && d.deviceId && d.deviceId !== "default");
    const option = (value, label) => Object.assign(document.createElement("option"), { value, textContent: label });
    this.select.replaceChildren(option("", T.defaultMic), ...mics.map((d, i) => option(d.deviceId, d.label || T.micNumber(i + 1))));
    const saved = localStorage.getItem("ibasho.mic") ?? "";
    this.select.value = mics.some((d) => d.deviceId === saved) ? saved : "";
    this.note.hidden = mics.length > 0;
  }
}

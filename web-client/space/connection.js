// The WebSocket to the hub: a fresh access token from the session cookie on every connect,
// auth first, reconnect with backoff and resume (docs/protocol.md, Connection lifecycle).

// Close codes after which reconnecting would not help.
const FINAL = new Set([4001, 4002, 4004]);

export class Connection {
  constructor(handlers) {
    // { message(msg), state(name, detail), final(code, reason), say(msg): the server's
    // words for msg in the page's language }
    this.handlers = handlers;
    this.attempt = 0;
    this.ws = null;
    this.stopped = false;
    this.nextRid = 1;
  }

  async open() {
    this.handlers.state("connecting");
    let token;
    try {
      const response = await fetch("/api/token", { method: "POST", credentials: "same-origin" });
      if (response.status === 401) {
        this.stopped = true;
        this.handlers.final(4001, "not_logged_in");
        return;
      }
      if (!response.ok) throw new Error(`token: ${response.status}`);
      token = (await response.json()).token;
    } catch (error) {
      console.warn(error);
      this.retry();
      return;
    }
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws`);
    this.ws = ws;
    ws.addEventListener("open", () => ws.send(JSON.stringify({ type: "auth", token })));
    ws.addEventListener("message", (event) => {
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch {
        return;
      }
      if (msg.type === "welcome") {
        this.attempt = 0;
        this.handlers.state("connected");
      }
      // Every message the server words passes here once, so the rest of the page shows
      // `message` as it is.
      if (typeof msg.message === "string") msg.message = this.handlers.say(msg);
      this.handlers.message(msg);
    });
    ws.addEventListener("close", (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      if (FINAL.has(event.code)) {
        this.stopped = true;
        this.handlers.final(event.code, event.reason);
      } else {
        this.retry();
      }
    });
  }

  retry() {
    if (this.stopped) return;
    // 1 s, 2 s, 4 s … up to 30 s, with jitter so a restarted server is not stampeded.
    const base = Math.min(30, 2 ** this.attempt);
    const seconds = Math.max(1, Math.round(base * (0.75 + Math.random() * 0.5)));
    this.attempt += 1;
    this.handlers.state("reconnecting", seconds);
    setTimeout(() => this.open(), seconds * 1000);
  }

  send(message) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return null;
    const rid = this.nextRid++;
    this.ws.send(JSON.stringify(message.type === "move" ? message : { ...message, rid }));
    return rid;
  }

  close() {
    this.stopped = true;
    this.ws?.close(1000, "bye");
  }
}

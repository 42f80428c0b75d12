// The WebSocket to the hub: a fresh access token from the session cookie on every connect,
// auth first, reconnect with backoff and resume (docs/protocol.md, Connection lifecycle).
// Requests made with `request` are answered here, by `rid`, for everyone: their `ack` or
// `error` goes to the one who asked, and every other message to `message` as it came.

// Close codes after which reconnecting would not help.
const FINAL = new Set([4001, 4002, 4004, 4008]);
// Replies that only answer a request: taken by the request that is waiting for them.
const ANSWERS = new Set(["ack", "error", "pong"]);

/// A request the server refused (`reply` is its `error`), or that could not be sent or
/// answered because the connection is down (`reply.code` is "offline").
export class Refused extends Error {
  constructor(reply) {
    super(reply.code);
    this.reply = reply;
  }
}

export class Connection {
  constructor(handlers) {
    // { message(msg), state(name, detail), final(code, reason) }
    this.handlers = handlers;
    this.attempt = 0;
    this.ws = null;
    this.stopped = false;
    this.nextRid = 1;
    this.waiting = new Map(); // rid → { resolve, reject }
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
      if (this.answer(msg)) return;
      this.handlers.message(msg);
    });
    ws.addEventListener("close", (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      // Nothing sent on this connection will be answered now.
      this.settleAll();
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

  /// Sends without waiting for the answer (an error comes to `message`); returns the rid, or
  /// null when offline.
  send(message) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return null;
    const rid = this.nextRid++;
    this.ws.send(JSON.stringify(message.type === "move" ? message : { ...message, rid }));
    return rid;
  }

  /// Sends and resolves with the reply that carries the same rid; rejects with `Refused` on
  /// its `error`, or when offline.
  request(message) {
    const rid = this.send(message);
    if (rid === null) return Promise.reject(new Refused({ type: "error", code: "offline" }));
    return new Promise((resolve, reject) => this.waiting.set(rid, { resolve, reject }));
  }

  /// Settles the request `msg` answers; returns whether it was only that answer.
  answer(msg) {
    const waiting = msg.rid === undefined ? undefined : this.waiting.get(msg.rid);
    if (!waiting) return false;
    this.waiting.delete(msg.rid);
    if (msg.type === "error") waiting.reject(new Refused(msg));
    else waiting.resolve(msg);
    return ANSWERS.has(msg.type);
  }

  settleAll() {
    for (const { reject } of this.waiting.values()) reject(new Refused({ type: "error", code: "offline" }));
    this.waiting.clear();
  }

  close() {
    this.stopped = true;
    this.settleAll();
    this.ws?.close(1000, "bye");
  }
}

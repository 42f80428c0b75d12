// The same chat-room fan-out as ibasho, the way a team would write it with Node.js and the
// `ws` package: auth → welcome, join → joined, chat → the line to the whole room (sender
// included, serialized once) and an ack to the sender, move → a positions batch every 100 ms.
// Loopback only; for bench/run.sh.
import { WebSocketServer } from "ws";

const port = Number(process.env.PORT ?? 18100);
const rooms = new Map(); // room id → { members: Set<ws>, seq, moves: Map }
const wss = new WebSocketServer({ host: "127.0.0.1", port, perMessageDeflate: false });

function room(id) {
  if (!rooms.has(id)) rooms.set(id, { members: new Set(), seq: 0, moves: new Map() });
  return rooms.get(id);
}

wss.on("connection", (ws) => {
  ws.room = null;
  ws.id = `m_${Math.random().toString(16).slice(2, 14)}`;
  ws.on("message", (data) => {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    switch (msg.type) {
      case "auth":
        ws.send(JSON.stringify({ type: "welcome", rid: msg.rid, you: { id: ws.id } }));
        break;
      case "join": {
        const r = room(msg.room);
        r.members.add(ws);
        ws.room = msg.room;
        ws.send(JSON.stringify({ type: "joined", rid: msg.rid, room: msg.room, seq: r.seq, members: [], chat: [] }));
        break;
      }
      case "chat": {
        const r = ws.room && rooms.get(ws.room);
        if (!r) return;
        r.seq += 1;
        const line = JSON.stringify({ type: "chat", room: ws.room, seq: r.seq, from: ws.id, nickname: ws.id, text: msg.text, at: new Date().toISOString() });
        for (const m of r.members) m.send(line);
        ws.send(JSON.stringify({ type: "ack", rid: msg.rid, seq: r.seq }));
        break;
      }
      case "move": {
        const r = ws.room && rooms.get(ws.room);
        if (r) r.moves.set(ws.id, { id: ws.id, x: msg.x, y: msg.y });
        break;
      }
      default:
        break;
    }
  });
  // A client that vanishes mid-write is an error event; without a listener it would end the process.
  ws.on("error", () => {});
  ws.on("close", () => rooms.get(ws.room)?.members.delete(ws));
});

setInterval(() => {
  for (const [id, r] of rooms) {
    if (r.moves.size === 0) continue;
    const batch = JSON.stringify({ type: "positions", room: id, moves: [...r.moves.values()] });
    r.moves.clear();
    for (const m of r.members) m.send(batch);
  }
}, 100);

console.log(`node ws peer listening on ws://127.0.0.1:${port}/ws`);

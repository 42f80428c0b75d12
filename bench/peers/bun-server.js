// The same chat-room fan-out as ibasho with Bun's built-in WebSocket server (uWebSockets
// inside) and its pub/sub: one topic per room, `publish` serializes once. Loopback only.
const port = Number(process.env.PORT ?? 18101);
const rooms = new Map(); // room id → { seq, moves: Map }

function room(id) {
  if (!rooms.has(id)) rooms.set(id, { seq: 0, moves: new Map() });
  return rooms.get(id);
}

const server = Bun.serve({
  hostname: "127.0.0.1",
  port,
  fetch(req, server) {
    if (server.upgrade(req, { data: { room: null, id: `m_${Math.random().toString(16).slice(2, 14)}` } })) return;
    return new Response("websocket only", { status: 400 });
  },
  websocket: {
    perMessageDeflate: false,
    // The publisher gets its own line too, as in ibasho.
    publishToSelf: true,
    message(ws, data) {
      let msg;
      try {
        msg = JSON.parse(data);
      } catch {
        return;
      }
      switch (msg.type) {
        case "auth":
          ws.send(JSON.stringify({ type: "welcome", rid: msg.rid, you: { id: ws.data.id } }));
          break;
        case "join": {
          const r = room(msg.room);
          if (ws.data.room) ws.unsubscribe(ws.data.room);
          ws.subscribe(msg.room);
          ws.data.room = msg.room;
          ws.send(JSON.stringify({ type: "joined", rid: msg.rid, room: msg.room, seq: r.seq, members: [], chat: [] }));
          break;
        }
        case "chat": {
          if (!ws.data.room) return;
          const r = room(ws.data.room);
          r.seq += 1;
          ws.publish(ws.data.room, JSON.stringify({ type: "chat", room: ws.data.room, seq: r.seq, from: ws.data.id, nickname: ws.data.id, text: msg.text, at: new Date().toISOString() }));
          ws.send(JSON.stringify({ type: "ack", rid: msg.rid, seq: r.seq }));
          break;
        }
        case "move":
          if (ws.data.room) room(ws.data.room).moves.set(ws.data.id, { id: ws.data.id, x: msg.x, y: msg.y });
          break;
        default:
          break;
      }
    },
  },
});

setInterval(() => {
  for (const [id, r] of rooms) {
    if (r.moves.size === 0) continue;
    server.publish(id, JSON.stringify({ type: "positions", room: id, moves: [...r.moves.values()] }));
    r.moves.clear();
  }
}, 100);

console.log(`bun peer listening on ws://127.0.0.1:${port}/ws`);

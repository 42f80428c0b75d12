#!/usr/bin/env python3
"""Server memory per idle authenticated connection: a stopgap until `ibasho-load idle`
(issue 6) replaces it. Loopback only. Needs `pip install websockets` and a release build.
Usage: cargo build --release && python3 bench/idle_rss.py [N]"""
import asyncio, json, subprocess, sys, time, websockets
ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
B = str(ROOT / "target/release/ibasho"); DATA = "/tmp/ibasho-idle-rss"; N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
def rss(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"): return int(line.split()[1])
async def main():
    subprocess.run(["rm", "-rf", DATA])
    tokens = [subprocess.run([B, "admin", "token", "--data", DATA, "--role", "participant", "--nickname", f"m{i}"], capture_output=True, text=True).stdout.strip() for i in range(N)]
    srv = subprocess.Popen([B, "serve", "--listen", "127.0.0.1:0", "--data", DATA, "--rooms", str(ROOT / "rooms.toml"), "--web", str(ROOT / "web-client"), "--clock", "2026-12-09T14:00:00+09:00"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
    port = srv.stdout.readline().strip().rsplit(":", 1)[1]
    await asyncio.sleep(0.5)
    before = rss(srv.pid)
    conns = []; t0 = time.time()
    for t in tokens:
        ws = await websockets.connect(f"ws://127.0.0.1:{port}/ws", max_size=None)
        await ws.send(json.dumps({"type": "auth", "token": t}))
        m = json.loads(await ws.recv()); assert m["type"] == "welcome", m
        conns.append(ws)
    took = time.time() - t0
    await asyncio.sleep(1.0)
    after = rss(srv.pid)
    print(f"N={N} rss_before={before}KiB rss_after={after}KiB per_conn={(after-before)/N:.1f}KiB auth+welcome sequential avg={took/N*1000:.2f}ms")
    for ws in conns: await ws.close()
    srv.terminate(); srv.wait()
asyncio.run(main())

"""Turns bench/run.sh's JSON results into the tables in docs/benchmarks.md.

Usage: report.py RESULTS_DIR BENCHMARKS_MD MODE. Replaces the text between the run.sh markers
(or appends it), so the hand-written findings around it stay."""
import datetime
import json
import pathlib
import platform
import subprocess
import sys

TARGETS = ["ibasho", "node", "bun"]
BEGIN, END = "<!-- run.sh:begin -->", "<!-- run.sh:end -->"


def load(results):
    cases = {}
    for path in sorted(pathlib.Path(results).glob("*.json")):
        name, target, _ = path.name.rsplit(".", 2)
        cases.setdefault(name, {})[target] = json.loads(path.read_text())
    return cases


def fmt(value, digits=0):
    if value is None:
        return "–"
    if digits == 0:
        return f"{value:,.0f}".replace(",", " ")
    return f"{value:.{digits}f}"


def ratio(a, b):
    if a is None or b is None or a == 0 or b == 0:
        return "–"
    return f"{a / b:.2f}×"


def command(args):
    try:
        return subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not found"


def machine():
    cpu = next(
        (l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
        platform.processor(),
    )
    mem = next(l.split(":", 1)[1].strip() for l in open("/proc/meminfo") if l.startswith("MemTotal"))
    return [
        f"- CPU: {cpu}, {command(['nproc'])} cores; memory {mem}; kernel {platform.release()}",
        f"- {command(['rustc', '--version'])}; Node.js {command(['node', '--version'])}; "
        f"Bun {command(['bench/peers/node_modules/.bin/bun', '--version'])}",
    ]


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def section(cases, mode):
    out = [
        BEGIN,
        f"## Side by side ({mode} run, {datetime.date.today().isoformat()})",
        "",
        "Written by `bench/run.sh"
        + (" --quick" if mode == "quick" else "")
        + "`: each target is started fresh for each case, pinned to core 0 "
        "(`taskset -c 0`); `ibasho-load` runs on core 1. Raw JSON in `bench/results/`.",
        "",
        *machine(),
        "",
    ]
    by_kind = {}
    for name, targets in cases.items():
        by_kind.setdefault(name.split("-")[0], []).append((name, targets))

    rows = []
    for name, t in by_kind.get("idle", []):
        for target in TARGETS:
            r = t.get(target)
            if r:
                rows.append([name, target, r["connections"], fmt(r["rss_before_kib"]),
                             fmt(r["rss_after_kib"]), fmt(r["kib_per_connection"], 1)])
    if rows:
        out += ["### Idle connections (server RSS per connection)", ""]
        out += table(["case", "target", "connections", "RSS before KiB", "RSS after KiB",
                      "KiB per connection"], rows)
        out += [""]

    chat_rows, ratio_rows = [], []
    for name, t in by_kind.get("chat", []):
        for target in TARGETS:
            r = t.get(target)
            if not r:
                continue
            l = r["latency"]
            chat_rows.append([
                name, target, fmt(r["deliveries_per_s"]), fmt(r["cpu_s_per_100k_deliveries"], 3),
                fmt(r["deliveries_per_cpu_s"]), fmt(l["p50_ms"], 2), fmt(l["p99_ms"], 2),
                fmt(l["p999_ms"], 2), fmt(l["max_ms"], 2),
                f"{r['delivered_total']}/{r['expected_total']}", r["refused"],
            ])
        i, n, b = (t.get(x) for x in TARGETS)
        if i:
            dpc = lambda r: r and r["deliveries_per_cpu_s"]
            p99 = lambda r: r and r["latency"]["p99_ms"]
            ratio_rows.append([name, ratio(dpc(i), dpc(n)), ratio(dpc(i), dpc(b)),
                               ratio(p99(i), p99(n)), ratio(p99(i), p99(b))])
    if chat_rows:
        out += ["### Chat fan-out", "",
                "`members×room size`, total lines per second as given by `--rate`; latency is "
                "from send to receipt at every recipient. Delivered/expected counts every chat "
                "frame received against acknowledged lines × room size.", ""]
        out += table(["case", "target", "deliveries/s", "server CPU-s per 100k",
                      "deliveries per CPU-s", "p50 ms", "p99 ms", "p99.9 ms", "max ms",
                      "delivered/expected", "refused"], chat_rows)
        out += ["", "Ratios (ibasho ÷ peer; above 1× is better for deliveries per CPU-s, "
                "below 1× is better for p99):", ""]
        out += table(["case", "deliveries/CPU-s vs node", "vs bun", "p99 vs node", "vs bun"],
                     ratio_rows)
        out += [""]

    rows = []
    for name, t in by_kind.get("move", []):
        for target in TARGETS:
            r = t.get(target)
            if r:
                cpu = r["server_cpu_s"]
                rows.append([name, target, fmt(r["moves_sent_per_s"]),
                             fmt(r["position_frames_per_s"]), fmt(r["positions_delivered_per_s"]),
                             fmt(cpu, 2)])
    if rows:
        out += ["### Movement (10 steps a second each, batched every 100 ms)", ""]
        out += table(["case", "target", "moves sent/s", "position frames/s",
                      "positions delivered/s", "server CPU-s in the window"], rows)
        out += [""]

    rows = []
    for name, t in by_kind.get("storm", []):
        for target in TARGETS:
            r = t.get(target)
            if r:
                l = r["time_to_joined"]
                rows.append([name, target, r["joined"], r["errors"], fmt(l["p50_ms"], 1),
                             fmt(l["p99_ms"], 1), fmt(l["max_ms"], 1)])
    if rows:
        out += ["### Join storm (all members connect, authenticate and join within 1 s)", ""]
        out += table(["case", "target", "joined", "errors", "p50 ms", "p99 ms", "max ms"], rows)
        out += [""]

    rows = []
    for name, t in by_kind.get("slow", []):
        for target in TARGETS:
            r = t.get(target)
            if r:
                rows.append([name, target, fmt(r["baseline"]["latency"]["p99_ms"], 2),
                             fmt(r["with_one_stalled"]["latency"]["p99_ms"], 2),
                             f"{r['p99_change'] * 100:+.1f} %"])
    if rows:
        out += ["### Slow consumer (one member stops reading)", ""]
        out += table(["case", "target", "p99 ms, all reading", "p99 ms, one stalled",
                      "change"], rows)
        out += [""]
    out += [END]
    return "\n".join(out)


def main():
    results, md, mode = sys.argv[1:4]
    text = section(load(results), mode)
    path = pathlib.Path(md)
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    if BEGIN in current and END in current:
        head, rest = current.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        current = head + text + tail
    else:
        current = current.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(current)


main()

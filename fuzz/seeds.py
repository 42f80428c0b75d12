#!/usr/bin/env python3
"""Writes the fuzzers' seeds into fuzz/corpus/<target>/ (seed-*): every JSON example of
docs/protocol.md, and a few hostile frames; and fuzz/protocol.dict, the words of the
protocol (keys and short values of the examples) for libFuzzer's mutations.

decode: one frame per file, the examples as the doc writes them.
handle: one visit per file: a first line naming who comes (a role, or `anon`: no `auth`
        sent by the harness), then one frame per line (see server/src/fuzz.rs).
"""
import json
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
ROLES = ["participant", "family", "staff", "counsellor", "admin"]


def section(title):
    start = DOC.index(f"\n## {title}\n")
    rest = DOC[start + len(title) + 5 :]
    end = rest.find("\n## ")
    return rest if end < 0 else rest[:end]


def examples(title):
    return [block for block in re.findall(r"```json\n(.*?)```", section(title), re.S)]


def one_line(block):
    return json.dumps(json.loads(block), ensure_ascii=False, separators=(",", ":"))


client = examples("Client → server")
server = examples("Server → client")
client_lines = [one_line(b) for b in client]

deep = 4000
HOSTILE = [
    "[" * deep + "]" * deep,
    '{"type":' * 200 + '"ping"' + "}" * 200,
    '{"type":"ping","rid":18446744073709551616}',
    '{"type":"ping","rid":-1}',
    '{"type":"ping","rid":1.5}',
    '{"type":"ping","rid":1e400}',
    '{"type":"move","x":1e39,"y":-1e39}',
    '{"type":"move","x":-0.0,"y":340282356779733661637539395458142568448}',
    '{"type":"chat","rid":7,"text":"\\ud800"}',
    '{"type":"chat","rid":8,"text":"\\udc00\\ud800x"}',
    '{"type":"chat","rid":9,"text":"abc\u202edcba\u2066\u200f"}',
    '{"type":"chat","rid":10,"text":"\u200b\ufeff"}',
    '{"type":"chat","rid":11,"text":"' + "字" * 501 + '"}',
    '{"type":"chat","rid":12,"text":"a","color":"red"}',
    '{"type":"join","rid":"' + "r" * 300 + '","room":"free"}',
    '{"type":"ping","rid":1,"rid":2}',
    '{"type":"voice_answer","rid":13,"sdp":"' + "a=x\\r\\n" * 3000 + '"}',
    '{"rid":14,"type":"chat","text":"' + "x" * 17000 + '"}',
    '{"type":"`nope`","rid":15}',
    '{"type":null}',
    "\u0000",
    "",
]

corpus = ROOT / "fuzz" / "corpus"
decode = corpus / "decode"
handle = corpus / "handle"
for d in (decode, handle):
    d.mkdir(parents=True, exist_ok=True)
    for old in d.glob("seed-*"):
        old.unlink()

for n, frame in enumerate(client + server + HOSTILE):
    (decode / f"seed-{n:03}").write_text(frame.strip("\n"), encoding="utf-8")
# Invalid UTF-8 never reaches the parser (the transport refuses it), but a visit sends it on.
invalid = b'{"type":"chat","text":"\xff\xfe\xc0\x80"}'

visits = []
join = '{"type":"join","rid":"j","room":"free"}'
for role in ROLES:
    visits.append(f"{role}\n" + "\n".join([join] + client_lines))
for line in client_lines:
    visits.append(f"participant\n{join}\n{line}")
    visits.append(f"staff\n{line}")
visits.append("anon\n" + "\n".join(client_lines))
visits.append("counsellor\n" + '{"type":"join","room":"consult-1"}\n' + "\n".join(client_lines))
visits.append("participant\n" + '{"type":"join","room":"illustration"}\n' + "\n".join(client_lines))
visits.append("participant\n" + join + "\n" + "\n".join(HOSTILE[2:]))
for n, visit in enumerate(visits):
    (handle / f"seed-{n:03}").write_text(visit, encoding="utf-8")
(handle / f"seed-{len(visits):03}").write_bytes(b"participant\n" + join.encode() + b"\n" + invalid)
print(f"{len(client + server + HOSTILE)} decode seeds, {len(visits) + 1} handle seeds")

words = set()


def collect(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            words.add(json.dumps(key))
            collect(inner)
    elif isinstance(value, list):
        for inner in value:
            collect(inner)
    elif isinstance(value, str) and len(value) <= 24:
        words.add(json.dumps(value, ensure_ascii=False))


for block in client + server:
    collect(json.loads(block))
words |= {json.dumps(r) for r in ROLES} | {'"anon"'}


def dict_entry(word):
    """libFuzzer's dictionary takes printable ASCII; other bytes (UTF-8 of Japanese) as \\xNN."""
    out = []
    for byte in word.encode("utf-8"):
        ch = chr(byte)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= byte < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\x{byte:02X}")
    return '"' + "".join(out) + '"'


dictionary = "".join(f"{dict_entry(w)}\n" for w in sorted(words))
(ROOT / "fuzz" / "protocol.dict").write_text(dictionary, encoding="utf-8")
print(f"{len(words)} words in fuzz/protocol.dict")

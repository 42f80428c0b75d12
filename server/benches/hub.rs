//! The hot paths, alone: reading a client message, writing a server message, the safety checks
//! every chat line passes, one chat line fanned out to a room of 50 (also with a block between
//! two of them), and the 100 ms positions batch. `cargo bench -p ibasho`.
use chrono::FixedOffset;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ibasho::config::{RoomConfig, RoomKind, Wording};
use ibasho::hub::handle::{Frame, SessionHandle, SessionShared};
use ibasho::hub::protocol::{
    ChatLine, ClientMessage, MemberView, Point, Position, ServerMessage, Status,
};
use ibasho::hub::room::{RoomCommand, RoomHandle};
use ibasho::media::Media;
use ibasho::model::Role;
use ibasho::model::{Avatar, PublicId};
use ibasho::safety::{contact, crisis::CrisisDetector, screen_chat, CHAT_CHARS};
use ibasho::schedule::SystemClock;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};

const ROOM: usize = 50;
/// The load tool's chat line: about a hundred bytes, like a short sentence.
const TEXT: &str =
    "t=1234567890 こんにちは、今日はいい天気ですね。お昼ごはんは何にしますか xxxxxxxxxxxxxxx";

fn id(n: usize) -> PublicId {
    PublicId(format!("m_{n:012x}"))
}

fn member(n: usize) -> (SessionHandle, mpsc::Receiver<Frame>) {
    SessionShared::new(
        n as u64,
        Role::Participant,
        MemberView {
            id: id(n),
            nickname: format!("なまえ{n}"),
            avatar: Avatar::default(),
            badge: None,
            status: Status::Watching,
            pos: Some(Point { x: 10.0, y: 20.0 }),
            screen: false,
        },
    )
}

fn protocol(c: &mut Criterion) {
    let mut group = c.benchmark_group("protocol");
    group.throughput(Throughput::Elements(1));
    let chat_in = format!(r#"{{"type":"chat","rid":17,"text":"{TEXT}"}}"#);
    group.bench_function("decode chat", |b| {
        b.iter(|| serde_json::from_str::<ClientMessage>(black_box(&chat_in)).unwrap())
    });
    let move_in = r#"{"type":"move","x":312.5,"y":148.25}"#;
    group.bench_function("decode move", |b| {
        b.iter(|| serde_json::from_str::<ClientMessage>(black_box(move_in)).unwrap())
    });
    let chat_out = ServerMessage::Chat {
        room: "free".into(),
        line: ChatLine {
            seq: 4821,
            from: id(7),
            nickname: "ひなた".into(),
            text: TEXT.into(),
            at: chrono::Utc::now().with_timezone(&FixedOffset::east_opt(9 * 3600).unwrap()),
        },
    };
    group.bench_function("encode chat", |b| b.iter(|| black_box(&chat_out).to_text()));
    group.finish();
}

/// What every chat line costs before it reaches the room: cleaning (`screen_chat`), the
/// contact-details check and the shipped crisis detector, on an everyday line, a crisis line
/// spelled to be hard (katakana, spaces, emoji between) and the longest line allowed.
fn safety(c: &mut Criterion) {
    let detector = CrisisDetector::shipped();
    let longest: String = TEXT.chars().cycle().take(CHAT_CHARS).collect();
    let lines = [
        ("everyday line", TEXT.to_string()),
        ("crisis line", "もう🥺シ ニ タ イ…きえたーーい".to_string()),
        ("longest line (500 chars)", longest),
    ];
    let mut group = c.benchmark_group("safety");
    group.throughput(Throughput::Elements(1));
    for (name, line) in &lines {
        group.bench_function(format!("all checks, {name}"), |b| {
            b.iter(|| {
                let clean = screen_chat(black_box(line)).unwrap();
                black_box(contact::find(&clean));
                black_box(detector.check(&clean))
            })
        });
    }
    assert!(detector.check(&lines[1].1).is_some());
    assert!(detector.check(&lines[0].1).is_none());
    group.bench_function("crisis detector, everyday line", |b| {
        b.iter(|| black_box(detector.check(black_box(TEXT))))
    });
    group.bench_function("contact check, everyday line", |b| {
        b.iter(|| black_box(contact::find(black_box(TEXT))))
    });
    group.finish();
}

fn free_room(rt: &tokio::runtime::Runtime) -> RoomHandle {
    let config = RoomConfig {
        id: "free".into(),
        name: "フリースペース".into(),
        description: Wording::default(),
        capacity: ROOM + 1,
        max_speakers: 20,
        audience: Default::default(),
        kind: RoomKind::Free {
            width: 1000,
            height: 1000,
            background: None,
            areas: vec![],
        },
    };
    let _entered = rt.enter();
    // The room's voice engine on loopback; nobody here starts voice.
    let (media, _speaking) = Media::bind("127.0.0.1:0".parse().unwrap(), None, None).unwrap();
    RoomHandle::spawn_alone(
        "free".into(),
        Arc::new(config),
        Arc::new(SystemClock),
        chrono_tz::Asia::Tokyo,
        media,
    )
}

/// One chat line through the room task to all 50 members' queues, each queue drained; then
/// the same with the sender and the last member apart (a block): 49 deliveries, each member
/// looked up in the sender's set of those apart.
fn fan_out(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("fan-out");
    for apart in [false, true] {
        let room = free_room(&rt);
        let mut members: Vec<_> = (0..ROOM).map(member).collect();
        let sender = members[0].0.clone();
        rt.block_on(async {
            for (session, _) in &members {
                let (reply, answer) = oneshot::channel();
                let join = RoomCommand::Join {
                    session: session.clone(),
                    resume: None,
                    rid: None,
                    reply,
                };
                assert!(room.send(join).await);
                answer.await.unwrap().unwrap();
            }
            if apart {
                let block = RoomCommand::Apart {
                    session: sender.clone(),
                    other: id(ROOM - 1),
                    apart: true,
                };
                assert!(room.send(block).await);
                // Each of the two is told the other left.
                black_box(members[ROOM - 1].1.recv().await.unwrap());
            }
            for (_, rx) in &mut members {
                while rx.try_recv().is_ok() {}
            }
        });
        let receivers = if apart { ROOM - 1 } else { ROOM };
        group.throughput(Throughput::Elements(receivers as u64));
        let name = if apart {
            "chat line to 50 members, two of them apart"
        } else {
            "chat line to 50 members"
        };
        group.bench_function(name, |b| {
            b.iter_custom(|iterations| {
                rt.block_on(async {
                    let started = Instant::now();
                    for _ in 0..iterations {
                        let chat = RoomCommand::Chat {
                            session: sender.clone(),
                            text: TEXT.into(),
                            rid: None,
                        };
                        assert!(room.send(chat).await);
                        for (_, rx) in &mut members[..receivers] {
                            black_box(rx.recv().await.unwrap());
                        }
                        // The sender's ack.
                        black_box(members[0].1.recv().await.unwrap());
                    }
                    started.elapsed()
                })
            })
        });
        if apart {
            // The member apart got none of those lines (only the room's position batches).
            while let Ok(frame) = members[ROOM - 1].1.try_recv() {
                assert!(!frame.as_str().contains(r#""type":"chat""#), "{frame}");
            }
        }
    }
    group.finish();
}

/// What the room does every 100 ms in a busy free space: all 50 members moved, one batch
/// serialized once and queued for all 50.
fn movement_batch(c: &mut Criterion) {
    let mut members: Vec<_> = (0..ROOM).map(member).collect();
    let moves: Vec<Position> = (0..ROOM)
        .map(|n| Position {
            id: id(n),
            x: n as f32 * 17.5,
            y: n as f32 * 3.25,
        })
        .collect();
    let mut group = c.benchmark_group("movement");
    group.throughput(Throughput::Elements((ROOM * ROOM) as u64));
    group.bench_function("batch of 50 moves to 50 members", |b| {
        b.iter(|| {
            let batch = Frame::from(
                ServerMessage::Positions {
                    room: "free".into(),
                    moves: moves.clone(),
                }
                .to_text(),
            );
            for (session, rx) in &mut members {
                session.deliver(batch.clone());
                black_box(rx.try_recv().unwrap());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, protocol, safety, fan_out, movement_batch);
criterion_main!(benches);

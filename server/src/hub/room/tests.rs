//! The room's promises that cannot be provoked reliably over real sockets (loopback buffers
//! hold megabytes): a slow member is closed without slowing anyone else, and a member who
//! missed a positions batch gets a complete one next. Also the free space's hearing rule
//! (areas before distance), the quiet corner's 休憩中, and that members apart (a block) do not
//! hear each other.
use super::*;
use crate::config::{Area, AreaKind, Wording};
use crate::hub::handle::SessionShared;
use crate::hub::limits::OUTBOUND_QUEUE;
use crate::hub::protocol::{CloseCode, Status};
use crate::model::Avatar;
use crate::model::Role;
use crate::schedule::SystemClock;
use serde_json::Value;

fn free_room() -> RoomHandle {
    free_room_with(vec![])
}

fn area(kind: AreaKind, x: u32, y: u32, width: u32, height: u32) -> Area {
    Area {
        name: Wording::from(format!("{kind:?}").as_str()),
        kind,
        x,
        y,
        width,
        height,
    }
}

/// A 400 × 300 map: a table at the top left, a quiet corner at the bottom right.
fn areas() -> Vec<Area> {
    vec![
        area(AreaKind::Table, 0, 0, 100, 100),
        area(AreaKind::Quiet, 300, 200, 100, 100),
    ]
}

fn free_room_with(areas: Vec<Area>) -> RoomHandle {
    let config = RoomConfig {
        id: "free".into(),
        name: "フリースペース".into(),
        description: Wording::default(),
        capacity: 10,
        max_speakers: 20,
        audience: Default::default(),
        kind: RoomKind::Free {
            width: 400,
            height: 300,
            background: None,
            areas,
        },
    };
    RoomHandle::spawn(
        "free".into(),
        Arc::new(config),
        Arc::new(SystemClock),
        chrono_tz::Asia::Tokyo,
        media(),
        Story::in_memory(),
        Default::default(),
    )
}

/// A media engine on a loopback port: rooms tell it who hears whom.
fn media() -> crate::media::Media {
    let (media, _speaking) =
        crate::media::Media::bind("127.0.0.1:0".parse().unwrap(), None, None).unwrap();
    media
}

fn member(conn: u64) -> (SessionHandle, mpsc::Receiver<Frame>) {
    let view = MemberView {
        id: PublicId(format!("m_{conn}")),
        nickname: format!("member{conn}"),
        avatar: Avatar::default(),
        badge: None,
        status: Status::Watching,
        pos: None,
        screen: false,
    };
    SessionShared::new(conn, Role::Participant, view)
}

async fn join(room: &RoomHandle, session: &SessionHandle) {
    let (reply, answer) = oneshot::channel();
    room.send(RoomCommand::Join {
        session: session.clone(),
        resume: None,
        rid: None,
        reply,
    })
    .await;
    assert_eq!(answer.await.unwrap(), Ok(()));
}

/// Waits until the room has handled everything sent before.
async fn settle(room: &RoomHandle) {
    let (reply, answer) = oneshot::channel();
    room.send(RoomCommand::Occupants { reply }).await;
    answer.await.unwrap();
}

fn parse(frame: &Frame) -> Value {
    serde_json::from_str(frame.as_str()).unwrap()
}

fn drain(rx: &mut mpsc::Receiver<Frame>) -> Vec<Value> {
    std::iter::from_fn(|| rx.try_recv().ok())
        .map(|f| parse(&f))
        .collect()
}

#[tokio::test]
async fn a_member_who_stops_reading_is_closed_and_nobody_else_misses_a_line() {
    let room = free_room();
    let (reader, mut reader_rx) = member(1);
    let (sleeper, _sleeper_rx_never_read) = member(2);
    join(&room, &reader).await;
    join(&room, &sleeper).await;
    drain(&mut reader_rx);

    let lines = OUTBOUND_QUEUE + 20;
    let collector = tokio::spawn(async move {
        let mut chat = Vec::new();
        while chat.len() < lines {
            let frame = parse(&reader_rx.recv().await.unwrap());
            if frame["type"] == "chat" {
                chat.push(frame["text"].as_str().unwrap().to_string());
            }
        }
        chat
    });
    for n in 0..lines {
        room.send(RoomCommand::Chat {
            session: reader.clone(),
            text: format!("line {n}"),
            rid: None,
        })
        .await;
    }
    settle(&room).await;

    assert_eq!(sleeper.close_code(), Some(CloseCode::SlowConsumer));
    assert_eq!(reader.close_code(), None);
    let received = tokio::time::timeout(std::time::Duration::from_secs(5), collector)
        .await
        .unwrap()
        .unwrap();
    let expected: Vec<String> = (0..lines).map(|n| format!("line {n}")).collect();
    assert_eq!(received, expected);
}

#[tokio::test(start_paused = true)]
async fn a_member_who_missed_a_positions_batch_gets_all_positions_next() {
    let room = free_room();
    let (walker, mut walker_rx) = member(1);
    let (watcher, mut watcher_rx) = member(2);
    join(&room, &walker).await;
    join(&room, &watcher).await;

    // Fill the watcher's queue with batches until one is dropped; the walker keeps reading.
    for step in 0..OUTBOUND_QUEUE + 5 {
        room.send(RoomCommand::Move {
            session: walker.clone(),
            x: 10.0 + (step % 100) as f32,
            y: 10.0,
        })
        .await;
        tokio::time::sleep(TICK).await;
        drain(&mut walker_rx);
    }
    settle(&room).await;
    assert_eq!(
        watcher.close_code(),
        None,
        "dropping positions never closes anyone"
    );
    let queued = drain(&mut watcher_rx);
    assert!(queued.len() <= OUTBOUND_QUEUE + 2);

    // Room again: the next batch is complete (both members), the one after only the change.
    room.send(RoomCommand::Move {
        session: walker.clone(),
        x: 200.0,
        y: 100.0,
    })
    .await;
    tokio::time::sleep(TICK).await;
    settle(&room).await;
    let complete = drain(&mut watcher_rx);
    assert_eq!(complete.len(), 1);
    let moves = complete[0]["moves"].as_array().unwrap();
    assert_eq!(
        moves.len(),
        2,
        "all positions after a dropped batch: {moves:?}"
    );
    assert!(moves.iter().any(|m| m["id"] == "m_1" && m["x"] == 200.0));

    room.send(RoomCommand::Move {
        session: walker.clone(),
        x: 210.0,
        y: 100.0,
    })
    .await;
    tokio::time::sleep(TICK).await;
    settle(&room).await;
    let next = drain(&mut watcher_rx);
    assert_eq!(next.len(), 1);
    assert_eq!(
        next[0]["moves"],
        serde_json::json!([{ "id": "m_1", "x": 210.0, "y": 100.0 }])
    );
}

#[tokio::test(start_paused = true)]
async fn moves_within_one_tick_become_one_batch() {
    let room = free_room();
    let (walker, _walker_rx) = member(1);
    let (watcher, mut watcher_rx) = member(2);
    join(&room, &walker).await;
    join(&room, &watcher).await;
    tokio::time::sleep(TICK * 2).await;
    drain(&mut watcher_rx);

    for x in 1..=5 {
        room.send(RoomCommand::Move {
            session: walker.clone(),
            x: x as f32 * 10.0,
            y: 20.0,
        })
        .await;
    }
    tokio::time::sleep(TICK).await;
    settle(&room).await;
    let batches = drain(&mut watcher_rx);
    let positions: Vec<&Value> = batches
        .iter()
        .flat_map(|b| b["moves"].as_array().unwrap())
        .collect();
    assert!(
        batches.len() <= 2,
        "coalesced into at most the tick in flight and the next: {batches:?}"
    );
    assert_eq!(positions.last().unwrap()["x"], 50.0);
}

/// Newcomers arrive near the entrance (the bottom middle) and apart from one another: each is
/// placed where there is the most room among several tries, so six never land on top of each
/// other (a miss needs all sixteen tries to fall beside someone: about 1 in 10⁹).
#[test]
fn arrivals_spread_near_the_entrance() {
    let mut taken: Vec<Point> = Vec::new();
    for _ in 0..6 {
        let p = super::spawn_point(1600, 900, &taken);
        assert!(
            (480.0..=1120.0).contains(&p.x),
            "{p:?} is not near the entrance"
        );
        assert!(
            (670.0..=770.0).contains(&p.y),
            "{p:?} is not near the entrance"
        );
        for t in &taken {
            let apart = (t.x - p.x).hypot(t.y - p.y);
            assert!(apart >= 30.0, "{p:?} arrived {apart} from {t:?}");
        }
        taken.push(p);
    }
}

fn at(x: f32, y: f32) -> Point {
    Point { x, y }
}

#[test]
fn at_a_table_only_those_at_it_hear_each_other() {
    use super::voice::hears_in_free_space as hears;
    let areas = areas();
    let (table_a, table_b) = (at(50.0, 50.0), at(90.0, 90.0));
    // Just outside the table, nearer than the hearing distance to both.
    let outside = at(110.0, 60.0);
    assert!(hears(&areas, table_a, table_b, false));
    assert!(hears(&areas, table_b, table_a, false));
    assert!(
        !hears(&areas, outside, table_a, false),
        "outsiders do not hear the table"
    );
    assert!(
        !hears(&areas, table_a, outside, true),
        "the table does not hear outsiders"
    );
    // A second table: its people do not hear the first one's, however close.
    let two_tables = vec![
        area(AreaKind::Table, 0, 0, 100, 100),
        area(AreaKind::Table, 101, 0, 100, 100),
    ];
    assert!(!hears(&two_tables, at(99.0, 50.0), at(102.0, 50.0), true));
}

#[test]
fn in_a_quiet_corner_nobody_hears_or_is_heard() {
    use super::voice::hears_in_free_space as hears;
    let areas = areas();
    let (quiet_a, quiet_b) = (at(350.0, 250.0), at(360.0, 250.0));
    let beside = at(290.0, 250.0);
    assert!(
        !hears(&areas, quiet_a, quiet_b, true),
        "not even each other"
    );
    assert!(!hears(&areas, quiet_a, beside, true));
    assert!(!hears(&areas, beside, quiet_a, true));
}

#[test]
fn outside_every_area_it_is_by_distance() {
    use super::voice::hears_in_free_space as hears;
    let areas = areas();
    let a = at(150.0, 150.0);
    assert!(hears(&areas, a, at(150.0, 300.0), false), "150 apart");
    assert!(
        !hears(&areas, a, at(150.0 + 170.0, 150.0), false),
        "170 apart"
    );
    assert!(
        hears(&areas, a, at(150.0 + 170.0, 150.0), true),
        "still heard until 200"
    );
    assert!(!hears(&areas, a, at(150.0, 150.0 + 201.0), true));
    // Without areas the same places follow distance alone: the table is what cuts it.
    assert!(hears(&[], at(110.0, 60.0), at(50.0, 50.0), false));
}

#[tokio::test(start_paused = true)]
async fn a_member_in_the_quiet_corner_shows_as_resting_until_they_leave_it() {
    let room = free_room_with(areas());
    let (walker, mut walker_rx) = member(1);
    let (watcher, mut watcher_rx) = member(2);
    walker.update_view(|v| v.status = Status::CanTalk);
    join(&room, &walker).await;
    join(&room, &watcher).await;
    settle(&room).await;
    drain(&mut watcher_rx);
    drain(&mut walker_rx);

    let walk = |x: f32, y: f32| RoomCommand::Move {
        session: walker.clone(),
        x,
        y,
    };
    let statuses = |frames: Vec<Value>| -> Vec<String> {
        frames
            .iter()
            .filter(|f| f["type"] == "member_updated" && f["member"]["id"] == "m_1")
            .map(|f| f["member"]["status"].as_str().unwrap().to_string())
            .collect()
    };
    room.send(walk(350.0, 250.0)).await;
    room.send(walk(360.0, 250.0)).await;
    settle(&room).await;
    assert_eq!(
        statuses(drain(&mut watcher_rx)),
        ["resting"],
        "once, on stepping in"
    );
    assert_eq!(
        statuses(drain(&mut walker_rx)),
        ["resting"],
        "they see it too"
    );
    assert_eq!(walker.view().status, Status::Resting);
    assert_eq!(walker.status(), Status::CanTalk, "their own choice is kept");

    room.send(walk(200.0, 150.0)).await;
    settle(&room).await;
    assert_eq!(statuses(drain(&mut watcher_rx)), ["can_talk"]);
    assert_eq!(walker.view().status, Status::CanTalk);

    // Back in, then gone: leaving the room takes the corner's 休憩中 with it.
    room.send(walk(350.0, 250.0)).await;
    room.send(RoomCommand::Leave {
        session: walker.clone(),
        reason: None,
        rid: None,
    })
    .await;
    settle(&room).await;
    assert_eq!(walker.view().status, Status::CanTalk);
}

/// A staff room (everyone who may speak is heard by everyone), held directly rather than
/// through its task, to read what the media engine is told.
fn everyone_hears_room() -> Room {
    room_held(RoomKind::Staff)
}

fn room_held(kind: RoomKind) -> Room {
    let config = RoomConfig {
        id: "staff".into(),
        name: "スタッフルーム".into(),
        description: Wording::default(),
        capacity: 10,
        max_speakers: 20,
        audience: Default::default(),
        kind,
    };
    Room {
        id: "staff".into(),
        config: Arc::new(config),
        clock: Arc::new(SystemClock),
        tz: chrono_tz::Asia::Tokyo,
        story: Story::in_memory(),
        occupants: HashMap::new(),
        moved: HashSet::new(),
        invited: HashSet::new(),
        family: None,
        asked_out: HashMap::new(),
        media: media(),
        voice: Voice::default(),
    }
}

#[tokio::test]
async fn members_apart_do_not_hear_each_other_and_do_again_once_unblocked() {
    let mut room = everyone_hears_room();
    let (a, _a_rx) = member(1);
    let (b, _b_rx) = member(2);
    let (c, _c_rx) = member(3);
    for session in [&a, &b, &c] {
        session.update_view(|v| v.status = Status::CanTalk);
        assert_eq!(
            room.join(session.clone(), None, None).await.unwrap(),
            Ok(())
        );
    }
    room.refresh_hearing();
    assert!(room.hears(1, 2) && room.hears(2, 1) && room.hears(1, 3));

    // A blocks B: only A's side is known here yet, and already neither hears the other.
    room.set_apart(&a, b.id.clone(), true);
    room.refresh_hearing();
    assert!(!room.hears(1, 2) && !room.hears(2, 1), "apart, yet heard");
    assert!(
        room.hears(1, 3) && room.hears(3, 2),
        "the others still hear both"
    );

    // B's side arrives too; A lifts the block, then B's side follows: heard again.
    room.set_apart(&b, a.id.clone(), true);
    room.set_apart(&a, b.id.clone(), false);
    room.refresh_hearing();
    assert!(!room.hears(1, 2), "one side still apart");
    room.set_apart(&b, a.id.clone(), false);
    room.refresh_hearing();
    assert!(room.hears(1, 2) && room.hears(2, 1));
}

#[tokio::test]
async fn a_hand_raised_is_not_shown_to_someone_apart_nor_in_their_stage_on_joining() {
    let mut room = room_held(RoomKind::Program {
        host_roles: vec![Role::Staff],
        stage: true,
    });
    let (a, mut a_rx) = member(1);
    let (b, mut b_rx) = member(2);
    let (c, mut c_rx) = member(3);
    for session in [&a, &b, &c] {
        assert_eq!(
            room.join(session.clone(), None, None).await.unwrap(),
            Ok(())
        );
    }
    // As the hub does: the session first, then its room.
    a.set_apart(b.id.clone(), true);
    room.set_apart(&a, b.id.clone(), true);
    room.raise_hand(&b, true, None);
    let hands = |frames: Vec<Value>| -> Vec<Value> {
        frames
            .into_iter()
            .filter(|f| f["type"] == "stage")
            // The stage's lists are the frame's own fields; an empty one is left out.
            .map(|f| match &f["hands"] {
                Value::Null => serde_json::json!([]),
                hands => hands.clone(),
            })
            .collect()
    };
    assert_eq!(hands(drain(&mut a_rx)), [serde_json::json!([])]);
    assert_eq!(hands(drain(&mut b_rx)), [serde_json::json!(["m_2"])]);
    assert_eq!(hands(drain(&mut c_rx)), [serde_json::json!(["m_2"])]);

    // A comes in again: the stage they are shown has no hand of B's.
    assert_eq!(room.join(a.clone(), None, None).await.unwrap(), Ok(()));
    let joined = drain(&mut a_rx)
        .into_iter()
        .find(|f| f["type"] == "joined")
        .unwrap();
    assert!(!joined.to_string().contains("m_2"), "{joined}");
}

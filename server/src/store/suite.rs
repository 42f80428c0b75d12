//! Behaviour the store must show on every back end, so SQLite (file and memory) and
//! PostgreSQL run the same checks. Each check uses its own nicknames and tolerates existing rows,
//! but expects no other writer while it runs (audit ordering).
use super::{Store, StoreError};
use crate::model::{
    AccountId, AgeGroup, AuditAction, AuditEntry, Avatar, Mute, NewMember, PublicId, Role,
};
use serde_json::json;

pub(crate) async fn run(store: &Store) {
    create_and_fetch(store).await;
    nickname_conflicts_ignore_case_and_width(store).await;
    set_avatar(store).await;
    age_groups_are_kept_changed_and_withdrawn(store).await;
    audit_is_newest_first_and_limited(store).await;
    mutes_are_kept_replaced_and_lifted(store).await;
    blocks_are_one_way_apart_both_ways_and_go_with_either_account(store).await;
    suspensions_and_reports(store).await;
    super::suite_accounts::run(store).await;
    super::suite_slots::run(store).await;
}

fn new_member(nickname: &str, role: Role) -> NewMember {
    NewMember {
        nickname: nickname.into(),
        avatar: Avatar::default(),
        role,
        group: None,
    }
}

pub(crate) async fn create_and_fetch(store: &Store) {
    let avatar = Avatar {
        shape: "fox".into(),
        color: "#8fb8de".into(),
    };
    let created = store
        .create_member(NewMember {
            nickname: "こもれび".into(),
            avatar: avatar.clone(),
            role: Role::Participant,
            group: None,
        })
        .await
        .unwrap();
    assert_eq!(created.nickname, "こもれび");
    assert_eq!(created.avatar, avatar);
    assert_eq!(created.role, Role::Participant);
    assert_ne!(created.account.0, created.public_id.0);
    assert!(created.public_id.as_str().starts_with("m_"));
    let age = chrono::Utc::now() - created.created_at;
    assert!(age >= chrono::TimeDelta::zero() && age < chrono::TimeDelta::seconds(60));

    let by_account = store.member(&created.account).await.unwrap().unwrap();
    assert_eq!(by_account.account, created.account);
    assert_eq!(by_account.public_id, created.public_id);
    assert_eq!(by_account.nickname, created.nickname);
    assert_eq!(by_account.avatar, created.avatar);
    assert_eq!(by_account.role, created.role);
    assert_eq!(by_account.created_at, created.created_at);

    let by_nickname = store.member_by_nickname("こもれび").await.unwrap().unwrap();
    assert_eq!(by_nickname.account, created.account);

    let other = store
        .create_member(new_member("kaze", Role::Counsellor))
        .await
        .unwrap();
    assert_ne!(other.account, created.account);
    assert_ne!(other.public_id, created.public_id);
    assert_eq!(
        store.member(&other.account).await.unwrap().unwrap().role,
        Role::Counsellor
    );

    let stranger = AccountId::generate();
    assert!(store.member(&stranger).await.unwrap().is_none());
    assert!(store
        .member_by_nickname("だれもいない")
        .await
        .unwrap()
        .is_none());
}

pub(crate) async fn nickname_conflicts_ignore_case_and_width(store: &Store) {
    let first = store
        .create_member(new_member("Hikari", Role::Family))
        .await
        .unwrap();
    for clash in ["Hikari", "hikari", "HIKARI", "ｈｉｋａｒｉ", " hikari "] {
        let err = store
            .create_member(new_member(clash, Role::Participant))
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict(super::Conflict::Nickname)),
            "{clash:?}: {err}"
        );
        let found = store.member_by_nickname(clash).await.unwrap().unwrap();
        assert_eq!(found.account, first.account, "{clash:?}");
    }
    // What the member typed is kept as typed; only the comparison is folded.
    assert_eq!(
        store
            .member(&first.account)
            .await
            .unwrap()
            .unwrap()
            .nickname,
        "Hikari"
    );
}

pub(crate) async fn set_avatar(store: &Store) {
    let m = store
        .create_member(new_member("nagi", Role::Staff))
        .await
        .unwrap();
    let bird = Avatar {
        shape: "bird".into(),
        color: "#f2d492".into(),
    };
    store.set_avatar(&m.account, &bird).await.unwrap();
    assert_eq!(
        store.member(&m.account).await.unwrap().unwrap().avatar,
        bird
    );

    let err = store
        .set_avatar(&AccountId::generate(), &bird)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err}");
}

pub(crate) async fn audit_is_newest_first_and_limited(store: &Store) {
    let actor = PublicId::generate();
    let subject = PublicId::generate();
    for n in 0..5 {
        store
            .record_audit(AuditEntry {
                actor: Some(actor.clone()),
                action: AuditAction::ALL[n],
                subject: (n % 2 == 0).then(|| subject.clone()),
                detail: json!({ "n": n, "note": "承認" }),
            })
            .await
            .unwrap();
    }
    store
        .record_audit(AuditEntry {
            actor: None,
            action: AuditAction::TokenIssued,
            subject: None,
            detail: serde_json::Value::Null,
        })
        .await
        .unwrap();

    let last3 = store.audit_log(None, 3).await.unwrap();
    let actions: Vec<_> = last3.iter().map(|r| r.action.as_str()).collect();
    let step = |n: usize| AuditAction::ALL[n].as_str();
    assert_eq!(actions, ["token_issued", step(4), step(3)]);
    assert!(last3[0].id > last3[1].id && last3[1].id > last3[2].id);
    assert!(last3[0].at >= last3[1].at);
    assert_eq!(last3[0].actor, None);
    assert_eq!(last3[0].detail, serde_json::Value::Null);
    assert_eq!(last3[1].actor.as_ref(), Some(&actor));
    assert_eq!(last3[1].subject.as_ref(), Some(&subject));
    assert_eq!(last3[1].detail, json!({ "n": 4, "note": "承認" }));
    assert_eq!(last3[2].subject, None);

    // The next page starts below the last entry seen.
    let next = store.audit_log(Some(last3[1].id), 2).await.unwrap();
    let actions: Vec<_> = next.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, [step(3), step(2)]);
    assert_eq!(store.audit_log(None, 6).await.unwrap().len(), 6);
    assert!(store.audit_log(None, 0).await.unwrap().is_empty());
}

/// The age band a member declared: none by default, kept as given, changed, withdrawn, and
/// `NotFound` for nobody. (Registration with a band: suite_accounts.)
pub(crate) async fn age_groups_are_kept_changed_and_withdrawn(store: &Store) {
    let plain = store
        .create_member(new_member("ねんだい-なし", Role::Participant))
        .await
        .unwrap();
    assert_eq!(plain.group, None);
    assert_eq!(
        store.member(&plain.account).await.unwrap().unwrap().group,
        None
    );

    let declared = store
        .create_member(NewMember {
            group: Some(AgeGroup::Thirties),
            ..new_member("ねんだい-あり", Role::Participant)
        })
        .await
        .unwrap();
    assert_eq!(declared.group, Some(AgeGroup::Thirties));
    let read = |m: &crate::model::Member| m.account.clone();
    let account = read(&declared);
    assert_eq!(
        store.member(&account).await.unwrap().unwrap().group,
        Some(AgeGroup::Thirties)
    );

    for group in [Some(AgeGroup::FortiesPlus), None, Some(AgeGroup::Teens)] {
        store.set_group(&account, group).await.unwrap();
        let member = store.member(&account).await.unwrap().unwrap();
        assert_eq!(member.group, group);
        // The band is the member's own: it changes nothing else.
        assert_eq!(member.nickname, "ねんだい-あり");
        assert_eq!(member.public_id, declared.public_id);
    }
    // Another member's band is untouched.
    assert_eq!(
        store.member(&plain.account).await.unwrap().unwrap().group,
        None
    );
    assert!(matches!(
        store
            .set_group(&AccountId::generate(), Some(AgeGroup::Twenties))
            .await,
        Err(StoreError::NotFound)
    ));
}

pub(crate) async fn mutes_are_kept_replaced_and_lifted(store: &Store) {
    let m = store
        .create_member(new_member("しずく", Role::Participant))
        .await
        .unwrap();
    assert!(store.mute(&m.public_id).await.unwrap().is_empty());
    let at = |s: &str| Some(chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc());
    let text = Mute {
        text_until: at("2026-12-09T13:30:00+09:00"),
        voice_until: None,
    };
    assert!(store.set_mute(&m.public_id, text).await.unwrap());
    assert_eq!(store.mute(&m.public_id).await.unwrap(), text);
    let both = Mute {
        voice_until: at("2026-12-09T14:00:00+09:00"),
        ..text
    };
    assert!(store.set_mute(&m.public_id, both).await.unwrap());
    assert_eq!(store.mute(&m.public_id).await.unwrap(), both);
    assert!(store.set_mute(&m.public_id, Mute::default()).await.unwrap());
    assert!(store.mute(&m.public_id).await.unwrap().is_empty());
    let nobody = PublicId("m_0000000000000000".into());
    assert!(!store.set_mute(&nobody, text).await.unwrap());
}

pub(crate) async fn blocks_are_one_way_apart_both_ways_and_go_with_either_account(store: &Store) {
    let make =
        |nickname: &'static str| store.create_member(new_member(nickname, Role::Participant));
    let (a, b, c) = (
        make("ぶろっく-a").await.unwrap(),
        make("ぶろっく-b").await.unwrap(),
        make("ぶろっく-c").await.unwrap(),
    );
    store.block(&a.public_id, &b.public_id).await.unwrap();
    store.block(&a.public_id, &b.public_id).await.unwrap(); // again: nothing changes
    store.block(&c.public_id, &a.public_id).await.unwrap();
    let ids = |members: Vec<crate::model::Member>| -> Vec<PublicId> {
        members.into_iter().map(|m| m.public_id).collect()
    };
    assert_eq!(
        ids(store.blocked_by(&a.public_id).await.unwrap()),
        vec![b.public_id.clone()]
    );
    assert!(
        store.blocked_by(&b.public_id).await.unwrap().is_empty(),
        "never who blocked you"
    );
    let mut apart = store.apart_from(&a.public_id).await.unwrap();
    apart.sort_by(|x, y| x.0.cmp(&y.0));
    let mut expected = vec![b.public_id.clone(), c.public_id.clone()];
    expected.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(apart, expected);
    assert!(store.apart(&b.public_id, &a.public_id).await.unwrap());
    assert!(!store.apart(&b.public_id, &c.public_id).await.unwrap());
    assert!(matches!(
        store
            .block(&a.public_id, &PublicId("m_000000000000".into()))
            .await,
        Err(StoreError::NotFound)
    ));

    assert!(store.unblock(&a.public_id, &b.public_id).await.unwrap());
    assert!(!store.unblock(&a.public_id, &b.public_id).await.unwrap());
    assert!(!store.apart(&a.public_id, &b.public_id).await.unwrap());

    // An account deleted takes its blocks, both ways, with it.
    store.block(&b.public_id, &c.public_id).await.unwrap();
    store.delete_member(&c.account).await.unwrap();
    assert!(store.apart_from(&a.public_id).await.unwrap().is_empty());
    assert!(store.blocked_by(&b.public_id).await.unwrap().is_empty());
}

/// A suspension is kept, listed and lifted; reports keep their snapshot and go once their
/// retention has passed, the newer ones staying.
pub(crate) async fn suspensions_and_reports(store: &Store) {
    use crate::model::{Report, ReportReason};
    let member = store
        .create_member(new_member("やすみ", Role::Participant))
        .await
        .unwrap();
    assert_eq!(store.suspension(&member.account).await.unwrap(), None);
    let by = PublicId::generate();
    store
        .suspend_member(&member.account, "しばらくお休み", Some(&by))
        .await
        .unwrap();
    let suspension = store.suspension(&member.account).await.unwrap().unwrap();
    assert_eq!(
        (suspension.reason.as_str(), suspension.by.as_ref()),
        ("しばらくお休み", Some(&by))
    );
    let listed = store.suspended_members().await.unwrap();
    assert!(listed
        .iter()
        .any(|(id, nickname, _)| *id == member.public_id && nickname == "やすみ"));
    assert!(store.lift_suspension(&member.account).await.unwrap());
    assert!(!store.lift_suspension(&member.account).await.unwrap());
    assert_eq!(store.suspension(&member.account).await.unwrap(), None);
    assert!(matches!(
        store
            .suspend_member(&AccountId("a_none".into()), "x", None)
            .await,
        Err(StoreError::NotFound)
    ));

    let now = super::now();
    let report = |id: &str, days_ago: i64| Report {
        id: id.into(),
        reporter: PublicId::generate(),
        reported: member.public_id.clone(),
        room: "hiroba".into(),
        seq: Some(7),
        reason: ReportReason::ContactSwapping,
        note: Some("メモ".into()),
        snapshot: json!({"line": {"seq": 7, "text": "いやな言葉"}, "before": [], "minutes": 10}),
        at: now - chrono::Duration::days(days_ago),
    };
    store
        .save_report(&report("r_suite_old", 100))
        .await
        .unwrap();
    store.save_report(&report("r_suite_new", 1)).await.unwrap();
    let kept = store.report("r_suite_old").await.unwrap().unwrap();
    assert_eq!(kept.reason, ReportReason::ContactSwapping);
    assert_eq!(kept.snapshot["line"]["text"], "いやな言葉");
    assert_eq!(kept.seq, Some(7));
    let pruned = store
        .prune_reports(now - chrono::Duration::days(90))
        .await
        .unwrap();
    assert!(pruned >= 1);
    assert!(store.report("r_suite_old").await.unwrap().is_none());
    assert!(store.report("r_suite_new").await.unwrap().is_some());
    assert!(store
        .reports(10)
        .await
        .unwrap()
        .iter()
        .any(|r| r.id == "r_suite_new"));
}

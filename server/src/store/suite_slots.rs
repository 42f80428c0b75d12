//! Slots and bookings on every back end (run from `suite::run`): a slot is booked once, freed
//! by its booker only, removed once, reminded once; notices are delivered once.
use super::{Conflict, Store, StoreError};
use crate::model::{Avatar, BookingNoticeKind, Mode, NewMember, NewSlot, Profession, Role};
use chrono::{Duration, NaiveDate, TimeZone, Utc};

pub(crate) async fn run(store: &Store) {
    let member = |nickname: &str, role| NewMember {
        nickname: nickname.into(),
        avatar: Avatar::default(),
        role,
        group: None,
    };
    let counsellor = store
        .create_member(member("枠の人", Role::Counsellor))
        .await
        .unwrap();
    let a = store
        .create_member(member("予約の人a", Role::Participant))
        .await
        .unwrap();
    let b = store
        .create_member(member("予約の人b", Role::Family))
        .await
        .unwrap();
    let start = Utc.with_ymd_and_hms(2031, 3, 5, 5, 0, 0).unwrap();
    let day = NaiveDate::from_ymd_opt(2031, 3, 5).unwrap();
    let new = NewSlot {
        counsellor: counsellor.account.clone(),
        day,
        starts_at: start,
        ends_at: start + Duration::minutes(50),
        profession: Profession::SocialWorker,
        modes: vec![Mode::Text, Mode::Voice],
        counsellor_email: false,
    };
    let slot = store.create_slot(new.clone()).await.unwrap();
    assert_eq!(slot.modes, [Mode::Text, Mode::Voice]);
    assert_eq!(slot.counsellor.nickname, "枠の人");
    let overlapping = NewSlot {
        starts_at: start + Duration::minutes(30),
        ends_at: start + Duration::minutes(60),
        ..new
    };
    assert!(matches!(
        store.create_slot(overlapping).await,
        Err(StoreError::Conflict(Conflict::SlotOverlap))
    ));

    let at = start - Duration::days(1);
    let booked = store
        .book_slot(&slot.id, &a.account, Mode::Voice, true, at)
        .await
        .unwrap();
    let booking = booked.booking.expect("booked");
    assert_eq!(
        (booking.by.nickname.as_str(), booking.mode, booking.email),
        ("予約の人a", Mode::Voice, true)
    );
    assert!(matches!(
        store
            .book_slot(&slot.id, &b.account, Mode::Text, false, at)
            .await,
        Err(StoreError::Conflict(Conflict::Taken))
    ));
    assert!(matches!(
        store.cancel_booking(&slot.id, &b.account).await,
        Err(StoreError::NotFound)
    ));
    store.cancel_booking(&slot.id, &a.account).await.unwrap();
    // Started: no longer bookable.
    assert!(matches!(
        store
            .book_slot(&slot.id, &b.account, Mode::Text, false, start)
            .await,
        Err(StoreError::Conflict(Conflict::Taken))
    ));
    store
        .book_slot(&slot.id, &b.account, Mode::Text, false, at)
        .await
        .unwrap();

    let starting = store
        .bookings_starting(start, start + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(
        starting.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        [slot.id.as_str()]
    );
    assert!(store.claim_reminder(&slot.id, at).await.unwrap());
    assert!(!store.claim_reminder(&slot.id, at).await.unwrap());

    store
        .add_booking_notice(
            &b.account,
            BookingNoticeKind::BookingCancelled,
            "取り消し",
            start,
            at,
        )
        .await
        .unwrap();
    let notices = store
        .booking_notices(&b.public_id, at - Duration::days(1), true)
        .await
        .unwrap();
    assert_eq!(notices.len(), 1);
    assert!(store.claim_booking_notice(&notices[0].id).await.unwrap());
    assert!(!store.claim_booking_notice(&notices[0].id).await.unwrap());
    assert!(store
        .booking_notices(&b.public_id, at - Duration::days(1), true)
        .await
        .unwrap()
        .is_empty());

    // Removed once; another counsellor cannot remove it.
    assert!(store
        .delete_slot(&slot.id, Some(&a.account))
        .await
        .unwrap()
        .is_none());
    let removed = store
        .delete_slot(&slot.id, None)
        .await
        .unwrap()
        .expect("removed");
    assert_eq!(
        removed.booking.map(|b| b.by.nickname),
        Some("予約の人b".to_string())
    );
    assert!(store.delete_slot(&slot.id, None).await.unwrap().is_none());
}

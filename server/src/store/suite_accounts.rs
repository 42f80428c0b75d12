//! The accounts part of the store suite (see `suite.rs`): the same checks for every back end.
use super::{Conflict, Store, StoreError};
use crate::model::{
    AccountId, Applicant, Application, ApplicationStatus, Avatar, InvitationState, Lang,
    NewApplication, NewInvitation, PublicId, Registration, Role, Submitted,
};
use chrono::{Duration, Utc};

pub(crate) async fn run(store: &Store) {
    applications_are_one_per_person(store).await;
    a_double_submit_makes_one_application(store).await;
    a_double_registration_makes_one_account(store).await;
    invitations_work_once(store).await;
    sessions_and_login_links(store).await;
    deletion_forgets_the_person(store).await;
    stale_records_are_forgotten(store).await;
}

fn application(email: &str, nickname: &str) -> NewApplication {
    NewApplication {
        nickname: nickname.into(),
        email: email.into(),
        applicant: Applicant::Myself,
        heard_from: Some("チラシ".into()),
        note: None,
        lang: Lang::Ja,
    }
}

fn invitation(email: &str, token_hash: &str, role: Role) -> NewInvitation {
    NewInvitation {
        token_hash: token_hash.into(),
        email: email.into(),
        role,
        nickname: Some("招待".into()),
        lang: Lang::En,
        application: None,
        created_by: Some(PublicId::generate()),
        expires_at: Utc::now() + Duration::days(14),
    }
}

fn registration(token_hash: &str, nickname: &str) -> Registration {
    Registration {
        invitation_token_hash: token_hash.into(),
        nickname: nickname.into(),
        avatar: Avatar::default(),
        group: None,
        passphrase_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
    }
}

/// A token hash unique to this run, so the suite can run twice on one database.
fn unique(label: &str) -> String {
    format!("{label}-{}", uuid::Uuid::new_v4().simple())
}

pub(crate) async fn applications_are_one_per_person(store: &Store) {
    let email = format!("{}@example.org", unique("apply"));
    let Submitted::New(first) = store
        .submit_application(application(&email, "そら"))
        .await
        .unwrap()
    else {
        panic!("a first application is new");
    };
    assert_eq!(first.status, ApplicationStatus::Pending);
    assert_eq!(first.email, email);
    assert!(first.id.starts_with("a_"));

    // The same person again, with other case: the one application is refreshed.
    let mut again = application(&email.to_uppercase(), "そらまめ");
    again.applicant = Applicant::Family;
    again.note = Some("夜なら話せます".into());
    let Submitted::Refreshed(second) = store.submit_application(again).await.unwrap() else {
        panic!("a second application of the same address refreshes the first");
    };
    assert_eq!(second.id, first.id);
    assert_eq!(second.nickname, "そらまめ");
    assert_eq!(second.applicant, Applicant::Family);
    assert_eq!(second.note.as_deref(), Some("夜なら話せます"));
    // A third time with another note: the earlier one is kept, the new one after it.
    let mut third = application(&email, "そらまめ");
    third.note = Some("土曜も大丈夫です".into());
    let Submitted::Refreshed(third) = store.submit_application(third).await.unwrap() else {
        panic!("a third application of the same address refreshes the first");
    };
    assert_eq!(
        third.note.as_deref(),
        Some("夜なら話せます\n\n土曜も大丈夫です")
    );
    // Without a note, the notes so far stay.
    let Submitted::Refreshed(fourth) = store
        .submit_application(application(&email, "そらまめ"))
        .await
        .unwrap()
    else {
        panic!("a fourth application of the same address refreshes the first");
    };
    assert_eq!(fourth.note, third.note);
    let pending = store
        .applications(Some(ApplicationStatus::Pending))
        .await
        .unwrap();
    assert_eq!(pending.iter().filter(|a| a.id == first.id).count(), 1);

    let by = PublicId::generate();
    let approved = store
        .decide_application(&first.id, ApplicationStatus::Approved, Some(&by))
        .await
        .unwrap();
    assert_eq!(approved.status, ApplicationStatus::Approved);
    assert_eq!(approved.decided_by.as_ref(), Some(&by));
    assert!(approved.decided_at.is_some());
    let err = store
        .decide_application(&first.id, ApplicationStatus::Declined, None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(Conflict::NotOpen)),
        "{err}"
    );
    let err = store
        .decide_application("a_nothing", ApplicationStatus::Declined, None)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err}");
    assert!(store
        .applications(None)
        .await
        .unwrap()
        .iter()
        .any(|a| a.id == first.id));

    // Once decided, a new application from the same address is a new one.
    let Submitted::New(third) = store
        .submit_application(application(&email, "そら"))
        .await
        .unwrap()
    else {
        panic!("after a decision, a new application is new");
    };
    assert_ne!(third.id, first.id);
}

pub(crate) async fn invitations_work_once(store: &Store) {
    let email = format!("{}@example.org", unique("invite"));
    let hash = unique("hash");
    let created = store
        .create_invitation(invitation(&email, &hash, Role::Counsellor))
        .await
        .unwrap();
    assert!(created.id.starts_with("i_"));
    assert_eq!(created.state(Utc::now()), InvitationState::Open);
    assert_eq!(created.role, Role::Counsellor);
    assert_eq!(created.lang, Lang::En);
    let found = store.invitation_by_token(&hash).await.unwrap().unwrap();
    assert_eq!(found.id, created.id);
    assert!(store
        .invitation_by_token("no-such")
        .await
        .unwrap()
        .is_none());
    assert!(store
        .invitations()
        .await
        .unwrap()
        .iter()
        .any(|i| i.id == created.id));
    assert_eq!(
        created.state(created.expires_at),
        InvitationState::Expired,
        "expiry is decided by the clock the caller holds"
    );

    // Resending swaps the token: the old link no longer finds it.
    let new_hash = unique("hash");
    let renewed = store
        .renew_invitation(&created.id, &new_hash, Utc::now() + Duration::days(3))
        .await
        .unwrap();
    assert!(renewed.expires_at < created.expires_at);
    assert!(store.invitation_by_token(&hash).await.unwrap().is_none());

    let nickname = unique("nick")[..20].to_string();
    let member = store
        .register(Registration {
            group: Some(crate::model::AgeGroup::Twenties),
            ..registration(&new_hash, &nickname)
        })
        .await
        .unwrap();
    assert_eq!(member.role, Role::Counsellor);
    assert_eq!(member.nickname, nickname);
    // The band chosen on the form is kept with the member.
    assert_eq!(
        store.member(&member.account).await.unwrap().unwrap().group,
        Some(crate::model::AgeGroup::Twenties)
    );
    let used = store.invitation(&created.id).await.unwrap().unwrap();
    assert_eq!(used.state(Utc::now()), InvitationState::Used);
    let login = store
        .login_record(&email.to_uppercase())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(login.account, member.account);
    assert!(login.passphrase_hash.is_some());
    assert_eq!(login.lang, Lang::En);
    assert_eq!(store.email(&member.account).await.unwrap().unwrap(), email);

    // Used: no second registration, no renewal, no revocation.
    let err = store
        .register(registration(&new_hash, "べつのひと"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(Conflict::NotOpen)),
        "{err}"
    );
    let err = store.revoke_invitation(&created.id).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(Conflict::NotOpen)),
        "{err}"
    );
    let err = store
        .renew_invitation(&created.id, &unique("h"), Utc::now())
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(Conflict::NotOpen)),
        "{err}"
    );
    let err = store.revoke_invitation("i_nothing").await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err}");

    // A second invitation for the same address cannot make a second account, and a taken
    // nickname fails the whole registration (the invitation stays open).
    let other_hash = unique("hash");
    let other = store
        .create_invitation(invitation(&email, &other_hash, Role::Participant))
        .await
        .unwrap();
    let err = store
        .register(registration(&other_hash, &nickname.to_uppercase()))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(Conflict::Nickname)),
        "{err}"
    );
    let err = store
        .register(registration(&other_hash, "ほかのなまえ"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(Conflict::Email)),
        "{err}"
    );
    assert_eq!(
        store
            .invitation(&other.id)
            .await
            .unwrap()
            .unwrap()
            .state(Utc::now()),
        InvitationState::Open
    );
    let revoked = store.revoke_invitation(&other.id).await.unwrap();
    assert_eq!(revoked.state(Utc::now()), InvitationState::Revoked);
    let err = store
        .register(registration(&other_hash, "ほかのなまえ"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(Conflict::NotOpen)),
        "{err}"
    );

    // Registered: a new application from the address stores nothing.
    let Submitted::AccountExists { lang } = store
        .submit_application(application(&email, "もういちど"))
        .await
        .unwrap()
    else {
        panic!("an address with an account does not make an application");
    };
    assert_eq!(lang, Lang::En);
}

pub(crate) async fn sessions_and_login_links(store: &Store) {
    let email = format!("{}@example.org", unique("login"));
    let hash = unique("hash");
    store
        .create_invitation(invitation(&email, &hash, Role::Family))
        .await
        .unwrap();
    let mut reg = registration(&hash, &unique("fam")[..16]);
    reg.passphrase_hash = None;
    let member = store.register(reg).await.unwrap();
    assert!(store
        .login_record(&email)
        .await
        .unwrap()
        .unwrap()
        .passphrase_hash
        .is_none());

    let session = unique("session");
    store
        .create_web_session(&session, &member.account, Utc::now() + Duration::days(30))
        .await
        .unwrap();
    assert_eq!(
        store.web_session(&session).await.unwrap(),
        Some(member.account.clone())
    );
    let stale = unique("stale");
    store
        .create_web_session(&stale, &member.account, Utc::now() - Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(store.web_session(&stale).await.unwrap(), None);
    store.end_web_session(&session).await.unwrap();
    assert_eq!(store.web_session(&session).await.unwrap(), None);
    store.end_web_session("never-existed").await.unwrap();

    let link = unique("link");
    let expires_at = Utc::now() + Duration::minutes(20);
    store
        .create_login_link(&link, &member.account, expires_at)
        .await
        .unwrap();
    let found = store.login_link(&link).await.unwrap().unwrap();
    assert_eq!(found.account, member.account);
    assert!(found.used_at.is_none());
    store.use_login_link(&link).await.unwrap();
    assert!(store
        .login_link(&link)
        .await
        .unwrap()
        .unwrap()
        .used_at
        .is_some());
    let err = store.use_login_link(&link).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(Conflict::NotOpen)),
        "{err}"
    );
    let err = store.use_login_link("no-such-link").await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err}");
}

pub(crate) async fn deletion_forgets_the_person(store: &Store) {
    let email = format!("{}@example.org", unique("delete"));
    let Submitted::New(applied) = store
        .submit_application(application(&email, "けすひと"))
        .await
        .unwrap()
    else {
        panic!("new application");
    };
    store
        .decide_application(&applied.id, ApplicationStatus::Approved, None)
        .await
        .unwrap();
    let hash = unique("hash");
    let mut new = invitation(&email, &hash, Role::Participant);
    new.application = Some(applied.id.clone());
    let invited = store.create_invitation(new).await.unwrap();
    let member = store
        .register(registration(&hash, &unique("del")[..16]))
        .await
        .unwrap();
    let session = unique("session");
    store
        .create_web_session(&session, &member.account, Utc::now() + Duration::days(1))
        .await
        .unwrap();
    let link = unique("link");
    store
        .create_login_link(&link, &member.account, Utc::now() + Duration::minutes(5))
        .await
        .unwrap();

    let deleted = store.delete_member(&member.account).await.unwrap();
    assert_eq!(deleted.public_id, member.public_id);
    assert!(store.member(&member.account).await.unwrap().is_none());
    assert!(store
        .member_by_public_id(&member.public_id)
        .await
        .unwrap()
        .is_none());
    assert!(store.login_record(&email).await.unwrap().is_none());
    assert!(store.email(&member.account).await.unwrap().is_none());
    assert!(store.web_session(&session).await.unwrap().is_none());
    assert!(store.login_link(&link).await.unwrap().is_none());
    assert!(store.application(&applied.id).await.unwrap().is_none());
    assert!(store.invitation(&invited.id).await.unwrap().is_none());
    let err = store.delete_member(&member.account).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err}");
    let err = store
        .delete_member(&AccountId::generate())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err}");

    // The nickname is free again.
    let found = store.member_by_nickname(&member.nickname).await.unwrap();
    assert!(found.is_none());
}

/// Submits an application and decides it.
async fn decided(store: &Store, label: &str, decision: ApplicationStatus) -> Application {
    let email = format!("{}@example.org", unique(label));
    let Submitted::New(applied) = store
        .submit_application(application(&email, label))
        .await
        .unwrap()
    else {
        panic!("a new e-mail makes a new application");
    };
    store
        .decide_application(&applied.id, decision, None)
        .await
        .unwrap()
}

pub(crate) async fn stale_records_are_forgotten(store: &Store) {
    let now = Utc::now();
    let long_ago = now - Duration::days(40);
    let declined = decided(store, "declined", ApplicationStatus::Declined).await;
    let approved = decided(store, "approved", ApplicationStatus::Approved).await;
    let email = format!("{}@example.org", unique("pending"));
    let Submitted::New(pending) = store
        .submit_application(application(&email, "まだ"))
        .await
        .unwrap()
    else {
        panic!("a new e-mail makes a new application");
    };
    // The approved application's invitation lapsed long ago, unused.
    let mut lapsed = invitation(&approved.email, &unique("hash"), Role::Participant);
    lapsed.application = Some(approved.id.clone());
    lapsed.expires_at = long_ago;
    let lapsed = store.create_invitation(lapsed).await.unwrap();
    let open = invitation("open@example.org", &unique("hash"), Role::Participant);
    let open = store.create_invitation(open).await.unwrap();
    let withdrawn = invitation("withdrawn@example.org", &unique("hash"), Role::Participant);
    let withdrawn = store.create_invitation(withdrawn).await.unwrap();
    store.revoke_invitation(&withdrawn.id).await.unwrap();
    // A used invitation is the member's, however old.
    let used_hash = unique("hash");
    let mut used = invitation(
        &format!("{}@example.org", unique("used")),
        &used_hash,
        Role::Participant,
    );
    used.expires_at = long_ago;
    let used = store.create_invitation(used).await.unwrap();
    let member = store
        .register(registration(&used_hash, &unique("used")[..16]))
        .await
        .unwrap();
    let (old_link, fresh_link) = (unique("link"), unique("link"));
    store
        .create_login_link(&old_link, &member.account, long_ago)
        .await
        .unwrap();
    store
        .create_login_link(&fresh_link, &member.account, now + Duration::minutes(20))
        .await
        .unwrap();
    let (old_session, session) = (unique("session"), unique("session"));
    store
        .create_web_session(&old_session, &member.account, now - Duration::seconds(1))
        .await
        .unwrap();
    store
        .create_web_session(&session, &member.account, now + Duration::days(30))
        .await
        .unwrap();

    // Kept 30 days: only what lapsed before then goes, and expired sessions.
    let forgotten = store
        .forget_stale(now, now - Duration::days(30))
        .await
        .unwrap();
    assert!(forgotten.web_sessions >= 1, "{forgotten:?}");
    assert!(forgotten.login_links >= 1, "{forgotten:?}");
    assert!(forgotten.invitations >= 1, "{forgotten:?}");
    assert!(store.invitation(&lapsed.id).await.unwrap().is_none());
    assert!(store.login_link(&old_link).await.unwrap().is_none());
    assert!(store.login_link(&fresh_link).await.unwrap().is_some());
    assert_eq!(
        store.web_session(&session).await.unwrap(),
        Some(member.account.clone())
    );
    for kept in [&declined.id, &approved.id, &pending.id] {
        assert!(store.application(kept).await.unwrap().is_some(), "{kept}");
    }
    for kept in [&open.id, &withdrawn.id, &used.id] {
        assert!(store.invitation(kept).await.unwrap().is_some(), "{kept}");
    }

    // Once the decisions and the withdrawal are older than the cutoff, they go too; what is
    // open, pending or the member's stays.
    let later = Utc::now() + Duration::seconds(1);
    let forgotten = store.forget_stale(now, later).await.unwrap();
    assert!(forgotten.applications >= 2, "{forgotten:?}");
    for gone in [&declined.id, &approved.id] {
        assert!(store.application(gone).await.unwrap().is_none(), "{gone}");
    }
    assert!(store.application(&pending.id).await.unwrap().is_some());
    assert!(store.invitation(&withdrawn.id).await.unwrap().is_none());
    for kept in [&open.id, &used.id] {
        assert!(store.invitation(kept).await.unwrap().is_some(), "{kept}");
    }
    assert!(store.member(&member.account).await.unwrap().is_some());
    assert!(store.login_link(&fresh_link).await.unwrap().is_some());
}

/// The form sent twice at once (a double click, a retry over a slow network): both are
/// accepted, and there is one application.
pub(crate) async fn a_double_submit_makes_one_application(store: &Store) {
    let email = format!("{}@example.org", unique("double"));
    let submits = (0..6).map(|_| store.submit_application(application(&email, "にど")));
    for submitted in futures_util::future::join_all(submits).await {
        submitted.unwrap();
    }
    let pending = store
        .applications(Some(ApplicationStatus::Pending))
        .await
        .unwrap();
    assert_eq!(pending.iter().filter(|a| a.email == email).count(), 1);
}

/// The registration form sent twice at once: one account, and the other answer says the
/// invitation was used.
pub(crate) async fn a_double_registration_makes_one_account(store: &Store) {
    let email = format!("{}@example.org", unique("twice"));
    let hash = unique("hash");
    store
        .create_invitation(invitation(&email, &hash, Role::Participant))
        .await
        .unwrap();
    let nickname = &unique("twice")[..16];
    let (a, b) = tokio::join!(
        store.register(registration(&hash, nickname)),
        store.register(registration(&hash, nickname))
    );
    let (done, refused) = match (a, b) {
        (Ok(member), Err(err)) | (Err(err), Ok(member)) => (member, err),
        other => panic!("expected one account and one refusal: {other:?}"),
    };
    assert!(
        matches!(refused, StoreError::Conflict(Conflict::NotOpen)),
        "{refused}"
    );
    assert!(store.member(&done.account).await.unwrap().is_some());
}

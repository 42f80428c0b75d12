//! Members: creating, finding, changing the avatar, registering from an invitation, and
//! deleting a member with everything tied to their e-mail address.
use super::rows::{MemberRow, SELECT_MEMBER};
use super::{corrupt, now, Conflict, StoreError};
use crate::model::{
    email_key, nickname_key, AccountId, AgeGroup, Avatar, Member, NewMember, PublicId, Registration,
};

/// Fresh ids collide with probability ~0; retrying a few times makes "never" certain.
const ID_ATTEMPTS: usize = 3;

queries! {
    helpers {
        /// Inserts a member with fresh ids (drawn again on the rare collision). Shared by
        /// `create_member` and registration, which runs it inside its transaction.
        async fn insert_member(conn: &mut Conn, new: NewMember) -> Result<Member, StoreError> {
            let key = nickname_key(&new.nickname);
            let created_at = now();
            for _ in 0..ID_ATTEMPTS {
                let member = Member {
                    account: AccountId::generate(),
                    public_id: PublicId::generate(),
                    nickname: new.nickname.clone(),
                    avatar: new.avatar.clone(),
                    role: new.role,
                    group: new.group,
                    created_at,
                };
                let inserted = sqlx::query(
                    "INSERT INTO members (account_id, public_id, nickname, nickname_key, \
                     avatar_shape, avatar_color, role, age_group, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&member.account.0)
                .bind(&member.public_id.0)
                .bind(&member.nickname)
                .bind(&key)
                .bind(&member.avatar.shape)
                .bind(&member.avatar.color)
                .bind(member.role.as_str())
                .bind(member.group.map(AgeGroup::as_str))
                .bind(member.created_at)
                .execute(&mut *conn)
                .await;
                match inserted {
                    Ok(_) => return Ok(member),
                    Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
                        if Db::violates_unique(error.as_ref(), "members", "nickname_key") {
                            return Err(StoreError::Conflict(Conflict::Nickname));
                        }
                        // An id collided: draw new ones.
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Err(StoreError::Conflict(Conflict::Ids))
        }

        /// Removes what ties a person to their e-mail address before the member row goes
        /// (whose deletion cascades to credentials, sessions and links).
        async fn forget_email(conn: &mut Conn, account: &AccountId) -> Result<(), StoreError> {
            let key: Option<String> =
                sqlx::query_scalar("SELECT email_key FROM credentials WHERE account_id = $1")
                    .bind(&account.0)
                    .fetch_optional(&mut *conn)
                    .await?;
            if let Some(key) = key {
                sqlx::query("DELETE FROM invitations WHERE email_key = $1")
                    .bind(&key)
                    .execute(&mut *conn)
                    .await?;
                sqlx::query("DELETE FROM applications WHERE email_key = $1")
                    .bind(&key)
                    .execute(&mut *conn)
                    .await?;
            }
            Ok(())
        }

        async fn member_where(
            db: &sqlx::Pool<Db>,
            column: &str,
            value: &str,
        ) -> Result<Option<Member>, StoreError> {
            let row: Option<MemberRow> =
                sqlx::query_as(&format!("{SELECT_MEMBER} WHERE {column} = $1"))
                    .bind(value)
                    .fetch_optional(db)
                    .await?;
            row.map(Member::try_from).transpose()
        }
    }

    /// Generates the account id and public id; `created_at` is now. A nickname that
    /// matches an existing one (see [`nickname_key`]) is a `Conflict`.
    pub async fn create_member(db, new: NewMember) -> Member {
        let mut conn = db.acquire().await?;
        insert_member(&mut conn, new).await
    }

    pub async fn member(db, account: &AccountId) -> Option<Member> {
        member_where(db, "account_id", &account.0).await
    }

    /// Looks the nickname up by its normalised form, so `Sora` finds `ｓｏｒａ`.
    pub async fn member_by_nickname(db, nickname: &str) -> Option<Member> {
        member_where(db, "nickname_key", &nickname_key(nickname)).await
    }

    pub async fn member_by_public_id(db, id: &PublicId) -> Option<Member> {
        member_where(db, "public_id", &id.0).await
    }

    /// `NotFound` if there is no such member.
    pub async fn set_avatar(db, account: &AccountId, avatar: &Avatar) -> () {
        let done = sqlx::query(
            "UPDATE members SET avatar_shape = $1, avatar_color = $2 WHERE account_id = $3",
        )
        .bind(&avatar.shape)
        .bind(&avatar.color)
        .bind(&account.0)
        .execute(db)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Gives the member another nickname: `Conflict::Nickname` if another member's matches
    /// it (see [`nickname_key`]), `NotFound` if the member is gone.
    pub async fn set_nickname(db, account: &AccountId, nickname: &str) -> () {
        let done = sqlx::query(
            "UPDATE members SET nickname = $1, nickname_key = $2 WHERE account_id = $3",
        )
        .bind(nickname)
        .bind(nickname_key(nickname))
        .bind(&account.0)
        .execute(db)
        .await;
        match done {
            Ok(done) if done.rows_affected() == 0 => Err(StoreError::NotFound),
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(error))
                if Db::violates_unique(error.as_ref(), "members", "nickname_key") =>
            {
                Err(StoreError::Conflict(Conflict::Nickname))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Sets (or, with `None`, clears) the age band the member declared. `NotFound` if there
    /// is no such member.
    pub async fn set_group(db, account: &AccountId, group: Option<AgeGroup>) -> () {
        let done = sqlx::query("UPDATE members SET age_group = $1 WHERE account_id = $2")
            .bind(group.map(AgeGroup::as_str))
            .bind(&account.0)
            .execute(db)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Deletes the member and everything tied to them: credentials, web sessions, login
    /// links, and the applications and invitations of their e-mail address. Audit entries
    /// stay (they hold only the public id). Returns the member as they were; `NotFound`.
    pub async fn delete_member(db, account: &AccountId) -> Member {
        let member = member(db, account).await?.ok_or(StoreError::NotFound)?;
        let mut tx = Db::begin_write(db).await?;
        forget_email(&mut tx, account).await?;
        // Credentials, web sessions and login links go with the row (ON DELETE CASCADE).
        sqlx::query("DELETE FROM members WHERE account_id = $1")
            .bind(&account.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(member)
    }

    /// In one transaction: marks the invitation used (it must be neither used nor revoked:
    /// `Conflict(NotOpen)`; the caller checks expiry), creates the member with the
    /// invitation's role and their credentials. `Conflict(Nickname)`, `Conflict(Email)`.
    pub async fn register(db, registration: Registration) -> Member {
        let mut tx = Db::begin_write(db).await?;
        let invitation: Option<(String, String, String, String)> = sqlx::query_as(&format!(
            "SELECT id, email, role, lang FROM invitations \
             WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL{}",
            Db::FOR_UPDATE
        ))
        .bind(&registration.invitation_token_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((id, email, role, lang)) = invitation else {
            return Err(StoreError::Conflict(Conflict::NotOpen));
        };
        let role = role.parse().map_err(|e| corrupt("invitations", e))?;
        let member = insert_member(
            &mut tx,
            NewMember {
                nickname: registration.nickname,
                avatar: registration.avatar,
                role,
                group: registration.group,
            },
        )
        .await?;
        let inserted = sqlx::query(
            "INSERT INTO credentials (account_id, email, email_key, passphrase_hash, lang) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&member.account.0)
        .bind(&email)
        .bind(email_key(&email))
        .bind(&registration.passphrase_hash)
        .bind(&lang)
        .execute(&mut *tx)
        .await;
        match inserted {
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
                return Err(StoreError::Conflict(Conflict::Email))
            }
            other => other?,
        };
        sqlx::query("UPDATE invitations SET used_at = $1 WHERE id = $2")
            .bind(now())
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(member)
    }
}

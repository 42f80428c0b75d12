//! Blocks between members (docs/protocol.md, `block`): a participant or family member stops
//! seeing and hearing another one, both ways. Only the blocker is ever told of it; for the
//! other it looks as if they had left. Each session holds whom it is apart from (loaded at
//! `auth`); rooms hide the pair from each other (hub::room). A change reaches both members'
//! connections and rooms on whichever node they are.
use super::protocol::ErrorCode;
use super::room::RoomCommand;
use super::Hub;
use crate::model::{Member, PublicId, Role};

/// Only participants and family members block or are blocked: staff, counsellors and
/// admins stay visible, so care and moderation are never hidden from anyone.
fn may_block(role: Role) -> bool {
    matches!(role, Role::Participant | Role::Family)
}

impl Hub {
    /// `by` blocks `member` (`block`), or lifts their block (also from the account page).
    /// Both are told at once, wherever they are; whether they stay apart is the store's
    /// answer (the other may have blocked `by` too).
    pub async fn block(
        &self,
        by: &Member,
        member: &PublicId,
        block: bool,
    ) -> Result<(), ErrorCode> {
        if *member == by.public_id {
            return Err(ErrorCode::BlockSelf);
        }
        if !may_block(by.role) {
            return Err(ErrorCode::CannotBlock);
        }
        let internal = |error: crate::store::StoreError| {
            tracing::error!(%error, "could not change a block");
            ErrorCode::Internal
        };
        let other = self
            .store
            .member_by_public_id(member)
            .await
            .map_err(internal)?
            .ok_or(ErrorCode::NoSuchMember)?;
        if block {
            if !may_block(other.role) {
                return Err(ErrorCode::CannotBlock);
            }
            self.store
                .block(&by.public_id, member)
                .await
                .map_err(internal)?;
        } else {
            self.store
                .unblock(&by.public_id, member)
                .await
                .map_err(internal)?;
        }
        let apart = self
            .store
            .apart(&by.public_id, member)
            .await
            .map_err(internal)?;
        // Here first, so the blocker's next message already finds them apart; then every
        // other node (this one again changes nothing).
        self.apart_here(&by.public_id, member, apart).await;
        if let Some(relay) = &self.relay {
            relay.apart(by.public_id.clone(), member.clone(), apart);
        }
        Ok(())
    }

    /// Whom `member` blocked (the account page lists them to lift a block).
    pub async fn blocked_by(&self, member: &PublicId) -> Result<Vec<Member>, ErrorCode> {
        self.store.blocked_by(member).await.map_err(|error| {
            tracing::error!(%error, "could not read whom a member blocked");
            ErrorCode::Internal
        })
    }

    /// The connections here of either member learn whether they are apart, and tell their
    /// room (wherever it is hosted).
    pub(super) async fn apart_here(&self, a: &PublicId, b: &PublicId, apart: bool) {
        for (one, other) in [(a, b), (b, a)] {
            let Some(session) = self.find(one) else {
                continue;
            };
            session.set_apart(other.clone(), apart);
            if let Some(room) = session.room().and_then(|id| self.room(&id)) {
                room.send(RoomCommand::Apart {
                    session,
                    other: other.clone(),
                    apart,
                })
                .await;
            }
        }
    }
}

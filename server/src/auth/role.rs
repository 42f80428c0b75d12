//! The explicit grants each role carries. Code asks for a grant, never for a role,
//! so a new role (or a changed duty) is one edit here.
use crate::model::Role;
use serde::{Deserialize, Serialize};

/// What a member may do beyond being present while the space is open. `welcome.grants`
/// tells the page (docs/protocol.md), which shows tools from them; the server still checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    /// Enter the space (and every public room) outside its opening windows.
    EnterWhenClosed,
    /// Enter rooms of kind `staff`.
    EnterStaffRoom,
    /// Open a consultation room and invite one person into it; write counsellors' notes and
    /// propose sharing with another organisation (consult).
    TakeConsultations,
    /// Read counsellors' notes (every read is audited).
    ReadNotes,
    /// See, approve and decline applications.
    ReviewApplications,
    /// Send an announcement to everyone in the space, and see who is in which room.
    OverseeSpace,
    /// Mute a member's voice (and camera, screen) in the room one is in.
    Moderate,
    /// Go on duty (and off): counted among the staff who must be there for participants to
    /// come in (rooms.toml `[safety] min_on_duty`).
    GoOnDuty,
    /// Invite anyone directly, resend and revoke invitations, delete accounts, and see
    /// e-mail addresses (nobody else ever does).
    ManageAccounts,
}

impl Role {
    pub fn grants(self) -> &'static [Grant] {
        use Grant::*;
        match self {
            Role::Participant | Role::Family => &[],
            Role::Staff => &[
                EnterWhenClosed,
                EnterStaffRoom,
                ReviewApplications,
                OverseeSpace,
                Moderate,
                GoOnDuty,
            ],
            Role::Counsellor => &[
                EnterWhenClosed,
                EnterStaffRoom,
                TakeConsultations,
                ReadNotes,
                OverseeSpace,
                Moderate,
                GoOnDuty,
            ],
            Role::Admin => &[
                EnterWhenClosed,
                EnterStaffRoom,
                TakeConsultations,
                ReadNotes,
                ReviewApplications,
                ManageAccounts,
                OverseeSpace,
                Moderate,
                GoOnDuty,
            ],
        }
    }

    pub fn has(self, grant: Grant) -> bool {
        self.grants().contains(&grant)
    }

    /// Those who work in the space must log in with a passphrase: an e-mail link alone
    /// would make their mailbox the key to everyone's applications and consultations.
    pub fn must_use_passphrase(self) -> bool {
        !matches!(self, Role::Participant | Role::Family)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn participants_have_no_extra_grants() {
        assert!(Role::Participant.grants().is_empty());
        assert!(Role::Family.grants().is_empty());
        assert!(Role::Staff.has(Grant::EnterWhenClosed));
        assert!(!Role::Staff.has(Grant::TakeConsultations));
        assert!(Role::Counsellor.has(Grant::TakeConsultations));
        assert!(Role::Counsellor.has(Grant::ReadNotes));
        assert!(Role::Admin.has(Grant::ReadNotes));
        assert!(!Role::Staff.has(Grant::ReadNotes));
        assert!(Role::Staff.has(Grant::ReviewApplications));
        assert!(!Role::Staff.has(Grant::ManageAccounts));
        assert!(!Role::Counsellor.has(Grant::ReviewApplications));
        assert!(Role::Admin.has(Grant::ManageAccounts));
        assert!(!Role::Participant.must_use_passphrase());
        assert!(Role::Counsellor.must_use_passphrase());
    }
}

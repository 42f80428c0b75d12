//! The roles a member can have. What each role may do (its grants) is `crate::auth`'s.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Participant,
    Family,
    Staff,
    Counsellor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Participant,
        Role::Family,
        Role::Staff,
        Role::Counsellor,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Participant => "participant",
            Role::Family => "family",
            Role::Staff => "staff",
            Role::Counsellor => "counsellor",
            Role::Admin => "admin",
        }
    }

    /// The badge other members see. Participants and family members carry none:
    /// whether someone came as 本人 or 家族 is theirs to tell.
    pub fn badge(self) -> Option<&'static str> {
        match self {
            Role::Participant | Role::Family => None,
            Role::Staff | Role::Admin => Some("staff"),
            Role::Counsellor => Some("counsellor"),
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown role `{s}` (expected participant, family, staff, counsellor or admin)"
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("root".parse::<Role>().is_err());
    }
}

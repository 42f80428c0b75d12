//! The age band a member may declare (けやきの会 meets by age). Only the member and the
//! server ever know it: it is in no view another member, staff or the audit log receives.
use serde::{Deserialize, Serialize};

/// The bands of けやきの会 (the peer salon that meets by age): 10代, 20代, 30代, 40代以上.
/// Declaring none (答えない) is always allowed; it is `Option::None` wherever it is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AgeGroup {
    #[serde(rename = "10s")]
    Teens,
    #[serde(rename = "20s")]
    Twenties,
    #[serde(rename = "30s")]
    Thirties,
    #[serde(rename = "40s_plus")]
    FortiesPlus,
}

impl AgeGroup {
    pub const ALL: [AgeGroup; 4] = [
        AgeGroup::Teens,
        AgeGroup::Twenties,
        AgeGroup::Thirties,
        AgeGroup::FortiesPlus,
    ];

    /// The name rooms.toml, the store and the API use.
    pub fn as_str(self) -> &'static str {
        match self {
            AgeGroup::Teens => "10s",
            AgeGroup::Twenties => "20s",
            AgeGroup::Thirties => "30s",
            AgeGroup::FortiesPlus => "40s_plus",
        }
    }

    /// How the band reads in Japanese: 10代 … 40代以上.
    pub fn label_ja(self) -> &'static str {
        match self {
            AgeGroup::Teens => "10代",
            AgeGroup::Twenties => "20代",
            AgeGroup::Thirties => "30代",
            AgeGroup::FortiesPlus => "40代以上",
        }
    }
}

impl std::str::FromStr for AgeGroup {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        AgeGroup::ALL
            .into_iter()
            .find(|g| g.as_str() == s)
            .ok_or_else(|| format!("unknown group `{s}` (expected 10s, 20s, 30s or 40s_plus)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_round_trip_through_their_names_and_json() {
        for group in AgeGroup::ALL {
            assert_eq!(group.as_str().parse::<AgeGroup>().unwrap(), group);
            let json = serde_json::to_string(&group).unwrap();
            assert_eq!(json, format!("\"{}\"", group.as_str()));
        }
        assert!("50s".parse::<AgeGroup>().is_err());
    }
}

//! The m-lines of a peer connection and where each is in its negotiation: added, live,
//! parked (inactive, free for the next track of its kind) or on its way between.
use super::{PeerId, TrackKind};
use crate::model::PublicId;
use str0m::change::SdpApi;
use str0m::media::{Direction, Mid};

/// Where an m-line is in its negotiation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Nego {
    /// Not in any offer yet.
    New,
    /// Added, or brought back from parked, in the pending offer.
    Offered,
    Open,
    /// Made inactive in the pending offer.
    Parking,
    /// Inactive: free for the next track of its kind.
    Parked,
}

#[derive(Debug)]
pub(super) struct Line {
    pub(super) kind: TrackKind,
    pub(super) mid: Option<Mid>,
    pub(super) nego: Nego,
    /// Whether the line should carry media; one that should not is parked at the next offer.
    pub(super) wanted: bool,
}

impl Line {
    pub(super) fn new(kind: TrackKind) -> Line {
        Line {
            kind,
            mid: None,
            nego: Nego::New,
            wanted: true,
        }
    }

    /// The mid of a line that carries media now.
    pub(super) fn open_mid(&self) -> Option<Mid> {
        (self.nego == Nego::Open && self.wanted)
            .then_some(self.mid)
            .flatten()
    }

    /// Listed in an offer: every line that is or will be live once it is answered.
    pub(super) fn offered_mid(&self) -> Option<Mid> {
        (self.wanted && matches!(self.nego, Nego::Offered | Nego::Open))
            .then_some(self.mid)
            .flatten()
    }

    /// A parked (or parking) line, free to carry another track.
    pub(super) fn is_free(&self, kind: TrackKind) -> bool {
        self.kind == kind && !self.wanted && matches!(self.nego, Nego::Parking | Nego::Parked)
    }
}

/// Another member's track, sent on to this member.
#[derive(Debug)]
pub(super) struct Downlink {
    pub(super) line: Line,
    pub(super) source: PeerId,
    pub(super) source_mid: Mid,
    pub(super) member: PublicId,
    /// A video line that opened and has not had a keyframe since: its decoder cannot start.
    pub(super) needs_keyframe: bool,
}

/// Moves one line on for the next offer: adds it (direction `live`), brings it back from
/// parked, or parks it.
///
/// A line's `msid` (stream and track id, also on its `a=ssrc` lines) is left to str0m, which
/// makes it random, and it stays with the line for good: str0m writes it on inactive lines too
/// and offers no way to change it. Naming a member there would leave their pseudonym in every
/// later offer after they left, and on the next member the line carries; `tracks` in
/// `voice_offer` is what says whose track a line carries.
pub(super) fn step(line: &mut Line, live: Direction, api: &mut SdpApi) {
    match (line.wanted, line.nego, line.mid) {
        (true, Nego::New, _) => {
            let mid = api.add_media(line.kind.media_kind(), live, None, None, None);
            line.mid = Some(mid);
            line.nego = Nego::Offered;
        }
        (true, Nego::Parked, Some(mid)) => {
            api.set_direction(mid, live);
            line.nego = Nego::Offered;
        }
        (false, Nego::Open, Some(mid)) => {
            api.set_direction(mid, Direction::Inactive);
            line.nego = Nego::Parking;
        }
        _ => {}
    }
}

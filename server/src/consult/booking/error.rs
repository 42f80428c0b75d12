//! Every way a booking request can fail: its wire code, HTTP status, and the sentence a
//! person reads, in Japanese and English.
use crate::model::Lang;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum BookingError {
    /// A field that does not parse or is out of range: the field and what to do, worded.
    #[error("invalid {field}")]
    Invalid {
        field: &'static str,
        ja: &'static str,
        en: &'static str,
    },
    /// Only participants and family members book; only those who take consultations publish.
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// The space is closed all day (a closure, a holiday, a day without opening).
    #[error("day closed")]
    DayClosed,
    /// The day opens, but not for the whole slot.
    #[error("outside opening")]
    OutsideOpening,
    #[error("slot in the past")]
    InThePast,
    #[error("slot overlaps")]
    Overlap,
    /// Somebody else booked it first (or it has started).
    #[error("slot taken")]
    Taken,
    #[error("mode not offered")]
    ModeNotOffered,
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for BookingError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "store error in booking");
        BookingError::Internal(e.to_string())
    }
}

impl BookingError {
    pub fn code(&self) -> &'static str {
        use BookingError::*;
        match self {
            Invalid { .. } => "invalid",
            Forbidden => "forbidden",
            NotFound => "not_found",
            DayClosed => "day_closed",
            OutsideOpening => "outside_opening",
            InThePast => "slot_in_past",
            Overlap => "slot_overlap",
            Taken => "slot_taken",
            ModeNotOffered => "mode_not_offered",
            Internal(_) => "internal",
        }
    }

    pub fn status(&self) -> u16 {
        use BookingError::*;
        match self {
            Invalid { .. } | ModeNotOffered => 400,
            Forbidden => 403,
            NotFound => 404,
            Overlap | Taken => 409,
            DayClosed | OutsideOpening | InThePast => 422,
            Internal(_) => 500,
        }
    }

    /// The field a form marks, for `invalid`.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            BookingError::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }

    pub fn message(&self, lang: Lang) -> &'static str {
        use BookingError::*;
        let (ja, en) = match self {
            Invalid { ja, en, .. } => (*ja, *en),
            Forbidden => (
                "この操作をする権限がありません。",
                "You are not allowed to do this.",
            ),
            NotFound => (
                "この相談の枠は見つかりませんでした。取り消されたか、すでに終わった可能性があります。",
                "We could not find this consultation slot. It may have been withdrawn or be over already.",
            ),
            DayClosed => (
                "この日は閉室日のため、相談の枠は作れません。開室している日をお選びください。",
                "The space is closed on this day, so no consultation can take place. Please choose a day when it is open.",
            ),
            OutsideOpening => (
                "相談の枠は、開室時間の中に収まるようにしてください。",
                "A consultation slot must lie within the opening hours.",
            ),
            InThePast => (
                "この時間はもう過ぎています。これから先の時間をお選びください。",
                "This time has already passed. Please choose a time still to come.",
            ),
            Overlap => (
                "この時間には、すでにご自身の別の枠があります。",
                "You already have another slot at this time.",
            ),
            Taken => (
                "申し訳ありません。この枠は、ほかの方が先に予約されました。別の枠をお選びください。",
                "Sorry: someone else booked this slot just before you. Please choose another one.",
            ),
            ModeNotOffered => (
                "この枠では、選ばれた相談の方法（文字・声・ビデオ）は受けていません。",
                "This slot does not offer the way of talking you chose (text, voice or video).",
            ),
            Internal(_) => (
                "いま、うまく処理できませんでした。時間をおいて、もう一度お試しください。",
                "Something went wrong on our side. Please try again a little later.",
            ),
        };
        match lang {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }
}

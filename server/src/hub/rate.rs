//! Per-connection rate limits. Real time, not the schedule's clock: a rehearsal at speed 60
//! does not let anyone send 60 times faster.
use super::inbound::{error_body, Reject};
use super::limits::*;
use super::protocol::{ClientMessage, CloseCode, ErrorBody, ErrorCode};
use crate::safety::screen_chat;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;

/// Per-connection rate limits: all messages, chat and stamps, and rejected messages.
pub(super) struct Limiters {
    any: DefaultDirectRateLimiter,
    chat: DefaultDirectRateLimiter,
    rejects: DefaultDirectRateLimiter,
}

impl Limiters {
    pub(super) fn new() -> Self {
        let quota = |per_second: u32, burst: u32| {
            Quota::per_second(NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN))
                .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN))
        };
        Limiters {
            any: RateLimiter::direct(quota(MESSAGES_PER_SECOND, MESSAGES_BURST)),
            chat: RateLimiter::direct(quota(CHAT_PER_SECOND, CHAT_BURST)),
            rejects: RateLimiter::direct(quota(REJECTS_PER_SECOND, REJECTS_BURST)),
        }
    }

    pub(super) fn admit(&self, message: &ClientMessage) -> Result<(), Reject> {
        let limited = |limiter: &DefaultDirectRateLimiter| {
            limiter.check().map_err(|not_until| {
                let wait = not_until.wait_time_from(governor::clock::Clock::now(
                    &governor::clock::DefaultClock::default(),
                ));
                Box::new(ErrorBody {
                    retry_after_ms: Some(wait.as_millis().max(1) as u64),
                    ..error_body(message.rid().cloned(), ErrorCode::RateLimited)
                })
            })
        };
        limited(&self.any)?;
        let uses_chat_allowance = match message {
            // A line the room will refuse for what it says costs nothing: the person may fix
            // it and send it again at once. Screening is the room's, checked here the same way.
            ClientMessage::Chat { text, .. } | ClientMessage::Whisper { text, .. } => {
                screen_chat(text).is_ok()
            }
            ClientMessage::Stamp { .. } => true,
            // Each block or unblock tells the other member's room (and node): not a toy.
            ClientMessage::Block { .. } | ClientMessage::Unblock { .. } => true,
            _ => false,
        };
        if uses_chat_allowance {
            limited(&self.chat)?;
        }
        Ok(())
    }

    /// Counts a rejected message; too many in a short time is a flood.
    pub(super) fn reject(&self) -> Result<(), CloseCode> {
        self.rejects.check().map_err(|_| CloseCode::Flood)
    }
}

mod clock;
pub use clock::{Clock, RehearsalClock, SystemClock};

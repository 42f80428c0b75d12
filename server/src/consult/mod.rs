//! Consultations (個別相談): booking slots with counsellors (booking/).
pub mod booking;

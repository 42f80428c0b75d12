#![forbid(unsafe_code)]
//! ibasho: a real-time online drop-in space (オンライン居場所).

pub mod accounts;
pub mod app;
pub mod auth;
pub mod cluster;
pub mod config;
pub mod consult;
/// Entry points for the fuzzers in fuzz/ (bench/fuzz.sh): built with `fuzzing`, and in unit
/// tests, so the suite replays the seed corpus through them; never in the server's build.
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzz;
mod http;
pub mod hub;
pub mod mail;
pub mod media;
pub mod model;
pub mod safety;
pub mod schedule;
pub mod store;

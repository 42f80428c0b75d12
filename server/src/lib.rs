#![forbid(unsafe_code)]
//! ibasho: a real-time online drop-in space (オンライン居場所).

pub mod auth;
pub mod config;
pub mod member;
pub mod schedule;

pub mod admin;
pub mod mail_args;
pub mod screen;

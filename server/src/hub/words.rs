//! What members read: every message the hub shows, in Japanese, in one place.
//! Gentle wording on purpose (PRODUCT.md "Words on screen").
use super::protocol::ErrorCode;
use crate::config::Audience;
use crate::model::Role;
use crate::schedule::{format_ja, Window};
use chrono::{DateTime, FixedOffset};

pub fn error_message(code: ErrorCode) -> &'static str {
    use ErrorCode::*;
    match code {
        BadFrame => "メッセージを読み取れませんでした。",
        UnknownType => "この種類のメッセージには対応していません。",
        BadRequest => "メッセージの内容に誤りがあります。",
        FrameTooLarge => "メッセージが大きすぎます。",
        NotAuthenticated => "はじめにログインの確認が必要です。",
        AlreadyAuthenticated => "すでにログインしています。",
        TokenInvalid => "ログインの確認ができませんでした。もう一度ログインしてください。",
        TokenExpired => "ログインの有効期限が切れました。もう一度ログインしてください。",
        UnknownMember => "このアカウントは見つかりませんでした。",
        NotPresent => "その方はいまスペースにいません。",
        SpaceClosed => "ただいま閉室中です。",
        RoomClosed => "このお部屋は、いまは開いていません。",
        UnknownRoom => "そのお部屋は見つかりませんでした。",
        RoomFull => "このお部屋はいま満員です。少し時間をおいてお試しください。",
        NotAllowed => "このお部屋には入れません。",
        NotForYou => {
            "このお部屋は、ほかの方々のための集まりです。ほかのお部屋は、どなたでも過ごせます。"
        }
        NotInRoom => "まだお部屋に入っていません。",
        ChatEmpty => "メッセージが空です。",
        ChatContact => {
            "連絡先（電話番号・メールアドレス・リンク・IDなど）が含まれているようです。ここは多くの人が読む場所なので、知らない人に届くことがあります。このまま送りますか？"
        }
        ChatTooLong => "メッセージが長すぎます。",
        RateLimited => "少しゆっくり送ってください。",
        NoMap => "このお部屋では移動できません。",
        ServerBusy => "ただいま混み合っています。少し時間をおいてから、もう一度お入りください。",
        Unavailable => {
            "いま少しつながりにくくなっています。すぐにつなぎ直しますので、そのままお待ちください。"
        }
        Internal => "申し訳ありません。サーバーで問題が起きました。",
        VoiceNotStarted => "まだ音声をはじめていません。",
        ListenOnly => {
            "いまは聞くだけになっています。話すときは、状態を「話せます」にしてください。"
        }
        BadSdp => "音声の接続情報を読み取れませんでした。",
        NoVoice => "このお部屋では音声は使えません。",
        NoStage => "このお部屋にはステージがありません。",
        SpeakersFull => "いまは話している人数がいっぱいです。聞くことはそのままできます。",
        NotWaiting => "その方はいま、相談を待っていません。",
        NoRoomFree => "いま空いている相談室がありません。ほかの相談が終わるまでお待ちください。",
        UnknownAlert => "そのお知らせは見つかりませんでした。",
        NoStaff => {
            "いまはスタッフがそろっていないため、お入りいただけません。少し時間をおいて、もう一度お試しください。"
        }
        Muted => "しばらくの間、書き込みをお休みしていただいています。",
        AskedToLeave => "このお部屋は、しばらくの間お休みしていただいています。ほかのお部屋でお過ごしください。",
        UnknownMessage => "その書き込みは見つかりませんでした。",
        CannotBlock => {
            "スタッフや相談員はブロックできません。困っていることがあれば、通報するか、スタッフに相談してください。"
        }
        BlockSelf => "ご自分をブロックすることはできません。",
        NoSuchMember => "その方は見つかりませんでした。",
        // The real message names the reason and whom to ask (model::Suspension::message).
        AccountSuspended => "アカウントを一時停止しています。",
        ReportSelf => "ご自身を通報することはできません。",
    }
}

/// Told on a refused line or stamp: 「しばらくの間、書き込みをお休みしていただいています（〜14:30まで）」.
pub fn text_muted(until: DateTime<FixedOffset>) -> String {
    format!(
        "しばらくの間、書き込みをお休みしていただいています（〜{}まで）",
        until.format("%H:%M")
    )
}

/// Told as the member leaves a room staff asked them to leave.
pub fn asked_to_leave() -> &'static str {
    "スタッフから、このお部屋の退室をお願いしました。少し時間をおいてから、またお越しください。ほかのお部屋はそのままご利用いただけます。"
}

/// Told when staff hold back the member's text and/or voice, with until when.
pub fn muted(text: Option<DateTime<FixedOffset>>, voice: Option<DateTime<FixedOffset>>) -> String {
    let what = match (text, voice) {
        (Some(_), Some(_)) => "書き込みと声",
        (Some(_), None) => "書き込み",
        _ => "声",
    };
    let until = text.max(voice).map(|u| u.format("%H:%M").to_string());
    format!(
        "スタッフから、しばらくの間{what}をお休みしていただくようお願いしました（〜{}まで）。お部屋にはそのままいられます。",
        until.unwrap_or_default()
    )
}

pub fn mute_ended() -> &'static str {
    "お休みの時間が終わりました。また書き込んだり話したりできます。"
}

/// What is wrong with one field of a request (the technical detail goes in `detail`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldProblem {
    Unknown,
    Missing,
    Invalid,
}

/// A `bad_request` message naming the field, ready to show.
pub fn bad_field(field: &str, problem: FieldProblem) -> String {
    // A name the client made up is shown only when it looks like a protocol field: anything
    // else (symbols, long text, other scripts) stays in `field` and out of the message.
    let plain = !field.is_empty()
        && field.len() <= 32
        && field
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    match problem {
        FieldProblem::Unknown if !plain => {
            "メッセージに、使えない項目が含まれています。".to_string()
        }
        FieldProblem::Unknown => {
            format!("メッセージに、使えない項目「{field}」が含まれています。")
        }
        FieldProblem::Missing => format!("メッセージに、必要な項目「{field}」がありません。"),
        FieldProblem::Invalid => format!("メッセージの項目「{field}」の形が正しくありません。"),
    }
}

/// Why a member who asked to speak only listens here.
pub fn listen_only_on_stage() -> &'static str {
    "ステージで話せるのは、ホストと招かれた方です。話したいときは手を挙げてください。"
}

/// Why a member who asked to speak cannot yet: the room's speakers are as many as it allows.
pub fn speakers_full(limit: usize) -> String {
    format!(
        "いまこのお部屋で話せるのは{limit}人までで、いっぱいです。どなたかが話し終えたら、もう一度「話す」を押してください。聞くことはそのままできます。"
    )
}

/// Told to those refused for want of a place, once one is free.
pub fn voice_place_free() -> &'static str {
    "話せる場所が空きました。話すときは、もう一度「話す」を押してください。"
}

pub fn no_offer_pending() -> &'static str {
    "応答するオファーがありません。"
}

pub fn listen_only_muted() -> &'static str {
    "スタッフがマイクをミュートしています。"
}

/// "ただいま閉室中です。次回は12月16日(水) 13:00からです。"
pub fn space_closed(next: Option<&Window>) -> String {
    match next {
        Some(w) => format!("ただいま閉室中です。次回は{}からです。", format_ja(w.start)),
        None => "ただいま閉室中です。次回の開室日はまだ決まっていません。".to_string(),
    }
}

pub fn room_closed(next: Option<&Window>) -> String {
    match next {
        Some(w) => format!(
            "このお部屋は、いまは開いていません。次回は{}からです。",
            format_ja(w.start)
        ),
        None => "このお部屋は、いまは開いていません。".to_string(),
    }
}

/// Why a room is not for this member, kindly: whom it is for, that the other rooms are open
/// to them, and (for a room by age) where they can choose their band. Never names the
/// member's own band.
/// "このお部屋は、40代以上のご本人のための集まりです。…"
pub fn not_for_you(audience: &Audience) -> String {
    let bands = audience
        .groups
        .iter()
        .map(|g| g.label_ja())
        .collect::<Vec<_>>()
        .join("・");
    let roles = audience
        .roles
        .iter()
        .map(|r| match r {
            Role::Family => "ご家族",
            _ => "ご本人",
        })
        .collect::<Vec<_>>()
        .join("・");
    let whom = match (bands.is_empty(), roles.is_empty()) {
        (false, false) => format!("{bands}の{roles}"),
        (false, true) => format!("{bands}の方"),
        (true, false) => roles,
        (true, true) => return error_message(ErrorCode::NotForYou).to_string(),
    };
    let mut message =
        format!("このお部屋は、{whom}のための集まりです。ほかのお部屋は、どなたでも過ごせます。");
    if !audience.groups.is_empty() {
        message.push_str(
            "年代は、アカウントのページでいつでも選び直せます（ほかの方には見えません）。",
        );
    }
    message
}

pub fn chat_too_long(limit: usize) -> String {
    format!("メッセージが長すぎます（{limit}文字まで）。")
}

pub fn closing_soon(minutes: u32) -> String {
    format!("あと{minutes}分で閉室します。今日もありがとうございました。")
}

pub fn consult_grace(until: &chrono::DateTime<chrono::FixedOffset>) -> String {
    format!(
        "閉室の時間になりました。ご相談は{}まで続けられます。",
        until.format("%H:%M")
    )
}

pub fn goodbye_closed(next: Option<&Window>) -> String {
    match next {
        Some(w) => format!(
            "本日は閉室しました。来てくれてありがとうございました。次回は{}からです。",
            format_ja(w.start)
        ),
        None => "本日は閉室しました。来てくれてありがとうございました。".to_string(),
    }
}

pub fn goodbye_shutdown() -> &'static str {
    "サーバーのメンテナンスのため、いったん接続を終了します。しばらくしてからもう一度お入りください。"
}

pub fn session_ended() -> &'static str {
    "プログラムの時間が終わりました。フリースペースへどうぞ。"
}

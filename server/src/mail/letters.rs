//! The words of every e-mail, in Japanese and English. Plain text, gentle and concrete: what
//! happened, what happens next, the one link on a line of its own, how long it works, and
//! what to do if it was not you. No images, no tracking, no pressure.
use super::Lang;
use crate::model::Role;

pub enum Letter<'a> {
    ApplicationReceived {
        nickname: &'a str,
    },
    /// Staff's optional kind word goes into the letter as they wrote it.
    ApplicationDeclined {
        message: Option<&'a str>,
    },
    /// The answer to an application from an address that already has an account.
    AccountExists {
        login_url: &'a str,
    },
    Invitation {
        role: Role,
        link: &'a str,
        /// Already worded in the space's time zone, e.g. 12月23日(水) 13:00.
        expires: &'a str,
    },
    LoginLink {
        link: &'a str,
        minutes: u32,
    },
    AccountDeleted,
    /// A booked consultation is cancelled (sent only to those who opted in). `when`: its
    /// start, worded in the space's time zone; `why` says what happened, already worded.
    BookingCancelled {
        when: &'a str,
        why: &'a str,
    },
    /// A booked consultation starts soon (sent only to those who opted in).
    BookingReminder {
        when: &'a str,
    },
}

const NOT_YOU_JA: &str = "このメールに心当たりがない場合は、お手数ですが破棄してください。";
const NOT_YOU_EN: &str =
    "If you did not ask for this, you can simply delete this e-mail; nothing else will happen.";

impl Letter<'_> {
    /// Subject and body in `lang`, signed with the space's name and, when the operator gave
    /// one, how to reach the office (the letters that ask a person to get in touch point here).
    pub fn render(&self, lang: Lang, space: &str, contact: Option<&str>) -> (String, String) {
        let (subject, body) = match lang {
            Lang::Ja => self.japanese(),
            Lang::En => self.english(),
        };
        let signature = match lang {
            Lang::Ja => format!(
                "\n\n――\n{space}\nこのメールは送信専用のアドレスからお送りしています。{}",
                contact.map(|c| format!("\nお問い合わせ先: {c}")).unwrap_or_default()
            ),
            Lang::En => format!(
                "\n\n--\n{space}\nThis e-mail was sent from an address that does not receive replies.{}",
                contact.map(|c| format!("\nContact: {c}")).unwrap_or_default()
            ),
        };
        (
            format!("【{space}】{subject}"),
            format!("{body}{signature}\n"),
        )
    }

    fn japanese(&self) -> (String, String) {
        match self {
            Letter::ApplicationReceived { nickname } => (
                "お申し込みを受け付けました".into(),
                format!(
                    "{nickname} さん\n\n\
                     オンライン居場所へのお申し込みをありがとうございます。\n\
                     お申し込みは、たしかに受け付けました。\n\n\
                     これから、スタッフがお申し込みの内容を確認します。\n\
                     確認が済みましたら、登録のための招待メールをお送りします。\n\
                     数日かかることがありますが、このままお待ちください。\n\n\
                     {NOT_YOU_JA}"
                ),
            ),
            Letter::ApplicationDeclined { message } => (
                "お申し込みについて".into(),
                format!(
                    "オンライン居場所へのお申し込みをありがとうございました。\n\n\
                     申し訳ありませんが、今回はご案内を見送らせていただくことになりました。\n\
                     {}\
                     ご不明な点があれば、居場所を運営する窓口にお問い合わせください。\n\n\
                     {NOT_YOU_JA}",
                    message
                        .map(|m| format!("\nスタッフからのひとこと:\n{m}\n\n"))
                        .unwrap_or_else(|| "\n".into())
                ),
            ),
            Letter::AccountExists { login_url } => (
                "すでにご登録いただいています".into(),
                format!(
                    "オンライン居場所へのお申し込みをいただきましたが、\n\
                     このメールアドレスは、すでに登録されています。\n\n\
                     次のページからログインできます。\n\
                     パスフレーズを忘れたときは、同じページでログイン用のリンクをメールで受け取れます。\n\n\
                     {login_url}\n\n\
                     {NOT_YOU_JA}"
                ),
            ),
            Letter::Invitation {
                role,
                link,
                expires,
            } => (
                "ご招待のお知らせ".into(),
                format!(
                    "オンライン居場所へようこそ。\n\
                     {}として、登録のご案内をお送りします。\n\n\
                     次のリンクを開いて、ニックネームとアバターを選んでください。\n\
                     本名は必要ありません。\n\n\
                     {link}\n\n\
                     このリンクは {expires} まで、1回だけ使えます。\n\
                     期限が過ぎてしまったときは、お手数ですがもう一度お申し込みいただくか、\n\
                     運営の窓口にご連絡ください。新しいリンクをお送りします。\n\n\
                     {NOT_YOU_JA}",
                    role_ja(*role)
                ),
            ),
            Letter::LoginLink { link, minutes } => (
                "ログイン用のリンク".into(),
                format!(
                    "ログイン用のリンクをお送りします。\n\
                     次のリンクを開くと、そのままログインできます。\n\n\
                     {link}\n\n\
                     このリンクは{minutes}分のあいだ、1回だけ使えます。\n\
                     時間が過ぎたときは、ログインのページからもう一度受け取ってください。\n\n\
                     {NOT_YOU_JA}"
                ),
            ),
            Letter::AccountDeleted => (
                "退会の手続きが終わりました".into(),
                format!(
                    "退会の手続きが終わりました。\n\
                     ご登録のメールアドレス、ニックネームなど、登録していただいた情報は削除しました。\n\
                     これまで来てくださって、ありがとうございました。\n\n\
                     また来たくなったときは、いつでもお申し込みください。\n\n\
                     {NOT_YOU_JA}"
                ),
            ),
            Letter::BookingCancelled { when, why } => (
                "相談の予約の取り消し".into(),
                format!(
                    "{when}からの相談の予約は、取り消しになりました。\n\
                     {why}\n\n\
                     ご不便をおかけして、申し訳ありません。\n\
                     よろしければ、アカウントのページから別の枠をお選びください。"
                ),
            ),
            Letter::BookingReminder { when } => (
                "相談の予約のお知らせ".into(),
                format!(
                    "{when}から、予約された相談があります。\n\
                     時間になったら、居場所にお入りください。\n\n\
                     都合が悪くなったときは、アカウントのページから取り消せます。\n\
                     取り消しても、何も気にすることはありません。"
                ),
            ),
        }
    }

    fn english(&self) -> (String, String) {
        match self {
            Letter::ApplicationReceived { nickname } => (
                "We received your application".into(),
                format!(
                    "Dear {nickname},\n\n\
                     Thank you for applying to our online drop-in space. Your application has arrived.\n\n\
                     Our staff will read it, and then send you an invitation e-mail with a link to register.\n\
                     This can take a few days; there is nothing else you need to do now.\n\n\
                     {NOT_YOU_EN}"
                ),
            ),
            Letter::ApplicationDeclined { message } => (
                "About your application".into(),
                format!(
                    "Thank you for applying to our online drop-in space.\n\n\
                     We are sorry, but we cannot invite you this time.\n\
                     {}\
                     If you have questions, please contact the office that runs the space.\n\n\
                     {NOT_YOU_EN}",
                    message
                        .map(|m| format!("\nA word from our staff:\n{m}\n\n"))
                        .unwrap_or_else(|| "\n".into())
                ),
            ),
            Letter::AccountExists { login_url } => (
                "You are already registered".into(),
                format!(
                    "We received an application from this e-mail address, but it is already registered.\n\n\
                     You can log in here. If you forgot your passphrase, the same page can send you a login link.\n\n\
                     {login_url}\n\n\
                     {NOT_YOU_EN}"
                ),
            ),
            Letter::Invitation {
                role,
                link,
                expires,
            } => (
                "Your invitation".into(),
                format!(
                    "Welcome to our online drop-in space.\n\
                     You are invited as {}.\n\n\
                     Open this link to choose a nickname and an avatar (no real name is needed):\n\n\
                     {link}\n\n\
                     The link works once, until {expires}.\n\
                     If it has expired, please apply again or contact the office, and we will send a new one.\n\n\
                     {NOT_YOU_EN}",
                    role_en(*role)
                ),
            ),
            Letter::LoginLink { link, minutes } => (
                "Your login link".into(),
                format!(
                    "Here is your login link. Opening it logs you in:\n\n\
                     {link}\n\n\
                     It works once, for {minutes} minutes. If the time has passed, ask for a new one on the login page.\n\n\
                     {NOT_YOU_EN}"
                ),
            ),
            Letter::AccountDeleted => (
                "Your account has been deleted".into(),
                format!(
                    "Your account has been deleted, with your e-mail address, nickname and everything you registered.\n\
                     Thank you for coming. You are welcome to apply again whenever you like.\n\n\
                     {NOT_YOU_EN}"
                ),
            ),
            Letter::BookingCancelled { when, why } => (
                "Your consultation booking is cancelled".into(),
                format!(
                    "Your consultation booked for {when} is cancelled.\n\
                     {why}\n\n\
                     We are sorry for the trouble. If you like, you can choose another time on your account page."
                ),
            ),
            Letter::BookingReminder { when } => (
                "A reminder of your consultation".into(),
                format!(
                    "You have a consultation booked for {when}.\n\
                     When it is time, please come into the space.\n\n\
                     If the time no longer suits you, you can cancel it on your account page; that is quite all right."
                ),
            ),
        }
    }
}

fn role_ja(role: Role) -> &'static str {
    match role {
        Role::Participant => "参加者",
        Role::Family => "ご家族",
        Role::Staff => "スタッフ",
        Role::Counsellor => "相談員",
        Role::Admin => "管理者",
    }
}

fn role_en(role: Role) -> &'static str {
    match role {
        Role::Participant => "a participant",
        Role::Family => "a family member",
        Role::Staff => "a member of staff",
        Role::Counsellor => "a counsellor",
        Role::Admin => "an administrator",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_letter() -> Vec<(Letter<'static>, &'static [&'static str])> {
        vec![
            (Letter::ApplicationReceived { nickname: "そら" }, &["そら"]),
            (
                Letter::ApplicationDeclined {
                    message: Some("またいつでも"),
                },
                &["またいつでも"],
            ),
            (Letter::ApplicationDeclined { message: None }, &[]),
            (
                Letter::AccountExists {
                    login_url: "https://x.jp/login",
                },
                &["https://x.jp/login"],
            ),
            (
                Letter::Invitation {
                    role: Role::Counsellor,
                    link: "https://x.jp/register#t=abc",
                    expires: "12月23日(水) 13:00",
                },
                &["https://x.jp/register#t=abc", "12月23日(水) 13:00"],
            ),
            (
                Letter::LoginLink {
                    link: "https://x.jp/login#t=xyz",
                    minutes: 20,
                },
                &["https://x.jp/login#t=xyz", "20"],
            ),
            (Letter::AccountDeleted, &[]),
            (
                Letter::BookingCancelled {
                    when: "12月9日(水) 14:00",
                    why: "閉室",
                },
                &["12月9日(水) 14:00", "閉室"],
            ),
            (
                Letter::BookingReminder {
                    when: "12月9日(水) 14:00",
                },
                &["12月9日(水) 14:00"],
            ),
        ]
    }

    #[test]
    fn every_letter_in_both_languages_carries_its_values_and_no_placeholder() {
        for (letter, values) in every_letter() {
            for lang in [Lang::Ja, Lang::En] {
                let (subject, body) = letter.render(lang, "ここにいるよ。", None);
                assert!(subject.starts_with("【ここにいるよ。】"), "{subject}");
                assert!(body.contains("ここにいるよ。"), "{body}");
                for value in values {
                    assert!(body.contains(value), "{lang:?}: {value} missing in\n{body}");
                }
                assert!(!body.contains('{') && !body.contains('}'), "{body}");
            }
        }
    }

    #[test]
    fn links_stand_alone_on_their_own_line() {
        let (_, body) = Letter::Invitation {
            role: Role::Participant,
            link: "https://x.jp/register#t=abc",
            expires: "12月23日(水) 13:00",
        }
        .render(Lang::Ja, "居場所", None);
        assert!(
            body.lines().any(|l| l == "https://x.jp/register#t=abc"),
            "{body}"
        );
        assert!(body.contains("参加者として"));
    }

    #[test]
    fn every_letter_says_how_to_reach_the_office_when_the_operator_gave_it() {
        for (letter, _) in every_letter() {
            let (_, ja) = letter.render(Lang::Ja, "居場所", Some("センター 022-000-0000"));
            assert!(ja.contains("お問い合わせ先: センター 022-000-0000"), "{ja}");
            let (_, en) = letter.render(Lang::En, "Ibasho", Some("Centre 022-000-0000"));
            assert!(en.contains("Contact: Centre 022-000-0000"), "{en}");
            let (_, none) = letter.render(Lang::Ja, "居場所", None);
            assert!(!none.contains("お問い合わせ先"), "{none}");
        }
    }
}

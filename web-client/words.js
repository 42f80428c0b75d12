// Every word of the public page and the account pages, one table per language (the space
// page has its own in space/i18n.js). Japanese first; the choice is the space page's own
// preference, localStorage["ibasho.lang"], so it carries across every page.
// Plain ES module, no build step, nothing loaded from outside this server.

const STORED = "ibasho.lang";

// Parts of a date in the space's time zone, by type (month, day, weekday…).
function dateParts(locale, options, date) {
  const parts = new Intl.DateTimeFormat(locale, options).formatToParts(date);
  return Object.fromEntries(parts.map((p) => [p.type, p.value]));
}

const ja = {
  skip: "本文へ移動",
  toTop: "トップへ戻る",
  loading: "読み込んでいます…",
  sending: "送信しています…",
  networkFailed: "サーバーにつながりませんでした。インターネットの接続を確かめて、もう一度お試しください。",
  // The API's messages are Japanese sentences ready to show.
  problem: (body) => body.message ?? ja.networkFailed,
  enterSpace: "居場所に入る",
  account: "アカウント",
  logIn: "ログイン",
  toLogin: "ログインのページへ",
  toApply: "お申し込みのページへ",
  nickname: "ニックネーム",
  nicknameRequired: "ニックネーム（必須）",
  email: "メールアドレス",
  passphrase: "パスフレーズ",
  loginMethod: "ログインのしかた",
  required: "（必須）",

  // The public page. Dates the way people read them: 12月9日(水) 13:00〜21:00
  day: (date, timeZone) => {
    const p = dateParts("ja-JP", { timeZone, month: "numeric", day: "numeric", weekday: "short" }, date);
    return `${p.month}月${p.day}日(${p.weekday})`;
  },
  range: (start, end) => `${start}〜${end}`,
  listSeparator: "、",
  defaultTitle: "オンライン居場所",
  about: "ひきこもりの状態にある方やそのご家族が、ニックネームで気軽に立ち寄れるオンラインの居場所です。",
  nowHeading: "いまの開室状況",
  openNow: (until) => `ただいま開室中です。${until}まで開いています。`,
  openNowNoEnd: "ただいま開室中です。",
  closedNext: (day, time) => `ただいま閉室中です。次回は${day} ${time}からです。`,
  closedNoNext: "ただいま閉室中です。次回の開室日はまだ決まっていません。",
  statusFailed: "開室状況を読み込めませんでした。しばらくしてから、もう一度お試しください。",
  daysHeading: "これからの開室日",
  daysNote: (days) => `今日から${days}日間の予定です。変更があるときは、このページでお知らせします。`,
  noDays: "これから60日のあいだに、決まっている開室日はありません。",
  scheduleFailed: "開室日を読み込めませんでした。しばらくしてから、もう一度お試しください。",
  sessionLabel: "プログラム",
  addToCalendar: "カレンダーに追加",
  joinHeading: "参加するには",
  joinText: "ニックネームとメールアドレスで申し込むと、スタッフが確認したあと招待メールが届きます。",
  applyButton: "参加を申し込む",
  promiseHeading: "安心して過ごしていただくために",
  promiseNickname: "ニックネームとアバターで参加できます。本名は出ません。",
  promiseCamera: "カメラやマイクは、使いたいときだけ使えます。見るだけ、聞くだけでも大丈夫です。",
  promiseNotSaved: "会話は保存されません。",
  contactHeading: "お問い合わせ",

  // Applying.
  applyTitle: "参加のお申し込み",
  applyAbout: "ニックネームとメールアドレスだけで申し込めます。本名や住所は聞きません。スタッフが確認したあと、登録のための招待メールをお送りします。",
  applyNicknameHint: "20文字まで。本名、電話番号、メールアドレス、URLは使えません。あとから登録のときに変えられます。",
  emailRequired: "メールアドレス（必須）",
  emailHint: "招待とログインのご案内に使います。ほかの参加者には見えません。",
  whoApplies: "どなたがお申し込みですか（必須）",
  applicantSelf: "本人",
  applicantFamily: "家族",
  eligibilityLoading: "対象についての説明を読み込んでいます…",
  heardFrom: "この居場所を何で知りましたか（任意）",
  noAnswer: "答えない",
  noteLabel: "スタッフに伝えたいこと（任意）",
  trapLabel: "ウェブサイト（入力しないでください）",
  privacyLoading: "個人情報の取り扱いについて読み込んでいます…",
  consent: "個人情報の取り扱いに同意します（必須）",
  applySubmit: "申し込む",

  // Registering.
  registerTitle: "登録",
  registerAbout: "ニックネームとアバターを選んでください。ほかの参加者に見えるのは、この二つだけです。",
  checkingInvitation: "招待を確かめています…",
  noInvitation: "招待リンクが見つかりませんでした。メールに書かれたリンクを、そのまま開いてください。",
  registeringAs: (role) => `${ja.roles[role] ?? role}としての登録です。`,
  roles: { participant: "参加者", family: "ご家族", staff: "スタッフ", counsellor: "相談員", admin: "管理者" },
  registerNicknameHint: "20文字まで。本名、電話番号、メールアドレス、URLは使えません。",
  avatarShape: "アバターのかたち",
  avatarColour: "アバターのいろ",
  byPassphrase: "パスフレーズを決める",
  byEmail: "パスフレーズは決めずに、毎回メールでログイン用のリンクを受け取る",
  passphraseLabel: "パスフレーズ（10文字以上）",
  passphraseHint: "覚えやすい言葉をいくつか並べるのがおすすめです（例: あさのこうえんでねこをみた）。",
  groupLabel: "年代（答えなくても大丈夫です）",
  groupHint: "けやきの会のように、年代ごとに集まるお部屋に使います。ほかの参加者にもスタッフにも見えません。あとからアカウントのページで変えられます。",
  groups: { "": "答えない", "10s": "10代", "20s": "20代", "30s": "30代", "40s_plus": "40代以上" },
  registerSubmit: "登録する",
  registered: (nickname) => `登録が済みました。ようこそ、${nickname} さん。開室中は、いつでも居場所に入れます。`,
  shapes: {
    cat: "ねこ", dog: "いぬ", rabbit: "うさぎ", bear: "くま", bird: "とり", fox: "きつね",
    frog: "かえる", turtle: "かめ", leaf: "はっぱ", flower: "はな", star: "ほし", cloud: "くも",
  },
  // Names for the avatar colours (server/src/member.rs AVATAR_COLORS), so a screen reader
  // says more than a number.
  colors: {
    "#e8a87c": "オレンジ", "#d5a6bd": "ピンク", "#a4c3b2": "みどり", "#8fb8de": "あお",
    "#c3b1e1": "むらさき", "#f2d492": "きいろ", "#b5c99a": "わかくさ", "#f4a7a3": "さくら",
    "#9ad1d4": "みずいろ", "#cfcfcf": "はいいろ",
  },
  color: (hex, n) => ja.colors[hex] ?? `いろ ${n}`,

  // Logging in.
  loginTitle: "ログイン",
  passphraseHeading: "パスフレーズでログイン",
  linkHeading: "メールでログイン用のリンクを受け取る",
  linkHint: "パスフレーズを決めていないとき、忘れたときはこちら。届いたリンクを開くと、そのままログインできます。",
  sendLink: "リンクを送る",
  notRegistered: "まだ登録していない方は、",
  applyLink: "参加のお申し込み",
  notRegisteredEnd: "からどうぞ。",
  checkingLink: "ログイン用のリンクを確かめています…",
  loggedIn: (nickname) => `ログインしました。こんにちは、${nickname} さん。`,

  // One's account.
  accountTitle: "アカウント",
  meHeading: "あなたの表示",
  meText: "ほかの参加者には、ニックネームとアバターだけが見えます。",
  avatar: "アバター",
  methodPassphrase: "パスフレーズ",
  methodEmail: "メールのリンク",
  groupHeading: "年代",
  groupText: "年代ごとに集まるお部屋（けやきの会など）に使います。あなたとサーバーのほかには、だれにも見えません。変えると、次に居場所に入ったときから使われます。",
  groupSave: "年代を保存する",
  groupSaved: "年代を保存しました。次に居場所に入ったときから使われます。",
  logOut: "ログアウト",
  leaveHeading: "退会する",
  leaveText: "退会すると、メールアドレス、ニックネーム、アバターなど、登録した情報はすべて削除されます。元には戻せません。また来たくなったときは、いつでもお申し込みください。",
  confirmLabel: "続けるには「削除します」と入力してください",
  deleteSubmit: "退会して、情報を削除する",
  deleted: "退会の手続きが終わりました。登録していただいた情報は削除しました。これまで来てくださって、ありがとうございました。",
};

// The API's error messages are Japanese only, so in English the page words them itself from
// the error code (and, for `invalid`, the field it names).
const EN_PROBLEMS = {
  invitation_unknown: "We couldn't find this invitation link. Please check that the link from your e-mail wasn't cut off partway.",
  invitation_used: "This invitation link has already been used to register. If you have registered, please come in through the login page.",
  invitation_expired: "This invitation link has expired. Sorry for the trouble: please apply again, or contact the space, and we will send you a new link.",
  invitation_revoked: "This invitation link was withdrawn by the space. If anything is unclear, please contact the space.",
  nickname_taken: "Someone else is already using that nickname. Please choose another one.",
  email_registered: "This e-mail address is already registered. Please come in through the login page.",
  login_failed: "That e-mail address and passphrase don't seem to match. If you have forgotten your passphrase, you can get a login link by e-mail instead.",
  link_unknown: "We couldn't find this login link. Please check that the link from your e-mail wasn't cut off partway.",
  link_used: "This login link has already been used. Please ask for a new one on the login page.",
  link_expired: "This login link has expired. Please ask for a new one on the login page.",
  not_logged_in: "You are not logged in. Please come in through the login page.",
  mail_failed: "We couldn't send the e-mail. Please try again a little later.",
};
const EN_INVALID = {
  nickname: "Please choose a different nickname. It can be up to 20 characters, but can't include an e-mail address, a web address, a phone number, or words this space doesn't allow.",
  email: "This e-mail address doesn't look quite right. Could you check it once more?",
  eligible: "To apply, please tick the box confirming who this space is for.",
  consent: "To apply, please tick the box agreeing to how your personal information is handled.",
  note: "Please keep your message to 1,000 characters or fewer.",
  heard_from: "Please keep your answer to 100 characters or fewer.",
  avatar: "Please choose one of the avatars shown.",
  group: "Please choose one of the age bands shown (or choose not to answer).",
  passphrase: "Please choose a passphrase of 10 to 200 characters, or, where that is offered, choose to log in by e-mail instead.",
  confirm: "To delete your account, please type \"delete\".",
};

const en = {
  skip: "Skip to the main content",
  toTop: "Back to the top page",
  loading: "Loading…",
  sending: "Sending…",
  networkFailed: "We couldn't reach the server. Please check your internet connection and try again.",
  problem: (body) => {
    if (body.error === "rate_limited") {
      const minutes = Math.max(1, Math.ceil((body.retry_after_s ?? 60) / 60));
      return `We received this several times in a short while, so we can't accept it just now. Please try again in about ${minutes} minute${minutes === 1 ? "" : "s"}.`;
    }
    if (body.error === "invalid") return EN_INVALID[body.field] ?? "We couldn't read what was sent. Please check what you entered and try again.";
    if (body.error === undefined || body.error === "network") return en.networkFailed;
    // An answer that asks the person to get in touch names the office (rooms.toml `contact`).
    const contact = body.contact ? ` Contact: ${body.contact_en ?? body.contact}` : "";
    return EN_PROBLEMS[body.error] ? `${EN_PROBLEMS[body.error]}${contact}` : "Something went wrong on our side. Please try again a little later.";
  },
  enterSpace: "Enter the space",
  account: "Your account",
  logIn: "Log in",
  toLogin: "Go to the login page",
  toApply: "Go to the application page",
  nickname: "Nickname",
  nicknameRequired: "Nickname (required)",
  email: "E-mail address",
  passphrase: "Passphrase",
  loginMethod: "How you log in",
  required: " (required)",

  // The public page. Dates the way English readers expect them: Wed 9 Dec 13:00–21:00
  day: (date, timeZone) =>
    new Intl.DateTimeFormat("en-GB", { timeZone, weekday: "short", day: "numeric", month: "short" }).format(date),
  range: (start, end) => `${start}–${end}`,
  listSeparator: ", ",
  defaultTitle: "Online drop-in space",
  about: "A place online where people living in social withdrawal (hikikomori), and their families, can drop in under a nickname, at their own pace.",
  nowHeading: "Is it open now?",
  openNow: (until) => `The space is open now, until ${until}.`,
  openNowNoEnd: "The space is open now.",
  closedNext: (day, time) => `The space is closed just now. It opens again on ${day} at ${time}.`,
  closedNoNext: "The space is closed just now. The next opening day hasn't been decided yet.",
  statusFailed: "We couldn't check whether the space is open. Please try again a little later.",
  daysHeading: "Upcoming opening days",
  daysNote: (days) => `These are the plans for the next ${days} days. If anything changes, we will let you know on this page.`,
  noDays: "No opening days are planned for the next 60 days.",
  scheduleFailed: "We couldn't load the opening days. Please try again a little later.",
  sessionLabel: "Programs",
  addToCalendar: "Add to your calendar",
  joinHeading: "How to join",
  joinText: "Apply with a nickname and an e-mail address. Once our staff have read your application, an invitation will come to you by e-mail.",
  applyButton: "Apply to join",
  promiseHeading: "So that you can feel at ease",
  promiseNickname: "You take part with a nickname and an avatar. Your real name is never shown.",
  promiseCamera: "Your camera and microphone are used only when you choose. Just watching or just listening is perfectly fine.",
  promiseNotSaved: "Conversations are not recorded.",
  contactHeading: "Contact",

  applyTitle: "Apply to join",
  applyAbout: "All you need is a nickname and an e-mail address. We won't ask for your real name or where you live. Once our staff have read your application, we will e-mail you an invitation to register.",
  applyNicknameHint: "Up to 20 characters. Please don't use your real name, a phone number, an e-mail address or a web address. You can change it later, when you register.",
  emailRequired: "E-mail address (required)",
  emailHint: "Used only for your invitation and for help with logging in. Other participants never see it.",
  whoApplies: "Who is applying? (required)",
  applicantSelf: "I am applying for myself",
  applicantFamily: "I am a family member",
  eligibilityLoading: "Loading who this space is for…",
  heardFrom: "How did you hear about this space? (optional)",
  noAnswer: "I'd rather not say",
  noteLabel: "Anything you would like our staff to know (optional)",
  trapLabel: "Website (please leave this empty)",
  privacyLoading: "Loading how your personal information is handled…",
  consent: "I agree to how my personal information is handled (required)",
  applySubmit: "Send my application",

  registerTitle: "Register",
  registerAbout: "Please choose a nickname and an avatar. These two are all that other participants will see.",
  checkingInvitation: "Checking your invitation…",
  noInvitation: "We couldn't find an invitation link. Please open the link in your e-mail just as it is.",
  registeringAs: (role) => `You are registering as ${en.roles[role] ?? role}.`,
  roles: { participant: "a participant", family: "a family member", staff: "a member of staff", counsellor: "a counsellor", admin: "an administrator" },
  registerNicknameHint: "Up to 20 characters. Please don't use your real name, a phone number, an e-mail address or a web address.",
  avatarShape: "Avatar shape",
  avatarColour: "Avatar colour",
  byPassphrase: "Choose a passphrase",
  byEmail: "No passphrase: get a login link by e-mail each time",
  passphraseLabel: "Passphrase (10 characters or more)",
  passphraseHint: "A few easy-to-remember words in a row work well (for example: saw a cat in the park this morning).",
  groupLabel: "Age band (you don't have to answer)",
  groupHint: "Used for rooms that meet by age, such as けやきの会. Neither other participants nor staff can see it. You can change it later on your account page.",
  groups: { "": "I'd rather not say", "10s": "Teens", "20s": "20s", "30s": "30s", "40s_plus": "40s and over" },
  registerSubmit: "Register",
  registered: (nickname) => `You are registered. Welcome, ${nickname}! You can come into the space any time it is open.`,
  shapes: {
    cat: "cat", dog: "dog", rabbit: "rabbit", bear: "bear", bird: "bird", fox: "fox",
    frog: "frog", turtle: "turtle", leaf: "leaf", flower: "flower", star: "star", cloud: "cloud",
  },
  colors: {
    "#e8a87c": "orange", "#d5a6bd": "pink", "#a4c3b2": "green", "#8fb8de": "blue",
    "#c3b1e1": "purple", "#f2d492": "yellow", "#b5c99a": "leaf green", "#f4a7a3": "blossom pink",
    "#9ad1d4": "light blue", "#cfcfcf": "grey",
  },
  color: (hex, n) => en.colors[hex] ?? `colour ${n}`,

  loginTitle: "Log in",
  passphraseHeading: "Log in with your passphrase",
  linkHeading: "Get a login link by e-mail",
  linkHint: "For when you have no passphrase, or have forgotten it. Open the link we send you, and you are logged in straight away.",
  sendLink: "Send me a link",
  notRegistered: "Not registered yet? You are welcome to ",
  applyLink: "apply to join",
  notRegisteredEnd: ".",
  checkingLink: "Checking your login link…",
  loggedIn: (nickname) => `You are logged in. Hello, ${nickname}!`,

  accountTitle: "Your account",
  meHeading: "How others see you",
  meText: "Other participants see only your nickname and your avatar.",
  avatar: "Avatar",
  methodPassphrase: "Passphrase",
  methodEmail: "A link by e-mail",
  groupHeading: "Age band",
  groupText: "Used for rooms that meet by age (such as けやきの会). Nobody but you and the server can see it. A change counts from the next time you come into the space.",
  groupSave: "Save my age band",
  groupSaved: "Your age band is saved. It counts from the next time you come into the space.",
  logOut: "Log out",
  leaveHeading: "Leave and delete your account",
  leaveText: "If you leave, everything you registered (your e-mail address, nickname, avatar and the rest) is deleted, and it can't be undone. If you ever want to come back, you are welcome to apply again at any time.",
  confirmLabel: "To continue, please type \"delete\"",
  deleteSubmit: "Leave and delete my information",
  deleted: "You have left, and the information you registered has been deleted. Thank you for all the times you came.",
};

const WORDS = { ja, en };

function stored() {
  try {
    return localStorage.getItem(STORED) === "en" ? "en" : "ja";
  } catch {
    return "ja"; // storage can be blocked; Japanese is the default anyway
  }
}

let lang = stored();

// Elements worded at run time, with how to word them again after a switch.
const live = new Map();

/** The chosen language, "ja" or "en", for requests whose answer (or e-mail) is worded. */
export function language() {
  return lang;
}

/** An operator's text (rooms.toml) in the chosen language: `key_en` in English when given. */
export function operatorText(source, key) {
  return (lang === "en" && source[`${key}_en`]) || source[key];
}

/** Words `el` with `paint(words)` now and again whenever the language changes. */
export function reword(el, paint) {
  el.removeAttribute("data-t"); // its words now come from `paint`, not the static key
  live.set(el, paint);
  paint(WORDS[lang]);
}

/** Sets `el`'s text to `words(table)`, now and after every switch. */
export function show(el, words) {
  reword(el, (w) => {
    el.textContent = words(w);
  });
}

function applyWords() {
  const w = WORDS[lang];
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = w[el.dataset.t];
  for (const paint of live.values()) paint(w);
}

/** Words the page in the chosen language and wires its switch (`#language`). */
export function wordPage() {
  const select = document.getElementById("language");
  select.value = lang;
  select.addEventListener("change", () => {
    lang = select.value === "en" ? "en" : "ja";
    try {
      localStorage.setItem(STORED, lang);
    } catch {
      // Not remembered, but this page still switches.
    }
    applyWords();
  });
  applyWords();
}

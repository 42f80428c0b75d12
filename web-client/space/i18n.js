// Every word of the space page, one table per language. Japanese first.
export const WORDS = {
  ja: {
    skipToChat: "チャットへ移動",
    settings: "表示の設定",
    leave: "退室",
    calmTheme: "刺激の少ない表示（色とうごきを控えめに）",
    largeText: "文字を大きくする",
    language: "ことば",
    rooms: "へや",
    mapLabel: "地図。クリックやタップ、または矢印キーで歩けます。",
    tabsLabel: "画面の切り替え",
    tabMap: "地図",
    tabRoom: "へやの中",
    tabMembers: "いる人",
    unreadChat: (n) => `（新しい発言 ${n}件）`,
    status: "いまの様子",
    watching: "見てるだけ",
    can_talk: "話せます",
    resting: "休憩中",
    talk: "話す",
    stopTalking: "話すのをやめる",
    listen: "聞く",
    stopListening: "聞くのをやめる",
    micOff: "マイクを切る",
    micOn: "マイクを入れる",
    cameraOn: "カメラをつける",
    cameraOff: "カメラを消す",
    screenShare: "画面を共有",
    screenStop: "共有をやめる",
    voiceOff: "声の会話は使っていません。「聞く」で聞くだけ、「話す」で話せます。",
    voiceListening: "聞いています。マイクは使っていません。",
    voiceTalking: "マイクが入っています。あなたの声が届いています。",
    voiceMuted: "マイクを切っています。あなたの声は届きません。",
    voiceLost: "声の接続が切れました。もう一度「聞く」か「話す」を押してください。",
    voiceReconnecting: "声の接続が切れました。いまつなぎ直しています。そのままお待ちください。",
    voiceOffline: "いまは接続していません。つながるまで少しお待ちください。",
    micUnavailable: "マイクを使えませんでした。ブラウザでマイクを許可すると話せます。チャットとスタンプはいつでも使えます。",
    cameraUnavailable: "カメラを使えませんでした。声とチャットはそのまま使えます。",
    screenUnavailable: "画面の共有は始まりませんでした。",
    micDevice: "マイク",
    defaultMic: "いつものマイク",
    micNumber: (n) => `マイク ${n}`,
    micLater: "ほかのマイクは、「話す」を押したあとで選べます。",
    speaking: "話しています",
    yourCamera: "あなたのカメラ",
    yourScreen: "あなたが共有している画面",
    screenOf: (who) => `${who}さんの画面`,
    screenShared: (who) => `${who}さんが画面を共有しています。下に映ります（声は「聞く」を押すと聞こえます）。`,
    stageTitle: "ステージ",
    audienceNote: "客席で聞いています。話したいときは手を挙げてください。",
    handRaisedNote: "手を挙げました。進行役が気づくまで、少しお待ちください。",
    invitedToSpeak: "話す人として招かれました。「話す」を押すと、みんなに声が届きます。",
    hostNote: "進行役は手を挙げずに話せます。手を挙げた人に、話してもらうこともできます。",
    onStage: "ステージで話しています。おりると客席に戻り、マイクが切れます。",
    raiseHand: "手を挙げる",
    lowerHand: "手をおろす",
    leaveStage: "ステージからおりる",
    handUp: "手を挙げています",
    speakerTag: "🎤 話す人",
    hands: "手を挙げている人",
    speakers: "話す人",
    nobodyYet: "いまはいません。",
    inviteSpeaker: "話してもらう",
    toAudience: "客席に戻す",
    muteMember: "ミュート",
    unmuteMember: "ミュートを解除",
    members: "いまいる人",
    chat: "チャット",
    stamps: "スタンプ",
    chatLabel: "メッセージ",
    send: "送る",
    staffView: "スタッフ用",
    announce: "全体へのお知らせ",
    whereIsEveryone: "いまどこに誰がいるか",
    refresh: "更新",
    nobodyHere: "いまは誰もいません。",
    inConsultation: (n) => `相談中（${n}人）`,
    announcementFrom: (who) => `${who}さんからのお知らせ: `,
    pendingApplications: "確認待ちのお申し込み",
    noApplications: "確認待ちのお申し込みはありません。",
    approve: "承認する",
    decline: "見送る",
    applicant: { self: "本人", family: "家族" },
    declineWord: "見送るときに添える言葉（任意。メールに入ります）",
    // What staff's approve or decline did (the server says it in Japanese).
    decided: (outcome) => outcome.message ?? "",
    toTop: "トップへ",
    toLogin: "ログインへ",
    connecting: "接続しています…",
    connected: "つながっています",
    reconnecting: (s) => `接続が切れました。${s}秒後につなぎ直します…`,
    offline: "接続していません",
    you: "あなた",
    near: "近くにいます",
    badge: { staff: "スタッフ", counsellor: "相談員" },
    statusWord: { watching: "見てるだけ", can_talk: "話せます", resting: "休憩中" },
    areaWord: { table: "テーブル", quiet: "静かなコーナー" },
    quietNote: "静かなコーナーにいるあいだは、ほかの人には「休憩中」と見え、声はだれにも届きません(だれの声も聞こえません)。出ると、選んだ様子に戻ります。",
    tableNote: "テーブルにいます。声が届くのは、同じテーブルにいる人どうしだけです。",
    enter: "入る",
    here: "いまここ",
    nowOn: (s) => `いま: ${s}`,
    nextOn: (s) => `次回: ${s}`,
    free: "自由に歩ける広場です。近くの人が明るく表示されます。",
    program: "見学として参加しています。見ているだけで大丈夫です。",
    hosting: "進行役として入っています。",
    gallery: "プログラムの紹介動画です。音は、再生ボタンを押したときだけ出ます。",
    videoMissing: "この動画はいま用意できていません。ごめんなさい。プログラムの様子は、へやの一覧の説明でも読めます。",
    captionsLabel: "日本語の字幕",
    backToFree: "フリースペースへ戻る",
    notForYou: (room) => `${whomJa(room)}のための集まりです。${room.for_groups?.length ? "年代はアカウントのページで選べます（ほかの方には見えません）。" : ""}`,
    gap: "接続が切れていたあいだの一部のメッセージは表示できません。",
    countdown: (m, s) => `あと ${m}分${String(s).padStart(2, "0")}秒`,
    closedTitle: "本日は閉室しました",
    closedNow: "ただいま閉室中です",
    shutdownTitle: "メンテナンスのため、いったん閉じています",
    loginAgain: "もう一度ログインしてください",
    replacedTitle: "別の画面で開かれました",
    replaced: "ほかのタブや端末でこの居場所を開いたため、こちらは閉じました。",
    leftTitle: "退室しました",
    leftText: "来てくれてありがとうございました。またいつでもどうぞ。",
    notLoggedIn: "ログインしていません。ログインのページからお入りください。",
    stampNames: { wave: "やあ", nod: "うんうん", clap: "はくしゅ", heart: "いいね", laugh: "わらい", thanks: "ありがとう", sparkle: "きらきら", tea: "おちゃ" },
    stampFrom: (who, s) => `${who}さん: ${s}`,
    closedForStaff: "ただいま閉室中です。スタッフとして入っています（参加者は入れません）。",
    // The server words its messages in Japanese (server/src/hub/words.rs): shown as they are.
    fromServer: (msg) => msg.message,
  },
  en: {
    skipToChat: "Skip to chat",
    settings: "Display settings",
    leave: "Leave",
    calmTheme: "Calm display (fewer colours and no motion)",
    largeText: "Larger text",
    language: "Language",
    rooms: "Rooms",
    mapLabel: "Map. Click, tap, or use the arrow keys, to walk.",
    tabsLabel: "Parts of the space",
    tabMap: "Map",
    tabRoom: "Room",
    tabMembers: "People",
    unreadChat: (n) => ` (${n} new ${n === 1 ? "line" : "lines"})`,
    status: "How you are",
    watching: "Just watching",
    can_talk: "Happy to talk",
    resting: "Taking a break",
    talk: "Talk",
    stopTalking: "Stop talking",
    listen: "Listen",
    stopListening: "Stop listening",
    micOff: "Mute microphone",
    micOn: "Unmute microphone",
    cameraOn: "Turn camera on",
    cameraOff: "Turn camera off",
    screenShare: "Share screen",
    screenStop: "Stop sharing",
    voiceOff: "Voice is off. Press Listen to only listen, or Talk to speak.",
    voiceListening: "Listening. Your microphone is not in use.",
    voiceTalking: "Your microphone is on: people can hear you.",
    voiceMuted: "Your microphone is muted: nobody hears you.",
    voiceLost: "Voice was disconnected. Press Listen or Talk again.",
    voiceReconnecting: "Voice was disconnected. Reconnecting now; please wait.",
    voiceOffline: "Not connected just now. Please wait a moment.",
    micUnavailable: "The microphone could not be used. Allow it in your browser to talk. Chat and stamps always work.",
    cameraUnavailable: "The camera could not be used. Voice and chat go on as before.",
    screenUnavailable: "Screen sharing did not start.",
    micDevice: "Microphone",
    defaultMic: "Default microphone",
    micNumber: (n) => `Microphone ${n}`,
    micLater: "Other microphones can be chosen after you press Talk.",
    speaking: "speaking",
    yourCamera: "Your camera",
    yourScreen: "The screen you share",
    screenOf: (who) => `${who}'s screen`,
    screenShared: (who) => `${who} is sharing a screen. It shows below (press Listen to hear voices too).`,
    stageTitle: "Stage",
    audienceNote: "You are listening in the audience. Raise your hand if you would like to speak.",
    handRaisedNote: "Your hand is up. Please wait a moment for the host to notice.",
    invitedToSpeak: "You are invited to speak. Press Talk and everyone will hear you.",
    hostNote: "Hosts speak without raising a hand, and can invite those whose hands are up.",
    onStage: "You are speaking on the stage. Leaving it takes you back to the audience and turns your microphone off.",
    raiseHand: "Raise hand",
    lowerHand: "Lower hand",
    leaveStage: "Leave the stage",
    handUp: "hand raised",
    speakerTag: "🎤 speaker",
    hands: "Hands raised",
    speakers: "Speakers",
    nobodyYet: "Nobody just now.",
    inviteSpeaker: "Invite to speak",
    toAudience: "Back to the audience",
    muteMember: "Mute",
    unmuteMember: "Unmute",
    members: "Here now",
    chat: "Chat",
    stamps: "Stamps",
    chatLabel: "Message",
    send: "Send",
    staffView: "For staff",
    announce: "Announcement to everyone",
    whereIsEveryone: "Who is where",
    refresh: "Refresh",
    nobodyHere: "Nobody is here now.",
    inConsultation: (n) => `in consultation (${n})`,
    announcementFrom: (who) => `From ${who}: `,
    pendingApplications: "Applications waiting",
    noApplications: "No applications are waiting.",
    approve: "Approve",
    decline: "Decline",
    applicant: { self: "self", family: "family" },
    declineWord: "A kind word to go with a decline (optional; it goes into the e-mail)",
    decided: ({ action, ok, nickname, mailed, word, error, message }) => {
      if (ok && action === "approve") {
        return mailed
          ? `Approved ${nickname}'s application and sent the invitation by e-mail.`
          : "The invitation was made, but its e-mail could not be sent. Please resend it a little later.";
      }
      if (ok) return `Declined ${nickname}'s application and told them by e-mail${word ? ", with your words" : ""}.`;
      return EN_DECISION_ERRORS[error] ?? message ?? "";
    },
    toTop: "Home",
    toLogin: "Log in",
    connecting: "Connecting…",
    connected: "Connected",
    reconnecting: (s) => `Connection lost. Trying again in ${s} s…`,
    offline: "Not connected",
    you: "you",
    near: "nearby",
    badge: { staff: "Staff", counsellor: "Counsellor" },
    statusWord: { watching: "just watching", can_talk: "happy to talk", resting: "taking a break" },
    areaWord: { table: "at a table", quiet: "quiet corner" },
    quietNote: "While you are in the quiet corner, others see you as taking a break, and no voice reaches you or leaves you. Step out and your own status comes back.",
    tableNote: "You are at a table: only the people at this table hear you, and you hear only them.",
    enter: "Enter",
    here: "You are here",
    nowOn: (s) => `Now: ${s}`,
    nextOn: (s) => `Next: ${s}`,
    free: "Walk around freely. People near you are highlighted.",
    program: "You are in the audience. Just watching is fine.",
    hosting: "You are hosting this room.",
    gallery: "Videos introducing the programs. Sound plays only when you press play.",
    videoMissing: "Sorry, this video is not available right now. The rooms list also describes each program.",
    captionsLabel: "Japanese captions",
    backToFree: "Back to the free space",
    notForYou: (room) => `This room is for ${whomEn(room)}.${room.for_groups?.length ? " You can choose your age band on your account page (nobody else sees it)." : ""}`,
    gap: "Some messages from while you were disconnected cannot be shown.",
    countdown: (m, s) => `${m} min ${String(s).padStart(2, "0")} s left`,
    closedTitle: "The space has closed for today",
    closedNow: "The space is closed now",
    shutdownTitle: "Closed for maintenance for a moment",
    loginAgain: "Please log in again",
    replacedTitle: "Opened somewhere else",
    replaced: "The space was opened in another tab or device, so this one closed.",
    leftTitle: "You have left",
    leftText: "Thank you for coming. You are welcome any time.",
    notLoggedIn: "You are not logged in. Please log in first.",
    stampNames: { wave: "hello", nod: "nod", clap: "clap", heart: "like", laugh: "laugh", thanks: "thanks", sparkle: "sparkle", tea: "tea" },
    stampFrom: (who, s) => `${who}: ${s}`,
    closedForStaff: "The space is closed now. You are in as staff (participants cannot come in).",
    fromServer: (msg, timeZone) => englishFromServer(msg, timeZone),
  },
};

// The hub's errors in English, by code (docs/protocol.md, Errors); those with a number or a
// date are worded in englishFromServer.
const EN_ERRORS = {
  bad_frame: "The message could not be read.",
  unknown_type: "This kind of message is not supported.",
  bad_request: "Something in the message was not right.",
  frame_too_large: "The message is too large.",
  not_authenticated: "Please log in first.",
  already_authenticated: "You are already logged in.",
  token_invalid: "We couldn't confirm your login. Please log in again.",
  token_expired: "Your login has expired. Please log in again.",
  unknown_member: "This account could not be found.",
  not_present: "That person is not here just now.",
  unknown_room: "That room could not be found.",
  room_full: "This room is full just now. Please try again a little later.",
  not_allowed: "This isn't open to you, sorry.",
  not_in_room: "You are not in a room yet.",
  chat_empty: "The message is empty.",
  rate_limited: "Please send a little more slowly.",
  no_map: "You can't walk around in this room.",
  server_busy: "It's very busy just now. Please come in again a little later.",
  internal: "Sorry, something went wrong on our side.",
  voice_not_started: "Voice hasn't started yet.",
  bad_sdp: "The voice connection details could not be read.",
  no_voice: "Voice isn't used in this room.",
  no_stage: "This room has no stage.",
};

// Why staff's approve or decline did not go through (docs/accounts.md).
const EN_DECISION_ERRORS = {
  already_decided: "This application has already been approved or declined.",
  not_found: "This application could not be found: it may have been dealt with already.",
  mail_failed: "We couldn't send the e-mail. Please try again a little later.",
  forbidden: "You are not allowed to do this.",
  not_logged_in: "You are not logged in. Please log in again.",
};

// Whom a room is for (rooms.toml for_groups, for_roles), from a room of `welcome` or a
// `not_for_you` error: "40代以上のご本人" / "participants in their 40s and over".
const BANDS_JA = { "10s": "10代", "20s": "20代", "30s": "30代", "40s_plus": "40代以上" };
const BANDS_EN = { "10s": "teens", "20s": "20s", "30s": "30s", "40s_plus": "40s and over" };
function whomJa({ for_groups: groups = [], for_roles: roles = [] }) {
  const bands = groups.map((g) => BANDS_JA[g] ?? g).join("・");
  const who = roles.map((r) => (r === "family" ? "ご家族" : "ご本人")).join("・");
  if (bands && who) return `${bands}の${who}`;
  return bands ? `${bands}の方` : who || "ほかの方々";
}
function whomEn({ for_groups: groups = [], for_roles: roles = [] }) {
  const list = (words) => (words.length > 1 ? `${words.slice(0, -1).join(", ")} or ${words.at(-1)}` : words[0] ?? "");
  const bands = list(groups.map((g) => BANDS_EN[g] ?? g));
  const who = list(roles.map((r) => (r === "family" ? "family members" : "participants")));
  if (bands && who) return `${who} in their ${bands}`;
  return bands ? `people in their ${bands}` : who || "other members";
}

// Why someone may only listen for now (the error's `reason`).
const EN_LISTEN_ONLY = {
  watching: "You are only listening just now. To talk, choose “Happy to talk” under How you are.",
  audience: "On the stage, the host and those they invite speak. Raise your hand if you would like to.",
  muted: "Staff have muted your microphone.",
};

// What the server says, worded from the message's typed fields. A message this page does
// not know yet keeps the server's Japanese rather than saying nothing.
function englishFromServer(msg, timeZone) {
  const at = (iso, options) => new Intl.DateTimeFormat("en-GB", { timeZone, ...options }).format(new Date(iso));
  const time = (iso) => at(iso, { hour: "2-digit", minute: "2-digit" });
  const day = (w) => `on ${at(w.start, { weekday: "short", day: "numeric", month: "short" })} at ${time(w.start)}`;
  switch (msg.type) {
    case "notice":
      if (msg.kind === "closing") return `The space closes at ${time(msg.until)}. Thank you for today.`;
      if (msg.kind === "consult_grace") return `It is closing time. Your consultation can go on until ${time(msg.until)}.`;
      break;
    case "goodbye":
      if (msg.reason === "shutdown") return "We are closing the connection for server maintenance. Please come in again a little later.";
      if (msg.reason === "closed") {
        const next = msg.next_opening ? ` It opens again ${day(msg.next_opening)}.` : "";
        return `The space has closed for today. Thank you for coming.${next}`;
      }
      break;
    case "left":
      if (msg.reason === "session_ended") return "The program has ended. Do come to the free space.";
      break;
    case "voice_muted":
      return msg.muted ? "Staff have muted your microphone." : "Your microphone is no longer muted.";
    case "voice_place_free":
      return "A place to talk is free now. Press Talk again if you would like to speak.";
    case "error":
      switch (msg.code) {
        case "space_closed":
          return msg.next_opening
            ? `The space is closed just now. It opens again ${day(msg.next_opening)}.`
            : "The space is closed just now. The next opening day hasn't been decided yet.";
        case "room_closed":
          return msg.next_opening
            ? `This room isn't open just now. Its next session is ${day(msg.next_opening)}.`
            : "This room isn't open just now.";
        case "chat_too_long":
          return `The message is too long (up to ${msg.limit} characters).`;
        case "not_for_you":
          return `This room is for ${whomEn(msg)}. Every other room is open to you.${msg.for_groups?.length ? " You can choose your age band on your account page at any time (nobody else sees it)." : ""}`;
        case "listen_only":
          return EN_LISTEN_ONLY[msg.reason] ?? EN_LISTEN_ONLY.watching;
        case "speakers_full":
          return `Up to ${msg.limit} people can talk in this room at once, and that many are talking now. When someone stops, press Talk again. You can go on listening.`;
        default:
          if (EN_ERRORS[msg.code]) return EN_ERRORS[msg.code];
      }
      break;
    default:
      break;
  }
  return msg.message;
}

export const STAMPS = ["wave", "nod", "clap", "heart", "laugh", "thanks", "sparkle", "tea"];
/// Each stamp is a drawn picture (space/stamps/NAME.svg), so it looks the same on every
/// machine, with or without an emoji font; its words are `stampNames`.
export const stampPicture = (stamp) => (STAMPS.includes(stamp) ? `/space/stamps/${stamp}.svg` : null);

/// An operator's text from rooms.toml (the space's `name`, a room's, an area's, a video's
/// `title`) in the page's language: its `_en` on an English page when the operator gave one.
export function operatorText(state, source, key) {
  return (state.settings.lang === "en" && source?.[`${key}_en`]) || source?.[key];
}

/// The words of the page's language now.
export function wordsFor(state) {
  return WORDS[state.settings.lang];
}

/// The server's `message` of `msg` in the page's language ("" when it has none).
export function said(state, msg) {
  if (typeof msg?.message !== "string") return "";
  return wordsFor(state).fromServer(msg, state.space?.timezone ?? "Asia/Tokyo");
}

// Every word of the web client in English: the same keys as web-client/words/ja.js. The
// server words its messages in Japanese; in English the page words them itself from their
// typed fields (`problem` for the account API, `fromServer` for the space's messages).
// Plain ES module, no build step, nothing loaded from outside this server.

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
  unknown_member: "We couldn't find that participant. They may have left the space.",
  unknown_consent: "We couldn't find this request to share information.",
  consent_decided: "You have already answered this request.",
  consent_not_given: "This can't be exported: the person has not agreed, or has withdrawn their consent.",
  forbidden: "You don't have permission to do this.",
  notes_key: "The key of the counsellors' notes couldn't be read. Please tell the space's staff.",
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

// Why staff's approve or decline did not go through (docs/accounts.md).
const EN_DECISION_ERRORS = {
  already_decided: "This application has already been approved or declined.",
  not_found: "This application could not be found: it may have been dealt with already.",
  mail_failed: "We couldn't send the e-mail. Please try again a little later.",
  forbidden: "You are not allowed to do this.",
  not_logged_in: "You are not logged in. Please log in again.",
};

// Whom a room is for (rooms.toml for_groups, for_roles), from a room of `welcome` or a
// `not_for_you` error: "participants in their 40s and over".
const BANDS = { "10s": "teens", "20s": "20s", "30s": "30s", "40s_plus": "40s and over" };
function whom({ for_groups: groups = [], for_roles: roles = [] }) {
  const list = (words) => (words.length > 1 ? `${words.slice(0, -1).join(", ")} or ${words.at(-1)}` : words[0] ?? "");
  const bands = list(groups.map((g) => BANDS[g] ?? g));
  const who = list(roles.map((r) => (r === "family" ? "family members" : "participants")));
  if (bands && who) return `${who} in their ${bands}`;
  return bands ? `people in their ${bands}` : who || "other members";
}

// The hub's errors in English, by code (docs/protocol.md, Errors); those with a number or a
// date are worded in fromServer below.
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
  unavailable: "The connection is a little unsteady just now. We are reconnecting; please wait a moment.",
  internal: "Sorry, something went wrong on our side.",
  voice_not_started: "Voice hasn't started yet.",
  bad_sdp: "The voice connection details could not be read.",
  no_voice: "Voice isn't used in this room.",
  no_stage: "This room has no stage.",
  not_waiting: "That person is no longer waiting to talk.",
  unknown_alert: "That alert could not be found.",
  report_self: "You can't report yourself.",
  no_staff: "Nobody from the staff is on duty just now, so the space can't let you in yet. Please try again a little later.",
  no_room_free: "Every consultation room is in use just now. Please wait until a consultation ends.",
  asked_to_leave: "We have asked you to take a break from this room for a little while. Every other room is open to you.",
  unknown_message: "That message could not be found.",
  cannot_block: "Staff and counsellors can't be blocked. If something is troubling you, please report it or talk to the staff.",
  block_self: "You can't block yourself.",
  no_such_member: "That person could not be found.",
};

// Why someone may only listen for now (the error's `reason`).
const EN_LISTEN_ONLY = {
  watching: "You are only listening just now. To talk, choose “Happy to talk” under How you are.",
  audience: "On the stage, the host and those they invite speak. Raise your hand if you would like to.",
  muted: "Staff have muted your microphone.",
};

// What the server says, worded from the message's typed fields. A message this page does
// not know yet keeps the server's Japanese rather than saying nothing.
function fromServer(msg, timeZone) {
  const at = (iso, options) => new Intl.DateTimeFormat("en-GB", { timeZone, ...options }).format(new Date(iso));
  const time = (iso) => at(iso, { hour: "2-digit", minute: "2-digit" });
  const day = (w) => `on ${at(w.start, { weekday: "short", day: "numeric", month: "short" })} at ${time(w.start)}`;
  switch (msg.type) {
    case "notice":
      if (msg.kind === "closing") return `The space closes at ${time(msg.until)}. Thank you for today.`;
      if (msg.kind === "consult_grace") return `It is closing time. Your consultation can go on until ${time(msg.until)}.`;
      if (msg.kind === "booking_reminder") return `Your booked consultation starts at ${time(msg.until)}. When it is time, please come in.`;
      if (msg.kind === "booking_started") return "It is time for your booked consultation. The counsellor will call you in a moment; please stay here.";
      if (msg.kind === "booking_cancelled") return "A consultation you booked was cancelled (its day closed, or the counsellor could not be there). We are sorry. You can choose another time on your account page.";
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
      if (msg.reason === "consultation_ended") return "The consultation has ended. Thank you for talking with us.";
      if (msg.reason === "asked_to_leave") return "The staff have asked you to leave this room for a little while. Please come back a bit later; every other room is open to you.";
      break;
    case "muted": {
      const until = [msg.text_until, msg.voice_until].filter(Boolean).sort().pop();
      const what = msg.text_until && msg.voice_until ? "writing and talking" : msg.text_until ? "writing" : "talking";
      return `The staff have asked you to take a break from ${what} for a while (until ${time(until)}). You can stay in your room.`;
    }
    case "mute_ended":
      return "Your break is over. You can write and talk again.";
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
        case "chat_contact":
          return "This looks like contact details (a phone number, an address, a link or an ID). Many people read this room, including people you don't know. Send it anyway?";
        case "chat_too_long":
          return `The message is too long (up to ${msg.limit} characters).`;
        case "not_for_you":
          return `This room is for ${whom(msg)}. Every other room is open to you.${msg.for_groups?.length ? " You can choose your age band on your account page at any time (nobody else sees it)." : ""}`;
        case "listen_only":
          return EN_LISTEN_ONLY[msg.reason] ?? EN_LISTEN_ONLY.watching;
        case "muted":
          return `You are taking a break from writing for a while (until ${time(msg.until)}).`;
        case "account_suspended":
          // The reason is in the staff's own words (Japanese).
          return `Your account is suspended for now. The staff wrote why, and whom to ask: ${msg.message}`;
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

const en = {
  skip: "Skip to the main content",
  toTop: "Back to the top page",
  loading: "Loading…",
  sending: "Sending…",
  networkFailed: "We couldn't reach the server. Please check your internet connection and try again.",
  problem: (body) => {
    // Booking's answers word themselves in English too.
    if (typeof body.message_en === "string") return body.message_en;
    if (body.error === "rate_limited") {
      const minutes = Math.max(1, Math.ceil((body.retry_after_s ?? 60) / 60));
      return `We received this several times in a short while, so we can't accept it just now. Please try again in about ${minutes} minute${minutes === 1 ? "" : "s"}.`;
    }
    if (body.code === "nickname_real_name") {
      return `This looks like a real full name, so it can't be a nickname: here you can take part without showing your real name. How about just "${body.suggestion}", or a name you like or make up (such as "Sora" or "Komorebi")?`;
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
  watchHeading: "Reports and suspensions",
  watchText: "Reports from members. The person reported is never told who reported them. Reading a report is recorded.",
  reportsNone: "There are no reports.",
  reportSummary: (at, room, reported, reporter, reason) => `${at}, in ${room}: about ${reported} (${reason}; reported by ${reporter})`,
  reportOpen: "Show the kept conversation",
  reportNoLines: "No conversation was kept.",
  suspendReason: (name) => `Why ${name} is suspended (they will read it; up to 200 characters)`,
  suspendGo: "Suspend",
  suspendNeedsReason: "Please write the reason the person will read.",
  suspendedDone: (name) => `${name}'s account is suspended.`,
  suspendedHeading: "Suspended accounts",
  suspendedNone: "No account is suspended.",
  suspendedWhat: (name, at, reason) => `${name} (since ${at}; reason: ${reason})`,
  suspendLift: "Lift the suspension",
  auditHeading: "What the staff did (audit log)",
  auditText: "Who did what, to whom and when, newest first. Reading it is not recorded.",
  auditAt: "When",
  auditActor: "Who",
  auditAction: "What",
  auditSubject: "To whom",
  auditDetail: "Details",
  auditRefresh: "Load the latest entries",
  auditMore: "Show earlier entries",
  auditNone: "Nothing is recorded yet.",
  auditCommandLine: "Command line (server)",
  auditActions: {
    suspended: "Account suspended",
    suspension_lifted: "Suspension lifted",
    report_filed: "Report filed",
    report_read: "Reports read",
    reports_forgotten: "Old reports deleted",
    nickname_changed: "Nickname changed",
    group_changed: "Age band changed",
    registered: "Registered",
    member_deleted: "Account deleted",
    application_received: "Application received",
    application_approved: "Application approved",
    application_declined: "Application declined",
    invitation_created: "Invitation created",
    invitation_resent: "Invitation resent",
    invitation_revoked: "Invitation revoked",
    crisis_alert: "Crisis alert",
    crisis_alert_acknowledged: "Crisis alert taken on",
    note_written: "Counsellor's note written",
    note_read: "Counsellor's notes read",
    notes_forgotten: "Old notes deleted",
    consent_proposed: "Sharing proposed",
    consent_agreed: "Sharing agreed",
    consent_declined: "Sharing declined",
    consent_withdrawn: "Sharing withdrawn",
    consent_exported: "Sharing exported",
    stale_forgotten: "Old applications and invitations deleted",
    message_hidden: "Message hidden",
    whisper_sent: "Private word sent",
    muted: "Writing or voice paused",
    unmuted: "Pause lifted",
    asked_to_leave: "Asked to leave a room",
    notes_key_rotated: "Notes key replaced",
    token_issued: "Sign-in token issued (command line)",
  },
  auditKeys: {
    room: "room", reason: "reason", seq: "message number", text: "writing", voice: "voice",
    minutes: "minutes", until: "until", report: "report", list: "how many", alert: "alert",
    category: "kind", from: "old name", to: "new name", nickname: "nickname",
    invitation: "invitation", application: "application", role: "role", consent: "sharing",
    note: "note", notes: "notes", reports: "reports", by: "by",
    applications: "applications", invitations: "invitations", refreshed: "sent again",
  },
  auditBy: { self: "themself", admin: "an administrator" },
  auditYes: "yes",
  auditNo: "no",
  crisisCategories: { suicide: "wanting to die", self_harm: "self-harm", overdose: "overdose" },
  nicknameHeading: "Change your nickname",
  nicknameNew: "New nickname",
  nicknameRules: "Up to 20 characters. No real names, e-mail addresses, phone numbers or links. You can change it up to 3 times a day. Others see the new nickname from the next time you come into the space.",
  nicknameSave: "Save my nickname",
  nicknameSaved: (name) => `Your nickname is now "${name}". Others see it from the next time you come into the space.`,
  nicknameUseSuggestion: (name) => `Use "${name}"`,
  groupSaved: "Your age band is saved. It counts from the next time you come into the space.",
  logOut: "Log out",
  leaveHeading: "Leave and delete your account",
  leaveText: "If you leave, everything you registered (your e-mail address, nickname, avatar and the rest) is deleted, and it can't be undone. If you ever want to come back, you are welcome to apply again at any time.",
  confirmLabel: "To continue, please type \"delete\"",
  deleteSubmit: "Leave and delete my information",
  consentsHeading: "Requests to share your information",
  consentsText: "When a counsellor would like to pass on something about you to another organisation, they ask you here first. Whether to agree is up to you, and saying no is fine. If you agree, you can withdraw at any time.",
  consentsNone: "There are no requests just now.",
  blocksHeading: "People you blocked",
  blocksText: "You and someone you blocked no longer see each other's messages or avatar, nor hear each other. They are not told. Lift a block and you see each other again.",
  blocksNone: "You have not blocked anyone.",
  unblock: "Unblock",
  unblocked: (name) => `You unblocked ${name}.`,
  consentTitle: (recipient) => `Sharing with ${recipient}`,
  consentRecipient: "Who would receive it",
  consentPurpose: "Why",
  consentInformation: "What would be passed on",
  consentBasis: "On what basis",
  consentInformationItems: { nickname: "your nickname", age_group: "your age band", notes: "the counsellors' notes of your consultations" },
  consentStates: {
    proposed: "You haven't answered yet. Nothing is shared unless you agree.",
    agreed: "You agreed. It may be shared for the purpose above until you withdraw.",
    declined: "You said no. Nothing is shared.",
    withdrawn: "You withdrew your consent. Nothing more will be shared from now on.",
  },
  consentAgree: "I agree",
  consentDecline: "I don't agree",
  consentWithdraw: "Withdraw my consent",
  // On the person's own clock: it is their timeline.
  consentWhen: (iso) => new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso)),
  consentTimeline: "What has happened",
  consentSteps: { proposed: "The counsellor asked", agreed: "You agreed", declined: "You said no", withdrawn: "You withdrew your consent" },
  consentAnswered: { agree: "Thank you. You agreed.", decline: "You said no. Nothing is shared.", withdraw: "Your consent is withdrawn. Nothing more will be shared." },
  counselHeading: "Counsellors' records",
  counselText: "For a participant's ID (starting m_), you can write and read consultation notes, and propose to the person that information be shared. Notes are stored encrypted, and every write and read is logged.",
  counselMember: "Participant's ID",
  noteLabel: "Consultation note",
  noteSave: "Save the note",
  noteSaved: "The note is saved.",
  notesShow: "Read the notes",
  notesNone: "There are no notes about this participant.",
  proposeHeading: "Propose sharing to the person",
  infoNickname: "Nickname",
  infoAgeGroup: "Age band",
  infoNotes: "Consultation notes",
  proposeSubmit: "Propose to the person",
  proposeSent: "Proposed. The person answers on their account page.",
  proposalsShow: "List the proposals",
  proposalsNone: "There are no proposals to this participant.",
  proposalLine: (c) => `${c.recipient} (${{ proposed: "waiting for an answer", agreed: "agreed", declined: "declined", withdrawn: "withdrawn" }[c.state] ?? c.state})`,
  exportPage: "Printable page",
  exportJson: "JSON",
  deleted: "You have left, and the information you registered has been deleted. Thank you for all the times you came.",
  // Consultation booking (account page).
  bookingHeading: "Book a consultation",
  bookingText: "Talk one to one with a clinical psychologist or a social worker. Text only is fine. The counsellor sees only your nickname.",
  myBookings: "Your bookings",
  noBookings: "You have no bookings yet.",
  freeSlotsHeading: "Free times",
  bookingDay: "Day",
  bookingProfession: "Counsellor's profession",
  bookingMode: "Way of talking",
  bookingEmail: "Also send me notices (a reminder before it starts, a cancellation) by e-mail",
  bookingSearch: "Show free times",
  anyChoice: "Any",
  professions: { clinical_psychologist: "Clinical psychologist", social_worker: "Social worker", psychiatric_social_worker: "Psychiatric social worker" },
  modes: { text: "Text only", voice: "Voice", video: "Video" },
  noFreeSlots: "No free times on this day. Please look at another day too.",
  bookSlot: "Book",
  cancelBooking: "Cancel",
  slotBooked: "Booked. When it is time, please come into the space. You can cancel at any time.",
  bookingCancelled: "Your booking is cancelled.",
  slotLine: (slot, mode) => {
    const when = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", timeZone: "UTC" }).format(new Date(`${slot.day}T00:00:00Z`));
    const how = mode ? en.modes[mode] : slot.modes.map((x) => en.modes[x]).join(", ");
    return `${when} ${slot.start.slice(11, 16)}–${slot.end.slice(11, 16)} ${en.professions[slot.profession]} ${slot.counsellor} (${how})`;
  },
  bookedBy: (nickname, mode) => `booked by ${nickname} (${mode})`,
  slotFree: "free",
  withdrawSlot: "Withdraw",
  slotWithdrawn: "The time is withdrawn. Whoever had booked it will be told.",
  dayHeading: "Counsellor: your times",
  publishStart: "Start",
  publishMinutes: "Length (minutes)",
  publishEmail: "Also e-mail me cancellations and reminders",
  publishSubmit: "Publish the time",
  slotPublished: "The time is published.",
  bookingNotice: (notice) => {
    const when = notice.slot_start.slice(0, 16).replace("T", " ");
    return notice.kind === "booking_reminder"
      ? `Reminder: you have a consultation at ${when}.`
      : `The consultation booked for ${when} is cancelled. We are sorry; you can choose another time here.`;
  },

  // The space.
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
  speakerTag: "speaker",
  hands: "Hands raised",
  speakers: "Speakers",
  nobodyYet: "Nobody just now.",
  inviteSpeaker: "Invite to speak",
  toAudience: "Back to the audience",
  moderateMember: "Look after",
  hideLine: "Hide",
  hiddenLine: "Hidden",
  moderateWhat: "What to do",
  moderateMinutes: "For how long",
  moderateWhisper: "What to say",
  moderateReason: "Reason (kept in the log; they do not see it)",
  moderateGo: "Do it",
  moderateCancel: "Cancel",
  moderateFor: (nickname) => `Looking after ${nickname}`,
  moderateLine: (nickname) => `Hide ${nickname}'s message`,
  moderateActions: { whisper: "Have a word", mute_text: "Pause their writing", mute_voice: "Pause their voice", unmute: "End the pause", ask_to_leave: "Ask to leave the room", hide: "Hide it" },
  minutes: (n) => (n >= 1440 ? "a day" : n >= 60 ? `${n / 60} h` : `${n} min`),
  moderateDone: (action) => ({ whisper: "Sent.", mute_text: "Their writing is paused.", mute_voice: "Their voice is paused.", unmute: "The pause has ended.", ask_to_leave: "They were asked to leave the room.", hide: "Hidden." })[action],
  whispersStaff: "Private words (with one person)",
  whispersMember: "A message from the staff",
  whisperReplyTo: (nickname) => `Reply to ${nickname}`,
  whisperFrom: (nickname) => nickname,
  whisperMine: "You",
  whisperNote: "Only the two of you see this, and it is not kept.",
  blockMember: "Block",
  blockWho: (name) => `Block ${name}`,
  blockConfirm: (name) => `You will no longer see ${name}'s messages or avatar, nor they yours. They will not be told.`,
  blockYes: "Block",
  blockNo: "Cancel",
  reportAction: "Report",
  reportMemberLabel: (n) => `Tell the staff about ${n}`,
  reportLineLabel: (n) => `Tell the staff about this message from ${n}`,
  reportMemberTitle: (n) => `Tell the staff about ${n}`,
  reportLineTitle: (n) => `Tell the staff about a message from ${n}`,
  reportText: "The other person is never told. The staff look at the message and the ten minutes or so before it.",
  reportReason: "What is it about?",
  reportReasons: { harassment: "Harassment", contact_swapping: "Swapping contact details", worrying: "Something worrying", other: "Something else" },
  reportNote: "A few words (optional, up to 200 characters)",
  reportSend: "Tell the staff",
  reportCancel: "Cancel",
  reportClose: "Close",
  reportChooseReason: "Please choose what it is about.",
  reportThanks: "The staff have it. The other person is never told. Thank you for letting us know.",
  reportFailed: "It couldn't be sent just now. Please try again in a little while.",
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
  consultationsGoingOn: (n) => `${n} consultation${n === 1 ? " is" : "s are"} going on`,
  inConsultation: (n) => `in consultation (${n})`,
  announcementFrom: (who) => `From ${who}: `,
  // Staff on duty (space/duty.js).
  staffPresent: "Staff are here",
  dutyOn: "Go on duty",
  dutyOff: "Go off duty",
  onDuty: (n, short) => `On duty now: ${n}${short ? " (fewer than the space asks for: please ask a colleague to join)" : ""}`,
  // Crisis alerts and the writer's help (space/alerts.js).
  alertsHeading: "Messages that need care",
  alertLine: (who, room, time) => `${time}, ${who} wrote in ${room}:`,
  alertAck: "Seen (I'll take it on)",
  alertGo: "Go to that room",
  alertTaken: (who) => `${who} is taking care of it.`,
  helpHeading: "You don't have to carry this alone",
  helpText: "Thank you for writing how you feel. There are lines you can call now, and you can also talk with a counsellor here.",
  helpHours: (hours) => `(${hours})`,
  helpTalk: "I'd like to talk with a counsellor",
  helpClose: "Close",
  chatConfirm: "Send it anyway",
  reportFiled: (who, room, time, reason) => `${time}, someone in ${room} reported ${who} (${reason}).`,
  contactShared: (who, room, time, kind) => `${time}, ${who} chose to send contact details (${kind}) in ${room}.`,
  contactKinds: { phone: "a phone number", email: "an e-mail address", url: "a link", messenger: "a messenger ID" },
  pendingApplications: "Applications waiting",

  // Talking with a counsellor (space/talk.js).
  talkToggle: "I'd like to talk",
  talkHeading: "Talking with a counsellor",
  talkPrivate: "Nobody else in the space learns that you asked. You can withdraw at any time.",
  talkHow: "How",
  talkText: "Text only",
  talkVoice: "Voice",
  talkVideo: "Video",
  talkModes: { text: "text only", voice: "voice", video: "video" },
  talkWith: "Who you would like to talk with",
  talkAnyone: "Anyone",
  clinical_psychologist: "Clinical psychologist",
  social_worker: "Social worker",
  psychiatric_social_worker: "Psychiatric social worker",
  talkSend: "Let a counsellor know",
  talkWaiting: (place) => `A counsellor knows you would like to talk. You are number ${place} in line; carry on as you like meanwhile.`,
  talkWaitingShort: (place) => `Waiting (number ${place})`,
  talkWithdraw: "Withdraw",
  talkOffer: (who, mode) => `${who}, a counsellor, is waiting for you in a consultation room${mode ? ` (${mode})` : ""}. Would you like to go in? It is fine to say not now.`,
  talkGo: "Go in",
  talkNotNow: "Not now",
  talkLeave: "Leave the consultation",
  talkEnd: "End the consultation",
  talkLine: "Waiting to talk",
  talkNobody: "Nobody is waiting just now.",
  talkAccept: "Talk with them",
  talkWho: (name, how, time, minutes) => `${name} (${how}), since ${time}, ${minutes} min`,
  talkBooked: "Booked",
  talkBookedWaiting: "The time of your booked consultation has come. The counsellor will call you in a moment; please stay here.",
  talkBookedElsewhere: "booked with another counsellor",
  talkDeclined: (who) => `${who || "They"} said not now.`,
  consultationEnded: "The consultation has ended. Thank you for talking with us.",
  noApplications: "No applications are waiting.",
  approve: "Approve",
  decline: "Decline",
  applicant: { self: "self", family: "family" },
  applicantLine: (nickname, who) => `${nickname} (${who})`,
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
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: (s) => `Connection lost. Trying again in ${s} s…`,
  offline: "Not connected",
  yourself: (nickname) => `${nickname} (you)`,
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
  notForYou: (room) => `This room is for ${whom(room)}.${room.for_groups?.length ? " You can choose your age band on your account page (nobody else sees it)." : ""}`,
  gap: "Some messages from while you were disconnected cannot be shown.",
  countdown: (m, s) => `${m} min ${String(s).padStart(2, "0")} s left`,
  closedTitle: "The space has closed for today",
  closedNow: "The space is closed now",
  shutdownTitle: "Closed for maintenance for a moment",
  loginAgain: "Please log in again",
  replacedTitle: "Opened somewhere else",
  suspendedTitle: "Your account is suspended for now",
  replaced: "The space was opened in another tab or device, so this one closed.",
  leftTitle: "You have left",
  leftText: "Thank you for coming. You are welcome any time.",
  notLoggedIn: "You are not logged in. Please log in first.",
  stampNames: { wave: "hello", nod: "nod", clap: "clap", heart: "like", laugh: "laugh", thanks: "thanks", sparkle: "sparkle", tea: "tea" },
  stampFrom: (who, s) => `${who}: ${s}`,
  closedForStaff: "The space is closed now. You are in as staff (participants cannot come in).",
  fromServer,
};

export default en;

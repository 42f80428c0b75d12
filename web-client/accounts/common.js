// What the account pages share: talking to the API, showing its answers, and the words.
// Plain ES module, no build step, nothing loaded from outside this server.

export const $ = (id) => document.getElementById(id);

// Every word the account pages show, in one place. The API's own `message`s are already
// Japanese sentences ready to show; these are the page's.
export const TEXT = {
  sending: "送信しています…",
  networkFailed: "サーバーにつながりませんでした。インターネットの接続を確かめて、もう一度お試しください。",
  roles: { participant: "参加者", family: "ご家族", staff: "スタッフ", counsellor: "相談員", admin: "管理者" },
  applicant: { self: "本人", family: "家族" },
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
  color: (hex, n) => TEXT.colors[hex] ?? `いろ ${n}`,
};

// POSTs (or another method) JSON; never throws for an HTTP error: the caller gets
// { ok, status, body } and shows body.message.
export async function send(method, url, body) {
  try {
    const response = await fetch(url, {
      method,
      headers: body === undefined ? { Accept: "application/json" } : { "Content-Type": "application/json", Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
    const text = await response.text();
    let parsed = {};
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = {};
    }
    return { ok: response.ok, status: response.status, body: parsed };
  } catch (error) {
    console.warn(error);
    return { ok: false, status: 0, body: { error: "network", message: TEXT.networkFailed } };
  }
}

// Shows a message in the page's status box (a polite live region), calm or as a problem.
export function say(box, message, kind = "info") {
  box.textContent = message;
  box.dataset.kind = kind;
  box.hidden = false;
  if (kind === "problem") box.focus();
}

// Marks the field the API named as the problem, and says why next to it.
export function markField(form, field, message) {
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  for (const el of form.querySelectorAll(".field-error")) el.textContent = "";
  const input = form.querySelector(`[name="${field}"]`);
  const error = form.querySelector(`#${field}-error`);
  if (input) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }
  if (error) error.textContent = message;
  return Boolean(input);
}

// Reads `#t=…` from the address and then removes it, so the token does not stay in the
// address bar, the history or a screenshot.
export function takeToken() {
  const match = /(?:^#|&)t=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (match) history.replaceState(null, "", location.pathname);
  return match ? match[1] : null;
}

// Disables a form's button while a request is on its way, so one click sends once.
export async function busy(form, work) {
  const button = form.querySelector("button[type=submit]");
  if (button) button.disabled = true;
  try {
    return await work();
  } finally {
    if (button) button.disabled = false;
  }
}

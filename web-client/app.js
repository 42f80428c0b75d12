// The public page: the space's name, whether it is open now, and the next opening days.
// Plain ES module, no build step, nothing loaded from outside this server.

// Every word shown on the page, in one place.
const TEXT = {
  loading: "読み込んでいます…",
  openNow: (until) => `ただいま開室中です。${until}まで開いています。`,
  openNowNoEnd: "ただいま開室中です。",
  closedNext: (when) => `ただいま閉室中です。次回は${when}からです。`,
  closedNoNext: "ただいま閉室中です。次回の開室日はまだ決まっていません。",
  statusFailed: "開室状況を読み込めませんでした。しばらくしてから、もう一度お試しください。",
  scheduleFailed: "開室日を読み込めませんでした。しばらくしてから、もう一度お試しください。",
  noDays: "これから60日のあいだに、決まっている開室日はありません。",
  daysNote: (days) => `今日から${days}日間の予定です。変更があるときは、このページでお知らせします。`,
  range: (start, end) => `${start}〜${end}`,
  sessionLabel: "プログラム",
  defaultTitle: "オンライン居場所",
};

const DAYS_AHEAD = 60;
const FALLBACK_TIMEZONE = "Asia/Tokyo";

const $ = (id) => document.getElementById(id);

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

// Dates and times in the space's time zone, the way people read them:
// 12月9日(水) 13:00〜21:00
function formatters(timeZone) {
  const date = new Intl.DateTimeFormat("ja-JP", { timeZone, month: "numeric", day: "numeric", weekday: "short" });
  const time = new Intl.DateTimeFormat("ja-JP", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const ymd = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
  const part = (parts, type) => parts.find((p) => p.type === type)?.value ?? "";
  return {
    day(d) {
      const p = date.formatToParts(d);
      return `${part(p, "month")}月${part(p, "day")}日(${part(p, "weekday")})`;
    },
    time(d) {
      const p = time.formatToParts(d);
      return `${part(p, "hour")}:${part(p, "minute")}`;
    },
    // YYYY-MM-DD of the local date, for grouping and for the API's from/to.
    isoDate(d) {
      const p = ymd.formatToParts(d);
      return `${part(p, "year")}-${part(p, "month")}-${part(p, "day")}`;
    },
  };
}

function addDays(isoDate, days) {
  const [y, m, d] = isoDate.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

function renderStatus(status, fmt) {
  if (status.open) {
    return status.closes_at ? TEXT.openNow(fmt.time(new Date(status.closes_at))) : TEXT.openNowNoEnd;
  }
  const next = status.next_opening;
  if (!next) return TEXT.closedNoNext;
  const start = new Date(next.start);
  return TEXT.closedNext(`${fmt.day(start)} ${fmt.time(start)}`);
}

// The schedule API answers with windows ({room, start, end}; room null for the space itself).
// Accept a bare array or an object holding one, so the page survives small shape changes.
function windowsOf(schedule) {
  if (Array.isArray(schedule)) return schedule;
  for (const key of ["windows", "openings", "days", "items"]) {
    if (Array.isArray(schedule?.[key])) return schedule[key];
  }
  return [];
}

function groupByDay(windows, fmt) {
  const days = new Map();
  const sorted = [...windows].sort((a, b) => new Date(a.start) - new Date(b.start));
  for (const w of sorted) {
    const start = new Date(w.start);
    const key = fmt.isoDate(start);
    if (!days.has(key)) days.set(key, { date: start, openings: [], sessions: [] });
    (w.room ? days.get(key).sessions : days.get(key).openings).push(w);
  }
  return days;
}

function renderDays(list, days, roomNames, fmt) {
  list.replaceChildren();
  for (const [iso, day] of days) {
    const item = document.createElement("li");
    const heading = document.createElement("time");
    heading.className = "day";
    heading.dateTime = iso;
    const hours = day.openings
      .map((w) => TEXT.range(fmt.time(new Date(w.start)), fmt.time(new Date(w.end))))
      .join("、");
    heading.textContent = hours ? `${fmt.day(day.date)} ${hours}` : fmt.day(day.date);
    item.append(heading);
    if (day.sessions.length > 0) {
      const sessions = document.createElement("ul");
      sessions.className = "sessions";
      sessions.setAttribute("aria-label", TEXT.sessionLabel);
      for (const w of day.sessions) {
        const li = document.createElement("li");
        const name = roomNames.get(w.room) ?? w.room;
        li.textContent = `${name} ${TEXT.range(fmt.time(new Date(w.start)), fmt.time(new Date(w.end)))}`;
        sessions.append(li);
      }
      item.append(sessions);
    }
    list.append(item);
  }
}

async function main() {
  const statusEl = $("status");
  const daysEl = $("days");
  const noteEl = $("days-note");
  statusEl.textContent = TEXT.loading;

  let status;
  try {
    status = await getJson("/api/status");
  } catch (error) {
    console.warn(error);
    statusEl.textContent = TEXT.statusFailed;
    noteEl.textContent = TEXT.scheduleFailed;
    return;
  }

  if (status.name) {
    $("space-name").textContent = status.name;
    document.title = status.name;
  } else {
    document.title = TEXT.defaultTitle;
  }
  if (status.about) $("space-about").textContent = status.about;

  const fmt = formatters(status.timezone || FALLBACK_TIMEZONE);
  statusEl.textContent = renderStatus(status, fmt);

  const roomNames = new Map((status.rooms ?? []).map((r) => [r.id, r.name]));
  // The server's "now", so a rehearsal clock (--clock) shows its own days.
  const from = fmt.isoDate(status.now ? new Date(status.now) : new Date());
  const to = addDays(from, DAYS_AHEAD);
  try {
    const schedule = await getJson(`/api/schedule?from=${from}&to=${to}`);
    const days = groupByDay(windowsOf(schedule), fmt);
    renderDays(daysEl, days, roomNames, fmt);
    noteEl.textContent = days.size > 0 ? TEXT.daysNote(DAYS_AHEAD) : TEXT.noDays;
  } catch (error) {
    console.warn(error);
    noteEl.textContent = TEXT.scheduleFailed;
  }
}

main();

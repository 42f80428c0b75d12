// The public page: the space's name, whether it is open now, and the next opening days.
// Plain ES module, no build step, nothing loaded from outside this server.
import { operatorText } from "./words/lookup.js";
import { language, reword, show, wordPage } from "./words/page.js";

const DAYS_AHEAD = 60;
const FALLBACK_TIMEZONE = "Asia/Tokyo";

const $ = (id) => document.getElementById(id);

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

// Times and calendar dates in the space's time zone (the day's name is worded per language).
function formatters(timeZone) {
  const time = new Intl.DateTimeFormat("ja-JP", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const ymd = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
  const part = (parts, type) => parts.find((p) => p.type === type)?.value ?? "";
  return {
    day: (d, w) => w.day(d, timeZone),
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

function statusText(status, fmt, w) {
  if (status.open) {
    return status.closes_at ? w.openNow(fmt.time(new Date(status.closes_at))) : w.openNowNoEnd;
  }
  const next = status.next_opening;
  if (!next) return w.closedNoNext;
  const start = new Date(next.start);
  return w.closedNext(fmt.day(start, w), fmt.time(start));
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

function renderDays(list, days, rooms, fmt, w) {
  list.replaceChildren();
  for (const [iso, day] of days) {
    const item = document.createElement("li");
    const heading = document.createElement("time");
    heading.className = "day";
    heading.dateTime = iso;
    const hours = day.openings
      .map((o) => w.range(fmt.time(new Date(o.start)), fmt.time(new Date(o.end))))
      .join(w.listSeparator);
    heading.textContent = hours ? `${fmt.day(day.date, w)} ${hours}` : fmt.day(day.date, w);
    item.append(heading);
    if (day.sessions.length > 0) {
      const sessions = document.createElement("ul");
      sessions.className = "sessions";
      sessions.setAttribute("aria-label", w.sessionLabel);
      for (const s of day.sessions) {
        const li = document.createElement("li");
        const name = rooms.has(s.room) ? operatorText(language(), rooms.get(s.room), "name") : s.room;
        li.textContent = `${name} ${w.range(fmt.time(new Date(s.start)), fmt.time(new Date(s.end)))}`;
        sessions.append(li);
      }
      item.append(sessions);
    }
    list.append(item);
  }
}

async function main() {
  wordPage();
  const statusEl = $("status");
  const daysEl = $("days");
  const noteEl = $("days-note");

  let status;
  try {
    status = await getJson("/api/status");
  } catch (error) {
    console.warn(error);
    show(statusEl, (w) => w.statusFailed);
    show(noteEl, (w) => w.scheduleFailed);
    return;
  }

  // The operator's name and description (rooms.toml) replace the default words.
  if (status.name) {
    show($("space-name"), () => operatorText(language(), status, "name"));
    show(document.querySelector("title"), () => operatorText(language(), status, "name"));
  }
  if (status.about) show($("space-about"), () => operatorText(language(), status, "about"));
  if (status.contact) {
    show($("contact"), () => operatorText(language(), status, "contact"));
    $("contact-card").hidden = false;
  }

  const fmt = formatters(status.timezone || FALLBACK_TIMEZONE);
  show(statusEl, (w) => statusText(status, fmt, w));

  const rooms = new Map((status.rooms ?? []).map((r) => [r.id, r]));
  // The server's "now", so a rehearsal clock (--clock) shows its own days.
  const from = fmt.isoDate(status.now ? new Date(status.now) : new Date());
  const to = addDays(from, DAYS_AHEAD);
  try {
    const schedule = await getJson(`/api/schedule?from=${from}&to=${to}`);
    const days = groupByDay(windowsOf(schedule), fmt);
    reword(daysEl, (w) => renderDays(daysEl, days, rooms, fmt, w));
    show(noteEl, (w) => (days.size > 0 ? w.daysNote(DAYS_AHEAD) : w.noDays));
  } catch (error) {
    console.warn(error);
    show(noteEl, (w) => w.scheduleFailed);
  }
}

main();

//! The space file: settings, opening rules, closures and rooms, validated into plain types.
use std::collections::HashSet;
use std::ops::Range;
use std::path::Path;

use crate::model::{AgeGroup, Role};
use crate::schedule::rules::{self, Closures, OpeningRule};
use crate::schedule::Schedule;

pub use super::accounts::AccountsSettings;
use super::raw::{RawArea, RawFile, RawRoom, RawVideo, S};
use super::safety::{self, SafetySettings};
pub use super::space::SpaceSettings;
use super::wording::Wording;
use super::{accounts, space, values};
use super::{line_column, position, ConfigError, Source};

#[derive(Debug, Clone)]
pub struct SpaceConfig {
    pub space: SpaceSettings,
    /// `[[opening]]`: when the space is open (before closures are taken out).
    pub opening: Vec<OpeningRule>,
    pub closures: Closures,
    pub rooms: Vec<RoomConfig>,
    /// `[[room.session]]` of every program room, in file order.
    pub sessions: Vec<SessionRule>,
    pub accounts: AccountsSettings,
    pub safety: SafetySettings,
}

#[derive(Debug, Clone)]
pub struct RoomConfig {
    pub id: String,
    pub name: Wording,
    pub description: Wording,
    pub capacity: usize,
    /// How many members may send voice, camera or screen here at once (each costs every
    /// listener a stream): 0 in the gallery, everyone in a consultation.
    pub max_speakers: usize,
    /// Who the room is for (`for_groups`, `for_roles`): everyone when both are empty.
    pub audience: Audience,
    pub kind: RoomKind,
}

/// A room limited to members of some age bands and/or some roles. Each list that is not
/// empty must hold the member (both, when both are given). Those who work in the space
/// (anyone who may enter the staff room) and a program's hosts enter regardless.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Audience {
    pub groups: Vec<AgeGroup>,
    pub roles: Vec<Role>,
}

impl Audience {
    pub fn is_everyone(&self) -> bool {
        self.groups.is_empty() && self.roles.is_empty()
    }

    /// Whether a member of `role` who declared `group` (None: 答えない) is one the room is
    /// for, leaving staff and hosts aside (the gate lets them in first).
    pub fn includes(&self, role: Role, group: Option<AgeGroup>) -> bool {
        let role_fits = self.roles.is_empty() || self.roles.contains(&role);
        let group_fits = self.groups.is_empty() || group.is_some_and(|g| self.groups.contains(&g));
        role_fits && group_fits
    }
}

#[derive(Debug, Clone)]
pub enum RoomKind {
    /// The 2D map, in map pixels.
    Free {
        width: u32,
        height: u32,
        /// The drawn map under the avatars (an image, stretched to width × height).
        background: Option<MediaFile>,
        /// Named places that change who hears whom; inside the map, never overlapping.
        areas: Vec<Area>,
    },
    /// Sessions live in the schedule (`SpaceConfig::sessions`).
    Program {
        host_roles: Vec<Role>,
        stage: bool,
    },
    /// A pool of private rooms; the hub names them `<id>-1`..`<id>-N`.
    Consult {
        pool: u32,
    },
    Gallery {
        videos: Vec<Video>,
    },
    Staff,
}

impl RoomKind {
    /// Whether members of `role` host this room: a program's `host_roles` speak without
    /// raising a hand and choose who else may.
    pub fn hosted_by(&self, role: Role) -> bool {
        matches!(self, RoomKind::Program { host_roles, .. } if host_roles.contains(&role))
    }
}

/// A `[[room.area]]`: a rectangle of the free space's map, in map units.
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    pub name: Wording,
    pub kind: AreaKind,
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AreaKind {
    /// Those inside hear each other and nobody outside hears them, nor do they hear outsiders.
    Table,
    /// Nobody's voice reaches those inside and theirs reaches nobody; they show as resting.
    Quiet,
}

impl AreaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AreaKind::Table => "table",
            AreaKind::Quiet => "quiet",
        }
    }
}

impl Area {
    /// Edges included: someone standing on the line is inside.
    pub fn contains(&self, x: f32, y: f32) -> bool {
        let (left, top) = (self.x as f32, self.y as f32);
        (left..=left + self.width as f32).contains(&x)
            && (top..=top + self.height as f32).contains(&y)
    }

    fn overlaps(&self, other: &Area) -> bool {
        self.x < other.x + other.width
            && other.x < self.x + self.width
            && self.y < other.y + other.height
            && other.y < self.y + self.height
    }
}

/// The index of the area holding the point (x, y), if any (areas never overlap, so at most one).
pub fn area_at(areas: &[Area], x: f32, y: f32) -> Option<usize> {
    areas.iter().position(|a| a.contains(x, y))
}

#[derive(Debug, Clone)]
pub struct Video {
    pub title: Wording,
    pub src: String,
    /// An image shown before the video plays.
    pub poster: Option<String>,
    /// WebVTT captions.
    pub captions: Option<String>,
    /// Id of the program room this video introduces.
    pub program: Option<String>,
    /// `src`, `poster` and `captions` where they are paths on this server, each with where
    /// rooms.toml names it: the start-up check warns about a missing one at that line.
    pub local_files: Vec<MediaFile>,
}

/// A file the page loads that rooms.toml names: a path on this server (a file of the web
/// client's directory) or an https:// address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaFile {
    /// As written: `/media/gallery/lunch.mp4`.
    pub path: String,
    /// `rooms.toml:LINE:COLUMN`.
    pub at: String,
}

/// One `[[room.session]]` of a program room.
#[derive(Debug, Clone)]
pub struct SessionRule {
    pub room: String,
    pub rule: OpeningRule,
}

impl SpaceConfig {
    /// The gallery files and map backgrounds rooms.toml names as paths on this server that `web` (the web
    /// client's directory, which serves them) does not hold, with the room that names each.
    pub fn missing_media(&self, web: &Path) -> Vec<(&str, &MediaFile)> {
        let mut missing = Vec::new();
        for room in &self.rooms {
            let files: Vec<&MediaFile> = match &room.kind {
                RoomKind::Gallery { videos } => {
                    videos.iter().flat_map(|v| &v.local_files).collect()
                }
                RoomKind::Free { background, .. } => background.iter().collect(),
                _ => continue,
            };
            for file in files.into_iter().filter(|f| f.path.starts_with('/')) {
                if !served_file(web, &file.path).is_some_and(|p| p.is_file()) {
                    missing.push((room.id.as_str(), file));
                }
            }
        }
        missing
    }

    /// The opening rules, closures and program sessions as a `Schedule`: the one the calendar
    /// API and the door gate share.
    pub fn schedule(&self) -> Schedule {
        let programs = self
            .rooms
            .iter()
            .filter(|r| matches!(r.kind, RoomKind::Program { .. }))
            .map(|r| {
                let sessions = self
                    .sessions
                    .iter()
                    .filter(|s| s.room == r.id)
                    .map(|s| s.rule.clone())
                    .collect();
                (r.id.clone(), sessions)
            })
            .collect();
        Schedule::new(
            self.space.timezone,
            self.opening.clone(),
            self.closures.clone(),
            programs,
        )
    }

    /// Reads and parses a rooms.toml; errors name the file as given.
    pub fn load(path: &Path) -> Result<SpaceConfig, ConfigError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            origin: origin.clone(),
            line: 0,
            column: 0,
            message: format!("cannot read the file: {e}"),
        })?;
        SpaceConfig::from_toml(&text, &origin)
    }

    /// Parses rooms.toml text; `origin` names it in errors (usually the path), and a relative
    /// `[safety] crisis_words` path is read from `origin`'s directory.
    pub fn from_toml(text: &str, origin: &str) -> Result<SpaceConfig, ConfigError> {
        let src = Source { text, origin };
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            src.error(span, plain_english(e.message()))
        })?;
        let space = space::settings(src, &raw.space)?;
        if raw.opening.is_empty() {
            return Err(src.error(
                raw.space.span(),
                "there is no [[opening]]: the space would never open (add at least one, e.g. rule = \"weekly\")",
            ));
        }
        let opening = raw
            .opening
            .iter()
            .map(|r| values::rule(src, r.get_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        let closures = match &raw.closures {
            Some(c) => space::closures(src, c.get_ref())?,
            None => Closures::default(),
        };
        for (raw_rule, rule) in raw.opening.iter().zip(&opening) {
            space::extra_openings_not_closed(src, raw_rule.get_ref(), rule, &closures)?;
        }
        if raw.room.is_empty() {
            return Err(src.error(
                text.len()..text.len(),
                "there is no [[room]] (add at least the free space: kind = \"free\")",
            ));
        }
        let mut rooms = Vec::new();
        let mut sessions = Vec::new();
        let mut ids = HashSet::new();
        for r in &raw.room {
            let r = r.get_ref();
            if !ids.insert(r.id.get_ref().clone()) {
                return Err(src.error(
                    r.id.span(),
                    format!(
                        "room id \"{}\" is used twice (each room needs its own id)",
                        r.id.get_ref()
                    ),
                ));
            }
            let room = room(src, r)?;
            for s in r.session.iter().flat_map(|s| s.get_ref()) {
                let rule = values::rule(src, s.get_ref())?;
                if !rules::can_occur(&rule, &opening) {
                    return Err(src.error(
                        s.get_ref().start.span(),
                        format!(
                            "session {}–{} never lies inside an opening window on a day it falls on (check [[opening]] and this session's days and times)",
                            rule.start.format("%H:%M"),
                            rule.end.format("%H:%M")
                        ),
                    ));
                }
                sessions.push(SessionRule {
                    room: room.id.clone(),
                    rule,
                });
            }
            rooms.push(room);
        }
        videos_name_programs(src, &raw, &rooms)?;
        let accounts = accounts::settings(src, raw.accounts.as_ref().map(|a| a.get_ref()))?;
        let dir = Path::new(origin).parent().unwrap_or(Path::new(""));
        let safety = safety::settings(src, raw.safety.as_ref().map(|s| s.get_ref()), dir)?;
        Ok(SpaceConfig {
            space,
            opening,
            closures,
            rooms,
            sessions,
            accounts,
            safety,
        })
    }

    pub fn room(&self, id: &str) -> Option<&RoomConfig> {
        self.rooms.iter().find(|r| r.id == id)
    }
}

/// toml's messages name Rust types ("expected i64"); say it the way an editor of the file would.
fn plain_english(message: &str) -> String {
    let message = message.trim_end();
    [
        ("expected i64", "expected a whole number"),
        ("expected a boolean", "expected true or false"),
        ("expected a sequence", "expected a list in [ ]"),
        ("expected a string", "expected text in quotes"),
    ]
    .iter()
    .fold(message.to_string(), |m, (from, to)| m.replace(from, to))
}

const KINDS: &str = "\"free\", \"program\", \"consult\", \"gallery\" or \"staff\"";

fn room(src: Source, r: &RawRoom) -> Result<RoomConfig, ConfigError> {
    let id = r.id.get_ref();
    let valid_id = (1..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if !valid_id {
        return Err(src.error(
            r.id.span(),
            format!("room id \"{id}\" must be 1 to 32 characters of a-z, 0-9, _ or -"),
        ));
    }
    if r.name.get_ref().trim().is_empty() {
        return Err(src.error(r.name.span(), "name is empty (members see it)"));
    }
    let kind = r.kind.get_ref().as_str();
    let takes: &[&str] = match kind {
        "free" => &[
            "width",
            "height",
            "background",
            "area",
            "max_speakers",
            "for_groups",
            "for_roles",
        ],
        "program" => &[
            "host_roles",
            "stage",
            "session",
            "max_speakers",
            "for_groups",
            "for_roles",
        ],
        "consult" => &["pool"],
        "gallery" => &["video"],
        "staff" => &["max_speakers"],
        _ => {
            return Err(src.error(
                r.kind.span(),
                format!("unknown room kind \"{kind}\" (expected {KINDS})"),
            ))
        }
    };
    let present: [(&str, Option<Range<usize>>); 12] = [
        ("max_speakers", r.max_speakers.as_ref().map(|v| v.span())),
        ("for_groups", r.for_groups.as_ref().map(|v| v.span())),
        ("for_roles", r.for_roles.as_ref().map(|v| v.span())),
        ("width", r.width.as_ref().map(|v| v.span())),
        ("height", r.height.as_ref().map(|v| v.span())),
        ("background", r.background.as_ref().map(|v| v.span())),
        ("area", r.area.as_ref().map(|v| v.span())),
        ("host_roles", r.host_roles.as_ref().map(|v| v.span())),
        ("stage", r.stage.as_ref().map(|v| v.span())),
        ("session", r.session.as_ref().map(|v| v.span())),
        ("pool", r.pool.as_ref().map(|v| v.span())),
        ("video", r.video.as_ref().map(|v| v.span())),
    ];
    for (key, span) in present {
        if let Some(span) = span {
            if !takes.contains(&key) {
                return Err(src.error(
                    span,
                    format!("`{key}` does not belong to a room of kind \"{kind}\""),
                ));
            }
        }
    }
    // One person and one counsellor, or three with a family member.
    let (default_capacity, capacities) = if kind == "consult" {
        (2, 2..=3)
    } else {
        (50, 1..=1000)
    };
    let capacity = values::number(
        src,
        "capacity",
        r.capacity.as_ref(),
        default_capacity,
        capacities,
    )?;
    let max_speakers = match kind {
        // Everyone in a consultation talks; the gallery has no voice.
        "consult" => capacity,
        "gallery" => 0,
        _ => values::number(
            src,
            "max_speakers",
            r.max_speakers.as_ref(),
            if kind == "free" { 20 } else { 10 },
            1..=100,
        )?,
    };
    let audience = audience(src, r)?;
    let room_kind = match kind {
        "free" => {
            let width = values::number(src, "width", r.width.as_ref(), 1600, 200..=10_000)?;
            let height = values::number(src, "height", r.height.as_ref(), 900, 200..=10_000)?;
            let raw_areas: Vec<&RawArea> = r
                .area
                .iter()
                .flat_map(|a| a.get_ref())
                .map(|a| a.get_ref())
                .collect();
            RoomKind::Free {
                width,
                height,
                background: r
                    .background
                    .as_ref()
                    .map(|b| address(src, "background", b))
                    .transpose()?,
                areas: areas(src, &raw_areas, width, height)?,
            }
        }
        "program" => {
            if r.session.as_ref().is_none_or(|s| s.get_ref().is_empty()) {
                return Err(src.error(
                    r.kind.span(),
                    format!("program room \"{id}\" has no [[room.session]] (add at least one, or it never opens)"),
                ));
            }
            let host_roles = match &r.host_roles {
                None => vec![Role::Staff],
                Some(list) => {
                    if list.get_ref().is_empty() {
                        return Err(src.error(
                            list.span(),
                            "host_roles is empty (expected a list such as [\"staff\"])",
                        ));
                    }
                    list.get_ref()
                        .iter()
                        .map(|role| {
                            role.get_ref()
                                .parse::<Role>()
                                .map_err(|e| src.error(role.span(), e.replace('`', "\"")))
                        })
                        .collect::<Result<_, _>>()?
                }
            };
            RoomKind::Program {
                host_roles,
                stage: r.stage.as_ref().is_some_and(|s| *s.get_ref()),
            }
        }
        "consult" => {
            let Some(pool) = &r.pool else {
                return Err(src.error(
                    r.kind.span(),
                    "a consult room needs `pool`, the number of private rooms (e.g. pool = 4)",
                ));
            };
            RoomKind::Consult {
                pool: values::number(src, "pool", Some(pool), 1, 1..=100)?,
            }
        }
        "gallery" => {
            let videos = r
                .video
                .iter()
                .flat_map(|v| v.get_ref())
                .map(|v| video(src, v.get_ref()))
                .collect::<Result<_, _>>()?;
            RoomKind::Gallery { videos }
        }
        _ => RoomKind::Staff,
    };
    Ok(RoomConfig {
        id: id.clone(),
        name: values::wording(src, "name", r.name.get_ref(), r.name_en.as_ref())?,
        description: values::wording(
            src,
            "description",
            &r.description,
            r.description_en.as_ref(),
        )?,
        capacity: capacity as usize,
        max_speakers: max_speakers as usize,
        audience,
        kind: room_kind,
    })
}

/// `for_groups` and `for_roles`: each, when given, a non-empty list of known names. Staff,
/// counsellors and admins enter every room anyway, so naming them would mislead the reader.
fn audience(src: Source, r: &RawRoom) -> Result<Audience, ConfigError> {
    let mut audience = Audience::default();
    if let Some(list) = &r.for_groups {
        if list.get_ref().is_empty() {
            return Err(src.error(
                list.span(),
                "for_groups is empty (expected a list such as [\"20s\", \"30s\"], or leave it out for everyone)",
            ));
        }
        for group in list.get_ref() {
            let parsed = group.get_ref().parse::<AgeGroup>().map_err(|_| {
                src.error(
                    group.span(),
                    format!(
                        "unknown group \"{}\" (expected \"10s\", \"20s\", \"30s\" or \"40s_plus\": the age bands members may declare)",
                        group.get_ref()
                    ),
                )
            })?;
            if !audience.groups.contains(&parsed) {
                audience.groups.push(parsed);
            }
        }
    }
    if let Some(list) = &r.for_roles {
        if list.get_ref().is_empty() {
            return Err(src.error(
                list.span(),
                "for_roles is empty (expected a list such as [\"family\"], or leave it out for everyone)",
            ));
        }
        for role in list.get_ref() {
            let parsed = role
                .get_ref()
                .parse::<Role>()
                .map_err(|e| src.error(role.span(), e.replace('`', "\"")))?;
            if !matches!(parsed, Role::Participant | Role::Family) {
                return Err(src.error(
                    role.span(),
                    format!(
                        "for_roles lists \"{}\", but staff, counsellors and admins enter every room anyway (list participant and/or family)",
                        parsed.as_str()
                    ),
                ));
            }
            if !audience.roles.contains(&parsed) {
                audience.roles.push(parsed);
            }
        }
    }
    Ok(audience)
}

/// The free space's `[[room.area]]`s: each named, of a known kind, wholly inside the
/// `width` × `height` map, and none overlapping another (so a point is in one area at most).
fn areas(src: Source, raw: &[&RawArea], width: u32, height: u32) -> Result<Vec<Area>, ConfigError> {
    let mut areas: Vec<Area> = Vec::new();
    for a in raw {
        let name = a.name.get_ref().trim();
        if name.is_empty() {
            return Err(src.error(a.name.span(), "area name is empty (members see it)"));
        }
        let kind = match a.kind.get_ref().as_str() {
            "table" => AreaKind::Table,
            "quiet" => AreaKind::Quiet,
            other => {
                return Err(src.error(
                    a.kind.span(),
                    format!("unknown area kind \"{other}\" (expected \"table\" or \"quiet\")"),
                ))
            }
        };
        let x = values::number(src, "x", Some(&a.x), 0, 0..=width)?;
        let y = values::number(src, "y", Some(&a.y), 0, 0..=height)?;
        let w = values::number(src, "width", Some(&a.width), 0, 1..=width)?;
        let h = values::number(src, "height", Some(&a.height), 0, 1..=height)?;
        if x + w > width {
            return Err(src.error(
                a.width.span(),
                format!(
                    "area \"{name}\" reaches x = {}, beyond the map's width {width}",
                    x + w
                ),
            ));
        }
        if y + h > height {
            return Err(src.error(
                a.height.span(),
                format!(
                    "area \"{name}\" reaches y = {}, beyond the map's height {height}",
                    y + h
                ),
            ));
        }
        let area = Area {
            name: values::wording(src, "name", name, a.name_en.as_ref())?,
            kind,
            x,
            y,
            width: w,
            height: h,
        };
        if let Some(other) = areas.iter().find(|o| o.overlaps(&area)) {
            return Err(src.error(
                a.x.span(),
                format!(
                    "area \"{name}\" overlaps area \"{}\" (areas must not overlap: a place is in one area at most)",
                    other.name.ja
                ),
            ));
        }
        areas.push(area);
    }
    Ok(areas)
}

/// Where the web client's files serve the address `path` from; None for an address they
/// never serve (one that climbs out with `..`).
fn served_file(web: &Path, path: &str) -> Option<std::path::PathBuf> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let mut file = web.to_path_buf();
    for part in path.split('/').filter(|p| !p.is_empty() && *p != ".") {
        if part == ".." {
            return None;
        }
        file.push(part);
    }
    Some(file)
}

/// One `[[room.video]]`: each address is a path on this server or an https:// address, and
/// captions are WebVTT.
fn video(src: Source, v: &RawVideo) -> Result<Video, ConfigError> {
    let video_src = address(src, "src", &v.src)?;
    let poster = v
        .poster
        .as_ref()
        .map(|p| address(src, "poster", p))
        .transpose()?;
    let captions = v
        .captions
        .as_ref()
        .map(|c| address(src, "captions", c))
        .transpose()?;
    if let (Some(c), Some(written)) = (&captions, &v.captions) {
        if !c.path.ends_with(".vtt") {
            return Err(src.error(
                written.span(),
                format!(
                    "captions \"{}\" must be a WebVTT file (ending in .vtt)",
                    c.path
                ),
            ));
        }
    }
    let files = [Some(&video_src), poster.as_ref(), captions.as_ref()];
    let local_files = files
        .into_iter()
        .flatten()
        .filter(|f| f.path.starts_with('/'))
        .cloned()
        .collect();
    Ok(Video {
        title: values::wording(src, "title", v.title.get_ref(), v.title_en.as_ref())?,
        src: video_src.path,
        poster: poster.map(|p| p.path),
        captions: captions.map(|c| c.path),
        program: v.program.as_ref().map(|p| p.get_ref().clone()),
        local_files,
    })
}

/// An address of a file the page loads: a path on this server or an https:// address, with
/// where rooms.toml names it.
fn address(src: Source, name: &str, value: &S<String>) -> Result<MediaFile, ConfigError> {
    let s = value.get_ref();
    if !(s.starts_with('/') || s.starts_with("https://")) {
        return Err(src.error(
            value.span(),
            format!("{name} \"{s}\" must be a path on this server (\"/media/…\") or an https:// address"),
        ));
    }
    let (line, column) = line_column(src.text, value.span().start);
    Ok(MediaFile {
        path: s.clone(),
        at: format!("{}{}", src.origin, position(line, column)),
    })
}

/// A gallery video's `program` must name a program room of this file.
fn videos_name_programs(
    src: Source,
    raw: &RawFile,
    rooms: &[RoomConfig],
) -> Result<(), ConfigError> {
    let programs: HashSet<&str> = rooms
        .iter()
        .filter(|r| matches!(r.kind, RoomKind::Program { .. }))
        .map(|r| r.id.as_str())
        .collect();
    let named = raw
        .room
        .iter()
        .flat_map(|r| r.get_ref().video.iter().flat_map(|v| v.get_ref()))
        .filter_map(|v| v.get_ref().program.as_ref());
    for p in named {
        if !programs.contains(p.get_ref().as_str()) {
            return Err(src.error(
                p.span(),
                format!(
                    "program \"{}\" is not the id of a program room in this file",
                    p.get_ref()
                ),
            ));
        }
    }
    Ok(())
}

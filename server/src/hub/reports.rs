//! Members report a member, or one of their lines, to the staff (docs/protocol.md `report`).
//! The report keeps a snapshot of the room's lines in the minutes before (the only time chat
//! is stored; `[safety] report_keep_days`), asked of the room wherever it is hosted. Staff on
//! duty on every node get `report_filed`; staff read reports over HTTP, every read audited.
//! The reported member is told nothing, and nothing names the reporter to them.
use super::handle::SessionHandle;
use super::inbound::{error_body, Reject};
use super::protocol::{ChatLine, ErrorCode, Rid, ServerMessage};
use super::relay::RoomRef;
use super::room::RoomCommand;
use super::words::{bad_field, FieldProblem};
use super::Hub;
use crate::model::{AuditAction, AuditEntry, PublicId, Report, ReportReason};
use crate::store::StoreError;
use chrono::Utc;
use tokio::sync::oneshot;

/// How far back the snapshot reaches before the reported line (or the report).
const SNAPSHOT_MINUTES: i64 = 10;
/// A note is a sentence or two for the staff.
pub const NOTE_MAX_CHARS: usize = 200;
/// The most reports one list shows.
const LIST_MAX: u32 = 200;

/// A member's report as the client sends it.
pub(super) struct Filing {
    pub rid: Option<Rid>,
    pub member: PublicId,
    pub seq: Option<u64>,
    pub reason: ReportReason,
    pub note: Option<String>,
}

/// The nicknames of the two members of a report, of those who still exist.
pub struct ReportNames {
    pub reporter: Option<String>,
    pub reported: Option<String>,
}

impl Hub {
    /// Files `session`'s report about someone, from the room `room` they are in (`room_id`).
    pub(super) async fn file_report(
        &self,
        session: &SessionHandle,
        room_id: &str,
        room: &RoomRef,
        filing: Filing,
    ) -> Result<(), Reject> {
        let Filing {
            rid,
            member,
            seq,
            reason,
            note,
        } = filing;
        let refuse = |code| Box::new(error_body(rid.clone(), code));
        if member == session.id {
            return Err(refuse(ErrorCode::ReportSelf));
        }
        let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
        if note
            .as_ref()
            .is_some_and(|n| n.chars().count() > NOTE_MAX_CHARS)
        {
            let mut error = error_body(rid.clone(), ErrorCode::BadRequest);
            error.message = bad_field("note", FieldProblem::Invalid);
            return Err(Box::new(error));
        }
        let reported = match self.store.member_by_public_id(&member).await {
            Ok(Some(reported)) => reported,
            Ok(None) => return Err(refuse(ErrorCode::UnknownMember)),
            Err(error) => {
                tracing::error!(%error, "could not read a reported member");
                return Err(refuse(ErrorCode::Internal));
            }
        };
        let (reply, answer) = oneshot::channel();
        let lines = if room.send(RoomCommand::Lines { reply }).await {
            answer.await.unwrap_or_default()
        } else {
            Vec::new()
        };
        let snapshot = snapshot(lines, &member, seq, self.clock.now());
        let report = Report {
            id: format!("r_{}", &uuid::Uuid::new_v4().simple().to_string()[..12]),
            reporter: session.id.clone(),
            reported: member.clone(),
            room: room_id.to_string(),
            seq,
            reason,
            note,
            snapshot,
            at: Utc::now(),
        };
        if let Err(error) = self.store.save_report(&report).await {
            tracing::error!(%error, "could not keep a report");
            return Err(refuse(ErrorCode::Internal));
        }
        self.audit_report(AuditEntry {
            actor: Some(session.id.clone()),
            action: AuditAction::ReportFiled,
            subject: Some(member.clone()),
            detail: serde_json::json!({"report": report.id, "room": room_id, "reason": reason.as_str()}),
        })
        .await;
        tracing::info!(report = %report.id, room = room_id, reason = reason.as_str(), "a member filed a report");
        self.send_alert(
            &ServerMessage::ReportFiled {
                report: report.id,
                room: room_id.to_string(),
                reported: member,
                nickname: reported.nickname,
                reason,
                at: self
                    .clock
                    .now()
                    .with_timezone(&self.space.space.timezone)
                    .fixed_offset(),
            },
            false,
        );
        session.reply(super::handle::Frame::from(
            ServerMessage::Ack { rid, seq: None }.to_text(),
        ));
        session.reply(super::handle::Frame::from(
            ServerMessage::ReportReceived {
                message: "通報を受け付けました。スタッフが内容を確かめます。通報したことが相手に伝わることはありません。知らせてくださって、ありがとうございます。".into(),
            }
            .to_text(),
        ));
        Ok(())
    }

    /// The newest reports, for `reader` (staff): audited as one `report_read`.
    pub async fn reports_for(
        &self,
        reader: &PublicId,
    ) -> Result<Vec<(Report, ReportNames)>, StoreError> {
        let reports = self.store.reports(LIST_MAX).await?;
        self.audit_report(AuditEntry {
            actor: Some(reader.clone()),
            action: AuditAction::ReportRead,
            subject: None,
            detail: serde_json::json!({"list": reports.len()}),
        })
        .await;
        let mut named = Vec::with_capacity(reports.len());
        for report in reports {
            let names = self.report_names(&report).await?;
            named.push((report, names));
        }
        Ok(named)
    }

    /// One report with its snapshot, for `reader` (staff): audited `report_read`.
    pub async fn report_for(
        &self,
        reader: &PublicId,
        id: &str,
    ) -> Result<Option<(Report, ReportNames)>, StoreError> {
        let Some(report) = self.store.report(id).await? else {
            return Ok(None);
        };
        self.audit_report(AuditEntry {
            actor: Some(reader.clone()),
            action: AuditAction::ReportRead,
            subject: Some(report.reported.clone()),
            detail: serde_json::json!({"report": report.id}),
        })
        .await;
        let names = self.report_names(&report).await?;
        Ok(Some((report, names)))
    }

    async fn report_names(&self, report: &Report) -> Result<ReportNames, StoreError> {
        let nickname = |m: Option<crate::model::Member>| m.map(|m| m.nickname);
        Ok(ReportNames {
            reporter: nickname(self.store.member_by_public_id(&report.reporter).await?),
            reported: nickname(self.store.member_by_public_id(&report.reported).await?),
        })
    }

    async fn audit_report(&self, entry: AuditEntry) {
        if let Err(error) = self.store.record_audit(entry).await {
            tracing::error!(%error, "could not write a report to the audit log");
        }
    }
}

/// The lines of the `SNAPSHOT_MINUTES` before the reported line (with it) or before now:
/// `{"line": the reported line or null, "before": [lines], "minutes": 10}`.
fn snapshot(
    lines: Vec<ChatLine>,
    reported: &PublicId,
    seq: Option<u64>,
    now: chrono::DateTime<Utc>,
) -> serde_json::Value {
    let line = seq.and_then(|seq| {
        lines
            .iter()
            .find(|l| l.seq == seq && &l.from == reported)
            .cloned()
    });
    let until = line.as_ref().map_or(now, |l| l.at.with_timezone(&Utc));
    let last_seq = line.as_ref().map_or(u64::MAX, |l| l.seq);
    let from = until - chrono::Duration::minutes(SNAPSHOT_MINUTES);
    let before: Vec<&ChatLine> = lines
        .iter()
        .filter(|l| l.seq < last_seq && l.at.with_timezone(&Utc) >= from)
        .collect();
    serde_json::json!({"line": line, "before": before, "minutes": SNAPSHOT_MINUTES})
}

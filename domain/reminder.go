package domain

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SubjectType names what a reminder is about.
type SubjectType string

// Reminder subjects: each is one kind of date that comes due.
const (
	SubjectConfirmation        SubjectType = "confirmation"
	SubjectContractRenewal     SubjectType = "contract_renewal"
	SubjectCloudServiceReview  SubjectType = "cloud_service_review"
	SubjectSocialAccountReview SubjectType = "social_account_review"
	SubjectCertification       SubjectType = "certification"
	SubjectCorrectiveAction    SubjectType = "corrective_action"
	// SubjectPolicyReview is the next review of the information security
	// policy (第8), named by the latest approved policy review.
	SubjectPolicyReview SubjectType = "policy_review"
	// SubjectIncidentStep: the next pending step of an incident (its
	// deadline's date). Each step of an incident is its own subject
	// (IncidentStepSubjectID), so two steps due on one day are each
	// reminded; the ledger rows' path is the incident's.
	SubjectIncidentStep SubjectType = "incident_step"
	// SubjectInspection: a self-inspection campaign's due date, for one
	// assignee with items unanswered (the subject is the assignment).
	SubjectInspection SubjectType = "inspection"
)

// SubjectTypes lists every subject type in a stable order.
var SubjectTypes = []SubjectType{SubjectConfirmation, SubjectContractRenewal, SubjectCloudServiceReview,
	SubjectSocialAccountReview, SubjectCertification, SubjectCorrectiveAction, SubjectPolicyReview, SubjectIncidentStep, SubjectInspection}

// ReminderStatus is where a ledger row stands.
type ReminderStatus string

// Ledger statuses.
const (
	ReminderQueued ReminderStatus = "queued"
	// ReminderSending: claimed by a digest attempt just before its message
	// went to the mail server, with that message's Message-ID. A row still
	// sending when a later attempt starts may have been delivered: the later
	// attempt resends the same Message-ID and flags it possible_duplicate.
	ReminderSending   ReminderStatus = "sending"
	ReminderSent      ReminderStatus = "sent"
	ReminderFailed    ReminderStatus = "failed"
	ReminderCancelled ReminderStatus = "cancelled"
)

// Stage names. A due date is reminded at "before_<n>" on each lead time
// before it, at "due" on the date, and at "overdue" from the escalation
// delay after it; "overdue" then repeats (Stage.Repeat 1, 2, …) every
// OverdueRepeatDays after the previous overdue reminder until the item is
// resolved.
const (
	StageDue     = "due"
	StageOverdue = "overdue"
	// StageNotice is not a stage of a due date: it is the immediate notice
	// to every active ciso of an incident whose severity has
	// notify_ciso_at_once, written when the incident is recorded (or raised
	// to that severity), never by the scan.
	StageNotice = "notice"
)

// StageBefore names the stage n days before the date.
func StageBefore(days int) string { return "before_" + strconv.Itoa(days) }

// Stage is one reminder moment of a due date.
type Stage struct {
	Name string
	// Repeat numbers the overdue reminders: 0 for the first, n for the n-th
	// repeat. Always 0 for the other stages.
	Repeat int
	// On is the day the stage is reached.
	On Date
}

// Stages returns a due date's stages in time order: one per lead time, the
// date itself, and the first overdue reminder after the escalation delay.
// The overdue repeats that follow depend on when the previous one went out;
// CurrentStage finds them.
func Stages(due Date, p PolicySettings) []Stage {
	leads := append([]int(nil), p.ReminderLeadDays...)
	sort.Sort(sort.Reverse(sort.IntSlice(leads)))
	out := make([]Stage, 0, len(leads)+2)
	seen := map[int]bool{}
	for _, d := range leads {
		if d <= 0 || seen[d] {
			continue
		}
		seen[d] = true
		out = append(out, Stage{Name: StageBefore(d), On: due.AddDays(-d)})
	}
	out = append(out, Stage{Name: StageDue, On: due}, Stage{Name: StageOverdue, On: due.AddDays(p.EscalationDelayDays)})
	return out
}

// CurrentStage returns the stage a due date stands at on day today, or false
// when none is reached yet. lastOverdue is the latest overdue reminder the
// ledger holds for the date, with On the day it was written, or nil.
//
// Before any overdue reminder, it is the latest stage of Stages reached: a
// stage whose day passed while no scan ran is superseded by the later one
// (nobody wants last month's "30 days left"), and a date already long past
// when its item is created or imported gets its first overdue reminder at
// once. After one, the next repeat is reached OverdueRepeatDays after the
// day the previous one was written, so repeats never come in a burst after
// downtime and a late item is repeated at the same pace as any other; until
// then the current stage is that previous one.
func CurrentStage(due, today Date, lastOverdue *Stage, p PolicySettings) (Stage, bool) {
	if lastOverdue != nil {
		next := Stage{Name: StageOverdue, Repeat: lastOverdue.Repeat + 1, On: lastOverdue.On.AddDays(max(p.OverdueRepeatDays, 1))}
		if next.On.After(today) {
			return *lastOverdue, true
		}
		return next, true
	}
	var cur Stage
	found := false
	for _, s := range Stages(due, p) {
		if !s.On.After(today) {
			cur, found = s, true
		}
	}
	return cur, found
}

// Escalation is who besides the owner is told at a stage.
type Escalation struct {
	// Supervisor: the owner's supervisor, or every supervisor when the
	// owner has none.
	Supervisor bool
	// CISO: every person with the ciso security role.
	CISO bool
}

// EscalationAt returns who is told besides the owner at stage s: the
// supervisor from the first overdue reminder, and every ciso as well from
// the CISOEscalationAfterRepeats-th repeat on.
func EscalationAt(s Stage, p PolicySettings) Escalation {
	if s.Name != StageOverdue {
		return Escalation{}
	}
	return Escalation{Supervisor: true, CISO: s.Repeat >= max(p.CISOEscalationAfterRepeats, 1)}
}

// ScanWindow returns the due dates whose stage the calendar alone decides:
// from the oldest date that is not yet overdue to the farthest lead time
// ahead. A scan also looks at every unresolved date before from, however
// old: those are overdue, and their repeats depend on the ledger.
func ScanWindow(today Date, p PolicySettings) (from, to Date) {
	maxLead := 0
	for _, d := range p.ReminderLeadDays {
		maxLead = max(maxLead, d)
	}
	return today.AddDays(-p.EscalationDelayDays + 1), today.AddDays(maxLead)
}

// DueWording words how a due date stands on the day an e-mail is sent, from
// the days left: "あと3日", "本日が期限" only on the day itself, "期限を2日超過"
// after it (English: "3 days left", "due today", "2 days overdue").
func DueWording(l Locale, daysLeft int) string {
	switch {
	case daysLeft == 0 && l == LocaleEn:
		return "due today"
	case daysLeft == 0:
		return "本日が期限"
	case daysLeft < 0 && l == LocaleEn:
		return plural(-daysLeft, "day") + " overdue"
	case daysLeft < 0:
		return fmt.Sprintf("期限を%d日超過", -daysLeft)
	case l == LocaleEn:
		return plural(daysLeft, "day") + " left"
	}
	return fmt.Sprintf("あと%d日", daysLeft)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// Reasons a recipient other than the owner is told (Reminder.EscalatedAs).
const (
	EscalatedAsSupervisor = "supervisor"
	EscalatedAsCISO       = "ciso"
)

// Reminder is one row of the reminder ledger: one recipient told about one
// subject's due date at one stage.
type Reminder struct {
	ID          string         `json:"id" doc:"UUIDv7 of the ledger row."`
	SubjectType SubjectType    `json:"subject_type" enum:"confirmation,contract_renewal,cloud_service_review,social_account_review,certification,corrective_action,policy_review,incident_step,inspection" doc:"What is due."`
	SubjectID   string         `json:"subject_id" doc:"ID of the subject (for certification, the vendor; for incident_step, the step's reminder_subject_id on the incident's timeline)."`
	Title       string         `json:"title" doc:"What the reminder is about, as the e-mail names it."`
	Path        string         `json:"path" pattern:"^/v1/[a-z-]+/[0-9a-f-]{36}$" doc:"API path of the subject."`
	DueDate     Date           `json:"due_date" format:"date" doc:"The date that comes due."`
	Stage       string         `json:"stage" pattern:"^(before_[0-9]{1,3}|due|overdue|notice)$" doc:"before_<days>, due, or overdue; notice for the immediate e-mail to every ciso of a high-severity incident." example:"before_7"`
	Repeat      int            `json:"repeat" minimum:"0" doc:"For overdue: 0 for the first overdue reminder, n for the n-th repeat (every overdue_repeat_days until resolved); 0 otherwise."`
	ReachedOn   Date           `json:"reached_on,omitzero" format:"date" doc:"The day of the scan that reached the stage; the next overdue repeat follows it by overdue_repeat_days."`
	RecipientID string         `json:"recipient_id" doc:"Who is told."`
	Escalated   bool           `json:"escalated" doc:"True when the recipient is told not as the owner but as the owner's supervisor or as ciso."`
	EscalatedAs string         `json:"escalated_as,omitempty" enum:"supervisor,ciso" doc:"Why an escalated recipient is told: supervisor (the owner's, or every supervisor when the owner has none; from the first overdue reminder) or ciso (from the ciso_escalation_after_repeats-th repeat)."`
	Status      ReminderStatus `json:"status" enum:"queued,sending,sent,failed,cancelled" doc:"queued; sending (its e-mail was handed to the mail server, whose acceptance is not yet recorded); sent; failed (with the server's answer); or cancelled (see cancel_reason)."`
	MessageID   string         `json:"message_id,omitempty" pattern:"^[0-9a-f]{32}@[^\\s@]+$" doc:"Message-ID of the e-mail that carries it, from the first attempt on; every resend uses the same."`
	Error       string         `json:"error,omitempty" doc:"The last delivery error: the mail server's answer, or why it could not be reached. Kept after a later attempt succeeds."`
	Attempts    int            `json:"attempts" minimum:"0" doc:"How many times its e-mail was handed to the mail server (0 while never tried)."`
	// PossibleDuplicate is set when an attempt found the row still sending
	// from an earlier one, which may have been delivered.
	PossibleDuplicate bool       `json:"possible_duplicate" doc:"True when its e-mail was sent again after an attempt whose outcome was unknown (the server's answer to the message was lost): the recipient may have it twice, with the same Message-ID."`
	CancelReason      string     `json:"cancel_reason,omitempty" enum:"superseded,subject_changed,recipient_inactive" doc:"Why a cancelled row was not sent: superseded (it was sent on a later day than scanned and a later stage of the same date was reached meanwhile), subject_changed (its date moved or its subject was resolved or ended), recipient_inactive."`
	CreatedAt         time.Time  `json:"created_at" doc:"When the scan queued it (RFC 3339, UTC)."`
	SentAt            *time.Time `json:"sent_at,omitempty" doc:"When it was sent."`
}

// PagePath is where staff open the reminder's subject in a browser
// (PagePathOf its Path). E-mails link each item there, after the public
// URL. Empty when Path is not an API path.
func (r Reminder) PagePath() string { return PagePathOf(r.Path) }

// PagePathOf returns the staff page of an API resource: its path without
// "/v1" (/confirmations/<id> for /v1/confirmations/<id>). Empty when
// apiPath is not an API path.
func PagePathOf(apiPath string) string {
	if rest, ok := strings.CutPrefix(apiPath, "/v1/"); ok && rest != "" {
		return "/" + rest
	}
	return ""
}

// Reasons a ledger row is cancelled (Reminder.CancelReason).
const (
	CancelSuperseded        = "superseded"
	CancelSubjectChanged    = "subject_changed"
	CancelRecipientInactive = "recipient_inactive"
)

// Superseded reports whether a reminder of stage stage (repeat repeat) of a
// date due, reached on reachedOn, is overtaken on day today by a later stage
// of the same date, so that sending it now, late, would tell stale news: a
// before_30 after the before_7 day, a due after the first overdue reminder,
// an overdue reminder on or after the day its next repeat is reached. A
// reminder sent on the day it was reached is never superseded.
func Superseded(stage string, repeat int, due, reachedOn, today Date, p PolicySettings) bool {
	if !today.After(reachedOn) {
		return false
	}
	if stage == StageOverdue {
		next, _ := CurrentStage(due, today, &Stage{Name: StageOverdue, Repeat: repeat, On: reachedOn}, p)
		return next.Repeat > repeat
	}
	var on Date
	switch {
	case stage == StageDue:
		on = due
	case strings.HasPrefix(stage, "before_"):
		n, err := strconv.Atoi(strings.TrimPrefix(stage, "before_"))
		if err != nil {
			return false
		}
		on = due.AddDays(-n)
	default:
		return false
	}
	cur, ok := CurrentStage(due, today, nil, p)
	return ok && cur.On.After(on)
}

// MessageIDFor derives a stable Message-ID (without angle brackets) from the
// ledger rows an e-mail carries, so a resend after a crash is recognisable as
// the same message.
func MessageIDFor(reminderIDs []string, domainPart string) string {
	ids := append([]string(nil), reminderIDs...)
	sort.Strings(ids)
	sum := sha256.Sum256([]byte(strings.Join(ids, ",")))
	return fmt.Sprintf("%s@%s", hex.EncodeToString(sum[:16]), domainPart)
}

// Digest is the set of new ledger rows for one recipient from one scan: what
// one e-mail will carry.
type Digest struct {
	RecipientID string
	ReminderIDs []string
}

// ScanReport says what one due-scan did.
type ScanReport struct {
	Today                  Date `json:"today" format:"date" doc:"The day the scan ran for."`
	ConfirmationsScheduled int  `json:"confirmations_scheduled" doc:"Confirmations the scan created because their contract's date entered the first reminder window."`
	ContractsExpired       int  `json:"contracts_expired" doc:"Contracts past their end date without auto-renewal, now expired."`
	ContractsRenewed       int  `json:"contracts_renewed" doc:"Auto-renewing contracts past their end date, now extended by their renewal term."`
	RiskAcceptancesExpired int  `json:"risk_acceptances_expired" doc:"Corrective actions whose risk acceptance ended, now open and due again."`
	RemindersQueued        int  `json:"reminders_queued" doc:"New ledger rows."`
	Digests                int  `json:"digests" doc:"E-mails queued, one per recipient with new rows."`
}

// EnqueueDigests receives the open transaction of a scan and must queue one
// job per digest in it, so the ledger rows and their jobs commit together.
type EnqueueDigests func(ctx context.Context, tx *sql.Tx, digests []Digest) error

// DigestItem is one line of a digest e-mail.
type DigestItem struct {
	Reminder
	// DaysLeft is the number of days from the day of sending to the due
	// date (negative when overdue); the e-mail words the stage from it.
	DaysLeft int
	// Escalation is who besides the owner is told at the item's stage, so
	// the owner's e-mail can say so.
	Escalation Escalation
}

// DigestMail is everything a digest e-mail needs.
type DigestMail struct {
	Recipient *Person
	Items     []DigestItem
	// JapaneseEraDates is the setting of that name at the time of sending.
	JapaneseEraDates bool
	// MessageID is the Message-ID of an earlier attempt whose rows are still
	// sending (it may have been delivered): a resend must reuse it. Empty
	// when no row is sending.
	MessageID string
}

// ReminderFilter narrows ListReminders.
type ReminderFilter struct {
	Status      ReminderStatus
	RecipientID string
	SubjectType SubjectType
	SubjectID   string
	Stage       string
	// FiscalYear keeps the rows whose date is due in that fiscal year (年度, April to March); 0 for all.
	FiscalYear int
}

// ReminderService runs the due-scan and keeps the reminder ledger.
type ReminderService interface {
	// ScanDue finds every date coming due around today, schedules the
	// confirmations that enter their window, expires ended contracts, writes
	// the ledger rows of the stages reached and hands the new rows, grouped
	// per recipient, to enqueue — all in one transaction. A second scan of
	// the same day adds nothing.
	ScanDue(ctx context.Context, today Date, enqueue EnqueueDigests) (ScanReport, error)
	// DigestToSend returns the rows among ids still to send (queued, or
	// sending from an earlier attempt, with that attempt's Message-ID) with
	// their recipient, ready to render for day today; no items when nothing
	// is left to send. Queued rows whose stage today has overtaken
	// (Superseded) are cancelled as superseded first.
	DigestToSend(ctx context.Context, recipientID string, ids []string, today Date) (*DigestMail, error)
	// LeaseReminders takes for holder (a job) the lease of the rows among
	// ids still to send (queued or sending) for ttl from now: while it
	// lasts, the catch-up leaves them to holder. A holder renews its lease by
	// calling it again, and ends it by taking it for 0. It reports false,
	// and takes nothing, while another holder's lease on one of them has
	// not run out.
	LeaseReminders(ctx context.Context, ids []string, holder string, ttl time.Duration) (bool, error)
	// ClaimRemindersSending marks the rows as sending in messageID, one
	// more attempt each, in a transaction of its own that commits before
	// the message is handed to the mail server. A row already sending is
	// flagged possible_duplicate. Rows sent, failed or cancelled meanwhile
	// are left alone.
	ClaimRemindersSending(ctx context.Context, ids []string, messageID string) error
	// ClaimRemindersLeased is ClaimRemindersSending for holder, whose lease
	// of the rows it renews for ttl in the same transaction: it claims
	// nothing, and reports false, while another holder's lease on one of
	// the rows still to send has not run out (as LeaseReminders), so that a
	// job whose lease was taken over does not send a second copy. One
	// transaction instead of a renewal and a claim: a digest's delivery is
	// a handful of statements, and each commit counts at the queue's pace.
	ClaimRemindersLeased(ctx context.Context, ids []string, messageID, holder string, ttl time.Duration) (bool, error)
	// MarkRemindersSent records that the rows went out in messageID, and
	// ends their lease (a sent row is no longer leased).
	MarkRemindersSent(ctx context.Context, ids []string, messageID string) error
	// MarkRemindersFailed records a permanent failure with the server's
	// answer, and ends the rows' lease.
	MarkRemindersFailed(ctx context.Context, ids []string, answer string) error
	// MarkRemindersRetry records a temporary delivery failure on rows that
	// will be tried again. When the message certainly did not reach the
	// server (refused connection, an answer before the end of the data) the
	// rows return to queued; otherwise they stay sending, so the next
	// attempt knows it may send a duplicate.
	MarkRemindersRetry(ctx context.Context, ids []string, answer string, mayHaveBeenDelivered bool) error
	// ListReminders returns a page of the ledger, newest last. EINVALID.
	ListReminders(ctx context.Context, f ReminderFilter, p PageRequest) (Page[*Reminder], error)
}

// DueScanRunner runs a due-scan now, for the API's admin operation.
type DueScanRunner interface {
	RunDueScan(ctx context.Context) (ScanReport, error)
}

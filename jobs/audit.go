package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/vendorwatch/vendorwatch/domain"
)

// DefaultAuditSealInterval is how often the sealer runs by default: an
// event is in the chain within about this long of its commit.
const DefaultAuditSealInterval = time.Second

// AuditSealArgs asks the sealer to chain the events written so far.
type AuditSealArgs struct{}

// Kind implements river.JobArgs.
func (AuditSealArgs) Kind() string { return "audit_seal" }

// AuditSealWorker chains the events that writes appended unsealed
// (PostgreSQL). The leader queues it every AuditSealInterval; any replica
// may run it. A sealer that cannot go on (a replica without the key of the
// chain's segment, during a key rotation; a break above the head) logs why
// and leaves the events to the next run, on whichever replica: the job is
// not retried, since the next period's is on its way.
type AuditSealWorker struct {
	river.WorkerDefaults[AuditSealArgs]
	Sealer domain.AuditSealer
	Logger *slog.Logger
}

// Work implements river.Worker.
func (w *AuditSealWorker) Work(ctx context.Context, _ *river.Job[AuditSealArgs]) error {
	n, err := w.Sealer.SealAudit(ctx)
	if err != nil {
		w.Logger.WarnContext(ctx, "audit events not sealed", "sealed", n, "error", err.Error())
		return nil
	}
	if n > 0 {
		w.Logger.DebugContext(ctx, "audit events sealed", "sealed", n)
	}
	return nil
}

// AuditVerifyArgs asks for a verification of the audit hash chain.
type AuditVerifyArgs struct{}

// Kind implements river.JobArgs.
func (AuditVerifyArgs) Kind() string { return "audit_verify" }

// startAuditVerify queues the verification of a start: one waiting or
// running is enough for replicas starting together, but one that has
// completed does not keep a restart from verifying again.
var startAuditVerify = &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled}}}

// auditPeople finds the cisos to tell.
type auditPeople interface {
	ListPeople(ctx context.Context, f domain.PersonFilter, p domain.PageRequest) (domain.Page[*domain.Person], error)
}

// AuditVerifyWorker recomputes the audit chain, so tampering is noticed even
// when nobody asks. When it holds, the head is signed as the day's
// checkpoint and e-mailed to every active ciso; when it does not, an ERROR
// line names each problem and every ciso is e-mailed, once per distinct
// break.
type AuditVerifyWorker struct {
	river.WorkerDefaults[AuditVerifyArgs]
	Audit domain.AuditService
	// Checkpoints and People, when set, record checkpoints and breaks and
	// find the cisos; the e-mails go only from a Runner's worker.
	Checkpoints domain.AuditCheckpointer
	People      auditPeople
	Logger      *slog.Logger
	// OnVerified, when set, is called with every verification's result.
	OnVerified func(ctx context.Context, v domain.AuditVerification)
	// notify queues the notices (set by New).
	notify func(ctx context.Context, notices []AuditNoticeArgs) error
}

// Work implements river.Worker.
func (w *AuditVerifyWorker) Work(ctx context.Context, _ *river.Job[AuditVerifyArgs]) error {
	v, err := w.Audit.VerifyAuditChain(ctx)
	if err != nil {
		return fmt.Errorf("jobs: verify audit chain: %w", err)
	}
	if w.OnVerified != nil {
		w.OnVerified(ctx, v)
	}
	if v.FirstBroken != nil {
		w.Logger.ErrorContext(ctx, "audit chain broken", "seq", v.FirstBroken.Seq, "event_id", v.FirstBroken.ID,
			"problem", v.FirstBroken.Problem, "checked", v.Checked)
	}
	for _, c := range v.CheckpointsBroken {
		w.Logger.ErrorContext(ctx, "audit checkpoint contradicted", "source", c.Source, "seq", c.Seq, "key_id", c.KeyID, "problem", c.Problem)
	}
	for _, f := range v.FilesBroken {
		w.Logger.ErrorContext(ctx, "evidence file broken", "file_id", f.ID, "subject_type", f.SubjectType,
			"subject_id", f.SubjectID, "problem", f.Problem)
	}
	if !v.OK {
		return w.reportBreak(ctx, v)
	}
	w.Logger.InfoContext(ctx, "audit chain verified", "events", v.Checked, "files", v.FilesChecked,
		"checkpoints", v.CheckpointsChecked, "key_id", v.KeyID)
	if w.Checkpoints == nil {
		return nil
	}
	cp, created, err := w.Checkpoints.RecordAuditCheckpoint(ctx, v)
	if err != nil {
		return fmt.Errorf("jobs: record audit checkpoint: %w", err)
	}
	if !created {
		return nil
	}
	w.Logger.InfoContext(ctx, "audit checkpoint signed", "seq", cp.Seq, "hash", cp.Hash, "key_id", cp.KeyID, "at", cp.At.Format(time.RFC3339))
	// A lost checkpoint e-mail is not worth verifying again for: it is in
	// the database and the folder.
	if err := w.tellCISOs(ctx, AuditNoticeArgs{Type: AuditNoticeCheckpoint, Checkpoint: cp, At: cp.At}); err != nil {
		w.Logger.WarnContext(ctx, "audit checkpoint e-mails not queued", "error", err.Error())
	}
	return nil
}

// reportBreak e-mails every ciso about a break not reported before, and
// notes it once the e-mails are queued (a failure retries the job).
func (w *AuditVerifyWorker) reportBreak(ctx context.Context, v domain.AuditVerification) error {
	if w.Checkpoints == nil || w.notify == nil {
		return nil
	}
	fp := v.BreakFingerprint()
	known, err := w.Checkpoints.AuditBreakKnown(ctx, fp)
	if err != nil || known {
		return err
	}
	n := AuditNoticeArgs{Type: AuditNoticeBroken, Fingerprint: fp, At: time.Now().UTC(), Problems: breakProblems(v)}
	if err := w.tellCISOs(ctx, n); err != nil {
		return fmt.Errorf("jobs: queue the audit break e-mails: %w", err)
	}
	return w.Checkpoints.NoteAuditBreak(ctx, fp)
}

// breakProblems words each problem of v on one line, for the e-mail.
func breakProblems(v domain.AuditVerification) []string {
	var out []string
	if b := v.FirstBroken; b != nil {
		out = append(out, fmt.Sprintf("event %d: %s", b.Seq, b.Problem))
	}
	for _, c := range v.CheckpointsBroken {
		out = append(out, fmt.Sprintf("checkpoint seq %d (%s, key %s): %s", c.Seq, c.Source, c.KeyID, c.Problem))
	}
	for _, f := range v.FilesBroken {
		out = append(out, fmt.Sprintf("evidence file %s: %s", f.ID, f.Problem))
	}
	return out
}

// tellCISOs queues notice n for every active ciso.
func (w *AuditVerifyWorker) tellCISOs(ctx context.Context, n AuditNoticeArgs) error {
	if w.notify == nil || w.People == nil {
		return nil
	}
	active := true
	var notices []AuditNoticeArgs
	p := domain.PageRequest{Limit: domain.MaxPageSize}
	for {
		page, err := w.People.ListPeople(ctx, domain.PersonFilter{Active: &active, SecurityRole: domain.SecurityRoleCISO}, p)
		if err != nil {
			return err
		}
		for _, c := range page.Items {
			one := n
			one.PersonID, one.Name, one.Email, one.Locale = c.ID, c.Name, c.Email, c.Locale
			notices = append(notices, one)
		}
		if page.NextCursor == "" {
			break
		}
		p.Cursor = page.NextCursor
	}
	if len(notices) == 0 {
		w.Logger.WarnContext(ctx, "no active person holds the ciso security role; the audit e-mail goes to nobody", "type", n.Type)
		return nil
	}
	return w.notify(ctx, notices)
}

// Kinds of audit notice.
const (
	AuditNoticeCheckpoint = "checkpoint"
	AuditNoticeBroken     = "broken"
)

// AuditNoticeArgs asks for one e-mail to a ciso: the day's signed
// checkpoint, or a break of the chain.
type AuditNoticeArgs struct {
	Type     string        `json:"type"`
	PersonID string        `json:"person_id"`
	Name     string        `json:"name"`
	Email    string        `json:"email"`
	Locale   domain.Locale `json:"locale"`
	At       time.Time     `json:"at"`
	// Checkpoint is the signed checkpoint (Type checkpoint).
	Checkpoint *domain.AuditCheckpoint `json:"checkpoint,omitempty"`
	// Fingerprint and Problems describe the break (Type broken).
	Fingerprint string   `json:"fingerprint,omitempty"`
	Problems    []string `json:"problems,omitempty"`
}

// Kind implements river.JobArgs.
func (AuditNoticeArgs) Kind() string { return "audit_notice" }

// enqueueAuditNotices returns what queues the notices, one job each.
func enqueueAuditNotices(client *Client) func(ctx context.Context, notices []AuditNoticeArgs) error {
	return func(ctx context.Context, notices []AuditNoticeArgs) error {
		params := make([]river.InsertManyParams, len(notices))
		for i, n := range notices {
			params[i] = river.InsertManyParams{Args: n}
		}
		_, err := client.InsertMany(ctx, params)
		return err
	}
}

// AuditNoticeWorker sends one audit notice. Its Message-ID is derived from
// the checkpoint or the break and the recipient, so a retry after a crash
// is recognisable as the same message.
type AuditNoticeWorker struct {
	river.WorkerDefaults[AuditNoticeArgs]
	Settings        noticeSettings
	Mailer          Mailer
	Digest          *Digest
	MessageIDDomain string
	Location        *time.Location
	Logger          *slog.Logger
}

// Work implements river.Worker.
func (w *AuditNoticeWorker) Work(ctx context.Context, job *river.Job[AuditNoticeArgs]) error {
	a := job.Args
	settings, err := w.Settings.GetSettings(ctx)
	if err != nil {
		return err
	}
	about := a.Fingerprint
	if a.Checkpoint != nil {
		about = strconv.FormatInt(a.Checkpoint.Seq, 10) + "@" + a.Checkpoint.At.Format(time.RFC3339Nano)
	}
	msg, err := w.Digest.RenderAuditNotice(a, settings.JapaneseEraDates, w.Location,
		domain.MessageIDFor([]string{"audit", a.Type, a.PersonID, about}, w.MessageIDDomain))
	if err != nil {
		return river.JobCancel(err)
	}
	return sendNotice(ctx, w.Mailer, w.Logger, msg, "audit notice", "person", a.PersonID, "type", a.Type)
}

// RenderAuditNotice builds an audit notice in the ciso's locale (Japanese
// unless English): a checkpoint with its signed text, signature and public
// key, or the problems of a break.
func (d *Digest) RenderAuditNotice(a AuditNoticeArgs, withEra bool, loc *time.Location, messageID string) (Message, error) {
	if loc == nil {
		loc = time.UTC
	}
	l := a.Locale
	if l != domain.LocaleEn {
		l = domain.LocaleJa
	}
	at := a.At.In(loc)
	data := struct {
		AuditNoticeArgs
		Subject      string
		When         string
		PublicKeyPEM string
		Page         string
	}{AuditNoticeArgs: a, When: domain.DateOf(at, loc).FormatFor(l, withEra) + " " + at.Format("15:04"), Page: d.BaseURL + "/v1/audit-events/verify"}
	switch a.Type {
	case AuditNoticeCheckpoint:
		if a.Checkpoint == nil {
			return Message{}, errors.New("jobs: a checkpoint notice without its checkpoint")
		}
		pub, err := a.Checkpoint.PublicKeyBytes()
		if err != nil {
			return Message{}, fmt.Errorf("jobs: checkpoint notice: %w", err)
		}
		data.PublicKeyPEM = domain.PublicKeyPEM(pub)
		data.Subject = fmt.Sprintf("【vendorwatch】監査ログのチェックポイント（%d件目）", a.Checkpoint.Seq)
		if l == domain.LocaleEn {
			data.Subject = fmt.Sprintf("[vendorwatch] Audit log checkpoint (event %d)", a.Checkpoint.Seq)
		}
		return d.renderNotice("audit_checkpoint", l, a.Email, data.Subject, messageID, data)
	case AuditNoticeBroken:
		data.Subject = "【vendorwatch】重要：監査ログの改ざんを検知しました"
		if l == domain.LocaleEn {
			data.Subject = "[vendorwatch] Important: the audit log has been tampered with"
		}
		return d.renderNotice("audit_broken", l, a.Email, data.Subject, messageID, data)
	}
	return Message{}, fmt.Errorf("jobs: unknown audit notice %q", a.Type)
}

package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/vendorwatch/vendorwatch/domain"
)

// EmailChangeNoticeArgs asks for the notice of a changed e-mail address,
// sent to the old address so that its owner notices a change they did not
// make.
type EmailChangeNoticeArgs struct {
	PersonID  string        `json:"person_id"`
	Name      string        `json:"name"`
	OldEmail  string        `json:"old_email"`
	NewEmail  string        `json:"new_email"`
	Locale    domain.Locale `json:"locale"`
	ChangedBy string        `json:"changed_by"`
	ChangedAt time.Time     `json:"changed_at"`
}

// Kind implements river.JobArgs.
func (EmailChangeNoticeArgs) Kind() string { return "email_change_notice" }

// enqueueEmailChangeNotice returns the store's hook that queues the notice
// in the transaction of the change (domain.EnqueueEmailChangeNotice).
func enqueueEmailChangeNotice(client *Client) domain.EnqueueEmailChangeNotice {
	return func(ctx context.Context, tx *sql.Tx, n domain.EmailChangeNotice) error {
		args := EmailChangeNoticeArgs{PersonID: n.PersonID, Name: n.Name, OldEmail: n.OldEmail, NewEmail: n.NewEmail,
			Locale: n.Locale, ChangedBy: n.ChangedBy, ChangedAt: n.ChangedAt.UTC()}
		if _, err := client.InsertTx(ctx, tx, args, nil); err != nil {
			return fmt.Errorf("jobs: queue the e-mail change notice: %w", err)
		}
		return nil
	}
}

// noticeSettings is what the notice worker reads of the settings.
type noticeSettings interface {
	GetSettings(ctx context.Context) (*domain.Settings, error)
}

// EmailChangeNoticeWorker sends the notice to the old address. Its
// Message-ID is derived from the change, so a retry after a crash is
// recognisable as the same message.
type EmailChangeNoticeWorker struct {
	river.WorkerDefaults[EmailChangeNoticeArgs]
	Settings        noticeSettings
	Mailer          Mailer
	Digest          *Digest
	MessageIDDomain string
	Location        *time.Location
	Logger          *slog.Logger
}

// Work implements river.Worker.
func (w *EmailChangeNoticeWorker) Work(ctx context.Context, job *river.Job[EmailChangeNoticeArgs]) error {
	a := job.Args
	settings, err := w.Settings.GetSettings(ctx)
	if err != nil {
		return err
	}
	msg, err := w.Digest.RenderEmailChange(a, settings.JapaneseEraDates, w.Location,
		domain.MessageIDFor([]string{"email_change", a.PersonID, a.OldEmail, a.NewEmail, a.ChangedAt.Format(time.RFC3339Nano)}, w.MessageIDDomain))
	if err != nil {
		return err
	}
	// The old address may no longer exist: a refusal is for good.
	return sendNotice(ctx, w.Mailer, w.Logger, msg, "e-mail change notice", "person", a.PersonID)
}

// RenderEmailChange builds the notice of a changed address, addressed to
// the old one, in the person's locale; the time of the change is written in
// the body's time zone, with the era when withEra is set.
func (d *Digest) RenderEmailChange(a EmailChangeNoticeArgs, withEra bool, loc *time.Location, messageID string) (Message, error) {
	if loc == nil {
		loc = time.UTC
	}
	l := a.Locale
	if l != domain.LocaleEn {
		l = domain.LocaleJa
	}
	at := a.ChangedAt.In(loc)
	subject := "【vendorwatch】メールアドレス変更のお知らせ"
	if l == domain.LocaleEn {
		subject = "[vendorwatch] Your e-mail address was changed"
	}
	data := struct {
		EmailChangeNoticeArgs
		Subject string
		When    string
	}{a, subject, domain.DateOf(at, loc).FormatFor(l, withEra) + " " + at.Format("15:04")}
	return d.renderNotice("email_change", l, a.OldEmail, subject, messageID, data)
}

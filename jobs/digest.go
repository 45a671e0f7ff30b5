package jobs

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"

	"github.com/vendorwatch/vendorwatch/domain"
)

//go:embed templates/*
var templateFS embed.FS

// stageLabel words an item's stage from the days left on the day of sending
// (domain.DueWording), and numbers the repeats of an overdue reminder.
func stageLabel(l domain.Locale) func(it domain.DigestItem) string {
	return func(it domain.DigestItem) string {
		if it.Stage == domain.StageNotice {
			if l == domain.LocaleEn {
				return "a high-severity incident was recorded: " + domain.DueWording(l, it.DaysLeft) + " for its next step"
			}
			return "重要度の高いインシデントが発生しました。次の段階は" + domain.DueWording(l, it.DaysLeft)
		}
		w := domain.DueWording(l, it.DaysLeft)
		if it.Stage != domain.StageOverdue || it.Repeat == 0 {
			return w
		}
		if l == domain.LocaleEn {
			return fmt.Sprintf("%s, repeat %d", w, it.Repeat)
		}
		return fmt.Sprintf("%s・再通知%d回目", w, it.Repeat)
	}
}

// notes say why a recipient who is not the owner is told, and tell the
// owner of an overdue item who else is.
var notes = map[domain.Locale]map[string]string{
	domain.LocaleJa: {
		domain.EscalatedAsSupervisor: "担当者の上長としてお知らせしています。",
		domain.EscalatedAsCISO:       "最高情報セキュリティ責任者としてお知らせしています。",
		"owner-supervisor":           "期限を過ぎたため、上長にもお知らせしています。",
		"owner-ciso":                 "期限を過ぎたため、上長と最高情報セキュリティ責任者にもお知らせしています。",
		domain.StageNotice:           "重要度の高いインシデントのため、最高情報セキュリティ責任者として直ちにお知らせしています。",
	},
	domain.LocaleEn: {
		domain.EscalatedAsSupervisor: "you receive this as the responsible person's supervisor.",
		domain.EscalatedAsCISO:       "you receive this as CISO (最高情報セキュリティ責任者).",
		"owner-supervisor":           "it is overdue, so your supervisor is told as well.",
		"owner-ciso":                 "it is overdue, so your supervisor and the CISO are told as well.",
		domain.StageNotice:           "you receive this at once as CISO (最高情報セキュリティ責任者), because of the incident's severity.",
	},
}

func noteLabel(l domain.Locale) func(it domain.DigestItem) string {
	return func(it domain.DigestItem) string {
		switch {
		case it.Stage == domain.StageNotice:
			return notes[l][domain.StageNotice]
		case it.EscalatedAs != "":
			return notes[l][it.EscalatedAs]
		case it.Escalated: // rows written before escalated_as existed
			return notes[l][domain.EscalatedAsSupervisor]
		case it.Escalation.CISO:
			return notes[l]["owner-ciso"]
		case it.Escalation.Supervisor:
			return notes[l]["owner-supervisor"]
		}
		return ""
	}
}

// Digest renders reminder digests, and the other e-mails vendorwatch sends
// (the notice of a changed address), from the embedded templates.
type Digest struct {
	From string
	// BaseURL is the public URL (--public-url) that staff open in a browser:
	// each item's page path, and its API path, are written after it.
	BaseURL string
	text    map[domain.Locale]*texttemplate.Template
	html    map[domain.Locale]*htmltemplate.Template
	// notices holds the other e-mails' templates, by name and locale.
	noticeText map[string]*texttemplate.Template
	noticeHTML map[string]*htmltemplate.Template
}

// NewDigest parses the embedded templates.
func NewDigest(from, baseURL string) (*Digest, error) {
	d := &Digest{From: from, BaseURL: strings.TrimSuffix(baseURL, "/"),
		text: map[domain.Locale]*texttemplate.Template{}, html: map[domain.Locale]*htmltemplate.Template{},
		noticeText: map[string]*texttemplate.Template{}, noticeHTML: map[string]*htmltemplate.Template{}}
	for _, l := range []domain.Locale{domain.LocaleJa, domain.LocaleEn} {
		funcs := map[string]any{
			"inc":          func(i int) int { return i + 1 },
			"subjectLabel": func(t domain.SubjectType) string { return t.DisplayName(l) },
			"stageLabel":   stageLabel(l),
			"note":         noteLabel(l),
		}
		name := "templates/digest." + string(l)
		t, err := texttemplate.New("digest."+string(l)+".txt").Funcs(funcs).ParseFS(templateFS, name+".txt")
		if err != nil {
			return nil, fmt.Errorf("jobs: parse %s.txt: %w", name, err)
		}
		h, err := htmltemplate.New("digest."+string(l)+".html").Funcs(funcs).ParseFS(templateFS, name+".html")
		if err != nil {
			return nil, fmt.Errorf("jobs: parse %s.html: %w", name, err)
		}
		d.text[l], d.html[l] = t, h
		for _, notice := range []string{"email_change", "sign_in", "webhook_disabled", "audit_checkpoint", "audit_broken"} {
			name := notice + "." + string(l)
			t, err := texttemplate.ParseFS(templateFS, "templates/"+name+".txt")
			if err != nil {
				return nil, fmt.Errorf("jobs: parse %s.txt: %w", name, err)
			}
			h, err := htmltemplate.ParseFS(templateFS, "templates/"+name+".html")
			if err != nil {
				return nil, fmt.Errorf("jobs: parse %s.html: %w", name, err)
			}
			d.noticeText[name], d.noticeHTML[name] = t, h
		}
	}
	return d, nil
}

// renderNotice renders the notice template name in locale l (Japanese when
// l has none) with data, which must carry the Subject.
func (d *Digest) renderNotice(name string, l domain.Locale, to, subject, messageID string, data any) (Message, error) {
	t, ok := d.noticeText[name+"."+string(l)]
	if !ok {
		l = domain.LocaleJa
		t = d.noticeText[name+"."+string(l)]
	}
	var text, html bytes.Buffer
	if err := t.Execute(&text, data); err != nil {
		return Message{}, fmt.Errorf("jobs: render %s text: %w", name, err)
	}
	if err := d.noticeHTML[name+"."+string(l)].Execute(&html, data); err != nil {
		return Message{}, fmt.Errorf("jobs: render %s html: %w", name, err)
	}
	return Message{From: d.From, To: to, Subject: subject, Text: text.String(), HTML: html.String(), MessageID: messageID}, nil
}

// subject renders the subject line: an incident's notice to the cisos
// says so first.
func subject(l domain.Locale, items []domain.DigestItem) string {
	n := len(items)
	for _, it := range items {
		if it.Stage != domain.StageNotice {
			continue
		}
		if l == domain.LocaleEn {
			return fmt.Sprintf("[vendorwatch] High-severity incident recorded (%d item(s))", n)
		}
		return fmt.Sprintf("【vendorwatch】重要度の高いインシデントの発生（%d件）", n)
	}
	if l == domain.LocaleEn {
		return fmt.Sprintf("[vendorwatch] %d item(s) coming due", n)
	}
	return fmt.Sprintf("【vendorwatch】期限のお知らせ（%d件）", n)
}

// digestData is what the digest templates see.
type digestData struct {
	*domain.DigestMail
	BaseURL string
	Subject string
	locale  domain.Locale
}

// Date writes a date as the recipient reads it: 2027年4月1日（木）, with the
// era when the japanese_era_dates setting is on, or 1 Apr 2027 (Thu).
func (d digestData) Date(x domain.Date) string { return x.FormatFor(d.locale, d.JapaneseEraDates) }

// Render builds the message for a digest, in the recipient's locale.
func (d *Digest) Render(m *domain.DigestMail, messageID string) (Message, error) {
	l := m.Recipient.Locale
	if _, ok := d.text[l]; !ok {
		l = domain.LocaleJa
	}
	data := digestData{DigestMail: m, BaseURL: d.BaseURL, Subject: subject(l, m.Items), locale: l}
	var text, html bytes.Buffer
	if err := d.text[l].Execute(&text, data); err != nil {
		return Message{}, fmt.Errorf("jobs: render text: %w", err)
	}
	if err := d.html[l].Execute(&html, data); err != nil {
		return Message{}, fmt.Errorf("jobs: render html: %w", err)
	}
	return Message{From: d.From, To: m.Recipient.Email, Subject: data.Subject, Text: text.String(), HTML: html.String(), MessageID: messageID}, nil
}

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

// subjectLabels name each subject type in each locale.
var subjectLabels = map[domain.Locale]map[domain.SubjectType]string{
	domain.LocaleJa: {
		domain.SubjectConfirmation:        "委託先の遵守状況確認",
		domain.SubjectContractRenewal:     "契約更新の見直し",
		domain.SubjectCloudServiceReview:  "約款による外部サービスの定期見直し",
		domain.SubjectSocialAccountReview: "ソーシャルメディアアカウントの定期見直し",
		domain.SubjectCertification:       "認証の有効期限",
		domain.SubjectCorrectiveAction:    "是正措置の期限",
	},
	domain.LocaleEn: {
		domain.SubjectConfirmation:        "Security confirmation of a contractor",
		domain.SubjectContractRenewal:     "Contract renewal review",
		domain.SubjectCloudServiceReview:  "Periodic review of a service under standard terms",
		domain.SubjectSocialAccountReview: "Periodic review of a social-media account",
		domain.SubjectCertification:       "Certification expiry",
		domain.SubjectCorrectiveAction:    "Corrective action due",
	},
}

func stageLabel(l domain.Locale) func(stage string, daysLeft int) string {
	return func(stage string, daysLeft int) string {
		switch {
		case stage == domain.StageDue && l == domain.LocaleEn:
			return "due today"
		case stage == domain.StageDue:
			return "本日が期限"
		case stage == domain.StageOverdue && l == domain.LocaleEn:
			return fmt.Sprintf("overdue by %d days, escalated", -daysLeft)
		case stage == domain.StageOverdue:
			return fmt.Sprintf("期限を%d日超過、上長へ報告", -daysLeft)
		case l == domain.LocaleEn:
			return fmt.Sprintf("%d days left", daysLeft)
		}
		return fmt.Sprintf("あと%d日", daysLeft)
	}
}

// Digest renders reminder digests.
type Digest struct {
	From    string
	BaseURL string
	text    map[domain.Locale]*texttemplate.Template
	html    map[domain.Locale]*htmltemplate.Template
}

// NewDigest parses the embedded templates.
func NewDigest(from, baseURL string) (*Digest, error) {
	d := &Digest{From: from, BaseURL: strings.TrimSuffix(baseURL, "/"),
		text: map[domain.Locale]*texttemplate.Template{}, html: map[domain.Locale]*htmltemplate.Template{}}
	for _, l := range []domain.Locale{domain.LocaleJa, domain.LocaleEn} {
		funcs := map[string]any{
			"inc":          func(i int) int { return i + 1 },
			"subjectLabel": func(t domain.SubjectType) string { return subjectLabels[l][t] },
			"stageLabel":   stageLabel(l),
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
	}
	return d, nil
}

// subject renders the subject line.
func subject(l domain.Locale, n int) string {
	if l == domain.LocaleEn {
		return fmt.Sprintf("[vendorwatch] %d item(s) coming due", n)
	}
	return fmt.Sprintf("【vendorwatch】期限のお知らせ（%d件）", n)
}

// Render builds the message for a digest, in the recipient's locale.
func (d *Digest) Render(m *domain.DigestMail, messageID string) (Message, error) {
	l := m.Recipient.Locale
	if _, ok := d.text[l]; !ok {
		l = domain.LocaleJa
	}
	data := struct {
		*domain.DigestMail
		BaseURL string
		Subject string
	}{m, d.BaseURL, subject(l, len(m.Items))}
	var text, html bytes.Buffer
	if err := d.text[l].Execute(&text, data); err != nil {
		return Message{}, fmt.Errorf("jobs: render text: %w", err)
	}
	if err := d.html[l].Execute(&html, data); err != nil {
		return Message{}, fmt.Errorf("jobs: render html: %w", err)
	}
	return Message{From: d.From, To: m.Recipient.Email, Subject: data.Subject, Text: text.String(), HTML: html.String(), MessageID: messageID}, nil
}

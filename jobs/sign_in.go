package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"github.com/vendorwatch/vendorwatch/domain"
)

// SignInMailer sends the staff pages' one-time sign-in links through the
// reminders' mailer (outbox or SMTP). A link is sent at once, not through
// River: its secret must not be stored, and the person is waiting for it.
type SignInMailer struct {
	Mailer          Mailer
	Digest          *Digest
	MessageIDDomain string
}

// signInData is what the sign-in templates see.
type signInData struct {
	Name, Link, Subject string
}

// SendSignInLink implements web.SignInMailer.
func (s *SignInMailer) SendSignInLink(ctx context.Context, to *domain.Person, link string) error {
	subject := "【vendorwatch】サインイン用のリンク"
	if to.Locale == domain.LocaleEn {
		subject = "[vendorwatch] Your sign-in link"
	}
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return err
	}
	msg, err := s.Digest.renderNotice("sign_in", to.Locale, to.Email, subject, hex.EncodeToString(id)+"@"+s.MessageIDDomain,
		signInData{Name: to.Name, Link: link, Subject: subject})
	if err != nil {
		return err
	}
	return s.Mailer.Send(ctx, msg)
}

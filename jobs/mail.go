package jobs

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	mail "github.com/wneessen/go-mail"
)

// Message is one e-mail to send.
type Message struct {
	From      string
	To        string
	Subject   string
	Text      string
	HTML      string
	MessageID string // without angle brackets
}

// Mailer sends messages. A PermanentError means retrying cannot help.
type Mailer interface {
	Send(ctx context.Context, m Message) error
	// Describe says where mail goes, for the start-up log.
	Describe() string
}

// PermanentError is a failure that retrying cannot mend: a 5xx answer, or an
// address the server or the message cannot take.
type PermanentError struct{ Answer string }

// Error implements error.
func (e *PermanentError) Error() string { return "permanent mail failure: " + e.Answer }

func buildMsg(m Message) (*mail.Msg, error) {
	msg := mail.NewMsg()
	if err := msg.From(m.From); err != nil {
		return nil, &PermanentError{Answer: fmt.Sprintf("bad sender address %q: %v", m.From, err)}
	}
	if err := msg.To(m.To); err != nil {
		return nil, &PermanentError{Answer: fmt.Sprintf("bad recipient address %q: %v", m.To, err)}
	}
	msg.SetCharset(mail.CharsetUTF8)
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDate()
	msg.SetBodyString(mail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(mail.TypeTextHTML, m.HTML)
	return msg, nil
}

// SMTPMailer sends through an SMTP server with go-mail.
type SMTPMailer struct {
	host        string
	implicitTLS bool
	options     []mail.Option
	desc        string
}

// ParseSMTPURL reads smtp://user:pass@host:port?tls=none|starttls|tls. The
// TLS policy defaults to starttls (mandatory), port to 587 (465 for tls).
func ParseSMTPURL(raw string) (*SMTPMailer, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "smtp" || u.Hostname() == "" {
		return nil, errors.New("SMTP URL must look like smtp://user:pass@host:port?tls=starttls")
	}
	policy := u.Query().Get("tls")
	if policy == "" {
		policy = "starttls"
	}
	port := 587
	var opts []mail.Option
	switch policy {
	case "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
		port = 25
	case "starttls":
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	case "tls":
		// Implicit TLS: the dialer in Send wraps the connection itself.
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
		port = 465
	default:
		return nil, fmt.Errorf("unknown SMTP TLS policy %q (use none, starttls or tls)", policy)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return nil, fmt.Errorf("bad SMTP port %q", p)
		}
		port = n
	}
	opts = append(opts, mail.WithPort(port))
	if u.User != nil && u.User.Username() != "" {
		pass, _ := u.User.Password()
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(u.User.Username()), mail.WithPassword(pass))
	}
	return &SMTPMailer{host: u.Hostname(), options: opts, implicitTLS: policy == "tls",
		desc: fmt.Sprintf("SMTP %s:%d (tls=%s)", u.Hostname(), port, policy)}, nil
}

// Describe implements Mailer.
func (s *SMTPMailer) Describe() string { return s.desc }

// Send implements Mailer. 5xx answers and refused addresses are permanent;
// everything else (connection refused, 4xx) is left for River to retry.
func (s *SMTPMailer) Send(ctx context.Context, m Message) error {
	msg, err := buildMsg(m)
	if err != nil {
		return err
	}
	// go-mail does not watch the context once connected; closing the
	// network connection is what stops a send when the job is cancelled
	// (shutdown), so the dialer keeps hold of it.
	var netConn net.Conn
	dial := func(ctx context.Context, network, address string) (net.Conn, error) {
		var c net.Conn
		var err error
		if s.implicitTLS {
			c, err = (&tls.Dialer{Config: &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}}).DialContext(ctx, network, address)
		} else {
			c, err = (&net.Dialer{}).DialContext(ctx, network, address)
		}
		netConn = c
		return c, err
	}
	client, err := mail.NewClient(s.host, append(s.options, mail.WithDialContextFunc(dial))...)
	if err != nil {
		return fmt.Errorf("jobs: SMTP client: %w", err)
	}
	conn, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return notSentError{fmt.Errorf("jobs: connect to SMTP server: %w", err)}
	}
	done := make(chan error, 1)
	go func() { done <- client.SendWithSMTPClient(conn, msg) }()
	select {
	case err = <-done:
		_ = client.CloseWithSMTPClient(conn)
	case <-ctx.Done():
		if netConn != nil {
			_ = netConn.Close()
		}
		// The send may have finished just as the context ended: its own
		// answer, not the cancellation, says whether the mail went out.
		// That answer also says how far the send got (mayHaveBeenDelivered).
		if err = <-done; err == nil {
			return nil
		}
		return fmt.Errorf("jobs: send mail: %w: %w", ctx.Err(), err)
	}
	var sendErr *mail.SendError
	if errors.As(err, &sendErr) && !sendErr.IsTemp() && isSMTPAnswer(sendErr) {
		return &PermanentError{Answer: sendErr.Error()}
	}
	if err != nil {
		return fmt.Errorf("jobs: send mail: %w", err)
	}
	return nil
}

// isSMTPAnswer reports whether the server answered (as opposed to the
// connection failing), so that only a real 5xx is taken as final.
func isSMTPAnswer(e *mail.SendError) bool {
	switch e.Reason {
	case mail.ErrSMTPMailFrom, mail.ErrSMTPRcptTo, mail.ErrSMTPData, mail.ErrSMTPDataClose:
		return e.ErrorCode() >= 500
	}
	return false
}

// OutboxMailer writes each message as an .eml file, named after its
// Message-ID so that a resend overwrites the same file.
type OutboxMailer struct{ Dir string }

// Describe implements Mailer.
func (o *OutboxMailer) Describe() string { return "outbox folder " + o.Dir }

// Send implements Mailer.
func (o *OutboxMailer) Send(_ context.Context, m Message) error {
	msg, err := buildMsg(m)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.Dir, 0o750); err != nil {
		return fmt.Errorf("jobs: outbox: %w", err)
	}
	name := strings.NewReplacer("@", "_at_", "/", "_", "<", "", ">", "").Replace(m.MessageID) + ".eml"
	final := filepath.Join(o.Dir, name)
	tmp := final + ".tmp"
	if err := msg.WriteToFile(tmp); err != nil {
		return fmt.Errorf("jobs: outbox: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("jobs: outbox: %w", err)
	}
	return nil
}

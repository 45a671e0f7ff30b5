package jobs

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"
	mail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
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

// SMTPTimeouts are how long the client waits at each step of a send. The
// defaults (DefaultSMTPTimeouts) are those RFC 5321 §4.5.3.2 suggests: a
// client that gives up sooner, after the whole message has gone, makes the
// server deliver a copy that the retry then sends again.
type SMTPTimeouts struct {
	// Connect covers the TCP connection, the 220 greeting, EHLO, STARTTLS and
	// AUTH: go-mail sets one deadline for all of them. RFC: 5 minutes for
	// the greeting.
	Connect time.Duration
	// Mail is the wait for the reply to MAIL FROM. RFC: 5 minutes.
	Mail time.Duration
	// Rcpt is the wait for the reply to each RCPT TO. RFC: 5 minutes.
	Rcpt time.Duration
	// DataInit is the wait for the 354 reply to DATA. RFC: 2 minutes.
	DataInit time.Duration
	// DataBlock is how long writing the message may take. RFC: 3 minutes for
	// each TCP send; a digest is small, so one deadline covers all of it.
	DataBlock time.Duration
	// DataEnd is the wait for the reply to the final ".", while the server
	// takes the message in. RFC: 10 minutes.
	DataEnd time.Duration
}

// DefaultSMTPTimeouts are RFC 5321's suggestions.
var DefaultSMTPTimeouts = SMTPTimeouts{
	Connect: 5 * time.Minute, Mail: 5 * time.Minute, Rcpt: 5 * time.Minute,
	DataInit: 2 * time.Minute, DataBlock: 3 * time.Minute, DataEnd: 10 * time.Minute,
}

// smtpQuitTimeout is the wait for the reply to QUIT, which no send waits
// for now (connections are kept, or closed in the background); its share
// of Total is the RSET that checks a kept connection (smtpResetTimeout).
const smtpQuitTimeout = 10 * time.Second

// orDefault fills each zero timeout from DefaultSMTPTimeouts.
func (t SMTPTimeouts) orDefault() SMTPTimeouts {
	d := DefaultSMTPTimeouts
	return SMTPTimeouts{
		Connect: cmp.Or(t.Connect, d.Connect), Mail: cmp.Or(t.Mail, d.Mail), Rcpt: cmp.Or(t.Rcpt, d.Rcpt),
		DataInit: cmp.Or(t.DataInit, d.DataInit), DataBlock: cmp.Or(t.DataBlock, d.DataBlock), DataEnd: cmp.Or(t.DataEnd, d.DataEnd),
	}
}

// Total is the longest a send of one message to one recipient may take,
// every step waited for to its end: what a job that sends must allow.
func (t SMTPTimeouts) Total() time.Duration {
	t = t.orDefault()
	return t.Connect + t.Mail + t.Rcpt + t.DataInit + t.DataBlock + t.DataEnd + smtpQuitTimeout
}

// SMTPMailer sends through an SMTP server with go-mail. It keeps the
// connections of finished sends open for the next ones (up to
// MaxIdleConns, each for IdleTimeout), so that a burst of digests does not
// dial, greet, STARTTLS and AUTH once per message; it is safe for
// concurrent use.
type SMTPMailer struct {
	// Timeouts are the waits of each step; zero fields take the defaults.
	Timeouts SMTPTimeouts
	// MaxIdleConns is how many open connections are kept between sends:
	// DefaultSMTPMaxIdleConns when zero; a negative number keeps none (a
	// connection per message, closed with QUIT).
	MaxIdleConns int
	// IdleTimeout is how long an unused connection stays open;
	// DefaultSMTPIdleTimeout when zero.
	IdleTimeout time.Duration
	host        string
	implicitTLS bool
	options     []mail.Option
	desc        string
	poolOnce    sync.Once
	conns       *smtpPool
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
	return &SMTPMailer{Timeouts: DefaultSMTPTimeouts, host: u.Hostname(), options: opts, implicitTLS: policy == "tls",
		desc: fmt.Sprintf("SMTP %s:%d (tls=%s)", u.Hostname(), port, policy)}, nil
}

// Describe implements Mailer.
func (s *SMTPMailer) Describe() string { return s.desc }

// MaxSendDuration is the longest one Send may take (the sum of its
// timeouts), so that the job that sends can be given longer.
func (s *SMTPMailer) MaxSendDuration() time.Duration { return s.Timeouts.Total() }

// pool returns the connection pool, made on first use.
func (s *SMTPMailer) pool() *smtpPool {
	s.poolOnce.Do(func() {
		s.conns = &smtpPool{max: cmp.Or(s.MaxIdleConns, DefaultSMTPMaxIdleConns), idleFor: cmp.Or(s.IdleTimeout, DefaultSMTPIdleTimeout)}
	})
	return s.conns
}

// Close closes the connections kept open, with a QUIT each; later sends
// close theirs when done.
func (s *SMTPMailer) Close() error {
	s.pool().close()
	return nil
}

// Send implements Mailer. 5xx answers and refused addresses are permanent;
// everything else (connection refused, 4xx, a timeout) is left for River to
// retry. It sends on a kept connection when there is one that answers RSET,
// and dials otherwise: a connection that the server closed between sends
// is replaced before any of the message goes.
func (s *SMTPMailer) Send(ctx context.Context, m Message) error {
	msg, err := buildMsg(m)
	if err != nil {
		return err
	}
	timeouts := s.Timeouts.orDefault()
	c, err := s.connection(ctx, timeouts)
	if err != nil {
		return err
	}
	// go-mail does not watch the context once connected; closing the
	// network connection is what stops a send when the job is cancelled
	// (shutdown).
	done := make(chan error, 1)
	go func() { done <- transact(c.client, msg, timeouts) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = c.conn.Close()
		// The send may have finished just as the context ended: its own
		// answer, not the cancellation, says whether the mail went out.
		// That answer also says how far the send got (mayHaveBeenDelivered).
		if err = <-done; err == nil {
			return nil
		}
		return fmt.Errorf("jobs: send mail: %w: %w", ctx.Err(), err)
	}
	if err != nil {
		// Whatever the server's state, the connection is not reused.
		_ = c.client.Close()
	} else {
		c.sent++
		if s.MaxIdleConns < 0 {
			go quit(c)
		} else {
			s.pool().put(c)
		}
	}
	var answer *smtpAnswerError
	if errors.As(err, &answer) && answer.reply.Code >= 500 {
		return &PermanentError{Answer: answer.Error()}
	}
	if err != nil {
		return fmt.Errorf("jobs: send mail: %w", err)
	}
	return nil
}

// connection returns a kept connection that answers RSET, or a new one. A
// kept one that fails the RSET is closed with every other kept one (they
// are older), and a new one dialled: nothing of the message was sent on
// it. Failures are notSentErrors.
func (s *SMTPMailer) connection(ctx context.Context, t SMTPTimeouts) (*smtpConn, error) {
	if s.MaxIdleConns >= 0 {
		if c := s.pool().get(); c != nil {
			err := watch(ctx, c.conn, func() error {
				if err := c.client.UpdateDeadline(smtpResetTimeout); err != nil {
					return err
				}
				return c.client.Reset()
			})
			if err == nil {
				return c, nil
			}
			_ = c.client.Close()
			s.pool().flush()
			if ctx.Err() != nil {
				return nil, notSentError{fmt.Errorf("jobs: reset SMTP connection: %w: %w", ctx.Err(), err)}
			}
		}
	}
	return s.dial(ctx, t)
}

// dial opens, greets (EHLO, STARTTLS, AUTH) a new connection.
func (s *SMTPMailer) dial(ctx context.Context, t SMTPTimeouts) (*smtpConn, error) {
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
	opts := append(slices.Clone(s.options), mail.WithDialContextFunc(dial), mail.WithTimeout(t.Connect))
	client, err := mail.NewClient(s.host, opts...)
	if err != nil {
		return nil, fmt.Errorf("jobs: SMTP client: %w", err)
	}
	conn, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		if netConn != nil {
			_ = netConn.Close() // a greeting, EHLO or AUTH that failed
		}
		return nil, notSentError{fmt.Errorf("jobs: connect to SMTP server: %w", err)}
	}
	return &smtpConn{client: conn, conn: netConn}, nil
}

// watch runs f, closing conn if ctx ends first (go-mail does not watch the
// context once connected), and returns f's error.
func watch(ctx context.Context, conn net.Conn, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		_ = conn.Close()
		return <-done
	}
}

// transact runs one mail transaction on a connected client, each step with
// its own deadline (go-mail's own send gives them all one).
func transact(c *smtp.Client, msg *mail.Msg, t SMTPTimeouts) error {
	from, err := msg.GetSender(false)
	if err != nil {
		return &PermanentError{Answer: fmt.Sprintf("no sender: %v", err)}
	}
	rcpts, err := msg.GetRecipients()
	if err != nil {
		return &PermanentError{Answer: fmt.Sprintf("no recipients: %v", err)}
	}
	step := func(name string, timeout time.Duration, do func() error) error {
		if err := c.UpdateDeadline(timeout); err != nil {
			return err
		}
		if err := do(); err != nil {
			return answerOf(name, err)
		}
		return nil
	}
	if err := step("MAIL FROM", t.Mail, func() error { return c.Mail(from) }); err != nil {
		return err
	}
	for _, rcpt := range rcpts {
		if err := step("RCPT TO", t.Rcpt, func() error { return c.Rcpt(rcpt) }); err != nil {
			return err
		}
	}
	var w io.WriteCloser
	if err := step("DATA", t.DataInit, func() (err error) { w, err = c.Data(); return err }); err != nil {
		return err
	}
	if err := step("the message", t.DataBlock, func() error { _, err := msg.WriteTo(w); return err }); err != nil {
		return err
	}
	// Accepted: the connection goes back to the pool, or is closed with a
	// QUIT that the send does not wait for.
	return step("the final \".\"", t.DataEnd, w.Close)
}

// smtpAnswerError is an answer of the server that refused a step.
type smtpAnswerError struct {
	step  string
	reply *textproto.Error
}

// Error implements error: the step and the server's answer.
func (e *smtpAnswerError) Error() string {
	return fmt.Sprintf("answer to %s: %s", e.step, e.reply.Error())
}

// answerOf names the step of err, keeping the server's answer apart from a
// failed connection, so that only a real 5xx is taken as final.
func answerOf(step string, err error) error {
	var reply *textproto.Error
	if errors.As(err, &reply) {
		return &smtpAnswerError{step: step, reply: reply}
	}
	return fmt.Errorf("%s: %w", step, err)
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

// sendNotice sends a single notice (not a reminder digest, which keeps its
// ledger): a permanent refusal cancels the job, since no retry can mend it,
// and is logged as what with attrs; any other error lets River retry.
func sendNotice(ctx context.Context, m Mailer, log *slog.Logger, msg Message, what string, attrs ...any) error {
	err := m.Send(ctx, msg)
	var perm *PermanentError
	if errors.As(err, &perm) {
		log.WarnContext(ctx, what+" refused for good", append(attrs, "answer", perm.Answer)...)
		return river.JobCancel(err)
	}
	return err
}

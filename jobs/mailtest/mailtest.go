// Package mailtest runs a real SMTP server on loopback for tests: it speaks
// SMTP with go-smtp, keeps every message it accepts, and can be taken down,
// brought up again, told to refuse recipients, told to hold messages, or told
// to be slow to accept them.
package mailtest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one message the server accepted.
type Message struct {
	From      string
	To        []string
	MessageID string
	Subject   string
	// Text is the decoded plain-text part ("" when there is none).
	Text string
	Raw  []byte
}

// Server is an SMTP server listening on 127.0.0.1.
type Server struct {
	t    testing.TB
	Addr string

	mu        sync.Mutex
	srv       *smtp.Server
	messages  []Message
	rejectRcp *smtp.SMTPError
	hold      chan struct{}
	holding   int
	dataDelay time.Duration
	replying  int
}

// Start starts a server on a free loopback port; it stops with the test.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	s.Addr = ln.Addr().String()
	s.serve(ln)
	t.Cleanup(func() { s.Down() })
	return s
}

func (s *Server) serve(ln net.Listener) {
	srv := smtp.NewServer(backend{s})
	srv.Domain = "mailtest.localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// Down stops listening and drops open connections: the server is gone.
func (s *Server) Down() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// Up listens again on the same address.
func (s *Server) Up() {
	s.t.Helper()
	var ln net.Listener
	var err error
	deadline := time.Now().Add(5 * time.Second)
	for {
		ln, err = net.Listen("tcp", s.Addr)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond) // the old socket may linger a moment
	}
	if err != nil {
		s.t.Fatalf("mailtest: listen again on %s: %v", s.Addr, err)
	}
	s.serve(ln)
}

// RejectRecipients makes RCPT TO answer with code and text; code 0 accepts again.
func (s *Server) RejectRecipients(code int, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == 0 {
		s.rejectRcp = nil
		return
	}
	s.rejectRcp = &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 1, 1}, Message: text}
}

// Hold makes RCPT TO wait until Release, before any of the message is sent,
// so a client that gives up meanwhile leaves nothing behind.
func (s *Server) Hold() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold = make(chan struct{})
}

// Release lets held and later messages through.
func (s *Server) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hold != nil {
		close(s.hold)
		s.hold = nil
	}
}

// Holding returns how many RCPT TO commands are waiting.
func (s *Server) Holding() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.holding
}

// DelayDataReply makes the server wait d after the final "." of each
// message before it answers 250, as a server does that takes a message in
// slowly. The message counts as accepted when the answer is given, whether
// or not the client is still waiting for it, so a client that gave up
// meanwhile and sends again leaves two copies. Zero answers at once again.
func (s *Server) DelayDataReply(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dataDelay = d
}

// Replying returns how many messages have arrived whole and wait for their
// delayed answer.
func (s *Server) Replying() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.replying
}

// Messages returns a copy of what arrived, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

type backend struct{ s *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s    *Server
	from string
	to   []string
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.s.mu.Lock()
	reject := x.s.rejectRcp
	x.s.mu.Unlock()
	if reject != nil {
		return reject
	}
	x.s.mu.Lock()
	hold := x.s.hold
	if hold != nil {
		x.s.holding++
	}
	x.s.mu.Unlock()
	if hold != nil {
		<-hold
		x.s.mu.Lock()
		x.s.holding--
		x.s.mu.Unlock()
	}
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Message{From: x.from, To: append([]string(nil), x.to...), Raw: raw}
	if parsed, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
		m.MessageID = parsed.Header.Get("Message-ID")
		dec := new(mime.WordDecoder)
		if subj, err := dec.DecodeHeader(parsed.Header.Get("Subject")); err == nil {
			m.Subject = subj
		}
		m.Text = plainText(parsed.Header.Get("Content-Type"), parsed.Header.Get("Content-Transfer-Encoding"), parsed.Body)
	} else {
		return errors.New("mailtest: unparseable message")
	}
	x.s.mu.Lock()
	delay := x.s.dataDelay
	if delay > 0 {
		x.s.replying++
	}
	x.s.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay) // the slow server under test, not synchronisation
	}
	x.s.mu.Lock()
	if delay > 0 {
		x.s.replying--
	}
	x.s.messages = append(x.s.messages, m)
	x.s.mu.Unlock()
	return nil
}

// plainText returns the decoded text/plain part of a body, looking inside
// multipart bodies.
func plainText(contentType, encoding string, body io.Reader) string {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if err != nil {
				return ""
			}
			if t := plainText(part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"), part); t != "" {
				return t
			}
		}
	}
	if mt != "text/plain" {
		return ""
	}
	var r io.Reader = body
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return ""
	}
	return string(b)
}

// Package mailtest runs a real SMTP server on loopback for tests: it speaks
// SMTP with go-smtp, keeps every message it accepts, and can be taken down,
// brought up again (while down, connections are refused), told to refuse
// recipients, to hold messages, to answer the final "." of DATA late, or to
// drop the connection after receiving a message, or to be slow to answer
// every message (DelayEveryDataReply). It counts the connections it took
// (Connections) and can close the open ones while it keeps listening
// (DropConnections), as a server that restarts or times idle clients out.
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
	// HTML is the decoded HTML part ("" when there is none).
	HTML string
	Raw  []byte
	// Received is when the whole message had arrived.
	Received time.Time
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
	// replyDelay and delayLeft: the next delayLeft messages are answered
	// replyDelay after their final ".".
	replyDelay time.Duration
	delayLeft  int
	// dropLeft: the next dropLeft messages are kept, and their connection
	// closed without an answer.
	dropLeft int
	// closed ends delayed answers when the test ends.
	closed chan struct{}
	// dataDelay: every message is answered this late, unless delayLeft
	// says otherwise; replying counts the messages waiting for a delayed
	// answer.
	dataDelay time.Duration
	replying  int
	// open are the connections open now; accepted counts every one taken.
	open     map[*smtp.Conn]bool
	accepted int
}

// Start starts a server on a free loopback port; it stops with the test.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, closed: make(chan struct{}), open: map[*smtp.Conn]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	s.Addr = ln.Addr().String()
	s.serve(ln)
	t.Cleanup(func() {
		close(s.closed)
		s.Down()
	})
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

// DelayDataReply makes the server answer the final "." of the next n
// messages d late. Each message is kept as soon as it has arrived, as a
// real server that has queued it would deliver it, whether or not the
// client is still there for the answer.
func (s *Server) DelayDataReply(d time.Duration, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replyDelay, s.delayLeft = d, n
}

// DropAfterData makes the server keep each of the next n messages and then
// close the connection without answering its final ".": the client cannot
// know that the message arrived.
func (s *Server) DropAfterData(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropLeft = n
}

// Copies counts the messages that arrived per Message-ID (angle brackets
// included, as in the header).
func (s *Server) Copies() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for _, m := range s.messages {
		out[m.MessageID]++
	}
	return out
}

// DelayEveryDataReply makes the server wait d after the final "." of every
// message before it answers, as a server does that takes mail in slowly;
// zero answers at once again. Each message is kept as soon as it arrives.
func (s *Server) DelayEveryDataReply(d time.Duration) {
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

// Connections returns how many connections the server has taken.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

// OpenConnections returns how many connections are open now.
func (s *Server) OpenConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.open)
}

// DropConnections closes every open connection without a word, whatever
// it is doing, and keeps listening: clients find out at their next command.
func (s *Server) DropConnections() {
	s.mu.Lock()
	open := make([]*smtp.Conn, 0, len(s.open))
	for c := range s.open {
		open = append(open, c)
	}
	s.mu.Unlock()
	for _, c := range open {
		_ = c.Conn().Close()
	}
}

// Messages returns a copy of what arrived, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	b.s.mu.Lock()
	b.s.open[c] = true
	b.s.accepted++
	b.s.mu.Unlock()
	return &session{s: b.s, conn: c}, nil
}

type session struct {
	s    *Server
	conn *smtp.Conn
	from string
	to   []string
}

func (x *session) Reset() { x.from, x.to = "", nil }
func (x *session) Logout() error {
	x.s.mu.Lock()
	delete(x.s.open, x.conn)
	x.s.mu.Unlock()
	return nil
}

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
	m := Message{From: x.from, To: append([]string(nil), x.to...), Raw: raw, Received: time.Now()}
	if parsed, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
		m.MessageID = parsed.Header.Get("Message-ID")
		dec := new(mime.WordDecoder)
		if subj, err := dec.DecodeHeader(parsed.Header.Get("Subject")); err == nil {
			m.Subject = subj
		}
		m.Text, m.HTML = decodedParts(parsed.Header.Get("Content-Type"), parsed.Header.Get("Content-Transfer-Encoding"), parsed.Body)
	} else {
		return errors.New("mailtest: unparseable message")
	}
	x.s.mu.Lock()
	x.s.messages = append(x.s.messages, m)
	delay := x.s.dataDelay
	if x.s.delayLeft > 0 {
		x.s.delayLeft--
		delay = x.s.replyDelay
	}
	drop := x.s.dropLeft > 0
	if drop {
		x.s.dropLeft--
	}
	if delay > 0 && !drop {
		x.s.replying++
	}
	x.s.mu.Unlock()
	if drop {
		_ = x.conn.Conn().Close()
		return errors.New("mailtest: connection dropped")
	}
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-x.s.closed:
		}
		x.s.mu.Lock()
		x.s.replying--
		x.s.mu.Unlock()
	}
	return nil
}

// decodedParts returns the decoded text/plain and text/html parts of a
// body (the first of each), looking inside multipart bodies.
func decodedParts(contentType, encoding string, body io.Reader) (text, html string) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", ""
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for text == "" || html == "" {
			part, err := mr.NextRawPart()
			if err != nil {
				break
			}
			t, h := decodedParts(part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"), part)
			if text == "" {
				text = t
			}
			if html == "" {
				html = h
			}
		}
		return text, html
	}
	switch mt {
	case "text/plain":
		return decoded(encoding, body), ""
	case "text/html":
		return "", decoded(encoding, body)
	}
	return "", ""
}

// decoded undoes a part's Content-Transfer-Encoding.
func decoded(encoding string, body io.Reader) string {
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

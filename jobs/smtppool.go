package jobs

import (
	"net"
	"sync"
	"time"

	"github.com/wneessen/go-mail/smtp"
)

// Defaults of the SMTP connection pool (SMTPMailer.MaxIdleConns,
// IdleTimeout), and how many messages one connection carries.
const (
	// DefaultSMTPMaxIdleConns is how many open connections are kept for the
	// next sends: as many as the default workers on PostgreSQL, so that a
	// burst of digests dials once per worker.
	DefaultSMTPMaxIdleConns = 32
	// DefaultSMTPIdleTimeout is how long an unused connection stays open:
	// long enough to carry a burst of digests, short enough that servers
	// (Postfix drops a silent client after 300 s, many relays sooner) and
	// firewalls rarely close it first.
	DefaultSMTPIdleTimeout = 5 * time.Second
	// smtpMaxMessagesPerConn is how many messages a connection carries
	// before it is closed, below the per-connection limits of common
	// servers (Exchange's send connectors: 20 by default, relays often 100),
	// so that a long burst does not meet their refusal.
	smtpMaxMessagesPerConn = 20
	// smtpResetTimeout is the wait for the answer to RSET on a reused
	// connection; one that does not answer in time is replaced. It takes
	// the QUIT's place in SMTPTimeouts.Total: a send ends with no QUIT now
	// (the connection goes back to the pool), so the bound still holds.
	smtpResetTimeout = smtpQuitTimeout
)

// smtpConn is one open connection to the SMTP server.
type smtpConn struct {
	client *smtp.Client
	// conn is the network connection under client: closing it stops a
	// send that is waiting (a cancelled job).
	conn net.Conn
	// sent counts the messages the server accepted on it.
	sent int
	// since is when it was put back unused.
	since time.Time
}

// smtpPool keeps open connections between sends, most recently used last.
// Connections are taken out while a send uses them, so each carries one
// send at a time; it is safe for concurrent use.
type smtpPool struct {
	max     int
	idleFor time.Duration

	mu     sync.Mutex
	idle   []*smtpConn
	sweep  *time.Timer
	closed bool
}

// get takes the most recently used connection that has not been idle too
// long, closing the ones that have; nil when there is none.
func (p *smtpPool) get() *smtpConn {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.idle) > 0 {
		c := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if time.Since(c.since) < p.idleFor {
			return c
		}
		go quit(c)
	}
	return nil
}

// put gives back a connection whose last send succeeded. One that has
// carried its share of messages, or that finds the pool full or closed, is
// closed instead, with a QUIT that the send does not wait for.
func (p *smtpPool) put(c *smtpConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.idle) >= p.max || c.sent >= smtpMaxMessagesPerConn {
		go quit(c)
		return
	}
	c.since = time.Now()
	p.idle = append(p.idle, c)
	if p.sweep == nil {
		p.sweep = time.AfterFunc(p.idleFor, p.closeIdle)
	}
}

// flush closes every idle connection: one of them was found dead, and the
// others, older, are likely dead too.
func (p *smtpPool) flush() {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, c := range idle {
		_ = c.client.Close()
	}
}

// closeIdle closes the connections idle for IdleTimeout, and looks again
// when the oldest remaining one will be.
func (p *smtpPool) closeIdle() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sweep = nil
	now := time.Now()
	keep := p.idle[:0]
	for _, c := range p.idle {
		if now.Sub(c.since) >= p.idleFor {
			go quit(c)
			continue
		}
		keep = append(keep, c)
	}
	clear(p.idle[len(keep):])
	p.idle = keep
	if len(p.idle) > 0 && !p.closed {
		p.sweep = time.AfterFunc(p.idleFor-now.Sub(p.idle[0].since), p.closeIdle)
	}
}

// close closes the idle connections and keeps no more.
func (p *smtpPool) close() {
	p.mu.Lock()
	p.closed = true
	idle := p.idle
	p.idle = nil
	if p.sweep != nil {
		p.sweep.Stop()
		p.sweep = nil
	}
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range idle {
		wg.Go(func() { quit(c) })
	}
	wg.Wait()
}

// quit says goodbye to the server and closes the connection.
func quit(c *smtpConn) {
	_ = c.client.UpdateDeadline(smtpQuitTimeout)
	if err := c.client.Quit(); err != nil {
		_ = c.client.Close()
	}
}

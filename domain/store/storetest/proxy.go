package storetest

import (
	"net"
	"net/url"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// Proxy is a TCP proxy between the service and PostgreSQL that a test
// controls, to make the database unreachable (Cut), hung (Hang) and back
// (Restore) without touching the shared server.
type Proxy struct {
	addr   string
	target string

	mu     sync.Mutex
	cond   *sync.Cond
	ln     net.Listener // nil while cut
	hung   bool
	closed bool
	conns  map[net.Conn]struct{}
}

// NewProxy starts a proxy on loopback to the host and port of pgURL,
// stopped when the test ends.
func NewProxy(t testing.TB, pgURL string) *Proxy {
	t.Helper()
	u, err := url.Parse(pgURL)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &Proxy{addr: ln.Addr().String(), target: u.Host, conns: map[net.Conn]struct{}{}}
	p.cond = sync.NewCond(&p.mu)
	p.serve(ln)
	t.Cleanup(p.close)
	return p
}

// URL is pgURL with its host and port replaced by the proxy's.
func (p *Proxy) URL(pgURL string) string {
	u, err := url.Parse(pgURL)
	if err != nil {
		panic(err)
	}
	u.Host = p.addr
	return u.String()
}

// Cut makes the database unreachable: every open connection is closed and
// new ones are refused, as when the server or the network is down.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		_ = c.Close()
	}
	p.conns = map[net.Conn]struct{}{}
	p.cond.Broadcast()
}

// Hang makes the database hang: connections, open and new, stay open, but
// nothing is forwarded either way until Restore.
func (p *Proxy) Hang() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hung = true
}

// Restore forwards again: a cut proxy listens again on the same address,
// and a hung one passes on what it held back.
func (p *Proxy) Restore() {
	p.mu.Lock()
	p.hung = false
	p.cond.Broadcast()
	cut := p.ln == nil && !p.closed
	p.mu.Unlock()
	if cut {
		ln, err := net.Listen("tcp", p.addr)
		if err != nil {
			panic("storetest: proxy cannot listen again on " + p.addr + ": " + err.Error())
		}
		p.serve(ln)
	}
}

func (p *Proxy) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.Cut()
}

func (p *Proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.forward(c)
		}
	}()
}

// forward connects c to the target and copies both ways.
func (p *Proxy) forward(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = c.Close()
		return
	}
	p.mu.Lock()
	if p.ln == nil {
		p.mu.Unlock()
		_, _ = c.Close(), up.Close()
		return
	}
	p.conns[c], p.conns[up] = struct{}{}, struct{}{}
	p.mu.Unlock()
	go p.pipe(up, c)
	go p.pipe(c, up)
}

// pipe copies src to dst, holding each chunk back while the proxy hangs.
func (p *Proxy) pipe(dst, src net.Conn) {
	defer func() { _, _ = dst.Close(), src.Close() }()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.waitForwarding(src) {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return // one side closed: close the other too
		}
	}
}

// waitForwarding waits while the proxy hangs; false when c was closed
// meanwhile (a cut).
func (p *Proxy) waitForwarding(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.hung {
		if _, open := p.conns[c]; !open {
			return false
		}
		p.cond.Wait()
	}
	_, open := p.conns[c]
	return open
}

package http

import (
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"time"
)

// connLimit is a listener that holds at most max connections open. At the
// cap, a new connection closes the connection idle longest (one waiting
// for its next request, or that has sent nothing yet) to take its place;
// when every connection is busy with a request, the new one is closed at
// once.
//
// golang.org/x/net/netutil.LimitListener caps connections too, but by not
// accepting: once idle connections fill it, health checks wait with
// everyone else. Evicting idle connections keeps the server answering new
// clients (and its health checks) while requests in flight are bounded by
// Options.MaxInFlight.
type connLimit struct {
	net.Listener
	max     int
	metrics *metrics

	mu    sync.Mutex
	conns map[*limitedConn]connInfo
}

// connInfo is what the server last said of a connection (http.Server's
// ConnState) and since when.
type connInfo struct {
	state http.ConnState
	since time.Time
}

func newConnLimit(ln net.Listener, max int, m *metrics) *connLimit {
	return &connLimit{Listener: ln, max: max, metrics: m, conns: map[*limitedConn]connInfo{}}
}

// Accept waits for a connection and makes room for it.
func (l *connLimit) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		lc := &limitedConn{Conn: c, l: l}
		l.mu.Lock()
		var victim *limitedConn
		if len(l.conns) >= l.max {
			victim = l.idlest()
			if victim == nil {
				l.mu.Unlock()
				c.Close()
				l.metrics.shed.WithLabelValues("connections").Inc()
				continue
			}
			delete(l.conns, victim)
		}
		l.conns[lc] = connInfo{http.StateNew, time.Now()}
		l.mu.Unlock()
		if victim != nil {
			victim.Close()
			l.metrics.shed.WithLabelValues("idle_connection").Inc()
		}
		return lc, nil
	}
}

// idlest returns the connection idle longest, or nil when none is idle.
// It runs only at the cap, over at most max connections.
func (l *connLimit) idlest() *limitedConn {
	var best *limitedConn
	var at time.Time
	for c, in := range l.conns {
		if (in.state == http.StateIdle || in.state == http.StateNew) && (best == nil || in.since.Before(at)) {
			best, at = c, in.since
		}
	}
	return best
}

// track is the http.Server's ConnState hook.
func (l *connLimit) track(c net.Conn, state http.ConnState) {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	lc, ok := c.(*limitedConn)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch state {
	case http.StateClosed, http.StateHijacked:
		delete(l.conns, lc)
	default:
		if _, ok := l.conns[lc]; ok {
			l.conns[lc] = connInfo{state, time.Now()}
		}
	}
}

// limitedConn is a connection that leaves its connLimit when closed.
type limitedConn struct {
	net.Conn
	l    *connLimit
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c)
		c.l.mu.Unlock()
	})
	return err
}

package webhook

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// maxURLLen bounds a webhook URL.
const maxURLLen = 2048

// CheckURL checks a webhook URL: absolute http(s) with a host and no user
// name or password (the signing secret authenticates deliveries). Plain
// http is allowed only to a loopback host (local receivers and tests) or
// when insecure is true.
func CheckURL(raw string, insecure bool) (*url.URL, error) {
	if len(raw) > maxURLLen {
		return nil, fmt.Errorf("the URL is longer than %d bytes", maxURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("the URL does not parse: %w", errors.Unwrap(err))
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("the URL must start with https:// (not %q)", u.Scheme+":")
	}
	if u.Hostname() == "" {
		return nil, errors.New("the URL has no host")
	}
	if u.User != nil {
		return nil, errors.New("the URL holds a user name or password; deliveries are authenticated by their signature instead")
	}
	if u.Scheme == "http" && !insecure && !IsLoopback(u.Hostname()) {
		return nil, fmt.Errorf("the URL must be https:// (plain http is allowed only to a loopback host, or with --insecure)")
	}
	return u, nil
}

// IsLoopback reports whether host is "localhost" or a loopback IP address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Origin is what logs and audit records show of a URL: its scheme, host and
// port, never its path or query, which may hold a token.
func Origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(unparsable URL)"
	}
	return u.Scheme + "://" + u.Host
}

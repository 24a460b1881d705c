package webhook_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vigil-screening/vigil/webhook"
)

func TestSignAndVerify(t *testing.T) {
	now := time.Unix(1_780_000_000, 0)
	body := []byte(`{"id":1,"type":"alert.opened","time":"2026-05-28T20:26:40Z","data":{}}`)
	a, b := []byte(secretA), []byte("another-secret-another-secret-another")
	h := webhook.Sign(now, body, a, b)
	if !strings.HasPrefix(h, "t=1780000000,v1=") || strings.Count(h, ",v1=") != 2 {
		t.Fatalf("header %q", h)
	}
	if !verifyIndependently(h, body, a, now) || !verifyIndependently(h, body, b, now) {
		t.Errorf("the independent verifier rejects %q", h)
	}
	// A known answer: HMAC-SHA256("key", "1.{}") computed elsewhere
	// (Python: hmac.new(b"key", b"1.{}", hashlib.sha256).hexdigest()).
	if got := webhook.Sign(time.Unix(1, 0), []byte("{}"), []byte("key")); got != "t=1,v1=1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224" {
		t.Errorf("known answer: %s", got)
	}
	for _, c := range []struct {
		name   string
		header string
		body   []byte
		secret []byte
		now    time.Time
		want   error
	}{
		{"good", h, body, a, now, nil},
		{"second secret", h, body, b, now, nil},
		{"within tolerance", h, body, a, now.Add(4 * time.Minute), nil},
		{"too old", h, body, a, now.Add(6 * time.Minute), webhook.ErrTooOld},
		{"from the future", h, body, a, now.Add(-6 * time.Minute), webhook.ErrTooOld},
		{"body changed", h, append([]byte(nil), append(body, ' ')...), a, now, webhook.ErrMismatch},
		{"wrong secret", h, body, []byte("not-the-secret-not-the-secret-not"), now, webhook.ErrMismatch},
		{"timestamp changed", strings.Replace(h, "t=1780000000", "t=1780000001", 1), body, a, now, webhook.ErrMismatch},
		{"no header", "", body, a, now, webhook.ErrBadSignature},
		{"no v1", "t=1780000000", body, a, now, webhook.ErrBadSignature},
		{"short v1", "t=1780000000,v1=abcd", body, a, now, webhook.ErrBadSignature},
	} {
		err := webhook.Verify(c.header, c.body, c.secret, c.now, 5*time.Minute)
		if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("%s: Verify = %v, want %v", c.name, err, c.want)
		}
	}
}

func TestParseSignature(t *testing.T) {
	v := strings.Repeat("ab", 32)
	good := []string{"t=1,v1=" + v, " t=1 , v1=" + v + ",v2=zz", "v1=" + v + ",t=0,v1=" + v}
	for _, h := range good {
		if _, err := webhook.ParseSignature(h); err != nil {
			t.Errorf("%q: %v", h, err)
		}
	}
	bad := []string{"", "t=1", "v1=" + v, "t=1,t=2,v1=" + v, "t=-1,v1=" + v, "t=+1,v1=" + v, "t=x,v1=" + v,
		"t=1,v1=" + v + "0", "t=1,v1=zz" + v[2:], "t=1,v1", "t=1," + strings.Repeat("v1="+v+",", 100)}
	for _, h := range bad {
		if _, err := webhook.ParseSignature(h); !errors.Is(err, webhook.ErrBadSignature) {
			t.Errorf("%q: %v, want ErrBadSignature", h, err)
		}
	}
}

// FuzzParseSignature: the parser never panics, and whatever it accepts
// signs again to the same header.
func FuzzParseSignature(f *testing.F) {
	f.Add("t=1780000000,v1=" + strings.Repeat("0f", 32))
	f.Add("t=1,v1=" + strings.Repeat("ab", 32) + ",v1=" + strings.Repeat("cd", 32) + ",v0=x")
	f.Add("t=,v1=")
	f.Fuzz(func(t *testing.T, h string) {
		sig, err := webhook.ParseSignature(h)
		if err != nil {
			return
		}
		if len(sig.V1) == 0 || sig.T < 0 {
			t.Fatalf("%q parsed to %+v", h, sig)
		}
		for _, v := range sig.V1 {
			if len(v) != 32 {
				t.Fatalf("%q: a v1 of %d bytes", h, len(v))
			}
		}
	})
}

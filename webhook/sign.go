package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader is the header carrying a delivery's signatures.
const SignatureHeader = "Vigil-Signature"

// Sign returns the Vigil-Signature header value for body sent at t:
// "t=<unix seconds>,v1=<hex>" with one v1 per secret, each the hex
// HMAC-SHA256 under that secret of the timestamp, a dot and the body.
func Sign(t time.Time, body []byte, secrets ...[]byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	var b strings.Builder
	b.WriteString("t=" + ts)
	for _, s := range secrets {
		b.WriteString(",v1=")
		b.WriteString(hex.EncodeToString(mac(s, ts, body)))
	}
	return b.String()
}

func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Signature is a parsed Vigil-Signature header.
type Signature struct {
	// T is the Unix time the delivery was signed at.
	T int64
	// V1 are the HMAC-SHA256 values, one per secret in force.
	V1 [][]byte
}

// Errors of ParseSignature and Verify.
var (
	ErrBadSignature = errors.New("malformed Vigil-Signature header")
	ErrTooOld       = errors.New("the signature's timestamp is outside the tolerance")
	ErrMismatch     = errors.New("no signature matches the secret")
)

// maxSignatureHeader bounds the header ParseSignature reads.
const maxSignatureHeader = 4096

// ParseSignature parses a Vigil-Signature header. Elements other than t
// and v1 (later schemes) are skipped; t must appear exactly once and at
// least one v1 must.
func ParseSignature(h string) (Signature, error) {
	var sig Signature
	if len(h) > maxSignatureHeader {
		return sig, fmt.Errorf("%w: longer than %d bytes", ErrBadSignature, maxSignatureHeader)
	}
	haveT := false
	for _, part := range strings.Split(h, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return sig, fmt.Errorf("%w: element %q is not key=value", ErrBadSignature, part)
		}
		switch k {
		case "t":
			if haveT {
				return sig, fmt.Errorf("%w: t appears twice", ErrBadSignature)
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 || v == "" || v[0] == '+' {
				return sig, fmt.Errorf("%w: t=%q is not a Unix time", ErrBadSignature, v)
			}
			sig.T, haveT = n, true
		case "v1":
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != sha256.Size {
				return sig, fmt.Errorf("%w: v1 is not %d hex digits", ErrBadSignature, 2*sha256.Size)
			}
			sig.V1 = append(sig.V1, b)
		}
	}
	if !haveT {
		return sig, fmt.Errorf("%w: no t", ErrBadSignature)
	}
	if len(sig.V1) == 0 {
		return sig, fmt.Errorf("%w: no v1", ErrBadSignature)
	}
	return sig, nil
}

// Verify checks a delivery as a receiver should: the header parses, its
// timestamp is within tolerance of now (when tolerance > 0; five minutes
// is usual), and one of its v1 values is the HMAC of the body under secret.
func Verify(header string, body, secret []byte, now time.Time, tolerance time.Duration) error {
	sig, err := ParseSignature(header)
	if err != nil {
		return err
	}
	if tolerance > 0 {
		d := now.Sub(time.Unix(sig.T, 0))
		if d > tolerance || d < -tolerance {
			return ErrTooOld
		}
	}
	want := mac(secret, strconv.FormatInt(sig.T, 10), body)
	for _, v := range sig.V1 {
		if hmac.Equal(v, want) {
			return nil
		}
	}
	return ErrMismatch
}

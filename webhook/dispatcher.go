package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	vigil "github.com/vigil-screening/vigil"
)

// Headers of a delivery besides SignatureHeader.
const (
	IdempotencyHeader = "Idempotency-Key"
	EventTypeHeader   = "Vigil-Event-Type"
	WebhookHeader     = "Vigil-Webhook-Id"
	AttemptHeader     = "Vigil-Delivery-Attempt"
)

// Opener opens sealed secrets; *KeyFile is one.
type Opener interface {
	Open(webhookID string, sealed []byte) ([]byte, error)
}

// Options configure a Dispatcher; zero fields take the defaults.
type Options struct {
	// MaxTries is how many tries a delivery gets before it is dead
	// (default 12: with the default backoff, the last comes 7 to 15 hours
	// after the first).
	MaxTries int
	// Backoff spaces the tries (default 30 s doubling up to 6 h).
	Backoff Backoff
	// Timeout bounds one try, from connecting to reading the answer
	// (default 10 s).
	Timeout time.Duration
	// Poll is how often the event log and due deliveries are looked at
	// when there is nothing to do (default 1 s).
	Poll time.Duration
	// Workers is how many deliveries are sent at once (default 4).
	Workers int
	// Client sends the deliveries (default NewClient(Timeout)).
	Client *http.Client
	Logger *slog.Logger
	// Now returns the time (default time.Now); tests move it.
	Now func() time.Time
}

// Backoff is exponential backoff with jitter: the wait after try n is
// Base·2^(n-1), at most Max, of which a random half is taken off.
type Backoff struct {
	Base, Max time.Duration
}

// Delay returns the wait after try n (from 1) for r in [0, 1).
func (b Backoff) Delay(n int, r float64) time.Duration {
	d := b.Base
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	return d/2 + time.Duration(r*float64(d/2))
}

// Dispatcher turns the store's event log into deliveries and sends them.
// Several dispatchers may share one store: each due delivery is claimed by
// one of them, and a delivery whose sender died mid-flight is claimed again
// when its lease ends and sent with the same idempotency key.
type Dispatcher struct {
	store vigil.WebhookStore
	keys  Opener
	o     Options
	log   *slog.Logger
	wake  chan struct{}
}

// New returns a Dispatcher for a store whose secrets keys opens.
func New(store vigil.WebhookStore, keys Opener, o Options) *Dispatcher {
	if o.MaxTries <= 0 {
		o.MaxTries = 12
	}
	if o.Backoff.Base <= 0 {
		o.Backoff.Base = 30 * time.Second
	}
	if o.Backoff.Max < o.Backoff.Base {
		o.Backoff.Max = max(6*time.Hour, o.Backoff.Base)
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.Client == nil {
		o.Client = NewClient(o.Timeout)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Dispatcher{store: store, keys: keys, o: o, log: o.Logger, wake: make(chan struct{}, 1)}
}

// lease is how long a claim lasts: one try, and a margin for recording it.
func (d *Dispatcher) lease() time.Duration { return d.o.Timeout + 30*time.Second }

// NewClient returns the HTTP client deliveries are sent with: standard
// library transport (proxy from the environment), a timeout for the whole
// exchange, 64 KiB of response headers at most, and redirects followed
// only to the same scheme and host, keeping the POST (307 and 308; at most
// three). Any other redirect is answered as a failed try.
func NewClient(timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxResponseHeaderBytes = 64 << 10
	tr.ResponseHeaderTimeout = timeout
	return &http.Client{
		Timeout:   timeout,
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			first := via[0].URL
			if len(via) > 3 || req.Method != http.MethodPost || req.URL.Scheme != first.Scheme || req.URL.Host != first.Host {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
}

// Run enqueues and sends deliveries until ctx ends, then waits for the
// tries under way (at most Timeout) and returns. Store errors are logged
// and retried at the next poll.
func (d *Dispatcher) Run(ctx context.Context) {
	sem := make(chan struct{}, d.o.Workers)
	var wg sync.WaitGroup
	defer wg.Wait()
	// Tries under way finish after ctx ends, so that their outcome is
	// recorded; each is bounded by the client's timeout.
	sendCtx := context.WithoutCancel(ctx)
	for {
		if _, err := d.Enqueue(ctx); err != nil && ctx.Err() == nil {
			d.log.Error("webhooks: reading the event log", "err", err)
		}
		free := d.o.Workers - len(sem)
		var claims []vigil.DeliveryClaim
		if free > 0 && ctx.Err() == nil {
			now := d.o.Now()
			var err error
			claims, err = d.store.ClaimDeliveries(ctx, now, now.Add(d.lease()), free)
			if err != nil && ctx.Err() == nil {
				d.log.Error("webhooks: claiming deliveries", "err", err)
			}
		}
		for _, c := range claims {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				d.Send(sendCtx, c)
				<-sem
				select {
				case d.wake <- struct{}{}:
				default:
				}
			}()
		}
		if len(claims) > 0 && len(claims) == free {
			continue // there may be more due; claim as workers free up
		}
		t := time.NewTimer(d.o.Poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-d.wake:
			t.Stop()
		}
	}
}

// Enqueue creates the deliveries of every event not yet fanned out and
// returns how many it created.
func (d *Dispatcher) Enqueue(ctx context.Context) (int, error) {
	const batch = 1000
	total := 0
	for {
		events, n, err := d.store.EnqueueDeliveries(ctx, batch, d.o.Now())
		total += n
		if err != nil || events < batch {
			return total, err
		}
	}
}

// SendDue claims the deliveries due now (up to Workers at a time) and sends
// them, until none is due; it returns how many tries it made. Run does the
// same continuously; tests step with SendDue.
func (d *Dispatcher) SendDue(ctx context.Context) (int, error) {
	n := 0
	for {
		now := d.o.Now()
		claims, err := d.store.ClaimDeliveries(ctx, now, now.Add(d.lease()), d.o.Workers)
		if err != nil || len(claims) == 0 {
			return n, err
		}
		var wg sync.WaitGroup
		for _, c := range claims {
			wg.Add(1)
			go func() {
				defer wg.Done()
				d.Send(ctx, c)
			}()
		}
		wg.Wait()
		n += len(claims)
	}
}

// Body is the JSON body of an event's deliveries: its id, type, time and
// data.
func Body(e vigil.Event) ([]byte, error) {
	return json.Marshal(e)
}

// Send makes one try of a claimed delivery and records its outcome.
func (d *Dispatcher) Send(ctx context.Context, c vigil.DeliveryClaim) {
	log := d.log.With("webhook", c.WebhookID, "delivery", c.ID, "event", c.EventID, "try", c.Tries)
	if c.Interrupted {
		log.Warn("webhooks: the last try of this delivery was interrupted; sending it again with the same idempotency key")
	}
	res := vigil.DeliveryResult{DeliveryID: c.ID, Lease: c.Lease, Tries: c.Tries}
	if c.Tries > d.o.MaxTries {
		// The last try was interrupted (and logged as such by the claim).
		res.State = vigil.DeliveryDead
		d.finish(ctx, log, res)
		return
	}
	req, err := d.request(ctx, c)
	if err != nil {
		// Nothing was sent: not a try. Look again in a minute.
		log.Error("webhooks: delivery not sent", "err", err)
		res.State, res.Tries, res.NextAt = vigil.DeliveryPending, c.Tries-1, d.o.Now().Add(time.Minute)
		res.Attempt = vigil.DeliveryAttempt{At: d.o.Now(), Error: "not sent: " + err.Error()}
		d.finish(ctx, log, res)
		return
	}
	start := d.o.Now()
	status, retryAfter, tryErr := d.try(req)
	res.Attempt = vigil.DeliveryAttempt{At: start, Millis: d.o.Now().Sub(start).Milliseconds(), Status: status}
	switch {
	case tryErr == nil:
		res.State = vigil.DeliveryDelivered
		log.Info("webhooks: delivered", "status", status)
	case c.Tries >= d.o.MaxTries:
		res.State = vigil.DeliveryDead
		res.Attempt.Error = tryErr.Error()
		log.Error("webhooks: delivery failed for the last time; it is dead (retry it by hand: vigil webhooks retry)", "status", status, "err", tryErr)
	default:
		wait := d.o.Backoff.Delay(c.Tries, rand.Float64())
		if retryAfter > wait {
			wait = min(retryAfter, d.o.Backoff.Max)
		}
		res.State, res.NextAt = vigil.DeliveryPending, d.o.Now().Add(wait)
		res.Attempt.Error = tryErr.Error()
		log.Warn("webhooks: delivery failed; will retry", "status", status, "err", tryErr, "in", wait.Round(time.Second).String())
	}
	d.finish(ctx, log, res)
}

func (d *Dispatcher) finish(ctx context.Context, log *slog.Logger, res vigil.DeliveryResult) {
	if err := d.store.FinishDelivery(ctx, res); errors.Is(err, vigil.ErrStaleLease) {
		log.Warn("webhooks: the delivery changed while this try ran (claimed again after its lease, or its webhook removed); the try is logged, its outcome not applied")
	} else if err != nil {
		log.Error("webhooks: recording the outcome", "err", err)
	}
}

// request builds the signed request of a claim.
func (d *Dispatcher) request(ctx context.Context, c vigil.DeliveryClaim) (*http.Request, error) {
	if _, err := CheckURL(c.URL, c.Insecure); err != nil {
		return nil, fmt.Errorf("the webhook's URL is refused: %w", err)
	}
	if len(c.Secrets) == 0 {
		return nil, errors.New("the webhook has no signing secret in force")
	}
	secrets := make([][]byte, len(c.Secrets))
	for i, s := range c.Secrets {
		var err error
		if secrets[i], err = d.keys.Open(c.WebhookID, s.Sealed); err != nil {
			return nil, err
		}
	}
	body, err := Body(c.Event)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("the webhook's URL is refused: %w", unwrapURL(err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Vigil-Webhooks/1")
	req.Header.Set(SignatureHeader, Sign(d.o.Now(), body, secrets...))
	req.Header.Set(IdempotencyHeader, c.IdempotencyKey())
	req.Header.Set(EventTypeHeader, c.Event.Type)
	req.Header.Set(WebhookHeader, c.WebhookID)
	req.Header.Set(AttemptHeader, strconv.Itoa(c.Tries))
	return req, nil
}

// maxResponse is how much of an answer is read (and then dropped).
const maxResponse = 64 << 10

// try sends req and returns the status (0 without an answer), the wait the
// receiver asked for (Retry-After, in seconds) and nil for a 2xx answer or
// why the try failed. Errors never hold the URL, whose path or query may
// hold a token.
func (d *Dispatcher) try(req *http.Request) (int, time.Duration, error) {
	resp, err := d.o.Client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) && ue.Timeout() {
			return 0, 0, fmt.Errorf("no answer within %s", d.o.Timeout)
		}
		return 0, 0, unwrapURL(err)
	}
	defer resp.Body.Close()
	excerpt, readErr := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, 0, nil // the body, if cut short, does not matter
	}
	var retryAfter time.Duration
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		retryAfter = time.Duration(s) * time.Second
	}
	msg := "HTTP " + strconv.Itoa(resp.StatusCode)
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		msg += " (a redirect elsewhere, or one that would drop the POST, is not followed)"
	}
	if s := printable(excerpt, 200); s != "" {
		msg += ": " + s
	} else if readErr != nil {
		msg += " (reading the answer: " + unwrapURL(readErr).Error() + ")"
	}
	return resp.StatusCode, retryAfter, errors.New(msg)
}

// unwrapURL drops the *url.Error around err, which would name the URL.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// printable returns up to n bytes of b as one line of printable text.
func printable(b []byte, n int) string {
	s := strings.ToValidUTF8(string(b[:min(len(b), n*4)]), "?")
	var out strings.Builder
	for _, r := range s {
		if out.Len() >= n {
			out.WriteString("…")
			break
		}
		if unicode.IsPrint(r) {
			out.WriteRune(r)
		} else {
			out.WriteByte(' ')
		}
	}
	return strings.TrimSpace(out.String())
}

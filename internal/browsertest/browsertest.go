// Package browsertest starts headless Chromium for the console's browser
// tests. Chromium is $VIGIL_CHROMIUM, else Debian's /usr/bin/chromium; when
// it is absent a test skips with a clear message, and fails when $CI is set
// (.ci/run installs it there).
package browsertest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Path returns the browser's path, skipping t (failing it in CI) when it
// is absent.
func Path(t testing.TB) string {
	t.Helper()
	p := os.Getenv("VIGIL_CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no Chromium at %s in CI: .ci/run should have installed it", p)
		}
		t.Skipf("skipping the browser test: no Chromium at %s (apt-get install chromium, or set $VIGIL_CHROMIUM); CI installs it", p)
	}
	return p
}

// New starts a headless Chromium with a fresh profile and no network
// chatter of its own, and returns its context, which ends after timeout
// or with the test.
func New(t testing.TB, timeout time.Duration) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(Path(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 768), // a laptop screen
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, timeout)
	t.Cleanup(cancel3)
	return ctx
}

package main

import (
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/vigil-screening/vigil/lists/load"
)

// importProgress shows a first import's progress on a terminal: a bar of
// the files read, then the list being stored. The log shares the terminal:
// it writes through the importProgress (see Write), which clears the bar
// before each log line; the bar is drawn again at its next step.
type importProgress struct {
	w   io.Writer
	tty bool // whether w is a terminal: otherwise no bar is drawn

	mu  sync.Mutex
	bar *progressbar.ProgressBar
}

func newImportProgress(w io.Writer) *importProgress {
	f, ok := w.(*os.File)
	return &importProgress{w: w, tty: ok && term.IsTerminal(int(f.Fd()))}
}

// Write writes a log line, clearing the bar first.
func (p *importProgress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Clear()
	}
	return p.w.Write(b)
}

// start shows the bar (on a terminal).
func (p *importProgress) start() {
	if !p.tty {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bar = progressbar.NewOptions(-1,
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription("reading the lists"),
		progressbar.OptionShowCount(),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetWidth(30),
	)
}

// read moves the bar to the files read.
func (p *importProgress) read(r load.ReadProgress) {
	p.step(r.Total, r.Done, fmt.Sprintf("read %s (%d entities); reading the lists", orDash(r.List), r.Entities))
}

// stored says which list was stored last.
func (p *importProgress) stored(list string) { p.step(-1, -1, "stored "+list+"; storing the lists") }

// step sets the bar's description and, when total >= 0, its position.
func (p *importProgress) step(total, done int, desc string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar == nil {
		return
	}
	p.bar.Describe(desc)
	if total >= 0 {
		p.bar.ChangeMax(total)
		_ = p.bar.Set(done)
	}
}

// finish removes the bar.
func (p *importProgress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
		p.bar.Clear()
		p.bar = nil
	}
}

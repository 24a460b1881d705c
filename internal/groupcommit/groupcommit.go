// Package groupcommit writes what many goroutines append in batches: one
// writer goroutine takes whatever has queued while it was writing and
// writes it at once (group commit), and each caller returns once the batch
// holding its item was written. Both stores append their audit records
// through it: one transaction per batch instead of one per record.
//
// It is our own code because the standard library has no such primitive,
// and the mechanism is a few lines around a channel.
package groupcommit

import (
	"context"
	"errors"
	"runtime"
)

// ErrClosed is returned to appends after Close.
var ErrClosed = errors.New("the store is closed")

// Writer batches items of type T for its write function.
type Writer[T any] struct {
	max   int
	write func(batch []T) error
	reqs  chan *req[T]
	quit  chan struct{}
	done  chan struct{}
}

type req[T any] struct {
	item T
	err  error
	done chan struct{}
}

// New starts a writer that passes write up to max items at a time. write
// may change the items (a record gets its sequence number and hash);
// Append returns each as write left it.
func New[T any](max int, write func(batch []T) error) *Writer[T] {
	w := &Writer[T]{max: max, write: write, reqs: make(chan *req[T]), quit: make(chan struct{}), done: make(chan struct{})}
	go w.run()
	return w
}

// Append hands item to the writer and returns it once its batch was
// written, with the batch's error. An item taken is written even when ctx
// ends meanwhile; ctx only bounds the wait to hand it over.
func (w *Writer[T]) Append(ctx context.Context, item T) (T, error) {
	r := &req[T]{item: item, done: make(chan struct{})}
	select {
	case w.reqs <- r:
	case <-w.quit:
		return item, ErrClosed
	case <-ctx.Done():
		return item, ctx.Err()
	}
	<-r.done
	return r.item, r.err
}

// Close stops the writer after the batch it is writing.
func (w *Writer[T]) Close() {
	close(w.quit)
	<-w.done
}

func (w *Writer[T]) run() {
	defer close(w.done)
	batch := make([]*req[T], 0, w.max)
	items := make([]T, 0, w.max)
	for {
		select {
		case r := <-w.reqs:
			batch = append(batch[:0], r)
		case <-w.quit:
			return
		}
		// While items keep coming, let the goroutines that are ready run
		// first (some are about to append), then take what they appended.
		// Without load the yield returns at once and nothing has come.
		for len(batch) < w.max {
			runtime.Gosched()
			n := len(batch)
		drain:
			for len(batch) < w.max {
				select {
				case r := <-w.reqs:
					batch = append(batch, r)
				default:
					break drain
				}
			}
			if len(batch) == n {
				break
			}
		}
		items = items[:0]
		for _, r := range batch {
			items = append(items, r.item)
		}
		err := w.write(items)
		for i, r := range batch {
			if err == nil {
				r.item = items[i]
			}
			r.err = err
			close(r.done)
		}
	}
}

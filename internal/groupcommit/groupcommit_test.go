package groupcommit

import (
	"context"
	"errors"
	"sync"
	"testing"
)

// TestAppend: every caller gets its own item back as write left it, items
// are written once each and in batches no larger than max, a failed write
// reaches the callers of its batch only, and an append after Close is
// refused.
func TestAppend(t *testing.T) {
	var mu sync.Mutex
	written, batches, seq := 0, 0, 0
	w := New(8, func(batch []int) error {
		mu.Lock()
		defer mu.Unlock()
		if len(batch) > 8 {
			t.Errorf("batch of %d, max 8", len(batch))
		}
		batches++
		for i := range batch {
			if batch[i] < 0 {
				return errors.New("refused")
			}
			seq++
			batch[i] = batch[i]*1000 + seq
		}
		written += len(batch)
		return nil
	})
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := w.Append(context.Background(), i)
			if err != nil || got/1000 != i {
				t.Errorf("append %d: %d, %v", i, got, err)
			}
		}()
	}
	wg.Wait()
	if written != 200 || batches > 200 {
		t.Errorf("written %d in %d batches", written, batches)
	}
	if _, err := w.Append(context.Background(), -1); err == nil {
		t.Error("a failed write answered no error")
	}
	w.Close()
	if _, err := w.Append(context.Background(), 1); !errors.Is(err, ErrClosed) {
		t.Errorf("append after Close: %v", err)
	}
}

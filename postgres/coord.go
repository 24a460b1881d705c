package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	vigil "github.com/vigil-screening/vigil"
)

var _ vigil.Coordinator = (*Store)(nil)

// Lead makes this store handle the leader for name unless another handle
// is (see vigil.Coordinator): it holds a session-level advisory lock on a
// connection of its own. The lock lasts as long as the connection: when
// the process dies, PostgreSQL closes the connection and frees the lock,
// and the next Lead of another handle takes it. A handle that leads checks
// its connection at each call, and leads no more when it was lost.
func (s *Store) Lead(ctx context.Context, name string) (bool, error) {
	s.leadMu.Lock()
	defer s.leadMu.Unlock()
	if s.closed {
		return false, errClosed
	}
	if c := s.leads[name]; c != nil {
		if err := c.Ping(ctx); err == nil {
			return true, nil
		}
		c.Close(context.Background())
		delete(s.leads, name)
	}
	c, err := pgx.ConnectConfig(ctx, s.cfg.ConnConfig.Copy())
	if err != nil {
		return false, fmt.Errorf("postgres: lead %s: %w", name, err)
	}
	var got bool
	if err := c.QueryRow(ctx, "SELECT pg_try_advisory_lock($1, hashtext($2))", leadSpace, name).Scan(&got); err != nil {
		c.Close(context.Background())
		return false, fmt.Errorf("postgres: lead %s: %w", name, err)
	}
	if !got {
		c.Close(context.Background())
		return false, nil
	}
	s.leads[name] = c
	return true, nil
}

// Listen calls fn with every change announced on the store's channel (see
// vigil.Coordinator), LISTENing on a connection of its own. When the
// connection is lost it connects again (after a pause) and calls fn with
// vigil.TopicResync, since notices sent meanwhile were missed.
func (s *Store) Listen(ctx context.Context, fn func(topic string)) error {
	first := true
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, func() {
			if !first {
				fn(vigil.TopicResync)
			}
			first = false
		}, fn)
		if ctx.Err() != nil {
			break
		}
		_ = err // the connection was lost: connect again after a pause
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	return nil
}

func (s *Store) listenOnce(ctx context.Context, ready func(), fn func(string)) error {
	c, err := pgx.ConnectConfig(ctx, s.cfg.ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	if _, err := c.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		return err
	}
	ready()
	for {
		n, err := c.WaitForNotification(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if n.Channel == notifyChannel {
			fn(n.Payload)
		}
	}
}

// Notify announces topic to every listener of the store.
func (s *Store) Notify(ctx context.Context, topic string) error {
	if topic == "" {
		return errors.New("postgres: notify: no topic")
	}
	_, err := s.pool.Exec(ctx, "SELECT pg_notify($1, $2)", notifyChannel, topic)
	return err
}

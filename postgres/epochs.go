package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vigil-screening/vigil"
)

var _ vigil.EpochStore = (*Store)(nil)

// CurrentEpoch returns the newest weight epoch (see vigil.EpochStore).
func (s *Store) CurrentEpoch(ctx context.Context) (vigil.WeightEpoch, error) {
	return scanEpoch(s.pool.QueryRow(ctx, "SELECT id, created, matcher, reason, lists, rarity FROM weight_epochs ORDER BY id DESC LIMIT 1"))
}

func scanEpoch(sc interface{ Scan(...any) error }) (vigil.WeightEpoch, error) {
	var e vigil.WeightEpoch
	var created, lists, rarity string
	err := sc.Scan(&e.ID, &created, &e.Matcher, &e.Reason, &lists, &rarity)
	if isNoRows(err) {
		return e, notFound("weight epoch")
	}
	if err != nil {
		return e, err
	}
	if e.Created, err = parseTime(created); err != nil {
		return e, fmt.Errorf("weight epoch %d: %w", e.ID, err)
	}
	if err := json.Unmarshal([]byte(lists), &e.Lists); err != nil {
		return e, fmt.Errorf("weight epoch %d: lists: %w", e.ID, err)
	}
	if err := json.Unmarshal([]byte(rarity), &e.Rarity); err != nil {
		return e, fmt.Errorf("weight epoch %d: rarity: %w", e.ID, err)
	}
	if e.Rarity == nil {
		return e, fmt.Errorf("weight epoch %d: no rarity table", e.ID)
	}
	return e, nil
}

// AddEpoch stores a new current epoch unless another began since prev
// (see vigil.EpochStore), under the watch's advisory lock so that two
// replicas beginning one at once serialise.
func (s *Store) AddEpoch(ctx context.Context, e *vigil.WeightEpoch, prev int64) error {
	if e.Rarity == nil {
		return fmt.Errorf("postgres: a weight epoch needs a rarity table")
	}
	for k, f := range e.Rarity {
		if !(f > 0 && f <= 1) {
			return fmt.Errorf("postgres: weight epoch: part %q has factor %v, want one in (0, 1]", k, f)
		}
	}
	return s.write(ctx, lockWatch, func(tx pgx.Tx) error {
		var cur int64
		if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(id), 0) FROM weight_epochs").Scan(&cur); err != nil {
			return err
		}
		if cur != prev {
			return fmt.Errorf("weight epoch %d began meanwhile: %w", cur, vigil.ErrConflict)
		}
		return tx.QueryRow(ctx, "INSERT INTO weight_epochs (created, matcher, reason, lists, rarity) VALUES ($1, $2, $3, $4, $5) RETURNING id",
			timeText(e.Created), e.Matcher, e.Reason, mustJSON(nonNilMap(e.Lists)), mustJSON(e.Rarity)).Scan(&e.ID)
	})
}

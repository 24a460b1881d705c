package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	vigil "github.com/vigil-screening/vigil"
)

var _ vigil.LinkStore = (*Store)(nil)

// SaveLinking replaces the subjects in force with l's clusters (see
// vigil.LinkStore). Membership rows are written only where they change.
func (s *Store) SaveLinking(ctx context.Context, l vigil.Linking, at time.Time) (vigil.LinkingResult, error) {
	var res vigil.LinkingResult
	err := s.write(ctx, func(tx *sql.Tx) error {
		var next int64
		if err := tx.QueryRowContext(ctx, "SELECT next FROM subject_state WHERE id = 1").Scan(&next); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, "SELECT entity, subject, current, part FROM subject_members")
		if err != nil {
			return err
		}
		members := map[string]vigil.SubjectMember{}
		for rows.Next() {
			var e string
			var m vigil.SubjectMember
			if err := rows.Scan(&e, &m.Subject, &m.Current, &m.Part); err != nil {
				rows.Close()
				return err
			}
			members[e] = m
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		p := vigil.PlanLinking(l, members, next)
		res, next = p.Result, p.Next
		now := ms(at)
		for _, id := range p.NewSubjects {
			if _, err := tx.ExecContext(ctx, "INSERT INTO listed_subjects (id, created) VALUES (?, ?)", id, now); err != nil {
				return fmt.Errorf("subject %s: %w", id, err)
			}
		}
		upsert, err := tx.PrepareContext(ctx, `INSERT INTO subject_members (entity, subject, current, part) VALUES (?, ?, 1, ?)
ON CONFLICT (entity) DO UPDATE SET subject = excluded.subject, current = 1, part = excluded.part`)
		if err != nil {
			return err
		}
		defer upsert.Close()
		for _, m := range p.Members {
			if _, err := upsert.ExecContext(ctx, m.Entity, m.Subject, m.Part); err != nil {
				return err
			}
		}
		// Listings that left the current versions keep their last subject.
		for _, e := range p.LeftCurrent {
			if _, err := tx.ExecContext(ctx, "UPDATE subject_members SET current = 0 WHERE entity = ?", e); err != nil {
				return err
			}
		}
		// Subjects that lost every listing end; one whose listings went to
		// another subject was merged into it.
		for _, sub := range p.Ended {
			if _, err := tx.ExecContext(ctx, "UPDATE listed_subjects SET ended = ?, merged_into = ? WHERE id = ?", now, sub.MergedInto, sub.ID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM subject_links"); err != nil {
			return err
		}
		ins, err := tx.PrepareContext(ctx, "INSERT INTO subject_links (a, b, rule, score, detail, refused, note) VALUES (?, ?, ?, ?, ?, ?, ?)")
		if err != nil {
			return err
		}
		defer ins.Close()
		put := func(k vigil.SubjectLink, refused string, note bool) error {
			_, err := ins.ExecContext(ctx, k.A, k.B, string(k.Rule), k.Score, k.Detail, refused, note)
			return err
		}
		for _, c := range l.Clusters {
			for _, k := range c.Links {
				if err := put(k, "", false); err != nil {
					return err
				}
			}
		}
		for _, k := range l.Refused {
			if err := put(k, k.Refused, false); err != nil {
				return err
			}
		}
		for _, k := range l.Notes {
			if err := put(k, k.Refused, true); err != nil {
				return err
			}
		}
		versions, err := json.Marshal(nonNil(l.Versions))
		if err != nil {
			return err
		}
		// As text (a []byte would be stored as a blob in the TEXT column).
		_, err = tx.ExecContext(ctx, "UPDATE subject_state SET next = ?, basis = ?, versions = ?, linked = ? WHERE id = 1", next, l.Basis, string(versions), now)
		return err
	})
	if err != nil {
		return vigil.LinkingResult{}, fmt.Errorf("sqlite: save subjects: %w", err)
	}
	return res, nil
}

// SubjectIDs maps every listing ever linked to its subject (see
// vigil.LinkStore).
func (s *Store) SubjectIDs(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT entity, subject FROM subject_members")
	if err != nil {
		return nil, fmt.Errorf("sqlite: subject ids: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var e, sub string
		if err := rows.Scan(&e, &sub); err != nil {
			return nil, err
		}
		out[e] = sub
	}
	return out, rows.Err()
}

// ListedSubject returns a subject by id with why its listings are one (see
// vigil.LinkStore).
func (s *Store) ListedSubject(ctx context.Context, id string) (vigil.ListedSubject, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return vigil.ListedSubject{}, err
	}
	defer tx.Rollback()
	return listedSubject(ctx, tx, id)
}

// SubjectOf returns the subject holding a listing (see vigil.LinkStore).
func (s *Store) SubjectOf(ctx context.Context, entityID string) (vigil.ListedSubject, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return vigil.ListedSubject{}, err
	}
	defer tx.Rollback()
	var id string
	err = tx.QueryRowContext(ctx, "SELECT subject FROM subject_members WHERE entity = ?", entityID).Scan(&id)
	if isNoRows(err) {
		return vigil.ListedSubject{}, notFound("no subject holds %s", entityID)
	}
	if err != nil {
		return vigil.ListedSubject{}, err
	}
	return listedSubject(ctx, tx, id)
}

func listedSubject(ctx context.Context, tx *sql.Tx, id string) (vigil.ListedSubject, error) {
	sub := vigil.ListedSubject{ID: id, Entities: []string{}, Links: []vigil.SubjectLink{}}
	var ended int64
	err := tx.QueryRowContext(ctx, "SELECT ended, merged_into FROM listed_subjects WHERE id = ?", id).Scan(&ended, &sub.MergedInto)
	if isNoRows(err) {
		return sub, notFound("no subject %s", id)
	}
	if err != nil {
		return sub, err
	}
	sub.Ended = fromMS(ended)
	// An ended subject shows the listings it had last.
	current := 1
	if ended != 0 {
		current = 0
	}
	rows, err := tx.QueryContext(ctx, "SELECT entity FROM subject_members WHERE subject = ? AND current = ? ORDER BY entity", id, current)
	if err != nil {
		return sub, err
	}
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			rows.Close()
			return sub, err
		}
		sub.Entities = append(sub.Entities, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return sub, err
	}
	in := map[string]bool{}
	for _, e := range sub.Entities {
		in[e] = true
	}
	for _, e := range sub.Entities {
		links, err := scanLinks(tx.QueryContext(ctx, "SELECT a, b, rule, score, detail, refused, note FROM subject_links WHERE a = ? OR b = ?", e, e))
		if err != nil {
			return sub, err
		}
		for _, k := range links {
			switch {
			case k.Refused != "":
				sub.Refused = append(sub.Refused, k)
			case in[k.A] && in[k.B]:
				sub.Links = append(sub.Links, k)
			}
		}
		js, err := scanJudgements(tx.QueryContext(ctx, `SELECT a, b, verdict, by, at, reason FROM link_judgements
WHERE id IN (SELECT MAX(id) FROM link_judgements WHERE a = ? OR b = ? GROUP BY a, b)`, e, e))
		if err != nil {
			return sub, err
		}
		sub.Judgements = append(sub.Judgements, js...)
	}
	sortLinks(sub.Links)
	sortLinks(sub.Refused)
	sub.Refused = slices.Compact(sub.Refused)
	sub.Links = slices.Compact(sub.Links)
	slices.SortFunc(sub.Judgements, func(a, b vigil.LinkJudgement) int {
		if c := strings.Compare(a.A, b.A); c != 0 {
			return c
		}
		return strings.Compare(a.B, b.B)
	})
	sub.Judgements = slices.CompactFunc(sub.Judgements, func(a, b vigil.LinkJudgement) bool { return a.A == b.A && a.B == b.B })
	return sub, nil
}

func sortLinks(ls []vigil.SubjectLink) {
	slices.SortFunc(ls, func(x, y vigil.SubjectLink) int {
		for _, c := range []int{strings.Compare(x.A, y.A), strings.Compare(x.B, y.B), x.Rule.Rank() - y.Rule.Rank(),
			strings.Compare(x.Detail, y.Detail), strings.Compare(x.Refused, y.Refused)} {
			if c != 0 {
				return c
			}
		}
		return 0
	})
}

// scanLinks reads links (a, b, rule, score, detail, refused, note).
func scanLinks(rows *sql.Rows, err error) ([]vigil.SubjectLink, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []vigil.SubjectLink
	for rows.Next() {
		var k vigil.SubjectLink
		var rule string
		var note bool
		if err := rows.Scan(&k.A, &k.B, &rule, &k.Score, &k.Detail, &k.Refused, &note); err != nil {
			return nil, err
		}
		k.Rule = vigil.LinkRule(rule)
		out = append(out, k)
	}
	return out, rows.Err()
}

func scanJudgements(rows *sql.Rows, err error) ([]vigil.LinkJudgement, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []vigil.LinkJudgement
	for rows.Next() {
		var j vigil.LinkJudgement
		var verdict string
		var at int64
		if err := rows.Scan(&j.A, &j.B, &verdict, &j.By, &at, &j.Reason); err != nil {
			return nil, err
		}
		j.Verdict, j.At = vigil.Verdict(verdict), fromMS(at)
		out = append(out, j)
	}
	return out, rows.Err()
}

// Judge records a judgement (see vigil.LinkStore).
func (s *Store) Judge(ctx context.Context, j vigil.LinkJudgement) (vigil.LinkJudgement, error) {
	j, err := vigil.CheckJudgement(j)
	if err != nil {
		return j, err
	}
	if j.At.IsZero() {
		j.At = time.Now()
	}
	j.At = j.At.UTC().Truncate(time.Millisecond)
	if j.By == "" {
		j.By = vigil.ActorFrom(ctx)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO link_judgements (a, b, verdict, by, at, reason) VALUES (?, ?, ?, ?, ?, ?)",
			j.A, j.B, string(j.Verdict), j.By, ms(j.At), j.Reason); err != nil {
			return err
		}
		// Judgements change what screening reports: each is audited with
		// the change, in one transaction.
		return auditTx(vigil.WithActor(ctx, j.By), tx, vigil.AuditLinkJudgement, j, nil)
	})
	if err != nil {
		return j, fmt.Errorf("sqlite: judge %s %s: %w", j.A, j.B, err)
	}
	return j, nil
}

// Judgements returns the newest judgement on each pair, by pair.
func (s *Store) Judgements(ctx context.Context) ([]vigil.LinkJudgement, error) {
	js, err := scanJudgements(s.db.QueryContext(ctx, `SELECT a, b, verdict, by, at, reason FROM link_judgements
WHERE id IN (SELECT MAX(id) FROM link_judgements GROUP BY a, b) ORDER BY a, b`))
	if err != nil {
		return nil, fmt.Errorf("sqlite: judgements: %w", err)
	}
	return js, nil
}

// LinkBasis returns the basis of the subjects in force.
func (s *Store) LinkBasis(ctx context.Context) (string, error) {
	var b string
	err := s.db.QueryRowContext(ctx, "SELECT basis FROM subject_state WHERE id = 1").Scan(&b)
	return b, err
}

// LinkGraph returns the last linking saved, to cluster again (see
// vigil.LinkStore).
func (s *Store) LinkGraph(ctx context.Context) (vigil.LinkGraph, error) {
	g := vigil.LinkGraph{Parts: map[string]string{}}
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return g, err
	}
	defer tx.Rollback()
	var versions []byte
	if err := tx.QueryRowContext(ctx, "SELECT versions FROM subject_state WHERE id = 1").Scan(&versions); err != nil {
		return g, err
	}
	if err := json.Unmarshal(versions, &g.Versions); err != nil {
		return g, fmt.Errorf("sqlite: link graph versions: %w", err)
	}
	rows, err := tx.QueryContext(ctx, "SELECT entity, part FROM subject_members WHERE current = 1")
	if err != nil {
		return g, err
	}
	for rows.Next() {
		var e, part string
		if err := rows.Scan(&e, &part); err != nil {
			rows.Close()
			return g, err
		}
		g.Parts[e] = part
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return g, err
	}
	if g.Links, err = scanLinks(tx.QueryContext(ctx, "SELECT a, b, rule, score, detail, refused, note FROM subject_links WHERE note = 0 ORDER BY rowid")); err != nil {
		return g, err
	}
	g.Notes, err = scanLinks(tx.QueryContext(ctx, "SELECT a, b, rule, score, detail, refused, note FROM subject_links WHERE note = 1 ORDER BY rowid"))
	return g, err
}

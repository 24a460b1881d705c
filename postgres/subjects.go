package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	vigil "github.com/vigil-screening/vigil"
)

var _ vigil.LinkStore = (*Store)(nil)

// SaveLinking replaces the subjects in force with l's clusters (see
// vigil.LinkStore). Linkings are saved one at a time across processes (an
// advisory lock), as on a SQLite file; membership rows are written only
// where they change.
func (s *Store) SaveLinking(ctx context.Context, l vigil.Linking, at time.Time) (vigil.LinkingResult, error) {
	var res vigil.LinkingResult
	err := s.write(ctx, lockLinks, func(tx pgx.Tx) error {
		res = vigil.LinkingResult{}
		var next int64
		if err := tx.QueryRow(ctx, "SELECT next FROM subject_state WHERE id = 1").Scan(&next); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT entity, subject, current, part FROM subject_members")
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

		// New rows go by COPY and changes in one batch: the first linking
		// of every list writes some 70,000 rows. Subjects first: members
		// refer to them.
		b := &pgx.Batch{}
		newSubjects := make([][]any, len(p.NewSubjects))
		for i, id := range p.NewSubjects {
			newSubjects[i] = []any{id, now}
		}
		var newMembers [][]any
		for _, m := range p.Members {
			if m.New {
				newMembers = append(newMembers, []any{m.Entity, m.Subject, true, m.Part})
			} else {
				b.Queue("UPDATE subject_members SET subject = $2, current = true, part = $3 WHERE entity = $1", m.Entity, m.Subject, m.Part)
			}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"listed_subjects"}, []string{"id", "created"}, pgx.CopyFromRows(newSubjects)); err != nil {
			return fmt.Errorf("new subjects: %w", err)
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"subject_members"}, []string{"entity", "subject", "current", "part"}, pgx.CopyFromRows(newMembers)); err != nil {
			return fmt.Errorf("new members: %w", err)
		}
		// Listings that left the current versions keep their last subject.
		for _, e := range p.LeftCurrent {
			b.Queue("UPDATE subject_members SET current = false WHERE entity = $1", e)
		}
		// Subjects that lost every listing end; one whose listings went to
		// another subject was merged into it.
		for _, sub := range p.Ended {
			b.Queue("UPDATE listed_subjects SET ended = $1, merged_into = $2 WHERE id = $3", now, sub.MergedInto, sub.ID)
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM subject_links"); err != nil {
			return err
		}
		var links [][]any
		put := func(k vigil.SubjectLink, refused string, note bool) {
			links = append(links, []any{k.A, k.B, string(k.Rule), k.Score, k.Detail, refused, note})
		}
		for _, c := range l.Clusters {
			for _, k := range c.Links {
				put(k, "", false)
			}
		}
		for _, k := range l.Refused {
			put(k, k.Refused, false)
		}
		for _, k := range l.Notes {
			put(k, k.Refused, true)
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"subject_links"}, []string{"a", "b", "rule", "score", "detail", "refused", "note"},
			pgx.CopyFromRows(links)); err != nil {
			return err
		}
		versions, err := json.Marshal(nonNil(l.Versions))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE subject_state SET next = $1, basis = $2, versions = $3, linked = $4 WHERE id = 1", next, l.Basis, string(versions), now); err != nil {
			return err
		}
		// Other replicas serve the new subjects (a judgement made on one
		// groups matches alike on all).
		return notify(ctx, tx, vigil.TopicSubjects)
	})
	if err != nil {
		return vigil.LinkingResult{}, fmt.Errorf("postgres: save subjects: %w", err)
	}
	return res, nil
}

// SubjectIDs maps every listing ever linked to its subject (see
// vigil.LinkStore).
func (s *Store) SubjectIDs(ctx context.Context) (map[string]string, error) {
	rows, err := s.pool.Query(ctx, "SELECT entity, subject FROM subject_members")
	if err != nil {
		return nil, fmt.Errorf("postgres: subject ids: %w", err)
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
	var sub vigil.ListedSubject
	err := s.snapshot(ctx, func(tx pgx.Tx) error {
		var err error
		sub, err = listedSubject(ctx, tx, id)
		return err
	})
	return sub, err
}

// SubjectOf returns the subject holding a listing (see vigil.LinkStore).
func (s *Store) SubjectOf(ctx context.Context, entityID string) (vigil.ListedSubject, error) {
	var sub vigil.ListedSubject
	err := s.snapshot(ctx, func(tx pgx.Tx) error {
		var id string
		err := tx.QueryRow(ctx, "SELECT subject FROM subject_members WHERE entity = $1", entityID).Scan(&id)
		if isNoRows(err) {
			return notFound("no subject holds %s", entityID)
		}
		if err != nil {
			return err
		}
		sub, err = listedSubject(ctx, tx, id)
		return err
	})
	return sub, err
}

func listedSubject(ctx context.Context, tx pgx.Tx, id string) (vigil.ListedSubject, error) {
	sub := vigil.ListedSubject{ID: id, Entities: []string{}, Links: []vigil.SubjectLink{}}
	var ended int64
	err := tx.QueryRow(ctx, "SELECT ended, merged_into FROM listed_subjects WHERE id = $1", id).Scan(&ended, &sub.MergedInto)
	if isNoRows(err) {
		return sub, notFound("no subject %s", id)
	}
	if err != nil {
		return sub, err
	}
	sub.Ended = fromMS(ended)
	// An ended subject shows the listings it had last.
	rows, err := tx.Query(ctx, "SELECT entity FROM subject_members WHERE subject = $1 AND current = $2 ORDER BY entity", id, ended == 0)
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
	links, err := scanLinks(tx.Query(ctx, "SELECT a, b, rule, score, detail, refused, note FROM subject_links WHERE a = ANY($1) OR b = ANY($1)", sub.Entities))
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
	if sub.Judgements, err = scanJudgements(tx.Query(ctx, `SELECT a, b, verdict, "by", at, reason FROM link_judgements
WHERE id IN (SELECT MAX(id) FROM link_judgements WHERE a = ANY($1) OR b = ANY($1) GROUP BY a, b)`, sub.Entities)); err != nil {
		return sub, err
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
func scanLinks(rows pgx.Rows, err error) ([]vigil.SubjectLink, error) {
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

func scanJudgements(rows pgx.Rows, err error) ([]vigil.LinkJudgement, error) {
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

// Judge records a judgement and audits it in one transaction (see
// vigil.LinkStore).
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
	err = s.write(ctx, 0, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO link_judgements (a, b, verdict, "by", at, reason) VALUES ($1, $2, $3, $4, $5, $6)`,
			j.A, j.B, string(j.Verdict), j.By, ms(j.At), j.Reason); err != nil {
			return err
		}
		return auditTx(vigil.WithActor(ctx, j.By), tx, vigil.AuditLinkJudgement, j, nil)
	})
	if err != nil {
		return j, fmt.Errorf("postgres: judge %s %s: %w", j.A, j.B, err)
	}
	return j, nil
}

// Judgements returns the newest judgement on each pair, by pair.
func (s *Store) Judgements(ctx context.Context) ([]vigil.LinkJudgement, error) {
	js, err := scanJudgements(s.pool.Query(ctx, `SELECT a, b, verdict, "by", at, reason FROM link_judgements
WHERE id IN (SELECT MAX(id) FROM link_judgements GROUP BY a, b) ORDER BY a, b`))
	if err != nil {
		return nil, fmt.Errorf("postgres: judgements: %w", err)
	}
	return js, nil
}

// LinkBasis returns the basis of the subjects in force.
func (s *Store) LinkBasis(ctx context.Context) (string, error) {
	var b string
	err := s.pool.QueryRow(ctx, "SELECT basis FROM subject_state WHERE id = 1").Scan(&b)
	return b, err
}

// LinkGraph returns the last linking saved, to cluster again (see
// vigil.LinkStore). Links come in byte order (the SQLite store gives them
// as written; clustering sorts them).
func (s *Store) LinkGraph(ctx context.Context) (vigil.LinkGraph, error) {
	g := vigil.LinkGraph{Parts: map[string]string{}}
	err := s.snapshot(ctx, func(tx pgx.Tx) error {
		var versions string
		if err := tx.QueryRow(ctx, "SELECT versions FROM subject_state WHERE id = 1").Scan(&versions); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(versions), &g.Versions); err != nil {
			return fmt.Errorf("postgres: link graph versions: %w", err)
		}
		rows, err := tx.Query(ctx, "SELECT entity, part FROM subject_members WHERE current")
		if err != nil {
			return err
		}
		for rows.Next() {
			var e, part string
			if err := rows.Scan(&e, &part); err != nil {
				rows.Close()
				return err
			}
			g.Parts[e] = part
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		const q = "SELECT a, b, rule, score, detail, refused, note FROM subject_links WHERE note = $1 ORDER BY a, b, rule, detail, refused"
		if g.Links, err = scanLinks(tx.Query(ctx, q, false)); err != nil {
			return err
		}
		g.Notes, err = scanLinks(tx.Query(ctx, q, true))
		return err
	})
	return g, err
}

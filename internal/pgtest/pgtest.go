// Package pgtest gives tests a PostgreSQL database of their own on the
// server named by $VIGIL_TEST_POSTGRES (.ci/run starts a throwaway cluster
// and sets it). Without it the tests skip with a message saying so, or
// fail when $CI is set: CI must run them.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Env names the variable holding the server's DSN.
const Env = "VIGIL_TEST_POSTGRES"

// Server returns the DSN of the test server, skipping the test (failing it
// under CI) when none is given.
func Server(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(Env)
	if dsn == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("$%s is not set: CI must run the PostgreSQL tests (.ci/run starts a server and sets it)", Env)
		}
		t.Skipf("no PostgreSQL to test against: set $%s to a server's postgres:// URL (.ci/run starts one)", Env)
	}
	return dsn
}

// DB creates a new, empty database on the test server for the test and
// returns its DSN; the database is dropped when the test ends (with every
// connection still open to it). Databases use an ICU collation of a
// language ("en-US") where the server has ICU, so that a query that
// depends on the collation shows it.
func DB(t testing.TB) string {
	t.Helper()
	server := Server(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatalf("connecting to the test PostgreSQL (%s): %v", Env, err)
	}
	defer admin.Close(context.Background())
	var b [6]byte
	rand.Read(b[:])
	name := "vigil_test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"); err != nil {
		if _, err2 := admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE template0 ENCODING 'UTF8'"); err2 != nil {
			t.Fatalf("creating a test database: %v (with ICU: %v)", err2, err)
		}
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin, err := pgx.Connect(ctx, server)
		if err != nil {
			t.Errorf("dropping test database %s: %v", name, err)
			return
		}
		defer admin.Close(context.Background())
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("dropping test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("$%s: %v", Env, err)
	}
	u.Path = "/" + name
	return u.String()
}

// Exec runs statements on the database named by dsn with a connection of
// its own.
func Exec(t testing.TB, dsn string, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	for _, q := range stmts {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// Int runs a query returning one integer on the database named by dsn.
func Int(t testing.TB, dsn, q string) int64 {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var n int64
	if err := c.QueryRow(ctx, q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

var _ = fmt.Sprint

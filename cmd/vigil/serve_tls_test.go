package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeSelfSigned writes a certificate for 127.0.0.1 and its key as PEM
// files in dir and returns their paths and a pool that trusts it.
func writeSelfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "vigil test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	parsed, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(parsed)
	return certFile, keyFile, pool
}

// TestServeTLS runs vigil serve with --tls-cert and --tls-key on loopback
// over a small list: it answers HTTPS, with keys required, and nothing in
// plain HTTP.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "v.db")
	certFile, keyFile, pool := writeSelfSigned(t, dir)
	key, _, err := run(t, "keys", "create", "--db", db, "--name", "ops", "--role", "screen")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var logs bytes.Buffer
	go func() {
		root := newRoot()
		root.SetArgs([]string{"serve", "--db", db, "--addr", addr, "--lists", "../../lists/un/testdata/sample.xml",
			"--refresh", "0", "--tls-cert", certFile, "--tls-key", keyFile})
		root.SetOut(&logs)
		root.SetErr(&logs)
		done <- root.ExecuteContext(ctx)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()

	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	get := func(path string, hdr ...string) (int, error) {
		req, _ := http.NewRequest("GET", "https://"+addr+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		res.Body.Close()
		return res.StatusCode, nil
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, err := get("/readyz")
		if err == nil && code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready over HTTPS after 30 s: %d %v\n%s", code, err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, tc := range []struct {
		path string
		hdr  []string
		want int
	}{
		{"/v1/lists", nil, 401},
		{"/v1/lists", []string{"Authorization", "Bearer " + strings.TrimSpace(key)}, 200},
	} {
		if code, err := get(tc.path, tc.hdr...); err != nil || code != tc.want {
			t.Errorf("GET %s: %d %v, want %d", tc.path, code, err, tc.want)
		}
	}
	plain := &http.Client{Timeout: 5 * time.Second}
	if res, err := plain.Get("http://" + addr + "/healthz"); err == nil {
		res.Body.Close()
		if res.StatusCode == 200 {
			t.Error("plain HTTP answered on the TLS port")
		}
	}
}

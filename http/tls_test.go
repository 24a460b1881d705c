package http

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/http"
	"testing"
	"time"
)

// selfSigned returns a certificate for 127.0.0.1 and localhost, valid for
// an hour, and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "vigil test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(parsed)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: parsed}, pool
}

// TestTLS serves HTTPS on loopback with a self-signed certificate: the API
// answers over TLS only, and the console's session cookie is Secure, with
// the __Host- prefix.
func TestTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	ks := newKeyStore(t)
	_, key := createKey(t, ks, "analyst", "screen")
	s, _ := newTestServer(t, Options{Keys: ks, TLS: &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}})
	addr := serve(t, s)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}

	res, err := client.Get("https://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.TLS == nil {
		t.Errorf("healthz over TLS: %d, TLS %v", res.StatusCode, res.TLS != nil)
	}
	plain := &http.Client{Timeout: 10 * time.Second}
	if res, err := plain.Get("http://" + addr + "/healthz"); err == nil {
		res.Body.Close()
		if res.StatusCode == 200 {
			t.Error("plain HTTP served on the TLS port")
		}
	}

	b := newClientAt(t, "https://"+addr, client)
	c := b.signIn(key)
	if c.Name != tlsSessionCookie || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
		t.Errorf("session cookie under TLS: %+v", c)
	}
	if res, _ := b.get("/lists"); res.StatusCode != 200 {
		t.Errorf("signed in over TLS: %d", res.StatusCode)
	}
}

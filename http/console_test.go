package http

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

func TestConsolePages(t *testing.T) {
	s, _ := newTestServer(t, Options{ScanText: testScanText, ParseManifest: testManifest})
	h := s.Handler()
	for _, tc := range []struct {
		path   string
		status int
		want   []string
	}{
		{"/", 200, []string{`<label for="name">Name</label>`, `lang="en"`}},
		{"/?name=Soleimani", 200, []string{"1 subject for", `href="/entities/un:IRi.039"`, "travel ban", "test: Qasem Soleimani"}},
		{"/?name=Nobody+At+All", 200, []string{"No listed entity matches"}},
		// A value the search cannot use is named above the results, which
		// do not claim to be clear.
		{"/?name=Soleimani&dob=yesterday&nationality=Narnia&gender=q", 200, []string{`role="alert"`, "Not used in this search", `dob &#34;yesterday&#34; is not a date`,
			`nationality &#34;Narnia&#34; is not a country`, `gender &#34;q&#34; is not male or female`, "1 subject for"}},
		{"/?name=Nobody+At+All&dob=1957-02-30", 200, []string{"February 1957 has 28 days", "No listed entity matches the fields that could be used"}},
		{"/?name=Soleimani&dob=1957-03-11&nationality=Iran&gender=male", 200, []string{"1 subject for", `<option value="male" selected>`}},
		{"/?name=%E2%80%94", 400, []string{"has no letter or digit"}},
		{"/entities/un:IRi.039", 200, []string{"<h1 dir=\"auto\">Qasem Soleimani</h1>", `lang="fa"`, "قاسم سلیمانی", "1957-03-11", "un@1", "changed — programs"}},
		{"/entities/un:nope", 404, []string{"No listed entity"}},
		{"/lists", 200, []string{"<th scope=\"row\">UN Security Council Consolidated List<div class=\"muted\"><code>un</code>", "un@2", `href="/lists/un/diff?from=1&amp;to=2"`, "36 h"}},
		{"/lists/un/diff?to=2", 200, []string{"un: version 1 → 2", `href="/entities/un:TEST.9"`, "programs"}},
		{"/lists/un/diff?to=9", 404, []string{"no version 9"}},
		{"/text", 200, []string{`<textarea id="text"`}},
		{"/manifest", 200, []string{`type="file"`}},
		{"/static/style.css", 200, []string{"--accent"}},
	} {
		res, body := do(t, h, "GET", tc.path, "")
		if res.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.path, res.StatusCode, tc.status)
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %q", tc.path, w)
			}
		}
		if strings.Contains(body, "http://") || strings.Contains(body, "https://") {
			t.Errorf("%s refers to an external resource", tc.path)
		}
	}

	if _, body := do(t, h, "GET", "/?name=Soleimani&dob=1957-03-11&nationality=IR", ""); strings.Contains(body, "Not used") || strings.Contains(body, `role="alert"`) {
		t.Errorf("a search whose values are all used warns:\n%s", body)
	}

	b := newClient(t, s)
	res, body := b.post("/text", map[string]string{"text": "Talks with Ivan Petrov <b>ended</b>."})
	if res.StatusCode != 200 || !strings.Contains(body, `<mark title="Ivan Petrov (un:TEST.9)"><a href="/entities/un:TEST.9">Ivan Petrov</a></mark>`) ||
		!strings.Contains(body, "&lt;b&gt;ended") {
		t.Errorf("article page: %d\n%s", res.StatusCode, body)
	}

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", b.csrfOf("/manifest"))
	fw, _ := mw.CreateFormFile("file", "flight.txt")
	io.WriteString(fw, "JANE DOE|1980\nIVAN PETROV|1970")
	mw.Close()
	req, _ := http.NewRequest("POST", b.base+"/manifest", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, out := b.send(req)
	if res.StatusCode != 200 || !strings.Contains(out, "1 of 2 travellers match") || !strings.Contains(out, `class="hit"`) {
		t.Errorf("manifest upload: %d\n%s", res.StatusCode, out)
	}
}

package notify

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/argus-go/argus/internal/argus"
)

// ---- an in-process SMTP server ----

// emailTestMail is one mail the test server accepted.
type emailTestMail struct {
	From string
	To   []string
	Data []byte
	TLS  bool
}

// emailTestServerOpts shapes the test server's behaviour.
type emailTestServerOpts struct {
	// TLS, when set, offers STARTTLS, or with Implicit serves TLS from
	// the first byte.
	TLS      *tls.Config
	Implicit bool
	// Auth, when set, offers AUTH PLAIN (also without TLS) and checks
	// the credentials.
	Auth func(username, password string) error
	// Mail, Rcpt and Data, when set, run before the command is accepted;
	// an error is the server's reply.
	Mail, Rcpt, Data func() error
}

type emailTestServer struct {
	Host string
	Port int

	opts emailTestServerOpts
	mu   sync.Mutex
	mail []emailTestMail
}

// newEmailTestServer starts an SMTP server on 127.0.0.1 for the test.
func newEmailTestServer(t *testing.T, opts emailTestServerOpts) *emailTestServer {
	t.Helper()
	ts := &emailTestServer{opts: opts}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &emailTestSession{ts: ts, conn: c}, nil
	}))
	srv.Domain = "sink.test"
	srv.AllowInsecureAuth = true
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLSConfig = opts.TLS
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if opts.Implicit {
		l = tls.NewListener(l, opts.TLS)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	addr := l.Addr().(*net.TCPAddr)
	ts.Host, ts.Port = addr.IP.String(), addr.Port
	return ts
}

// Mails returns what the server has accepted so far.
func (ts *emailTestServer) Mails() []emailTestMail {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]emailTestMail(nil), ts.mail...)
}

// Config is a plain-SMTP configuration for the server.
func (ts *emailTestServer) Config() SMTPConfig {
	return SMTPConfig{Host: ts.Host, Port: ts.Port, From: "argus@example.org", Timeout: time.Minute}
}

type emailTestSession struct {
	ts   *emailTestServer
	conn *smtp.Conn
	cur  emailTestMail
}

func (s *emailTestSession) AuthMechanisms() []string {
	if s.ts.opts.Auth == nil {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *emailTestSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		return s.ts.opts.Auth(username, password)
	}), nil
}

func (s *emailTestSession) Mail(from string, _ *smtp.MailOptions) error {
	if f := s.ts.opts.Mail; f != nil {
		if err := f(); err != nil {
			return err
		}
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.cur = emailTestMail{From: from, TLS: isTLS}
	return nil
}

func (s *emailTestSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if f := s.ts.opts.Rcpt; f != nil {
		if err := f(); err != nil {
			return err
		}
	}
	s.cur.To = append(s.cur.To, to)
	return nil
}

func (s *emailTestSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if f := s.ts.opts.Data; f != nil {
		if err := f(); err != nil {
			return err
		}
	}
	s.cur.Data = b
	s.ts.mu.Lock()
	s.ts.mail = append(s.ts.mail, s.cur)
	s.ts.mu.Unlock()
	return nil
}

func (s *emailTestSession) Reset()        { s.cur = emailTestMail{} }
func (s *emailTestSession) Logout() error { return nil }

// emailTestCert makes a self-signed certificate for 127.0.0.1 and a pool
// that trusts it.
func emailTestCert(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "sink.test"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

// emailTestParts reads a delivered mail: its header and its body parts
// by content type, with CRLF turned into LF.
func emailTestParts(t *testing.T, data []byte) (mail.Header, string, map[string]string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("read delivered mail: %v", err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type: %v", err)
	}
	parts := map[string]string{}
	if !strings.HasPrefix(mediaType, "multipart/") {
		b, err := io.ReadAll(decodeTE(msg.Header.Get("Content-Transfer-Encoding"), msg.Body))
		if err != nil {
			t.Fatal(err)
		}
		parts[mediaType] = crlf(string(b))
		return msg.Header, mediaType, parts
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var order []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		// NextPart has already decoded quoted-printable.
		b, err := io.ReadAll(decodeTE(p.Header.Get("Content-Transfer-Encoding"), p))
		if err != nil {
			t.Fatal(err)
		}
		parts[ct] = crlf(string(b))
		order = append(order, ct)
	}
	parts["order"] = strings.Join(order, ",")
	return msg.Header, mediaType, parts
}

func decodeTE(te string, r io.Reader) io.Reader {
	switch strings.ToLower(te) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, r)
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}

func crlf(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

func decodeHeader(t *testing.T, v string) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(v)
	if err != nil {
		t.Fatalf("decode header %q: %v", v, err)
	}
	return s
}

// ---- rendering ----

func mustOslo(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func ptr[T any](v T) *T { return &v }

func TestEmailRender(t *testing.T) {
	oslo := mustOslo(t)
	summer := time.Date(2020, 10, 7, 8, 0, 0, 0, time.UTC) // 10:00 +02:00
	winterStart := time.Date(2021, 1, 15, 11, 0, 0, 1000, time.UTC)
	winterEnd := time.Date(2021, 1, 15, 13, 45, 30, 123456789, time.UTC) // µs truncated

	tests := []struct {
		name        string
		n           Notice
		wantSubject string
		wantText    string
		wantCells   []string
	}{
		{
			name: "STA open incident, summer time",
			n: Notice{
				Event: argus.Event{
					ID: 1, Type: argus.EventStart, Actor: argus.Actor{ID: 2, Username: "gw1"},
					Timestamp: summer, Description: "Notify me",
				},
				Incident: argus.Incident{
					ID: 42, StartTime: summer, EndTime: ptr(argus.Infinity),
					SourceIncidentID: "123", DetailsURL: "/devices/7", Description: "Notify me",
					Source: argus.Source{BaseURL: "https://nav.example.org"},
				},
				Location: oslo,
			},
			wantSubject: "[Argus] 'Incident start': Notify me, gw1 @ 2020-10-07 10:00:00+02:00",
			wantText: "Status: STA\n" +
				"Actor: gw1\n" +
				"\n" +
				"start_time       : 2020-10-07 10:00:00+02:00\n" +
				"\n" +
				"end_time         : 9999-12-31 23:59:59.999999+00:00\n" +
				"\n" +
				"source_incident_id: 123\n" +
				"\n" +
				"details_url      : /devices/7\n" +
				"\n" +
				"description      : Notify me\n" +
				"\n" +
				"ticket_url       : \n" +
				"\n",
			wantCells: []string{
				"Status", "STA", "Actor", "gw1",
				"start_time", "2020-10-07 10:00:00",
				"end_time", "9999-12-31 23:59:59",
				"source_incident_id", "123",
				"details_url", "/devices/7",
				"description", "Notify me",
				"ticket_url", "",
			},
		},
		{
			name: "END ended incident, winter time, microseconds",
			n: Notice{
				Event: argus.Event{
					ID: 9, Type: argus.EventEnd, Actor: argus.Actor{ID: 2, Username: "nav"},
					Timestamp: winterEnd,
				},
				Incident: argus.Incident{
					ID: 43, StartTime: winterStart, EndTime: ptr(winterEnd),
					SourceIncidentID: "abc", DetailsURL: "https://nav.example.org/x",
					Description: "Link down", TicketURL: "https://rt.example.org/1",
				},
				Location: oslo,
			},
			wantSubject: "[Argus] 'Incident end': Link down, nav @ 2021-01-15 14:45:30.123456+01:00",
			wantText: "Status: END\n" +
				"Actor: nav\n" +
				"\n" +
				"start_time       : 2021-01-15 12:00:00.000001+01:00\n" +
				"\n" +
				"end_time         : 2021-01-15 14:45:30.123456+01:00\n" +
				"\n" +
				"source_incident_id: abc\n" +
				"\n" +
				"details_url      : https://nav.example.org/x\n" +
				"\n" +
				"description      : Link down\n" +
				"\n" +
				"ticket_url       : https://rt.example.org/1\n" +
				"\n",
			wantCells: []string{
				"Status", "END", "Actor", "nav",
				"start_time", "2021-01-15 12:00:00",
				"end_time", "2021-01-15 14:45:30",
				"source_incident_id", "abc",
				"details_url", "https://nav.example.org/x",
				"description", "Link down",
				"ticket_url", "https://rt.example.org/1",
			},
		},
		{
			name: "stateless incident",
			n: Notice{
				Event: argus.Event{
					Type: argus.EventStart, Actor: argus.Actor{Username: "gw1"},
					Timestamp: summer,
				},
				Incident: argus.Incident{
					StartTime: summer, SourceIncidentID: "s", Description: "Blip",
				},
				Location: oslo,
			},
			wantSubject: "[Argus] 'Incident start': Blip, gw1 @ 2020-10-07 10:00:00+02:00",
			wantText: "Status: STA\nActor: gw1\n" +
				"\nstart_time       : 2020-10-07 10:00:00+02:00\n" +
				"\nend_time         : None\n" +
				"\nsource_incident_id: s\n" +
				"\ndetails_url      : \n" +
				"\ndescription      : Blip\n" +
				"\nticket_url       : \n\n",
			wantCells: []string{
				"Status", "STA", "Actor", "gw1",
				"start_time", "2020-10-07 10:00:00",
				"end_time", "None",
				"source_incident_id", "s",
				"details_url", "",
				"description", "Blip",
				"ticket_url", "",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NewEmail(SMTPConfig{}).Render(&tt.n)
			if got.Subject != tt.wantSubject {
				t.Errorf("Subject = %q; want %q", got.Subject, tt.wantSubject)
			}
			if diff := cmp.Diff(tt.wantText, got.Text); diff != "" {
				t.Errorf("Text mismatch (-want +got):\n%s", diff)
			}
			if title, want := htmlTitle(t, got.HTML), strings.TrimPrefix(tt.wantSubject, "[Argus] "); title != want {
				t.Errorf("HTML title = %q; want %q", title, want)
			}
			if diff := cmp.Diff(tt.wantCells, htmlCells(got.HTML)); diff != "" {
				t.Errorf("HTML table cells mismatch (-want +got):\n%s", diff)
			}
			if !strings.Contains(got.HTML, `<table>`) || !strings.Contains(got.HTML, "border: 1px solid black") {
				t.Errorf("HTML has no bordered table:\n%s", got.HTML)
			}
		})
	}
}

var (
	titleRE = regexp.MustCompile(`(?s)<title>(.*?)</title>`)
	cellRE  = regexp.MustCompile(`(?s)<td>(.*?)</td>`)
)

func htmlTitle(t *testing.T, doc string) string {
	t.Helper()
	m := titleRE.FindStringSubmatch(doc)
	if m == nil {
		t.Fatalf("no <title> in\n%s", doc)
	}
	return html.UnescapeString(m[1])
}

// htmlCells is the unescaped contents of every <td>, in order; a cell
// holding a link is kept as raw HTML.
func htmlCells(doc string) []string {
	var cells []string
	for _, m := range cellRE.FindAllStringSubmatch(doc, -1) {
		if strings.HasPrefix(m[1], "<a ") {
			cells = append(cells, m[1])
			continue
		}
		cells = append(cells, html.UnescapeString(m[1]))
	}
	return cells
}

func TestEmailRenderExtras(t *testing.T) {
	ts := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	base := func(evType argus.EventType, evDesc string) Notice {
		return Notice{
			Event: argus.Event{Type: evType, Actor: argus.Actor{Username: "alice"}, Timestamp: ts, Description: evDesc},
			Incident: argus.Incident{
				ID: 42, StartTime: ts, EndTime: ptr(argus.Infinity),
				SourceIncidentID: "1", Description: "Disk full",
			},
			Location: time.UTC,
		}
	}
	const descLine = "\nEvent description: on it, rebooting\n"
	tests := []struct {
		name       string
		n          Notice
		site       string
		wantDesc   bool
		wantLink   string
		wantSubjct string
	}{
		{name: "ACK with a comment", n: base(argus.EventAcknowledge, "on it, rebooting"), wantDesc: true,
			wantSubjct: "[Argus] 'Acknowledge': Disk full, alice @ 2024-03-01 12:00:00+00:00"},
		{name: "OTH with a comment and site URL", n: base(argus.EventOther, "on it, rebooting"),
			site: "https://argus.example.org/", wantDesc: true, wantLink: "https://argus.example.org/incidents/42/",
			wantSubjct: "[Argus] 'Other': Disk full, alice @ 2024-03-01 12:00:00+00:00"},
		{name: "site URL without trailing slash", n: base(argus.EventClose, ""),
			site: "https://argus.example.org/ui", wantLink: "https://argus.example.org/ui/incidents/42/",
			wantSubjct: "[Argus] 'Close': Disk full, alice @ 2024-03-01 12:00:00+00:00"},
		{name: "event description equal to the incident's", n: base(argus.EventStart, "Disk full"),
			wantSubjct: "[Argus] 'Incident start': Disk full, alice @ 2024-03-01 12:00:00+00:00"},
		{name: "no event description", n: base(argus.EventReopen, ""),
			wantSubjct: "[Argus] 'Reopen': Disk full, alice @ 2024-03-01 12:00:00+00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.n.SiteURL = tt.site
			got := NewEmail(SMTPConfig{}).Render(&tt.n)
			if got.Subject != tt.wantSubjct {
				t.Errorf("Subject = %q; want %q", got.Subject, tt.wantSubjct)
			}
			// The original's fields come first, unchanged.
			const prefix = "\nticket_url       : \n"
			i := strings.Index(got.Text, prefix)
			if i < 0 {
				t.Fatalf("Text has no ticket_url line:\n%s", got.Text)
			}
			var wantTail string
			if tt.wantDesc {
				wantTail += descLine
			}
			if tt.wantLink != "" {
				wantTail += "\nIncident page    : " + tt.wantLink + "\n"
			}
			if diff := cmp.Diff(prefix+wantTail+"\n", got.Text[i:]); diff != "" {
				t.Errorf("Text tail mismatch (-want +got):\n%s", diff)
			}

			cells := htmlCells(got.HTML)
			var wantCells []string
			if tt.wantDesc {
				wantCells = append(wantCells, "Event description", "on it, rebooting")
			}
			if tt.wantLink != "" {
				wantCells = append(wantCells, "Incident page", fmt.Sprintf(`<a href="%s">%s</a>`, tt.wantLink, tt.wantLink))
			}
			if len(cells) < 16 {
				t.Fatalf("HTML has %d cells, want at least 16: %q", len(cells), cells)
			}
			if diff := cmp.Diff(wantCells, cells[16:], cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("HTML extra cells mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEmailRenderEscaping(t *testing.T) {
	const evil = `<script>alert("x")</script> & co`
	n := Notice{
		Event: argus.Event{Type: argus.EventOther, Actor: argus.Actor{Username: "a<b"},
			Timestamp: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC), Description: evil + " again"},
		Incident: argus.Incident{ID: 1, StartTime: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC),
			Description: evil, DetailsURL: `javascript:alert(1)`},
		Location: time.UTC,
		SiteURL:  `https://argus.example.org/"><script>`,
	}
	got := NewEmail(SMTPConfig{}).Render(&n)
	if strings.Contains(got.HTML, "<script>") {
		t.Errorf("HTML contains an unescaped <script>:\n%s", got.HTML)
	}
	if !strings.Contains(got.HTML, "&lt;script&gt;") {
		t.Errorf("HTML lacks the escaped description:\n%s", got.HTML)
	}
	if title, want := htmlTitle(t, got.HTML), `'Other': `+evil+`, a<b @ 2024-03-01 12:00:00+00:00`; title != want {
		t.Errorf("title = %q; want %q", title, want)
	}
	cells := htmlCells(got.HTML)
	for _, want := range []string{evil, evil + " again", "a<b", "javascript:alert(1)"} {
		found := false
		for _, c := range cells {
			found = found || c == want
		}
		if !found {
			t.Errorf("no HTML cell reads %q after unescaping; cells: %q", want, cells)
		}
	}
	// The text body is not HTML: it carries the values as they are.
	if !strings.Contains(got.Text, "\ndescription      : "+evil+"\n") {
		t.Errorf("Text lacks the raw description:\n%s", got.Text)
	}
}

func TestEmailRenderSubjectIsOneLine(t *testing.T) {
	n := Notice{
		Event:    argus.Event{Type: argus.EventStart, Actor: argus.Actor{Username: "gw"}, Timestamp: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
		Incident: argus.Incident{Description: "line one\r\nline two\nthree"},
		Location: time.UTC,
	}
	got := NewEmail(SMTPConfig{}).Render(&n)
	want := "[Argus] 'Incident start': line one line two three, gw @ 2024-01-01 00:00:00+00:00"
	if got.Subject != want {
		t.Errorf("Subject = %q; want %q", got.Subject, want)
	}
	if !strings.Contains(got.Text, "description      : line one\r\nline two\nthree\n") {
		t.Errorf("Text should keep the description's line breaks:\n%q", got.Text)
	}
}

func TestEmailRenderPyTime(t *testing.T) {
	oslo := mustOslo(t)
	tests := []struct {
		t    time.Time
		loc  *time.Location
		want string
		html string
	}{
		{time.Date(2020, 7, 1, 10, 0, 0, 0, time.UTC), oslo, "2020-07-01 12:00:00+02:00", "2020-07-01 12:00:00"},
		{time.Date(2020, 12, 1, 10, 0, 0, 500, time.UTC), oslo, "2020-12-01 11:00:00+01:00", "2020-12-01 11:00:00"},
		{time.Date(2020, 12, 1, 10, 0, 0, 999999999, time.UTC), oslo, "2020-12-01 11:00:00.999999+01:00", "2020-12-01 11:00:00"},
		{time.Date(2020, 12, 1, 10, 0, 0, 10000, time.UTC), time.FixedZone("", -(3*3600 + 30*60)), "2020-12-01 06:30:00.000010-03:30", "2020-12-01 06:30:00"},
		{argus.Infinity, oslo, "9999-12-31 23:59:59.999999+00:00", "9999-12-31 23:59:59"},
		{argus.NegInfinity, oslo, "0001-01-01 00:00:00+00:00", "0001-01-01 00:00:00"},
	}
	for _, tt := range tests {
		if got := pyTime(tt.t, tt.loc); got != tt.want {
			t.Errorf("pyTime(%v) = %q; want %q", tt.t, got, tt.want)
		}
		if got := djangoTime(tt.t, tt.loc); got != tt.html {
			t.Errorf("djangoTime(%v) = %q; want %q", tt.t, got, tt.html)
		}
	}
}

func TestEmailRecipient(t *testing.T) {
	e := NewEmail(SMTPConfig{})
	tests := []struct {
		c       argus.Destination
		want    string
		wantErr string
	}{
		{argus.Destination{ID: 1, Medium: argus.MediumEmail, Address: "alice@example.org"}, "alice@example.org", ""},
		{argus.Destination{ID: 2, Medium: argus.MediumEmail}, "", "destination 2 has no email address"},
		{argus.Destination{ID: 3, Medium: argus.MediumEmail, Address: "  "}, "", "destination 3 has no email address"},
		{argus.Destination{ID: 4, Medium: argus.MediumEmail, Address: "not an address"}, "", "destination 4 has an invalid email address"},
	}
	for _, tt := range tests {
		got, err := e.Recipient(&tt.c)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Recipient(%+v) error = %v; want one containing %q", tt.c, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Recipient(%+v) = %q, %v; want %q", tt.c, got, err, tt.want)
		}
	}
}

// ---- sending ----

func testMessage(e *Email, id int64, to string) *Message {
	n := Notice{
		Event: argus.Event{ID: 5, Type: argus.EventAcknowledge, Actor: argus.Actor{Username: "åse"},
			Timestamp: time.Date(2024, 6, 1, 8, 0, 0, 0, time.UTC), Description: "Ser på det"},
		Incident: argus.Incident{ID: 42, StartTime: time.Date(2024, 6, 1, 7, 0, 0, 0, time.UTC),
			EndTime: ptr(argus.Infinity), SourceIncidentID: "9", Description: "Strøm borte på Ørland"},
		Location: time.UTC,
		SiteURL:  "https://argus.example.org",
	}
	return &Message{ID: id, EventID: 5, IncidentID: 42, Medium: argus.MediumEmail,
		Recipient: to, Content: e.Render(&n), Attempt: 1}
}

func TestEmailSend(t *testing.T) {
	ts := newEmailTestServer(t, emailTestServerOpts{})
	e := NewEmail(ts.Config())
	m := testMessage(e, 77, "alice@example.org")
	if err := e.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	mails := ts.Mails()
	if len(mails) != 1 {
		t.Fatalf("server got %d mails; want 1", len(mails))
	}
	got := mails[0]
	if got.From != "argus@example.org" || !cmp.Equal(got.To, []string{"alice@example.org"}) {
		t.Errorf("envelope = %q -> %q; want argus@example.org -> [alice@example.org]", got.From, got.To)
	}
	if got.TLS {
		t.Errorf("plain SMTP configured, but the session used TLS")
	}
	h, mediaType, parts := emailTestParts(t, got.Data)
	for _, c := range []struct{ key, want string }{
		{"From", "<argus@example.org>"},
		{"To", "<alice@example.org>"},
		{"Subject", m.Subject},
		{"X-Argus-Message-Id", "77"},
		{"Auto-Submitted", "auto-generated"},
	} {
		if v := decodeHeader(t, h.Get(c.key)); v != c.want {
			t.Errorf("header %s = %q; want %q", c.key, v, c.want)
		}
	}
	if h.Get("Message-Id") == "" {
		t.Errorf("no Message-Id header")
	}
	if mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type = %q; want multipart/alternative", mediaType)
	}
	if parts["order"] != "text/plain,text/html" {
		t.Errorf("parts = %s; want text/plain,text/html", parts["order"])
	}
	if diff := cmp.Diff(m.Text, parts["text/plain"]); diff != "" {
		t.Errorf("text/plain mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(crlf(m.HTML), parts["text/html"]); diff != "" {
		t.Errorf("text/html mismatch (-want +got):\n%s", diff)
	}
	if !strings.Contains(parts["text/plain"], "\nIncident page    : https://argus.example.org/incidents/42/\n") {
		t.Errorf("text/plain lacks the incident link:\n%s", parts["text/plain"])
	}
}

func TestEmailSendTextOnly(t *testing.T) {
	ts := newEmailTestServer(t, emailTestServerOpts{})
	e := NewEmail(ts.Config())
	m := &Message{ID: 3, Recipient: "bob@example.org", Content: Content{Subject: "s", Text: "just text\n"}}
	if err := e.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	mails := ts.Mails()
	if len(mails) != 1 {
		t.Fatalf("server got %d mails; want 1", len(mails))
	}
	_, mediaType, parts := emailTestParts(t, mails[0].Data)
	if mediaType != "text/plain" || parts["text/plain"] != "just text\n" {
		t.Errorf("got %s %q; want text/plain %q", mediaType, parts["text/plain"], "just text\n")
	}
}

func TestEmailSendReplies(t *testing.T) {
	reply := func(code int, msg string) func() error {
		return func() error {
			return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0}, Message: msg}
		}
	}
	tests := []struct {
		name      string
		opts      emailTestServerOpts
		permanent bool
		wantText  string
	}{
		{"RCPT 550", emailTestServerOpts{Rcpt: reply(550, "No such user")}, true, "550"},
		{"RCPT 451", emailTestServerOpts{Rcpt: reply(451, "Try again later")}, false, "451"},
		{"MAIL 553", emailTestServerOpts{Mail: reply(553, "Sender not allowed")}, true, "553"},
		{"MAIL 421", emailTestServerOpts{Mail: reply(421, "Too busy")}, false, "421"},
		{"DATA 554", emailTestServerOpts{Data: reply(554, "Spam")}, true, "554"},
		{"DATA 452", emailTestServerOpts{Data: reply(452, "Mailbox full")}, false, "452"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newEmailTestServer(t, tt.opts)
			e := NewEmail(ts.Config())
			err := e.Send(context.Background(), testMessage(e, 1, "alice@example.org"))
			if err == nil {
				t.Fatal("Send succeeded; want an error")
			}
			if got := IsPermanent(err); got != tt.permanent {
				t.Errorf("IsPermanent(%v) = %v; want %v", err, got, tt.permanent)
			}
			addr := net.JoinHostPort(ts.Host, strconv.Itoa(ts.Port))
			if !strings.Contains(err.Error(), tt.wantText) || !strings.Contains(err.Error(), addr) {
				t.Errorf("error %q should name the reply %s and the server %s", err, tt.wantText, addr)
			}
			if n := len(ts.Mails()); n != 0 {
				t.Errorf("server accepted %d mails; want 0", n)
			}
		})
	}
}

func TestEmailSendInvalidAddress(t *testing.T) {
	ts := newEmailTestServer(t, emailTestServerOpts{})
	cfg := ts.Config()
	e := NewEmail(cfg)
	err := e.Send(context.Background(), testMessage(e, 1, "not an address"))
	if !IsPermanent(err) || !strings.Contains(err.Error(), `"not an address"`) {
		t.Errorf("bad recipient: err = %v; want a permanent error naming the address", err)
	}
	cfg.From = "argus at example"
	e = NewEmail(cfg)
	err = e.Send(context.Background(), testMessage(e, 1, "alice@example.org"))
	if !IsPermanent(err) || !strings.Contains(err.Error(), "sender") {
		t.Errorf("bad From: err = %v; want a permanent error about the sender", err)
	}
	if n := len(ts.Mails()); n != 0 {
		t.Errorf("server accepted %d mails; want 0", n)
	}
}

func TestEmailSendConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().(*net.TCPAddr)
	l.Close()
	const password = "pa55-w0rd-never-shown"
	e := NewEmail(SMTPConfig{Host: "127.0.0.1", Port: addr.Port, From: "argus@example.org",
		Username: "argus", Password: password, Timeout: time.Minute})
	err = e.Send(context.Background(), testMessage(e, 1, "alice@example.org"))
	if err == nil {
		t.Fatal("Send succeeded; want an error")
	}
	if IsPermanent(err) {
		t.Errorf("IsPermanent(%v) = true; want false", err)
	}
	if want := addr.String(); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name %s", err, want)
	}
	if strings.Contains(err.Error(), password) {
		t.Errorf("error %q contains the password", err)
	}
}

func TestEmailSendAuth(t *testing.T) {
	const password = "s3cret-Pa55word"
	ts := newEmailTestServer(t, emailTestServerOpts{Auth: func(u, p string) error {
		if u == "argus" && p == password {
			return nil
		}
		return smtp.ErrAuthFailed
	}})

	cfg := ts.Config()
	cfg.Username, cfg.Password = "argus", password
	e := NewEmail(cfg)
	if err := e.Send(context.Background(), testMessage(e, 1, "alice@example.org")); err != nil {
		t.Fatalf("Send with the right password: %v", err)
	}
	if n := len(ts.Mails()); n != 1 {
		t.Fatalf("server accepted %d mails; want 1", n)
	}

	// A wrong password: the server rejects the login. The error must not
	// show the password, in clear or as the AUTH PLAIN blob.
	const wrong = "wr0ng-Pa55word-xyz"
	cfg.Password = wrong
	e = NewEmail(cfg)
	err := e.Send(context.Background(), testMessage(e, 2, "alice@example.org"))
	if err == nil {
		t.Fatal("Send with a wrong password succeeded")
	}
	if IsPermanent(err) {
		t.Errorf("IsPermanent(%v) = true; a rejected login is the server's configuration, not the message's", err)
	}
	if !strings.Contains(err.Error(), "535") {
		t.Errorf("error %q does not show the server's 535 reply", err)
	}
	blob := base64.StdEncoding.EncodeToString([]byte("\x00argus\x00" + wrong))
	for _, secret := range []string{wrong, blob} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q contains the password", err)
		}
	}
	if n := len(ts.Mails()); n != 1 {
		t.Errorf("server accepted %d mails; want still 1", n)
	}
}

func TestEmailSendTLS(t *testing.T) {
	serverTLS, pool := emailTestCert(t)
	tests := []struct {
		name      string
		opts      emailTestServerOpts
		useTLS    bool
		useSSL    bool
		trust     bool
		wantTLS   bool
		wantError string
	}{
		{name: "STARTTLS", opts: emailTestServerOpts{TLS: serverTLS}, useTLS: true, trust: true, wantTLS: true},
		{name: "implicit TLS", opts: emailTestServerOpts{TLS: serverTLS, Implicit: true}, useSSL: true, trust: true, wantTLS: true},
		{name: "plain SMTP ignores offered STARTTLS", opts: emailTestServerOpts{TLS: serverTLS}, trust: false},
		{name: "STARTTLS with an untrusted certificate", opts: emailTestServerOpts{TLS: serverTLS}, useTLS: true,
			wantError: "certificate"},
		{name: "implicit TLS with an untrusted certificate", opts: emailTestServerOpts{TLS: serverTLS, Implicit: true}, useSSL: true,
			wantError: "certificate"},
		{name: "STARTTLS required but not offered", opts: emailTestServerOpts{}, useTLS: true, trust: true,
			wantError: "STARTTLS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newEmailTestServer(t, tt.opts)
			cfg := ts.Config()
			cfg.UseTLS, cfg.UseSSL = tt.useTLS, tt.useSSL
			e := NewEmail(cfg)
			if tt.trust {
				e.tlsConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
			}
			err := e.Send(context.Background(), testMessage(e, 1, "alice@example.org"))
			if tt.wantError != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantError) {
					t.Fatalf("Send error = %v; want one mentioning %q", err, tt.wantError)
				}
				if IsPermanent(err) {
					t.Errorf("IsPermanent(%v) = true; want false", err)
				}
				if n := len(ts.Mails()); n != 0 {
					t.Errorf("server accepted %d mails; want 0", n)
				}
				return
			}
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			mails := ts.Mails()
			if len(mails) != 1 {
				t.Fatalf("server accepted %d mails; want 1", len(mails))
			}
			if mails[0].TLS != tt.wantTLS {
				t.Errorf("session TLS = %v; want %v", mails[0].TLS, tt.wantTLS)
			}
		})
	}
}

// blockingMail makes the server hang in MAIL FROM until the test ends,
// telling the test when it has started hanging.
func blockingMail(t *testing.T) (emailTestServerOpts, <-chan struct{}) {
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	return emailTestServerOpts{Mail: func() error {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-release
		return nil
	}}, entered
}

func TestEmailSendContextCanceled(t *testing.T) {
	t.Run("before sending", func(t *testing.T) {
		ts := newEmailTestServer(t, emailTestServerOpts{})
		e := NewEmail(ts.Config())
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := e.Send(ctx, testMessage(e, 1, "alice@example.org"))
		if !errors.Is(err, context.Canceled) || IsPermanent(err) {
			t.Errorf("Send = %v; want a transient error wrapping context.Canceled", err)
		}
		if n := len(ts.Mails()); n != 0 {
			t.Errorf("server accepted %d mails; want 0", n)
		}
	})
	t.Run("during the session", func(t *testing.T) {
		opts, entered := blockingMail(t)
		ts := newEmailTestServer(t, opts)
		e := NewEmail(ts.Config()) // Timeout is a minute: only ctx can end this
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- e.Send(ctx, testMessage(e, 1, "alice@example.org")) }()
		<-entered
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) || IsPermanent(err) {
				t.Errorf("Send = %v; want a transient error wrapping context.Canceled", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("Send did not return after its context was canceled")
		}
	})
}

func TestEmailSendTimeout(t *testing.T) {
	opts, _ := blockingMail(t)
	ts := newEmailTestServer(t, opts)
	cfg := ts.Config()
	cfg.Timeout = 200 * time.Millisecond
	e := NewEmail(cfg)
	done := make(chan error, 1)
	go func() { done <- e.Send(context.Background(), testMessage(e, 1, "alice@example.org")) }()
	select {
	case err := <-done:
		if err == nil || IsPermanent(err) || !strings.Contains(err.Error(), "timeout") {
			t.Errorf("Send = %v; want a transient timeout error", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Send ignored its 200ms timeout")
	}
}

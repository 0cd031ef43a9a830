package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/argus-go/argus/internal/argus"
)

// SMTPConfig is how Argus reaches its mail server. Both media that send
// mail (EM, and SM through an email-to-SMS gateway) use it.
type SMTPConfig struct {
	// Host is EMAIL_HOST.
	Host string
	// Port is EMAIL_PORT. Zero means 465 with UseSSL, 587 with UseTLS
	// and 25 otherwise.
	Port int
	// Username and Password are EMAIL_HOST_USER and EMAIL_HOST_PASSWORD.
	// Argus authenticates only when Username is set, and offers PLAIN or
	// LOGIN only over an encrypted connection or to localhost, so the
	// password never crosses the network in the clear.
	Username, Password string
	// UseTLS is EMAIL_USE_TLS: the server must offer STARTTLS and the
	// session is upgraded before anything else is said. When false and
	// UseSSL is false, no TLS is attempted at all (local relays, the
	// debug sink).
	UseTLS bool
	// UseSSL is implicit TLS from the first byte (SMTPS, port 465); it
	// takes precedence over UseTLS.
	UseSSL bool
	// Timeout bounds connecting and each SMTP command; zero means
	// go-mail's default of 15 seconds.
	Timeout time.Duration
	// From is DEFAULT_FROM_EMAIL, the sender of every notification.
	From string
}

// addr is host:port as dialled, for error messages.
func (c *SMTPConfig) addr() string {
	port := c.Port
	if port == 0 {
		switch {
		case c.UseSSL:
			port = gomail.DefaultPortSSL
		case c.UseTLS:
			port = gomail.DefaultPortTLS
		default:
			port = gomail.DefaultPort
		}
	}
	return net.JoinHostPort(c.Host, strconv.Itoa(port))
}

// mailer sends one mail per call through the configured SMTP server. It
// is the part EM and SM share.
type mailer struct {
	cfg SMTPConfig
	// tlsConfig, when set, is the base TLS configuration (tests set their
	// own root CAs); ServerName is always the configured host.
	tlsConfig *tls.Config
}

// send delivers one mail to one address, dialling once. It classifies
// failures for the workers: a 5xx reply inside the mail transaction, or
// an address that does not parse, is Permanent; anything about reaching
// or talking to the server (refused connections, timeouts, TLS, 4xx
// replies, a rejected login) is transient, so that fixing the server or
// the configuration delivers what is queued. Errors name the server's
// host:port and never carry the password.
func (s *mailer) send(ctx context.Context, id int64, to, subject, text, html string) error {
	addr := s.cfg.addr()
	msg := gomail.NewMsg()
	if err := msg.From(s.cfg.From); err != nil {
		return Permanent(fmt.Errorf("notify: invalid sender address %q: %w", s.cfg.From, err))
	}
	if err := msg.To(to); err != nil {
		return Permanent(fmt.Errorf("notify: invalid recipient address %q: %w", to, err))
	}
	msg.Subject(subject)
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetGenHeader("X-Argus-Message-Id", strconv.FormatInt(id, 10))
	msg.SetBodyString(gomail.TypeTextPlain, text)
	if html != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, html)
	}

	// go-mail watches ctx only while dialling; closing the connection
	// when ctx ends also stops a session stuck in a later command. It
	// also leaves the connection open when the greeting, STARTTLS or
	// AUTH fails, so it is closed here in any case.
	var conn net.Conn
	var stop func() bool
	defer func() {
		if conn != nil {
			stop()
			conn.Close()
		}
	}()
	dial := func(dctx context.Context, network, address string) (net.Conn, error) {
		c, err := s.dial(dctx, network, address)
		if err == nil {
			conn = c
			stop = context.AfterFunc(ctx, func() { c.Close() })
		}
		return c, err
	}
	client, err := s.client(dial)
	if err != nil {
		return fmt.Errorf("notify: smtp %s: %w", addr, err)
	}

	err = client.DialAndSendWithContext(ctx, msg)
	switch {
	case err == nil:
		return nil
	case msg.IsDelivered():
		// The server took the message; only RSET or QUIT failed. Sending
		// again would deliver it twice.
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("notify: smtp %s: %w (%w)", addr, context.Cause(ctx), err)
	}
	err = fmt.Errorf("notify: smtp %s: %w", addr, err)
	var se *gomail.SendError
	if errors.As(err, &se) {
		if se.Reason == gomail.ErrGetSender || se.Reason == gomail.ErrGetRcpts {
			return Permanent(err)
		}
		if code := se.ErrorCode(); code >= 500 && code < 600 {
			return Permanent(err)
		}
	}
	return err
}

// tlsConf is the TLS configuration for the server.
func (s *mailer) tlsConf() *tls.Config {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.tlsConfig != nil {
		tc = s.tlsConfig.Clone()
	}
	tc.ServerName = s.cfg.Host
	return tc
}

// dial opens the connection for go-mail: TCP, or TLS from the first byte
// with UseSSL (go-mail then sees a *tls.Conn and knows the session is
// encrypted).
func (s *mailer) dial(ctx context.Context, network, address string) (net.Conn, error) {
	nd := &net.Dialer{}
	if s.cfg.UseSSL {
		return (&tls.Dialer{NetDialer: nd, Config: s.tlsConf()}).DialContext(ctx, network, address)
	}
	return nd.DialContext(ctx, network, address)
}

// client builds a go-mail client for one send.
func (s *mailer) client(dial gomail.DialContextFunc) (*gomail.Client, error) {
	host, portStr, _ := net.SplitHostPort(s.cfg.addr())
	port, _ := strconv.Atoi(portStr)
	policy := gomail.NoTLS // UseSSL: the dialler did it
	if s.cfg.UseTLS && !s.cfg.UseSSL {
		policy = gomail.TLSMandatory
	}
	opts := []gomail.Option{
		gomail.WithPort(port),
		gomail.WithTLSPolicy(policy),
		gomail.WithTLSConfig(s.tlsConf()),
		gomail.WithDialContextFunc(dial),
	}
	if s.cfg.Timeout > 0 {
		opts = append(opts, gomail.WithTimeout(s.cfg.Timeout))
	}
	if s.cfg.Username != "" {
		// go-mail's PLAIN and LOGIN refuse an unencrypted session to
		// anything but localhost.
		opts = append(opts,
			gomail.WithOpportunisticSMTPAuth(
				gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1, gomail.SMTPAuthCramMD5,
				gomail.SMTPAuthPlain, gomail.SMTPAuthLogin),
			gomail.WithUsername(s.cfg.Username),
			gomail.WithPassword(s.cfg.Password))
	}
	return gomail.NewClient(host, opts...)
}

// Email is the EM medium (D13, D14): one multipart mail per recipient,
// plain text and HTML, in the original's format (api-v1.md §6).
type Email struct {
	mailer
}

// NewEmail returns the EM medium sending through cfg.
func NewEmail(cfg SMTPConfig) *Email {
	return &Email{mailer{cfg: cfg}}
}

// subjectPrefix is NOTIFICATION_SUBJECT_PREFIX.
const subjectPrefix = "[Argus] "

// Render makes the subject, text and HTML of the event's mail.
func (e *Email) Render(n *Notice) Content {
	loc := n.Location
	if loc == nil {
		loc = time.UTC
	}
	ev, inc := &n.Event, &n.Incident
	display := ev.Type.Display()
	if display == "" {
		display = string(ev.Type)
	}
	// str(event) of the original; a header cannot hold line breaks.
	title := oneLine(fmt.Sprintf("'%s': %s, %s @ %s",
		display, inc.Description, ev.Actor.Username, pyTime(ev.Timestamp, loc)))

	end := "None" // str(None): a stateless incident
	endHTML := "None"
	if inc.EndTime != nil {
		end = pyTime(*inc.EndTime, loc)
		endHTML = djangoTime(*inc.EndTime, loc)
	}
	rows := []emailRow{
		{"start_time", pyTime(inc.StartTime, loc), djangoTime(inc.StartTime, loc), ""},
		{"end_time", end, endHTML, ""},
		{"source_incident_id", inc.SourceIncidentID, inc.SourceIncidentID, ""},
		{"details_url", inc.DetailsURL, inc.DetailsURL, ""},
		{"description", inc.Description, inc.Description, ""},
		{"ticket_url", inc.TicketURL, inc.TicketURL, ""},
	}
	// Beyond the original (D14), after its fields so that filters on
	// them keep working.
	if ev.Description != "" && ev.Description != inc.Description {
		rows = append(rows, emailRow{"Event description", ev.Description, ev.Description, ""})
	}
	if n.SiteURL != "" {
		u := fmt.Sprintf("%s/incidents/%d/", strings.TrimRight(n.SiteURL, "/"), inc.ID)
		rows = append(rows, emailRow{"Incident page", u, u, u})
	}

	var text strings.Builder
	fmt.Fprintf(&text, "Status: %s\nActor: %s\n", ev.Type, ev.Actor.Username)
	for _, r := range rows {
		// Django's {{ field|ljust:17 }}: {{ value }}, each after a blank line.
		fmt.Fprintf(&text, "\n%-17s: %s\n", r.Name, r.Text)
	}
	text.WriteString("\n")

	var html bytes.Buffer
	err := emailHTML.Execute(&html, struct {
		Title  string
		Status argus.EventType
		Actor  string
		Rows   []emailRow
	}{title, ev.Type, ev.Actor.Username, rows})
	if err != nil {
		// The template is fixed and its data plain strings: this is a bug.
		panic("notify: email HTML template: " + err.Error())
	}
	return Content{Subject: subjectPrefix + title, Text: text.String(), HTML: html.String()}
}

// Recipient is the user's email address. A user without one, or with one
// that does not parse, cannot be mailed.
func (e *Email) Recipient(d *argus.Destination) (string, error) {
	addr := strings.TrimSpace(d.Address)
	if addr == "" {
		return "", fmt.Errorf("notify: destination %d has no email address", d.ID)
	}
	if _, err := mail.ParseAddress(addr); err != nil {
		return "", fmt.Errorf("notify: destination %d has an invalid email address %q: %w", d.ID, addr, err)
	}
	return addr, nil
}

// Send mails m to m.Recipient. A 5xx reply to the mail transaction or an
// unparsable address is Permanent; other failures are transient.
func (e *Email) Send(ctx context.Context, m *Message) error {
	return e.send(ctx, m.ID, m.Recipient, m.Subject, m.Text, m.HTML)
}

// emailRow is one "name: value" line of the body.
type emailRow struct {
	Name string
	Text string // in the text body
	HTML string // in the HTML body, escaped by the template
	Link string // when set, the HTML value links here
}

// emailHTML is the original's notificationprofile/email.html.
var emailHTML = template.Must(template.New("email.html").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
    <meta charset="UTF-8">
    <title>{{.Title}}</title>

    <style>
        table {
            border-collapse: collapse;
        }

        table, th, td {
            border: 1px solid black;
        }

        td {
            padding: 0.5em;
        }
    </style>
</head>
<body>

    <table>
        <tbody>
            <tr>
                <td>Status</td>
                <td>{{.Status}}</td>
            </tr>
            <tr>
                <td>Actor</td>
                <td>{{.Actor}}</td>
            </tr>
        {{- range .Rows}}
            <tr>
                <td>{{.Name}}</td>
                <td>{{if .Link}}<a href="{{.Link}}">{{.HTML}}</a>{{else}}{{.HTML}}{{end}}</td>
            </tr>
        {{- end}}
        </tbody>
    </table>

</body>
</html>
`))

// pyTime formats t as Python's str(datetime) in loc:
// "2006-01-02 15:04:05[.ffffff]+07:00", with microseconds only when they
// are not zero. The infinities are printed in UTC as stored: moving
// Python's datetime.max into a zone east of UTC overflows.
func pyTime(t time.Time, loc *time.Location) string {
	if argus.IsInfinity(t) || argus.IsNegInfinity(t) {
		loc = time.UTC
	}
	t = t.In(loc)
	s := t.Format("2006-01-02 15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		s += fmt.Sprintf(".%06d", us)
	}
	return s + t.Format("-07:00")
}

// djangoTime formats t as Django's "Y-m-d H:i:s" in loc; the infinities
// stay in UTC, as in pyTime.
func djangoTime(t time.Time, loc *time.Location) string {
	if argus.IsInfinity(t) || argus.IsNegInfinity(t) {
		loc = time.UTC
	}
	return t.In(loc).Format("2006-01-02 15:04:05")
}

// oneLine replaces line breaks with spaces.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s)
}

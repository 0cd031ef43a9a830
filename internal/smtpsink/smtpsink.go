// Package smtpsink is a small, real SMTP server that keeps every message it
// accepts. "argus dev-smtp" prints messages from it while you develop, and
// the notification tests deliver to it over TCP, as they would to a real
// mail server. The tests also use it to inject faults: a server that is
// down and comes back on the same port, 4xx and 5xx replies, and a message
// held in flight.
//
// The server speaks plain SMTP without TLS, as Argus does with
// EMAIL_USE_TLS=false. It offers AUTH PLAIN and AUTH LOGIN, and accepts any
// credentials unless WithAuth says which ones to require.
package smtpsink

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one message the sink accepted: the envelope as given by MAIL
// FROM and RCPT TO, and the data exactly as received after the final dot
// (dot-stuffing undone, CRLF line endings kept). Callers must not modify
// To or Data: copies share them.
type Message struct {
	From     string
	To       []string
	Data     []byte
	Received time.Time
	// User is the name the client authenticated as, "" if it did not.
	User string
}

// Header returns the first value of the named header field, undecoded, or
// "" if there is none or the message cannot be parsed.
func (m Message) Header(name string) string {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		return ""
	}
	return msg.Header.Get(name)
}

// Subject returns the Subject header with its RFC 2047 encoded words
// decoded, or the raw header if they cannot be decoded.
func (m Message) Subject() string {
	raw := m.Header("Subject")
	s, err := new(mime.WordDecoder).DecodeHeader(raw)
	if err != nil {
		return raw
	}
	return s
}

// TextBody returns the first text/plain part that is not an attachment,
// searching multipart messages depth first, with its transfer encoding
// (quoted-printable or base64) undone and line endings turned into "\n". A
// message without a Content-Type is text/plain. It returns "" if there is
// no such part or the message cannot be parsed.
func (m Message) TextBody() string { return m.body("text/plain") }

// HTMLBody is TextBody for the text/html part.
func (m Message) HTMLBody() string { return m.body("text/html") }

func (m Message) body(mediaType string) string {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		return ""
	}
	b, ok, err := findPart(textproto.MIMEHeader(msg.Header), msg.Body, mediaType, 0)
	if err != nil || !ok {
		return ""
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

// findPart returns the decoded body of the first part of type want in the
// entity with header h and body r.
func findPart(h textproto.MIMEHeader, r io.Reader, want string, depth int) ([]byte, bool, error) {
	mediaType, params := "text/plain", map[string]string(nil) // RFC 2045 §5.2
	if ct := h.Get("Content-Type"); ct != "" {
		var err error
		if mediaType, params, err = mime.ParseMediaType(ct); err != nil {
			return nil, false, err
		}
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		if depth >= 10 {
			return nil, false, errors.New("smtpsink: multipart nested too deeply")
		}
		mr := multipart.NewReader(r, params["boundary"])
		for {
			// NextRawPart leaves the transfer encoding to decode below;
			// NextPart would undo quoted-printable only.
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil, false, nil
			}
			if err != nil {
				return nil, false, err
			}
			b, ok, err := findPart(p.Header, p, want, depth+1)
			if ok || err != nil {
				return b, ok, err
			}
		}
	}
	if mediaType != want {
		return nil, false, nil
	}
	if d, _, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil && d == "attachment" {
		return nil, false, nil
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r) // skips CR and LF
	}
	b, err := io.ReadAll(r)
	return b, err == nil, err
}

// Option configures a Server at Start.
type Option func(*options)

type options struct {
	user, pass string
	onMessage  func(Message)
	errorLog   *log.Logger
	now        func() time.Time
}

// WithAuth makes the server require AUTH with exactly these credentials
// before MAIL FROM: a wrong name or password gets 535, MAIL without AUTH
// gets 530.
func WithAuth(user, pass string) Option {
	return func(o *options) { o.user, o.pass = user, pass }
}

// WithOnMessage calls f with every message the server accepts, before the
// client gets its 250 reply. Calls are serialized, so f may write to a
// shared writer; f must return promptly and must not call Close.
func WithOnMessage(f func(Message)) Option {
	return func(o *options) { o.onMessage = f }
}

// WithErrorLog sends the SMTP library's reports of failed connections to
// l. Without it they are discarded.
func WithErrorLog(l *log.Logger) Option {
	return func(o *options) { o.errorLog = l }
}

// WithClock sets the clock that stamps Message.Received (default
// time.Now).
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// Server is a running SMTP sink. All its methods are safe for concurrent
// use.
type Server struct {
	opts options
	addr string // the address first listened on, kept across Restart

	runMu sync.Mutex // serializes Close and Restart
	gen   *generation

	cbMu sync.Mutex // held while a message is recorded and OnMessage runs

	mu       sync.Mutex
	msgs     []Message
	attempts int
	changed  chan struct{} // closed and replaced when msgs or attempts grow
	reject   *smtp.SMTPError
	rejectN  int // DATA commands left to reject; <0 means until cleared
	hold     *gate
}

// generation is one period between Start or Restart and Close.
type generation struct {
	srv    *smtp.Server
	ln     net.Listener
	down   chan struct{} // closed by Close: held DATA commands give up
	served chan struct{} // closed when Serve has returned
	closed bool          // guarded by Server.mu
}

// gate holds DATA commands until it is opened.
type gate struct {
	ch   chan struct{}
	once sync.Once
}

// errShuttingDown answers a DATA command cut short by Close, if the client
// is still there to read it.
var errShuttingDown = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Service shutting down"}

// Start listens on addr ("127.0.0.1:0" picks a free port) and serves SMTP
// until Close. It fails if addr cannot be listened on.
func Start(addr string, opts ...Option) (*Server, error) {
	s := &Server{changed: make(chan struct{})}
	for _, o := range opts {
		o(&s.opts)
	}
	if s.opts.errorLog == nil {
		s.opts.errorLog = log.New(io.Discard, "", 0)
	}
	if s.opts.now == nil {
		s.opts.now = time.Now
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("smtpsink: %w", err)
	}
	s.addr = ln.Addr().String()
	s.serve(ln)
	return s, nil
}

func (s *Server) serve(ln net.Listener) {
	g := &generation{down: make(chan struct{}), served: make(chan struct{})}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{s: s, g: g}, nil
	}))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.MaxMessageBytes = 32 << 20
	srv.MaxRecipients = 1000
	// MaxLineLength stays at the library's 2000, twice RFC 5321's limit,
	// so a sender that does not wrap long lines fails here too.
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	srv.ErrorLog = s.opts.errorLog
	g.srv, g.ln = srv, ln
	s.gen = g
	go func() {
		defer close(g.served)
		if err := srv.Serve(ln); err != nil {
			s.opts.errorLog.Printf("serve %s: %v", ln.Addr(), err)
		}
	}()
}

// Addr returns the address the server listens on, as host:port with the
// real port when Start was given port 0.
func (s *Server) Addr() string { return s.addr }

// Host returns the host part of Addr.
func (s *Server) Host() string {
	host, _, _ := net.SplitHostPort(s.addr)
	return host
}

// Port returns the port of Addr.
func (s *Server) Port() int {
	_, port, _ := net.SplitHostPort(s.addr)
	n, _ := strconv.Atoi(port)
	return n
}

// Close stops listening and closes every connection, so that connecting
// to Addr is refused until Restart. A DATA command being held is
// abandoned and its message is not recorded. When Close returns, no
// message will be recorded and no OnMessage call is running. Closing a
// closed server does nothing and returns nil.
func (s *Server) Close() error {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	g := s.gen
	if g == nil {
		return nil
	}
	s.gen = nil
	s.mu.Lock()
	g.closed = true
	s.mu.Unlock()
	close(g.down)
	err := g.srv.Close()
	// smtp.Server.Close misses the listener if Serve has not registered
	// it yet, and Serve would then accept forever.
	if lerr := g.ln.Close(); lerr != nil && !errors.Is(lerr, net.ErrClosed) && err == nil {
		err = lerr
	}
	<-g.served
	// Taking cbMu waits for a message being recorded.
	s.cbMu.Lock()
	//lint:ignore SA2001 the lock is only a barrier
	s.cbMu.Unlock()
	if err != nil {
		return fmt.Errorf("smtpsink: close: %w", err)
	}
	return nil
}

// Restart listens again on the same address after Close, keeping the
// messages, the attempt count, and any Reject or Hold in force. It fails
// if the server is running or the port has been taken meanwhile.
func (s *Server) Restart() error {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if s.gen != nil {
		return errors.New("smtpsink: restart: the server is running")
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("smtpsink: restart: %w", err)
	}
	s.serve(ln)
	return nil
}

// Messages returns the messages accepted so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Wait blocks until at least n messages have been accepted and returns
// them all. If ctx ends first it returns the messages accepted so far and
// an error wrapping ctx.Err().
func (s *Server) Wait(ctx context.Context, n int) ([]Message, error) {
	err := s.waitFor(ctx, func() bool { return len(s.msgs) >= n })
	if err != nil {
		got := s.Messages()
		return got, fmt.Errorf("smtpsink: waiting for %d message(s), got %d: %w", n, len(got), err)
	}
	return s.Messages(), nil
}

// Attempts returns how many messages clients have sent to the final dot
// of DATA, whatever the answer: accepted, rejected, or abandoned by Close.
// A message held by Hold is counted as soon as it is held.
func (s *Server) Attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

// WaitAttempts blocks until Attempts is at least n. With Hold it tells a
// test that a message is in flight: fully sent, not yet answered. If ctx
// ends first it returns an error wrapping ctx.Err().
func (s *Server) WaitAttempts(ctx context.Context, n int) error {
	if err := s.waitFor(ctx, func() bool { return s.attempts >= n }); err != nil {
		return fmt.Errorf("smtpsink: waiting for %d attempt(s), got %d: %w", n, s.Attempts(), err)
	}
	return nil
}

// waitFor blocks until cond, called with s.mu held, is true.
func (s *Server) waitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ok, changed := cond(), s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// notifyLocked wakes the waiters; s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Reject answers the next n DATA commands, after the whole message has
// been read, with code and msg instead of 250: 4xx codes (451) are
// transient failures a sender should retry, 5xx codes (550) permanent
// ones. The rejected messages are counted by Attempts but not recorded.
// n < 0 rejects until the next call; n == 0 clears any rejection.
func (s *Server) Reject(code int, msg string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n == 0 {
		s.reject, s.rejectN = nil, 0
		return
	}
	if msg == "" {
		msg = "Rejected by smtpsink"
	}
	s.reject, s.rejectN = &smtp.SMTPError{Code: code, Message: msg}, n
}

// Hold makes every DATA command that reaches its final dot from now on
// wait, unanswered, until release is called (or Close abandons it).
// Released messages are then rejected or accepted as usual, even if their
// client has gone away meanwhile: a real server that has read the final
// dot delivers too. Calling Hold while a hold is in force returns a
// release for the same hold. release may be called more than once.
func (s *Server) Hold() (release func()) {
	s.mu.Lock()
	if s.hold == nil {
		s.hold = &gate{ch: make(chan struct{})}
	}
	g := s.hold
	s.mu.Unlock()
	return func() {
		g.once.Do(func() {
			s.mu.Lock()
			if s.hold == g {
				s.hold = nil
			}
			s.mu.Unlock()
			close(g.ch)
		})
	}
}

// session is one SMTP connection.
type session struct {
	s    *Server
	g    *generation
	user string
	auth bool
	from string
	to   []string
}

var (
	_ smtp.Session     = (*session)(nil)
	_ smtp.AuthSession = (*session)(nil)
)

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain, sasl.Login} }

func (ss *session) Auth(mech string) (sasl.Server, error) {
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error { return ss.login(user, pass) }), nil
	case sasl.Login:
		return &loginServer{login: ss.login}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (ss *session) login(user, pass string) error {
	o := ss.s.opts
	if o.user != "" || o.pass != "" {
		okUser := subtle.ConstantTimeCompare([]byte(user), []byte(o.user)) == 1
		okPass := subtle.ConstantTimeCompare([]byte(pass), []byte(o.pass)) == 1
		if !okUser || !okPass {
			return smtp.ErrAuthFailed
		}
	}
	ss.user, ss.auth = user, true
	return nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if (ss.s.opts.user != "" || ss.s.opts.pass != "") && !ss.auth {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err // too large, or the client went away
	}
	s := ss.s
	s.mu.Lock()
	s.attempts++
	s.notifyLocked()
	hold := s.hold
	s.mu.Unlock()
	if hold != nil {
		select {
		case <-hold.ch:
		case <-ss.g.down:
			return errShuttingDown
		}
	}

	s.cbMu.Lock()
	defer s.cbMu.Unlock()
	s.mu.Lock()
	if ss.g.closed {
		s.mu.Unlock()
		return errShuttingDown
	}
	if rej := s.reject; rej != nil {
		if s.rejectN > 0 {
			s.rejectN--
			if s.rejectN == 0 {
				s.reject = nil
			}
		}
		s.mu.Unlock()
		return rej
	}
	m := Message{
		From:     ss.from,
		To:       append([]string(nil), ss.to...),
		Data:     data,
		Received: s.opts.now(),
		User:     ss.user,
	}
	s.msgs = append(s.msgs, m)
	s.notifyLocked()
	s.mu.Unlock()
	if s.opts.onMessage != nil {
		s.opts.onMessage(m)
	}
	return nil
}

// Reset forgets the envelope after a message or RSET; authentication
// stays.
func (ss *session) Reset() {
	ss.from, ss.to = "", nil
}

func (ss *session) Logout() error { return nil }

// loginServer is the server side of AUTH LOGIN, which go-sasl lacks: it
// asks for the user name, then the password, each base64-encoded.
type loginServer struct {
	step  int
	user  string
	login func(user, pass string) error
}

func (l *loginServer) Next(response []byte) (challenge []byte, done bool, err error) {
	switch l.step {
	case 0:
		l.step = 1
		if response == nil { // no initial response: ask for it
			return []byte("Username:"), false, nil
		}
		fallthrough
	case 1:
		l.user, l.step = string(response), 2
		return []byte("Password:"), false, nil
	case 2:
		l.step = 3
		return nil, true, l.login(l.user, string(response))
	}
	return nil, false, sasl.ErrUnexpectedClientResponse
}

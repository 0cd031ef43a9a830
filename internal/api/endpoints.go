package api

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/auth"
)

// Endpoints serve the paths of one version of the API: they authenticate
// the caller (Authenticate), check the access a path allows, dispatch by
// method with DRF's 405 and Allow, and write errors (WriteError), the
// domain's refusals laid out by the version's own wording.
type Endpoints struct {
	accounts *auth.Accounts
	log      *slog.Logger
	csrf     *http.CrossOriginProtection
	// word lays out the domain's refusals (argus.Error) as the version
	// answers them: a status and a JSON body; u is the caller, or nil.
	word func(es []*argus.Error, u *argus.User) (int, any)
}

// NewEndpoints returns the endpoints of an API version that authenticates
// with accounts, logs to log and words the domain's refusals with word.
func NewEndpoints(accounts *auth.Accounts, log *slog.Logger, word func(es []*argus.Error, u *argus.User) (int, any)) *Endpoints {
	return &Endpoints{accounts: accounts, log: log, csrf: http.NewCrossOriginProtection(), word: word}
}

// HandlerFunc is an API handler: it writes a response and returns nil, or
// returns an error for WriteError to render.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Access is who may call a handler.
type Access int

const (
	// Anyone, authenticated or not (logout, token-auth).
	Anyone Access = iota
	// Authenticated users only; others get 401.
	Authenticated
	// AnonRead lets anyone GET and authenticated users do the rest.
	AnonRead
)

// Methods maps HTTP methods to handlers for one path.
type Methods map[string]HandlerFunc

// Handle registers one path of the route table; see Endpoint.
func (e *Endpoints) Handle(mux *http.ServeMux, pattern string, who Access, ms Methods) {
	mux.HandleFunc(pattern, e.Endpoint(who, ms))
}

// Endpoint serves one path. Each request is authenticated first (an
// invalid token is 401 even where anonymous access is allowed, as in DRF),
// then dispatched by method: an unknown method answers 405 with Allow,
// OPTIONS 200 with Allow, HEAD runs GET.
func (e *Endpoints) Endpoint(who Access, ms Methods) http.HandlerFunc {
	allowed := make([]string, 0, len(ms)+2)
	for m := range ms {
		allowed = append(allowed, m)
	}
	if _, ok := ms[http.MethodGet]; ok {
		allowed = append(allowed, http.MethodHead)
	}
	allowed = append(allowed, http.MethodOptions)
	slices.Sort(allowed)
	allow := strings.Join(allowed, ", ")

	return func(w http.ResponseWriter, r *http.Request) {
		r, err := e.Authenticate(r)
		if err == nil && UserFrom(r.Context()) == nil {
			switch {
			case who == Authenticated:
				err = errUnauthenticated(msgNotAuthenticated)
			case who == AnonRead && r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions:
				err = errUnauthenticated(msgNotAuthenticated)
			}
		}
		if err != nil {
			e.WriteError(w, r, err)
			return
		}
		method := r.Method
		if method == http.MethodHead {
			method = http.MethodGet
		}
		h, ok := ms[method]
		switch {
		case ok:
			err = h(w, r)
		case r.Method == http.MethodOptions:
			w.Header().Set("Allow", allow)
			w.WriteHeader(http.StatusOK)
		default:
			w.Header().Set("Allow", allow)
			WriteJSON(w, http.StatusMethodNotAllowed, detailBody{`Method "` + r.Method + `" not allowed.`})
		}
		if err != nil {
			e.WriteError(w, r, err)
		}
	}
}

// notFound answers every path outside the route table.
func (e *Endpoints) notFound(w http.ResponseWriter, r *http.Request) {
	WriteJSON(w, http.StatusNotFound, detailBody{msgNotFound})
}

// userKey is the context key of the authenticated user.
type userKey struct{}

// UserFrom returns the authenticated user, or nil.
func UserFrom(ctx context.Context) *argus.User {
	u, _ := ctx.Value(userKey{}).(*argus.User)
	return u
}

package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/argus-go/argus/internal/config"
)

// cmdHealthcheck asks a running server whether it is ready (GET
// /readyz) and fails unless it answers 200 within five seconds: the
// container healthcheck of an image that has no shell and no curl.
// Without --url it asks the address serve listens on, with an
// unspecified host (":8000", "0.0.0.0:8000") asked on loopback.
func cmdHealthcheck(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "healthcheck", 0)
	url := fs.String("url", "", "URL to ask (default http://$ARGUS_LISTEN/readyz, loopback for an unspecified host)")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *url == "" {
		u, err := readyzURL(e.getenv("ARGUS_LISTEN"))
		if err != nil {
			return err
		}
		*url = u
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	if err := resp.Body.Close(); err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", *url, resp.Status)
	}
	fmt.Fprintf(e.stdout, "%s: ready\n", *url)
	return nil
}

// readyzURL is the /readyz URL of a server listening on listen (empty:
// the default address).
func readyzURL(listen string) (string, error) {
	if listen == "" {
		listen = config.DefaultListen
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("healthcheck: ARGUS_LISTEN %q: %w", listen, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/readyz", nil
}

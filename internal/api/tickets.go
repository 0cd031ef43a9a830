package api

import (
	"context"
	"errors"
)

// TicketPlugin makes a ticket in an issue tracker for an incident, for
// PUT /api/v2/incidents/<pk>/automatic-ticket/ (api-v2.md §4.4.8). It is
// given the incident as API v2 renders it, plus "argus_url" (the
// incident's page) and "user" (the caller's full name), and returns the
// ticket's URL; "" means it could make none. Its failures are told apart
// by ErrTicketUnreachable (503) and ErrTicketRefused (403); any other
// error answers 500.
type TicketPlugin interface {
	CreateTicket(ctx context.Context, incident map[string]any) (url string, err error)
}

// The failures of a TicketPlugin that the API answers with their own
// status.
var (
	// ErrTicketUnreachable: the tracker could not be reached (503).
	ErrTicketUnreachable = errors.New("ticket plugin: the ticket system cannot be reached")
	// ErrTicketRefused: the tracker refused to make the ticket (403).
	ErrTicketRefused = errors.New("ticket plugin: the ticket system refused the ticket")
)

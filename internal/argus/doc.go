// Package argus is the domain of Argus: users, sources, incidents, events,
// acknowledgements, tags, timeslots, filters and notification profiles, and
// the error kinds every other package speaks. It imports nothing else from
// the project and does no I/O.
package argus

package argus

import "time"

// Infinity is the end time of an open stateful incident. It is the same
// instant as Python's datetime.max in UTC, so it sorts after every real time
// and compares naturally with time.Time methods; storage maps it to
// PostgreSQL's 'infinity' (D7).
var Infinity = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)

// NegInfinity is the "-infinity" end time the API accepts (D7): the same
// instant as Python's datetime.min.
var NegInfinity = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)

// IsInfinity reports whether t is Infinity.
func IsInfinity(t time.Time) bool { return t.Equal(Infinity) }

// IsNegInfinity reports whether t is NegInfinity.
func IsNegInfinity(t time.Time) bool { return t.Equal(NegInfinity) }

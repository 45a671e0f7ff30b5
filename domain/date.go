package domain

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// Date is a calendar date (YYYY-MM-DD) in the body's time zone, with no time
// of day. The zero Date means "not set".
type Date struct {
	year  int
	month time.Month
	day   int
}

// NewDate returns the date y-m-d, normalising overflow as time.Date does.
func NewDate(y int, m time.Month, d int) Date {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return Date{t.Year(), t.Month(), t.Day()}
}

// DateOf returns the calendar date of instant t in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	t = t.In(loc)
	return Date{t.Year(), t.Month(), t.Day()}
}

// Dates outside these years are refused: no record of the register lies
// there, and both databases store every year in between.
const (
	MinDateYear = 1900
	MaxDateYear = 2999
)

// ParseDate parses YYYY-MM-DD, for years MinDateYear to MaxDateYear.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date in YYYY-MM-DD form", s)
	}
	if t.Year() < MinDateYear || t.Year() > MaxDateYear {
		return Date{}, fmt.Errorf("%q is outside the years %d to %d", s, MinDateYear, MaxDateYear)
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
}

// IsZero reports whether the date is unset.
func (d Date) IsZero() bool { return d == Date{} }

// String renders YYYY-MM-DD ("" when unset).
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	var b [10]byte
	return string(d.appendTo(b[:0]))
}

// appendTo appends YYYY-MM-DD to b by hand: dates are written for every
// row of every list, where fmt's formatting showed in profiles. Years are
// within MinDateYear and MaxDateYear, so four digits.
func (d Date) appendTo(b []byte) []byte {
	y := d.year
	if y < 0 || y > 9999 {
		return fmt.Appendf(b, "%04d-%02d-%02d", d.year, d.month, d.day)
	}
	m, day := int(d.month), d.day
	return append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+day/10), byte('0'+day%10))
}

func (d Date) time() time.Time { return time.Date(d.year, d.month, d.day, 0, 0, 0, 0, time.UTC) }

// AddDays returns the date n days later (earlier for negative n).
func (d Date) AddDays(n int) Date { return NewDate(d.year, d.month, d.day+n) }

// AddMonths returns the same day n months later, clamped to the last day of
// the target month: 31 January + 1 month is 28 (or 29) February, not March.
func (d Date) AddMonths(n int) Date {
	first := NewDate(d.year, d.month+time.Month(n), 1)
	last := NewDate(first.year, first.month+1, 0).day
	return Date{first.year, first.month, min(d.day, last)}
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.time().Before(e.time()) }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.time().After(e.time()) }

// DaysUntil returns the number of days from d to e (negative when e is earlier).
func (d Date) DaysUntil(e Date) int { return int(e.time().Sub(d.time()).Hours() / 24) }

// MarshalText implements encoding.TextMarshaler.
func (d Date) MarshalText() ([]byte, error) {
	if d.IsZero() {
		return []byte{}, nil
	}
	return d.appendTo(make([]byte, 0, 10)), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	p, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// Value implements driver.Valuer: NULL when unset, else YYYY-MM-DD.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Scan implements sql.Scanner for DATE columns of both databases.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
		return nil
	case time.Time:
		*d = Date{v.Year(), v.Month(), v.Day()}
		return nil
	case string:
		return d.UnmarshalText([]byte(firstN(v, 10)))
	case []byte:
		return d.UnmarshalText([]byte(firstN(string(v), 10)))
	}
	return fmt.Errorf("domain: cannot scan %T into a Date", src)
}

func firstN(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// MinDate returns the earlier of two set dates, ignoring unset ones.
func MinDate(a, b Date) Date {
	switch {
	case a.IsZero():
		return b
	case b.IsZero():
		return a
	case b.Before(a):
		return b
	}
	return a
}

// MaxDate returns the later of two set dates, ignoring unset ones.
func MaxDate(a, b Date) Date {
	switch {
	case a.IsZero():
		return b
	case b.IsZero():
		return a
	case b.After(a):
		return b
	}
	return a
}

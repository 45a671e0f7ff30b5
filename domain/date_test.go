package domain_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

// mustDate parses YYYY-MM-DD or fails the test; "" gives the zero Date.
func mustDate(t *testing.T, s string) domain.Date {
	t.Helper()
	if s == "" {
		return domain.Date{}
	}
	d, err := domain.ParseDate(s)
	require.NoError(t, err, "test fixture %q must be a valid date", s)
	return d
}

func TestParseDate(t *testing.T) {
	cases := []struct {
		name string
		in   string
		ok   bool
	}{
		{"ordinary date", "2026-04-01", true},
		{"leap day in a leap year", "2028-02-29", true},
		{"last day of the year", "2026-12-31", true},
		{"last accepted year", "2999-12-31", true},
		{"beyond the accepted years", "3000-01-01", false},
		{"before the accepted years", "1899-12-31", false},
		{"year zero", "0000-01-01", false},
		{"empty", "", false},
		{"no zero padding", "2026-4-1", false},
		{"slashes", "2026/04/01", false},
		{"no separators", "20260401", false},
		{"with time of day", "2026-04-01T00:00:00Z", false},
		{"leading space", " 2026-04-01", false},
		{"trailing space", "2026-04-01 ", false},
		{"month 13", "2026-13-01", false},
		{"month 0", "2026-00-10", false},
		{"day 0", "2026-04-00", false},
		{"30 February", "2026-02-30", false},
		{"leap day in a common year", "2027-02-29", false},
		{"31 April", "2026-04-31", false},
		{"Japanese era form", "令和8年4月1日", false},
		{"letters", "abcd-ef-gh", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := domain.ParseDate(c.in)
			if !c.ok {
				require.Error(t, err, "ParseDate(%q) should be refused", c.in)
				require.Contains(t, err.Error(), c.in, "the error for %q should echo the input", c.in)
				require.True(t, d.IsZero(), "ParseDate(%q) should return the zero Date with its error, got %s", c.in, d)
				return
			}
			require.NoError(t, err, "ParseDate(%q) should succeed", c.in)
			require.False(t, d.IsZero(), "ParseDate(%q) should not be the zero Date", c.in)
			require.Equal(t, c.in, d.String(), "ParseDate(%q).String() should round-trip", c.in)
		})
	}
}

func TestDateZero(t *testing.T) {
	var zero domain.Date
	require.True(t, zero.IsZero(), "the zero Date should report IsZero")
	require.Equal(t, "", zero.String(), "the zero Date should render as an empty string")
	require.False(t, domain.NewDate(2026, time.April, 1).IsZero(), "a set date should not report IsZero")
	require.Equal(t, mustDate(t, "2026-03-01"), domain.NewDate(2026, time.February, 29), "NewDate should normalise overflow like time.Date")
}

func TestDateAddMonths(t *testing.T) {
	cases := []struct {
		name string
		from string
		n    int
		want string
	}{
		{"zero months", "2026-04-15", 0, "2026-04-15"},
		{"mid-month plus one", "2026-04-15", 1, "2026-05-15"},
		{"31 January plus one clamps to 28 February", "2026-01-31", 1, "2026-02-28"},
		{"31 January plus one clamps to 29 February in a leap year", "2028-01-31", 1, "2028-02-29"},
		{"31 March minus one clamps to 28 February", "2026-03-31", -1, "2026-02-28"},
		{"31 August plus six clamps to 28 February next year", "2026-08-31", 6, "2027-02-28"},
		{"31 May plus one clamps to 30 June", "2026-05-31", 1, "2026-06-30"},
		{"30 November plus three crosses the year and clamps", "2026-11-30", 3, "2027-02-28"},
		{"plus twelve keeps the day", "2026-04-15", 12, "2027-04-15"},
		{"plus twelve from a leap day clamps to 28 February", "2028-02-29", 12, "2029-02-28"},
		{"plus twenty-four keeps the day", "2026-04-30", 24, "2028-04-30"},
		{"plus twenty-four into a leap February", "2026-02-28", 24, "2028-02-28"},
		{"plus forty-eight from a leap day lands on a leap day", "2024-02-29", 48, "2028-02-29"},
		{"December plus one rolls the year", "2026-12-31", 1, "2027-01-31"},
		{"January minus one rolls the year back", "2026-01-15", -1, "2025-12-15"},
		{"31 May minus three clamps to 28 February", "2026-05-31", -3, "2026-02-28"},
		{"minus thirteen crosses a year and clamps", "2026-03-31", -13, "2025-02-28"},
		{"minus twelve from a leap day clamps", "2024-02-29", -12, "2023-02-28"},
		{"minus twenty-four keeps the day", "2026-04-30", -24, "2024-04-30"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := mustDate(t, c.from).AddMonths(c.n)
			require.Equal(t, c.want, got.String(), "%s AddMonths(%d)", c.from, c.n)
		})
	}
}

func TestDateAddDays(t *testing.T) {
	cases := []struct {
		name string
		from string
		n    int
		want string
	}{
		{"zero days", "2026-04-01", 0, "2026-04-01"},
		{"within a month", "2026-04-01", 14, "2026-04-15"},
		{"across a month end", "2026-01-31", 1, "2026-02-01"},
		{"across the year end", "2026-12-31", 1, "2027-01-01"},
		{"back across the year start", "2027-01-01", -1, "2026-12-31"},
		{"into a leap day", "2028-02-28", 1, "2028-02-29"},
		{"past a common February", "2026-02-28", 1, "2026-03-01"},
		{"back into a common February", "2026-03-01", -1, "2026-02-28"},
		{"back into a leap day", "2028-03-01", -1, "2028-02-29"},
		{"a common year", "2026-04-01", 365, "2027-04-01"},
		{"back a year that holds a leap day", "2028-03-01", -366, "2027-03-01"},
		{"negative across months", "2027-03-31", -90, "2026-12-31"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := mustDate(t, c.from).AddDays(c.n)
			require.Equal(t, c.want, got.String(), "%s AddDays(%d)", c.from, c.n)
		})
	}
}

func TestDateBeforeAfter(t *testing.T) {
	cases := []struct {
		name          string
		a, b          string
		before, after bool
	}{
		{"same day", "2026-04-01", "2026-04-01", false, false},
		{"a day earlier", "2026-03-31", "2026-04-01", true, false},
		{"a day later", "2026-04-02", "2026-04-01", false, true},
		{"earlier year, later month", "2025-12-31", "2026-01-01", true, false},
		{"later year, earlier month", "2027-01-01", "2026-12-31", false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, b := mustDate(t, c.a), mustDate(t, c.b)
			require.Equal(t, c.before, a.Before(b), "%s.Before(%s)", c.a, c.b)
			require.Equal(t, c.after, a.After(b), "%s.After(%s)", c.a, c.b)
		})
	}
}

func TestDateDaysUntil(t *testing.T) {
	cases := []struct {
		name     string
		from, to string
		want     int
	}{
		{"same day", "2026-04-01", "2026-04-01", 0},
		{"next day", "2026-04-01", "2026-04-02", 1},
		{"previous day", "2026-04-01", "2026-03-31", -1},
		{"a month back", "2026-04-01", "2026-03-01", -31},
		{"across the year end", "2026-12-31", "2027-01-01", 1},
		{"a common year", "2026-01-01", "2027-01-01", 365},
		{"a leap year", "2028-01-01", "2029-01-01", 366},
		{"a leap year backwards", "2029-01-01", "2028-01-01", -366},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := mustDate(t, c.from).DaysUntil(mustDate(t, c.to))
			require.Equal(t, c.want, got, "%s.DaysUntil(%s)", c.from, c.to)
		})
	}
}

func TestDateJSON(t *testing.T) {
	type wrapper struct {
		D domain.Date `json:"d"`
	}
	cases := []struct {
		name string
		date string
		json string
	}{
		{"set date", "2026-04-01", `{"d":"2026-04-01"}`},
		{"leap day", "2028-02-29", `{"d":"2028-02-29"}`},
		{"unset date", "", `{"d":""}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := json.Marshal(wrapper{D: mustDate(t, c.date)})
			require.NoError(t, err, "marshal %q", c.date)
			require.JSONEq(t, c.json, string(b), "JSON form of %q", c.date)

			var back wrapper
			require.NoError(t, json.Unmarshal(b, &back), "unmarshal %s", b)
			require.Equal(t, mustDate(t, c.date), back.D, "round trip of %q", c.date)
		})
	}

	for _, bad := range []string{`{"d":"2026-02-30"}`, `{"d":"2026/04/01"}`, `{"d":"tomorrow"}`} {
		t.Run("refuses "+bad, func(t *testing.T) {
			var w wrapper
			require.Error(t, json.Unmarshal([]byte(bad), &w), "unmarshal %s should fail", bad)
		})
	}
}

func TestDateScan(t *testing.T) {
	jst := time.FixedZone("JST", 9*60*60)
	cases := []struct {
		name    string
		src     any
		want    string
		wantErr bool
	}{
		{"string", "2026-04-01", "2026-04-01", false},
		{"string with a time part (SQLite)", "2026-04-01 00:00:00", "2026-04-01", false},
		{"RFC 3339 string", "2026-04-01T00:00:00Z", "2026-04-01", false},
		{"bytes", []byte("2026-04-01"), "2026-04-01", false},
		{"bytes with a time part", []byte("2026-04-01T00:00:00Z"), "2026-04-01", false},
		{"time.Time in UTC", time.Date(2026, time.April, 1, 0, 0, 0, 0, time.UTC), "2026-04-01", false},
		{"time.Time keeps its own calendar day", time.Date(2026, time.April, 1, 23, 30, 0, 0, jst), "2026-04-01", false},
		{"nil", nil, "", false},
		{"empty string", "", "", false},
		{"garbage string", "not a date", "", true},
		{"impossible date", "2026-02-30", "", true},
		{"unsupported type", int64(20260401), "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := mustDate(t, "1999-09-09") // prove Scan overwrites what was there
			err := d.Scan(c.src)
			if c.wantErr {
				require.Error(t, err, "Scan(%#v) should fail", c.src)
				return
			}
			require.NoError(t, err, "Scan(%#v)", c.src)
			require.Equal(t, c.want, d.String(), "Scan(%#v)", c.src)
		})
	}
}

func TestDateValue(t *testing.T) {
	v, err := domain.Date{}.Value()
	require.NoError(t, err, "Value of the zero Date")
	require.Nil(t, v, "the zero Date should be stored as NULL")

	v, err = mustDate(t, "2026-04-01").Value()
	require.NoError(t, err, "Value of a set Date")
	require.Equal(t, "2026-04-01", v, "a set Date should be stored as YYYY-MM-DD")
}

func TestMinDate(t *testing.T) {
	cases := []struct {
		name    string
		a, b    string
		want    string
		comment string
	}{
		{"both unset", "", "", "", "nothing set gives nothing"},
		{"first unset", "", "2026-04-01", "2026-04-01", "an unset date is ignored"},
		{"second unset", "2026-04-01", "", "2026-04-01", "an unset date is ignored"},
		{"first earlier", "2026-03-31", "2026-04-01", "2026-03-31", "the earlier wins"},
		{"second earlier", "2026-04-01", "2025-12-31", "2025-12-31", "the earlier wins"},
		{"equal", "2026-04-01", "2026-04-01", "2026-04-01", "equal dates give that date"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := domain.MinDate(mustDate(t, c.a), mustDate(t, c.b))
			require.Equal(t, c.want, got.String(), "MinDate(%q, %q): %s", c.a, c.b, c.comment)
		})
	}
}

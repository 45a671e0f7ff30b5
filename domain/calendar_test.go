package domain_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

// holidayList is a year's holidays as the Cabinet Office lists them: date and
// name, in date order.
type holidayList [][2]string

// officialHolidays are the Cabinet Office's lists (内閣府「国民の祝日につ
// いて」) for 令和8年 (2026) and 令和9年 (2027), with 春分の日 and 秋分の日
// as announced in the 官報 (暦要項). The Cabinet Office names substitute
// holidays and 国民の休日 "休日".
var officialHolidays = map[int]holidayList{
	2026: {
		{"2026-01-01", "元日"},
		{"2026-01-12", "成人の日"},
		{"2026-02-11", "建国記念の日"},
		{"2026-02-23", "天皇誕生日"},
		{"2026-03-20", "春分の日"},
		{"2026-04-29", "昭和の日"},
		{"2026-05-03", "憲法記念日"},
		{"2026-05-04", "みどりの日"},
		{"2026-05-05", "こどもの日"},
		{"2026-05-06", "休日"}, // 振替休日 for 憲法記念日 on a Sunday
		{"2026-07-20", "海の日"},
		{"2026-08-11", "山の日"},
		{"2026-09-21", "敬老の日"},
		{"2026-09-22", "休日"}, // 国民の休日 between 敬老の日 and 秋分の日
		{"2026-09-23", "秋分の日"},
		{"2026-10-12", "スポーツの日"},
		{"2026-11-03", "文化の日"},
		{"2026-11-23", "勤労感謝の日"},
	},
	2027: {
		{"2027-01-01", "元日"},
		{"2027-01-11", "成人の日"},
		{"2027-02-11", "建国記念の日"},
		{"2027-02-23", "天皇誕生日"},
		{"2027-03-21", "春分の日"},
		{"2027-03-22", "休日"}, // 振替休日 for 春分の日 on a Sunday
		{"2027-04-29", "昭和の日"},
		{"2027-05-03", "憲法記念日"},
		{"2027-05-04", "みどりの日"},
		{"2027-05-05", "こどもの日"},
		{"2027-07-19", "海の日"},
		{"2027-08-11", "山の日"},
		{"2027-09-20", "敬老の日"},
		{"2027-09-23", "秋分の日"},
		{"2027-10-11", "スポーツの日"},
		{"2027-11-03", "文化の日"},
		{"2027-11-23", "勤労感謝の日"},
	},
}

// requireHolidays checks a year's holidays against a list, both through
// Holidays and day by day through HolidayName: every listed day has its
// name, and no other day of the year is a holiday.
func requireHolidays(t *testing.T, year int, want holidayList) {
	t.Helper()
	var got holidayList
	for _, h := range domain.Holidays(year) {
		got = append(got, [2]string{h.Date.String(), h.Name})
	}
	require.Equal(t, want, got, "Holidays(%d)", year)

	names := map[string]string{}
	for _, w := range want {
		names[w[0]] = w[1]
	}
	for d := domain.NewDate(year, time.January, 1); d.Year() == year; d = d.AddDays(1) {
		name, ok := domain.HolidayName(d)
		wantName, wantOK := names[d.String()]
		require.Equal(t, wantOK, ok, "is %s a holiday?", d)
		require.Equal(t, wantName, name, "name of %s", d)
		require.Equal(t, wantOK, domain.IsHoliday(d), "IsHoliday(%s)", d)
	}
}

func TestHolidaysMatchTheCabinetOfficeList(t *testing.T) {
	for _, year := range []int{2026, 2027} {
		t.Run(fmt.Sprint(year), func(t *testing.T) {
			requireHolidays(t, year, officialHolidays[year])
		})
	}
}

func TestHolidaysOfTrickyYears(t *testing.T) {
	cases := map[int]holidayList{
		// The abdication and enthronement: no 天皇誕生日, 4/30 and 5/2
		// between holidays, ten days off in golden week, 即位礼正殿の儀.
		2019: {
			{"2019-01-01", "元日"}, {"2019-01-14", "成人の日"}, {"2019-02-11", "建国記念の日"},
			{"2019-03-21", "春分の日"}, {"2019-04-29", "昭和の日"}, {"2019-04-30", "休日"},
			{"2019-05-01", "天皇の即位の日"}, {"2019-05-02", "休日"}, {"2019-05-03", "憲法記念日"},
			{"2019-05-04", "みどりの日"}, {"2019-05-05", "こどもの日"}, {"2019-05-06", "休日"},
			{"2019-07-15", "海の日"}, {"2019-08-11", "山の日"}, {"2019-08-12", "休日"},
			{"2019-09-16", "敬老の日"}, {"2019-09-23", "秋分の日"}, {"2019-10-14", "体育の日"},
			{"2019-10-22", "即位礼正殿の儀の行われる日"}, {"2019-11-03", "文化の日"}, {"2019-11-04", "休日"},
			{"2019-11-23", "勤労感謝の日"},
		},
		// The Olympic year: 海の日, スポーツの日 and 山の日 moved to the
		// games, none in October; 天皇誕生日 on 2/23 for the first time.
		2020: {
			{"2020-01-01", "元日"}, {"2020-01-13", "成人の日"}, {"2020-02-11", "建国記念の日"},
			{"2020-02-23", "天皇誕生日"}, {"2020-02-24", "休日"}, {"2020-03-20", "春分の日"},
			{"2020-04-29", "昭和の日"}, {"2020-05-03", "憲法記念日"}, {"2020-05-04", "みどりの日"},
			{"2020-05-05", "こどもの日"}, {"2020-05-06", "休日"}, {"2020-07-23", "海の日"},
			{"2020-07-24", "スポーツの日"}, {"2020-08-10", "山の日"}, {"2020-09-21", "敬老の日"},
			{"2020-09-22", "秋分の日"}, {"2020-11-03", "文化の日"}, {"2020-11-23", "勤労感謝の日"},
		},
		// The games postponed: the days moved again, 山の日 on a Sunday.
		2021: {
			{"2021-01-01", "元日"}, {"2021-01-11", "成人の日"}, {"2021-02-11", "建国記念の日"},
			{"2021-02-23", "天皇誕生日"}, {"2021-03-20", "春分の日"}, {"2021-04-29", "昭和の日"},
			{"2021-05-03", "憲法記念日"}, {"2021-05-04", "みどりの日"}, {"2021-05-05", "こどもの日"},
			{"2021-07-22", "海の日"}, {"2021-07-23", "スポーツの日"}, {"2021-08-08", "山の日"},
			{"2021-08-09", "休日"}, {"2021-09-20", "敬老の日"}, {"2021-09-23", "秋分の日"},
			{"2021-11-03", "文化の日"}, {"2021-11-23", "勤労感謝の日"},
		},
	}
	for year, want := range cases {
		t.Run(fmt.Sprint(year), func(t *testing.T) { requireHolidays(t, year, want) })
	}
}

func TestHolidayRules(t *testing.T) {
	cases := []struct {
		name string
		date string
		want string // "" for a day that is no holiday
		kind domain.HolidayKind
	}{
		{"シルバーウィーク 2009: 国民の休日 between 敬老の日 and 秋分の日", "2009-09-22", "休日", domain.HolidayCitizens},
		{"シルバーウィーク 2015: 国民の休日", "2015-09-22", "休日", domain.HolidayCitizens},
		{"2015: 敬老の日", "2015-09-21", "敬老の日", domain.HolidayNational},
		{"2015: 秋分の日", "2015-09-23", "秋分の日", domain.HolidayNational},
		{"2026: the day between 敬老の日 and 秋分の日", "2026-09-22", "休日", domain.HolidayCitizens},
		{"no 国民の休日 when the gap is two days", "2027-09-21", "", ""},
		{"振替休日 skips the holidays after a Sunday holiday", "2026-05-06", "休日", domain.HolidaySubstitute},
		{"振替休日 after 春分の日 on a Sunday", "2027-03-22", "休日", domain.HolidaySubstitute},
		{"a holiday on a Saturday gives no substitute", "2028-01-03", "", ""},
		{"天皇誕生日 on 12/23 until 2018", "2018-12-23", "天皇誕生日", domain.HolidayNational},
		{"…and its substitute on the Monday", "2018-12-24", "休日", domain.HolidaySubstitute},
		{"no 天皇誕生日 in 2019", "2019-12-23", "", ""},
		{"none on 12/23 from 2020", "2020-12-23", "", ""},
		{"none on 2/23 before 2020", "2019-02-23", "", ""},
		{"山の日 from 2016", "2016-08-11", "山の日", domain.HolidayNational},
		{"no 山の日 in 2015", "2015-08-11", "", ""},
		{"no 8/11 in 2021", "2021-08-11", "", ""},
		{"no 3rd Monday of July in 2021", "2021-07-19", "", ""},
		{"no 2nd Monday of October in 2020", "2020-10-12", "", ""},
		{"体育の日 until 2019", "2019-10-14", "体育の日", domain.HolidayNational},
		{"スポーツの日 from 2020", "2022-10-10", "スポーツの日", domain.HolidayNational},
		{"成人の日 as a Happy Monday from 2000", "2000-01-10", "成人の日", domain.HolidayNational},
		{"海の日 on 7/20 until 2002", "2002-07-20", "海の日", domain.HolidayNational},
		{"海の日 as a Happy Monday from 2003", "2003-07-21", "海の日", domain.HolidayNational},
		{"敬老の日 on 9/15 until 2002", "2002-09-15", "敬老の日", domain.HolidayNational},
		{"敬老の日 as a Happy Monday from 2003", "2003-09-15", "敬老の日", domain.HolidayNational},
		{"みどりの日 on 4/29 until 2006", "2006-04-29", "みどりの日", domain.HolidayNational},
		{"昭和の日 from 2007", "2007-04-29", "昭和の日", domain.HolidayNational},
		{"5/4 国民の休日 until 2006", "2006-05-04", "休日", domain.HolidayCitizens},
		{"5/4 みどりの日 from 2007", "2007-05-04", "みどりの日", domain.HolidayNational},
		{"until 2006 a Sunday is no 国民の休日", "2003-05-04", "", ""},
		{"until 2006 a substitute is only the Monday…", "1998-05-04", "休日", domain.HolidaySubstitute},
		{"…so none after こどもの日", "1998-05-06", "", ""},
		{"from 2007 a substitute may be a Tuesday", "2008-05-06", "休日", domain.HolidaySubstitute},
		{"…or a Wednesday", "2009-05-06", "休日", domain.HolidaySubstitute},
		{"春分の日 on 3/20 in 2024", "2024-03-20", "春分の日", domain.HolidayNational},
		{"秋分の日 on 9/22 in 2024", "2024-09-22", "秋分の日", domain.HolidayNational},
		{"…a Sunday, so 9/23 is its substitute", "2024-09-23", "休日", domain.HolidaySubstitute},
		{"an ordinary weekday", "2026-06-10", "", ""},
		{"an ordinary Sunday", "2026-06-14", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := mustDate(t, c.date)
			name, ok := domain.HolidayName(d)
			require.Equal(t, c.want != "", ok, "is %s a holiday?", c.date)
			require.Equal(t, c.want, name, "name of %s", c.date)
			var kind domain.HolidayKind
			for _, h := range domain.Holidays(d.Year()) {
				if h.Date == d {
					kind = h.Kind
				}
			}
			require.Equal(t, c.kind, kind, "kind of %s", c.date)
		})
	}
}

func TestEquinoxFormula(t *testing.T) {
	// The dates the National Astronomical Observatory published.
	vernal := map[int]int{2000: 20, 2001: 20, 2002: 21, 2003: 21, 2004: 20, 2010: 21, 2011: 21, 2012: 20,
		2016: 20, 2017: 20, 2018: 21, 2019: 21, 2020: 20, 2023: 21, 2024: 20, 2025: 20, 2026: 20, 2027: 21}
	autumnal := map[int]int{2000: 23, 2004: 23, 2008: 23, 2012: 22, 2013: 23, 2016: 22, 2017: 23, 2018: 23,
		2019: 23, 2020: 22, 2021: 23, 2022: 23, 2023: 23, 2024: 22, 2025: 23, 2026: 23, 2027: 23}
	for y, day := range vernal {
		require.Equal(t, domain.NewDate(y, time.March, day), domain.VernalEquinoxDay(y), "春分の日 %d", y)
	}
	for y, day := range autumnal {
		require.Equal(t, domain.NewDate(y, time.September, day), domain.AutumnalEquinoxDay(y), "秋分の日 %d", y)
	}
}

func TestEveryYearHasItsHolidays(t *testing.T) {
	// Each year from 2000 to 2099 has its national holidays (14 until 5/4
	// became みどりの日 in 2007, 15 until 山の日 came in 2016, 17 in 2019
	// with the enthronement days, else 16),
	// every one on its own date, in date order, and substitutes only after a
	// Sunday holiday.
	for y := 2000; y <= 2099; y++ {
		hs := domain.Holidays(y)
		seen := map[domain.Date]bool{}
		national := 0
		for i, h := range hs {
			if h.Kind == domain.HolidayNational {
				national++
			}
			require.False(t, seen[h.Date], "%d: %s listed twice", y, h.Date)
			seen[h.Date] = true
			require.Equal(t, y, h.Date.Year())
			if i > 0 {
				require.True(t, hs[i-1].Date.Before(h.Date), "%d: not in date order at %s", y, h.Date)
			}
			if h.Kind == domain.HolidaySubstitute {
				prev := h.Date.AddDays(-1)
				for domain.IsHoliday(prev) && prev.Weekday() != 0 {
					prev = prev.AddDays(-1)
				}
				require.True(t, prev.Weekday() == 0 && domain.IsHoliday(prev), "%d: the substitute %s follows no Sunday holiday", y, h.Date)
			}
		}
		want := 16
		switch {
		case y < 2007:
			want = 14
		case y < 2016:
			want = 15
		case y == 2019:
			want = 17
		}
		require.Equal(t, want, national, "%d: national holidays", y)
		v, a := domain.VernalEquinoxDay(y), domain.AutumnalEquinoxDay(y)
		require.Contains(t, []int{19, 20, 21}, v.Day(), "春分の日 %d", y)
		require.Contains(t, []int{21, 22, 23, 24}, a.Day(), "秋分の日 %d", y)
	}
}

func TestBusinessCalendar(t *testing.T) {
	cal := domain.NewBusinessCalendar(domain.DefaultPolicySettings)
	cases := []struct {
		name    string
		nominal string
		want    string
	}{
		{"a business day stays", "2026-06-10", "2026-06-10"},
		{"a Saturday moves to Friday", "2026-06-13", "2026-06-12"},
		{"a Sunday moves to Friday", "2026-06-14", "2026-06-12"},
		{"a Monday holiday moves over the weekend", "2026-07-20", "2026-07-17"},
		{"the year-end closure: 2 January to 28 December", "2027-01-02", "2026-12-28"},
		{"the first closure day", "2026-12-29", "2026-12-28"},
		{"the last closure day", "2027-01-03", "2026-12-28"},
		{"the first day after the closure", "2027-01-04", "2027-01-04"},
		{"golden week 2026: 振替休日 to 1 May", "2026-05-06", "2026-05-01"},
		{"golden week 2026: こどもの日", "2026-05-05", "2026-05-01"},
		{"golden week 2027: こどもの日 to 30 April", "2027-05-05", "2027-04-30"},
		{"シルバーウィーク 2026: 国民の休日 to the Friday", "2026-09-22", "2026-09-18"},
		{"振替休日 of 春分の日 2027", "2027-03-22", "2027-03-19"},
		{"fiscal year end on a Wednesday stays", "2027-03-31", "2027-03-31"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := cal.BusinessDueDate(mustDate(t, c.nominal))
			require.Equal(t, c.want, got.String(), "BusinessDueDate(%s)", c.nominal)
			require.True(t, cal.IsBusinessDay(got), "%s must be a business day", got)
			require.Equal(t, c.nominal == c.want, cal.IsBusinessDay(mustDate(t, c.nominal)), "IsBusinessDay(%s)", c.nominal)
			for d := got.AddDays(1); !d.After(mustDate(t, c.nominal)); d = d.AddDays(1) {
				require.False(t, cal.IsBusinessDay(d), "%s lies between and must not be a business day", d)
			}
		})
	}
	require.True(t, cal.BusinessDueDate(domain.Date{}).IsZero(), "an unset date stays unset")
}

func TestBusinessCalendarClosureDaysFromSettings(t *testing.T) {
	p := domain.DefaultPolicySettings
	p.ClosureDays = []string{"06-15", "2026-08-12"} // 県民の日 every year, one summer day
	cal := domain.NewBusinessCalendar(p)

	require.False(t, cal.IsBusinessDay(mustDate(t, "2026-06-15")))
	require.False(t, cal.IsBusinessDay(mustDate(t, "2027-06-15")), "MM-DD closes the day every year")
	require.False(t, cal.IsBusinessDay(mustDate(t, "2026-08-12")))
	require.True(t, cal.IsBusinessDay(mustDate(t, "2027-08-12")), "YYYY-MM-DD closes that day only")
	require.Equal(t, "2026-08-10", cal.PreviousBusinessDay(mustDate(t, "2026-08-12")).String(), "over 山の日 to the Monday")
	require.True(t, cal.IsBusinessDay(mustDate(t, "2026-12-29")), "a list without the year end keeps it open")

	p.ClosureDays = []string{}
	require.True(t, domain.NewBusinessCalendar(p).IsBusinessDay(mustDate(t, "2026-12-30")), "an empty list means no closure days")
	p.ClosureDays = nil
	require.False(t, domain.NewBusinessCalendar(p).IsBusinessDay(mustDate(t, "2026-12-30")), "a nil list means the default year end")
}

func TestFiscalYear(t *testing.T) {
	cases := map[string]int{
		"2026-04-01": 2026, "2027-03-31": 2026, "2026-03-31": 2025, "2027-04-01": 2027,
		"2026-12-31": 2026, "2027-01-01": 2026,
	}
	for s, fy := range cases {
		require.Equal(t, fy, domain.FiscalYearOf(mustDate(t, s)), "FiscalYearOf(%s)", s)
	}
	require.Zero(t, domain.FiscalYearOf(domain.Date{}))

	from, to := domain.FiscalYearRange(2026)
	require.Equal(t, "2026-04-01", from.String())
	require.Equal(t, "2027-03-31", to.String())
	for _, d := range []domain.Date{from, to} {
		require.Equal(t, 2026, domain.FiscalYearOf(d))
	}
	require.Equal(t, 2025, domain.FiscalYearOf(from.AddDays(-1)))
	require.Equal(t, 2027, domain.FiscalYearOf(to.AddDays(1)))

	tokyo, err := time.LoadLocation("Asia/Tokyo")
	require.NoError(t, err)
	start, until := domain.FiscalYearInstants(2026, tokyo)
	require.Equal(t, "2026-03-31T15:00:00Z", start.UTC().Format(time.RFC3339), "年度 starts at midnight in Tokyo")
	require.Equal(t, "2027-03-31T15:00:00Z", until.UTC().Format(time.RFC3339))
}

// BenchmarkBusinessDueDate is the cost the due-date derivation pays per date.
func BenchmarkBusinessDueDate(b *testing.B) {
	cal := domain.NewBusinessCalendar(domain.DefaultPolicySettings)
	start := domain.NewDate(2026, time.April, 1)
	for i := 0; b.Loop(); i++ {
		cal.BusinessDueDate(start.AddDays(i % 730))
	}
}

package domain

import (
	"slices"
	"sync"
	"time"
)

// HolidayKind says why a day is a holiday under the holiday law
// (国民の祝日に関する法律, 祝日法).
type HolidayKind string

// Holiday kinds.
const (
	// HolidayNational is a 国民の祝日 named in article 2 of the law, or a
	// one-off day that a special law made a holiday counted as one (the
	// enthronement days of 2019).
	HolidayNational HolidayKind = "national"
	// HolidaySubstitute is a 振替休日 (article 3(2)): the first day after a
	// national holiday on a Sunday that is not itself a national holiday.
	HolidaySubstitute HolidayKind = "substitute"
	// HolidayCitizens is a 国民の休日 (article 3(3)): a day between two
	// national holidays that is not one itself.
	HolidayCitizens HolidayKind = "citizens"
)

// Holiday is one day off under the holiday law.
type Holiday struct {
	Date Date
	// Name is the name the Cabinet Office (内閣府「国民の祝日について」)
	// gives the day: 元日, 春分の日, …, and 休日 for substitute holidays and
	// 国民の休日 alike.
	Name string
	Kind HolidayKind
}

// holidayName is the Cabinet Office's name for substitute holidays and
// 国民の休日.
const holidayName = "休日"

// Holidays returns the holidays of a year in date order, computed by the
// holiday law as amended up to the 2021 Olympic measures: fixed days, the
// Happy Monday days, the equinoxes by the formula, 天皇誕生日 by era, the
// one-off days of 1989–1993 and 2019, substitute holidays and 国民の休日.
// The rules hold from 1949; the equinox formula is the published
// approximation (constants for 1900–2150, the last set reused after 2150),
// exact for 1980–2099 as far as the Cabinet Office's lists go. Nothing is
// downloaded: a future amendment of the law needs a code change here.
func Holidays(year int) []Holiday {
	y := holidayYear(year)
	out := make([]Holiday, 0, len(y))
	for d, h := range y {
		out = append(out, Holiday{Date: d, Name: h.name, Kind: h.kind})
	}
	slices.SortFunc(out, func(a, b Holiday) int { return compareDates(a.Date, b.Date) })
	return out
}

// HolidayName returns the name of the holiday on d (see Holidays), and
// whether d is a holiday at all.
func HolidayName(d Date) (name string, ok bool) {
	h, ok := holidayYear(d.year)[d]
	return h.name, ok
}

// IsHoliday reports whether d is a national holiday, a substitute holiday or
// a 国民の休日.
func IsHoliday(d Date) bool {
	_, ok := holidayYear(d.year)[d]
	return ok
}

type holidayEntry struct {
	name string
	kind HolidayKind
}

// holidayCache keeps each year's holidays once computed: the due-date
// derivation asks about the same few years for every contract.
var holidayCache sync.Map // int → map[Date]holidayEntry

func holidayYear(year int) map[Date]holidayEntry {
	if m, ok := holidayCache.Load(year); ok {
		return m.(map[Date]holidayEntry)
	}
	m, _ := holidayCache.LoadOrStore(year, computeHolidays(year))
	return m.(map[Date]holidayEntry)
}

// compareDates orders dates, earliest first.
func compareDates(a, b Date) int { return b.DaysUntil(a) }

// nthMonday returns the n-th Monday of a month (ハッピーマンデー).
func nthMonday(year int, month time.Month, n int) Date {
	first := NewDate(year, month, 1)
	offset := (int(time.Monday) - first.Weekday() + 7) % 7
	return first.AddDays(offset + 7*(n-1))
}

// VernalEquinoxDay returns 春分の日 of a year by the equinox formula
// (春分日 = int(C + 0.242194(Y−1980) − int((Y−1980)/4))), which agrees with
// the dates the National Astronomical Observatory announces each February.
func VernalEquinoxDay(year int) Date {
	return NewDate(year, time.March, equinoxDay(year, 20.8357, 20.8431, 21.8510))
}

// AutumnalEquinoxDay returns 秋分の日 of a year by the equinox formula, as
// VernalEquinoxDay.
func AutumnalEquinoxDay(year int) Date {
	return NewDate(year, time.September, equinoxDay(year, 23.2588, 23.2488, 24.2488))
}

// equinoxDay evaluates the formula with the constant of the year's period:
// before 1980 (counted from 1983), 1980–2099, and from 2100.
func equinoxDay(year int, c1900, c1980, c2100 float64) int {
	c, base := c1980, 1980
	switch {
	case year < 1980:
		c, base = c1900, 1983
	case year >= 2100:
		c = c2100
	}
	return int(c + 0.242194*float64(year-1980) - float64(floorDiv(year-base, 4)))
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// computeHolidays applies the law to one year. No rule moves a holiday across
// a year's end, so each year stands alone.
func computeHolidays(year int) map[Date]holidayEntry {
	m := map[Date]holidayEntry{}
	if year < 1949 { // the law took effect on 1948-07-20
		return m
	}
	add := func(d Date, name string) { m[d] = holidayEntry{name, HolidayNational} }
	on := func(month time.Month, day int, name string) { add(NewDate(year, month, day), name) }

	on(time.January, 1, "元日")
	if year >= 2000 {
		add(nthMonday(year, time.January, 2), "成人の日")
	} else {
		on(time.January, 15, "成人の日")
	}
	if year >= 1967 {
		on(time.February, 11, "建国記念の日")
	}
	add(VernalEquinoxDay(year), "春分の日")
	switch {
	case year >= 2007:
		on(time.April, 29, "昭和の日")
		on(time.May, 4, "みどりの日")
	case year >= 1989:
		on(time.April, 29, "みどりの日")
	}
	switch {
	case year >= 2020:
		on(time.February, 23, "天皇誕生日")
	case year >= 1989 && year <= 2018:
		on(time.December, 23, "天皇誕生日")
	case year < 1989:
		on(time.April, 29, "天皇誕生日")
	}
	on(time.May, 3, "憲法記念日")
	on(time.May, 5, "こどもの日")
	switch {
	case year == 2020:
		on(time.July, 23, "海の日") // 東京オリンピック特措法
	case year == 2021:
		on(time.July, 22, "海の日")
	case year >= 2003:
		add(nthMonday(year, time.July, 3), "海の日")
	case year >= 1996:
		on(time.July, 20, "海の日")
	}
	switch {
	case year == 2020:
		on(time.August, 10, "山の日")
	case year == 2021:
		on(time.August, 8, "山の日")
	case year >= 2016:
		on(time.August, 11, "山の日")
	}
	switch {
	case year >= 2003:
		add(nthMonday(year, time.September, 3), "敬老の日")
	case year >= 1966:
		on(time.September, 15, "敬老の日")
	}
	add(AutumnalEquinoxDay(year), "秋分の日")
	switch {
	case year == 2020:
		on(time.July, 24, "スポーツの日")
	case year == 2021:
		on(time.July, 23, "スポーツの日")
	case year >= 2020:
		add(nthMonday(year, time.October, 2), "スポーツの日")
	case year >= 2000:
		add(nthMonday(year, time.October, 2), "体育の日")
	case year >= 1966:
		on(time.October, 10, "体育の日")
	}
	on(time.November, 3, "文化の日")
	on(time.November, 23, "勤労感謝の日")

	// One-off days made holidays by special laws, counted as national
	// holidays for substitute holidays and 国民の休日.
	switch year {
	case 1959:
		on(time.April, 10, "皇太子明仁親王の結婚の儀")
	case 1989:
		on(time.February, 24, "昭和天皇の大喪の礼")
	case 1990:
		on(time.November, 12, "即位礼正殿の儀")
	case 1993:
		on(time.June, 9, "皇太子徳仁親王の結婚の儀")
	case 2019:
		on(time.May, 1, "天皇の即位の日")
		on(time.October, 22, "即位礼正殿の儀の行われる日")
	}

	national := make([]Date, 0, len(m))
	for d := range m {
		national = append(national, d)
	}
	slices.SortFunc(national, compareDates)

	// 振替休日, since 1973-04-12: a national holiday on a Sunday gives the
	// next day that is not a national holiday (until 2006: the Monday after,
	// unless it was a holiday already).
	for _, d := range national {
		if d.Weekday() != int(time.Sunday) || d.Before(NewDate(1973, time.April, 12)) {
			continue
		}
		next := d.AddDays(1)
		if year >= 2007 {
			for m[next].kind == HolidayNational {
				next = next.AddDays(1)
			}
		}
		if _, taken := m[next]; !taken {
			m[next] = holidayEntry{holidayName, HolidaySubstitute}
		}
	}

	// 国民の休日, since 1985-12-27: a day whose day before and day after are
	// national holidays, not itself one (until 2006: nor a Sunday or a
	// substitute holiday).
	for _, d := range national {
		mid := d.AddDays(1)
		if mid.year != year || d.Before(NewDate(1985, time.December, 27)) {
			continue
		}
		if m[mid.AddDays(1)].kind != HolidayNational {
			continue
		}
		if _, taken := m[mid]; taken {
			continue
		}
		if year < 2007 && mid.Weekday() == int(time.Sunday) {
			continue
		}
		m[mid] = holidayEntry{holidayName, HolidayCitizens}
	}
	return m
}

// BusinessCalendar knows the body's business days: not a Saturday or
// Sunday, not a holiday (see Holidays) and not one of its closure days. The
// zero BusinessCalendar has no closure days.
type BusinessCalendar struct {
	everyYear map[[2]int]bool // month, day
	once      map[Date]bool
}

// NewBusinessCalendar returns the calendar of the closure days in p
// (PolicySettings.ClosureDays: "MM-DD" every year, "YYYY-MM-DD" once; the
// year-end closure 12-29 to 01-03 when the list is nil). Entries that do not
// parse are ignored: settings are checked when they are saved.
func NewBusinessCalendar(p PolicySettings) BusinessCalendar {
	if p.ClosureDays == nil {
		p.ClosureDays = DefaultPolicySettings.ClosureDays
	}
	c := BusinessCalendar{everyYear: map[[2]int]bool{}, once: map[Date]bool{}}
	for _, s := range p.ClosureDays {
		year, d, err := ParseClosureDay(s)
		switch {
		case err != nil:
		case year == 0:
			c.everyYear[[2]int{d.Month(), d.Day()}] = true
		default:
			c.once[d] = true
		}
	}
	return c
}

// IsClosureDay reports whether the body is closed on d by its settings.
func (c BusinessCalendar) IsClosureDay(d Date) bool {
	return c.once[d] || c.everyYear[[2]int{d.Month(), d.Day()}]
}

// IsBusinessDay reports whether the body is open on d: a weekday that is
// neither a holiday nor a closure day.
func (c BusinessCalendar) IsBusinessDay(d Date) bool {
	wd := d.Weekday()
	return wd != int(time.Saturday) && wd != int(time.Sunday) && !IsHoliday(d) && !c.IsClosureDay(d)
}

// PreviousBusinessDay returns d when it is a business day, else the last
// business day before it.
func (c BusinessCalendar) PreviousBusinessDay(d Date) Date {
	// The closure days are at most 100 a year, so a business day is never
	// far; the bound only guards against a calendar closed all year.
	for i := 0; i < 366 && !c.IsBusinessDay(d); i++ {
		d = d.AddDays(-1)
	}
	return d
}

// BusinessDueDate is the rule for due dates: a due date that falls on a
// Saturday, Sunday, holiday or closure day moves to the previous business
// day, so that the work is done while the office is open. Unset stays unset.
func (c BusinessCalendar) BusinessDueDate(nominal Date) Date {
	if nominal.IsZero() {
		return nominal
	}
	return c.PreviousBusinessDay(nominal)
}

// FiscalYearOf returns the fiscal year (年度) of d: the year in which the
// April-to-March year containing d begins (2027-03-31 is in 2026). 0 for the
// unset date.
func FiscalYearOf(d Date) int {
	if d.IsZero() {
		return 0
	}
	if d.month < time.April {
		return d.year - 1
	}
	return d.year
}

// FiscalYearRange returns the first and last days of fiscal year fy:
// fy-04-01 to (fy+1)-03-31, both inclusive.
func FiscalYearRange(fy int) (from, to Date) {
	return NewDate(fy, time.April, 1), NewDate(fy+1, time.March, 31)
}

// FiscalYearInstants returns the instants fiscal year fy begins and ends in
// loc, the body's time zone: [from, until), for filtering timestamps.
func FiscalYearInstants(fy int, loc *time.Location) (from, until time.Time) {
	return time.Date(fy, time.April, 1, 0, 0, 0, 0, loc), time.Date(fy+1, time.April, 1, 0, 0, 0, 0, loc)
}

// Fiscal years a filter accepts: both ends must be dates the register
// stores (MinDateYear to MaxDateYear).
const (
	MinFiscalYear = MinDateYear
	MaxFiscalYear = MaxDateYear - 1
)

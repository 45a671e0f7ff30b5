package domain

import "fmt"

var (
	weekdaysJa = [...]string{"日", "月", "火", "水", "木", "金", "土"}
	weekdaysEn = [...]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	monthsEn   = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

// era is one Japanese era (元号) and its first day.
type era struct {
	name  string
	first Date
}

// eras lists the modern eras, newest first.
var eras = []era{
	{"令和", Date{2019, 5, 1}},
	{"平成", Date{1989, 1, 8}},
	{"昭和", Date{1926, 12, 25}},
	{"大正", Date{1912, 7, 30}},
	{"明治", Date{1868, 10, 23}},
}

// Weekday returns the day of the week, 0 for Sunday.
func (d Date) Weekday() int { return int(d.time().Weekday()) }

// Year returns the year of the date.
func (d Date) Year() int { return d.year }

// Month returns the month of the date, 1 to 12.
func (d Date) Month() int { return int(d.month) }

// Day returns the day of the month.
func (d Date) Day() int { return d.day }

// FormatJa writes the date as people in a Japanese office read it:
// 2027年4月1日（木）, or with the era, 令和9年4月1日（木） (元年 for the first
// year of an era).
func (d Date) FormatJa(withEra bool) string {
	if d.IsZero() {
		return ""
	}
	year := fmt.Sprintf("%d年", d.year)
	if withEra {
		for _, e := range eras {
			if !d.Before(e.first) {
				n := d.year - e.first.year + 1
				if n == 1 {
					year = e.name + "元年"
				} else {
					year = fmt.Sprintf("%s%d年", e.name, n)
				}
				break
			}
		}
	}
	return fmt.Sprintf("%s%d月%d日（%s）", year, d.month, d.day, weekdaysJa[d.Weekday()])
}

// FormatEn writes the date for English readers: 1 Apr 2027 (Thu).
func (d Date) FormatEn() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d %s %d (%s)", d.day, monthsEn[d.month-1], d.year, weekdaysEn[d.Weekday()])
}

// FormatFor writes the date in the locale's form; Japanese dates carry the
// era when withEra is set.
func (d Date) FormatFor(l Locale, withEra bool) string {
	if l == LocaleEn {
		return d.FormatEn()
	}
	return d.FormatJa(withEra)
}

package domain_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

func TestDateFormats(t *testing.T) {
	for _, tc := range []struct {
		date, ja, jaEra, en string
	}{
		{"2027-04-01", "2027年4月1日（木）", "令和9年4月1日（木）", "1 Apr 2027 (Thu)"},
		{"2019-05-01", "2019年5月1日（水）", "令和元年5月1日（水）", "1 May 2019 (Wed)"},
		{"2019-04-30", "2019年4月30日（火）", "平成31年4月30日（火）", "30 Apr 2019 (Tue)"},
		{"1989-01-07", "1989年1月7日（土）", "昭和64年1月7日（土）", "7 Jan 1989 (Sat)"},
		{"1989-01-08", "1989年1月8日（日）", "平成元年1月8日（日）", "8 Jan 1989 (Sun)"},
		{"2026-12-31", "2026年12月31日（木）", "令和8年12月31日（木）", "31 Dec 2026 (Thu)"},
	} {
		d, err := domain.ParseDate(tc.date)
		require.NoError(t, err)
		require.Equal(t, tc.ja, d.FormatJa(false), tc.date)
		require.Equal(t, tc.jaEra, d.FormatJa(true), tc.date)
		require.Equal(t, tc.en, d.FormatEn(), tc.date)
		require.Equal(t, tc.en, d.FormatFor(domain.LocaleEn, true), tc.date)
		require.Equal(t, tc.jaEra, d.FormatFor(domain.LocaleJa, true), tc.date)
	}
	require.Equal(t, "", domain.Date{}.FormatJa(true))
}

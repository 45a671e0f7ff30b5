package domain_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

func TestParseImportDate(t *testing.T) {
	for in, want := range map[string]string{
		"2025-04-01": "2025-04-01", "2025/4/1": "2025-04-01", "２０２５／４／１": "2025-04-01", "2025年4月1日": "2025-04-01",
		"令和7年4月1日": "2025-04-01", "R7.4.1": "2025-04-01", "令和元年5月1日": "2019-05-01", "平成31年4月30日": "2019-04-30",
		" 2025.04.01 ": "2025-04-01",
	} {
		d, ok := domain.ParseImportDate(in)
		require.True(t, ok, in)
		require.Equal(t, want, d.String(), in)
	}
	for _, in := range []string{"", "2025-02-30", "25/4/1", "April 1", "2025-4", "令和7年13月1日"} {
		_, ok := domain.ParseImportDate(in)
		require.False(t, ok, in)
	}
}

func TestParseImportBool(t *testing.T) {
	for in, want := range map[string]bool{"true": true, "ＹＥＳ": true, "はい": true, "有": true, "○": true, "false": false, "いいえ": false, "無": false, "×": false, "0": false} {
		v, ok := domain.ParseImportBool(in)
		require.True(t, ok, in)
		require.Equal(t, want, v, in)
	}
	_, ok := domain.ParseImportBool("maybe")
	require.False(t, ok)
}

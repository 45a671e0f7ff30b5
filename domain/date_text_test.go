package domain_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

// TestDateTextByHand checks the hand-written rendering against fmt's, for
// every day of the years at the edges and a few in between.
func TestDateTextByHand(t *testing.T) {
	for _, y := range []int{domain.MinDateYear, 1999, 2000, 2026, 2100, domain.MaxDateYear} {
		for tm := time.Date(y, time.January, 1, 0, 0, 0, 0, time.UTC); tm.Year() == y; tm = tm.AddDate(0, 0, 1) {
			d := domain.NewDate(tm.Year(), tm.Month(), tm.Day())
			want := fmt.Sprintf("%04d-%02d-%02d", tm.Year(), tm.Month(), tm.Day())
			require.Equal(t, want, d.String())
			b, err := d.MarshalText()
			require.NoError(t, err)
			require.Equal(t, want, string(b))
		}
	}
	b, err := domain.Date{}.MarshalText()
	require.NoError(t, err)
	require.Empty(t, b)
	require.Empty(t, domain.Date{}.String())
}

package jobs

import (
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"
)

// A live digest job carries its rows, unless it is running and started over
// a lease ago: its rows reach the check only when no live lease holds them,
// so its worker is dead.
func TestCarries(t *testing.T) {
	now := time.Now()
	at := func(d time.Duration) *time.Time { t := now.Add(-d); return &t }
	lease := 2 * time.Minute
	for _, c := range []struct {
		name string
		job  rivertype.JobRow
		want bool
	}{
		{"waiting to run", rivertype.JobRow{State: rivertype.JobStateAvailable}, true},
		{"waiting for a retry", rivertype.JobRow{State: rivertype.JobStateRetryable, AttemptedAt: at(time.Hour)}, true},
		{"snoozed", rivertype.JobRow{State: rivertype.JobStateScheduled, AttemptedAt: at(time.Hour)}, true},
		{"running, just started", rivertype.JobRow{State: rivertype.JobStateRunning, AttemptedAt: at(time.Second)}, true},
		{"running, started over a lease ago", rivertype.JobRow{State: rivertype.JobStateRunning, AttemptedAt: at(lease + time.Second)}, false},
	} {
		require.Equal(t, c.want, carries(&c.job, now, lease), c.name)
	}
}

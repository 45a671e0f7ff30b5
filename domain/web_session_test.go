package domain_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

func TestBestRole(t *testing.T) {
	require.Equal(t, domain.RoleViewer, domain.BestRole(nil))
	require.Equal(t, domain.RoleEditor, domain.BestRole([]domain.Role{domain.RoleViewer, domain.RoleEditor, domain.RoleAuditor}))
	require.Equal(t, domain.RoleAdmin, domain.BestRole([]domain.Role{domain.RoleAuditor, domain.RoleAdmin}))
	require.Equal(t, domain.RoleAuditor, domain.BestRole([]domain.Role{domain.RoleAuditor, "nonsense"}))
}

func TestSessionEnded(t *testing.T) {
	l := domain.SessionLimitsOf(domain.PolicySettings{})
	require.Equal(t, 30*time.Minute, l.Idle, "defaults fill a zero setting")
	require.Equal(t, 10*time.Hour, l.Absolute)
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	s := domain.WebSession{CreatedAt: start, LastSeenAt: start}
	require.Empty(t, l.SessionEnded(s, start.Add(29*time.Minute)))
	require.Equal(t, "idle", l.SessionEnded(s, start.Add(30*time.Minute)))
	s.LastSeenAt = start.Add(10*time.Hour - time.Minute)
	require.Equal(t, "expired", l.SessionEnded(s, start.Add(10*time.Hour)))
}

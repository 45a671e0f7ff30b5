package domain_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

func tokyo(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Tokyo")
	require.NoError(t, err)
	return loc
}

func TestIncidentDeadlinesPerSeverity(t *testing.T) {
	p := domain.DefaultPolicySettings
	detected := time.Date(2026, 12, 1, 9, 0, 0, 0, tokyo(t))
	cases := []struct {
		severity string
		want     map[domain.IncidentStep]time.Duration
	}{
		{"high", map[domain.IncidentStep]time.Duration{domain.StepReportedToCISO: time.Hour, domain.StepContained: 24 * time.Hour,
			domain.StepRecovered: 72 * time.Hour, domain.StepClosed: 30 * 24 * time.Hour}},
		{"medium", map[domain.IncidentStep]time.Duration{domain.StepReportedToCISO: 4 * time.Hour, domain.StepContained: 72 * time.Hour,
			domain.StepRecovered: 7 * 24 * time.Hour, domain.StepClosed: 60 * 24 * time.Hour}},
		{"low", map[domain.IncidentStep]time.Duration{domain.StepReportedToCISO: 24 * time.Hour, domain.StepContained: 7 * 24 * time.Hour,
			domain.StepRecovered: 14 * 24 * time.Hour, domain.StepClosed: 90 * 24 * time.Hour}},
	}
	for _, c := range cases {
		level, ok := p.IncidentSeverityOf(c.severity)
		require.True(t, ok, c.severity)
		for step, d := range c.want {
			require.Equal(t, detected.Add(d).UTC(), domain.StepDeadline(detected, level, step), "%s %s", c.severity, step)
		}
		require.True(t, domain.StepDeadline(detected, level, domain.StepDetected).IsZero())
	}
	high, _ := p.IncidentSeverityOf("high")
	require.True(t, high.NotifyCISOAtOnce)
	medium, _ := p.IncidentSeverityOf("medium")
	require.False(t, medium.NotifyCISOAtOnce)
	_, ok := p.IncidentSeverityOf("critical")
	require.False(t, ok)
}

func TestIncidentSeverityProblems(t *testing.T) {
	require.Empty(t, domain.IncidentSeverityProblems(domain.DefaultIncidentSeverities))
	bad := append([]domain.IncidentSeverityLevel(nil), domain.DefaultIncidentSeverities...)
	bad[1].Code = "high"
	bad[2].Deadlines.RecoveredMinutes = bad[2].Deadlines.ContainedMinutes
	bad = append(bad, domain.IncidentSeverityLevel{Code: "X", TitleJa: "x", TitleEn: "x", Deadlines: domain.IncidentDeadlines{ReportedToCISOMinutes: 10, ContainedMinutes: 20, RecoveredMinutes: 30, ClosedMinutes: 40}})
	var fields []string
	for _, f := range domain.IncidentSeverityProblems(bad) {
		fields = append(fields, f.Field)
	}
	require.Equal(t, []string{"incident_severities[1].code", "incident_severities[2].deadlines.recovered_minutes", "incident_severities[3].code"}, fields)
	require.Len(t, domain.IncidentSeverityProblems(nil), 1)
	p := domain.PolicySettings{}
	p.Normalize()
	require.Equal(t, domain.DefaultIncidentSeverities, p.IncidentSeverities)
}

func timeline(t *testing.T, done ...domain.IncidentStep) []domain.TimelineEntry {
	t.Helper()
	level := domain.DefaultIncidentSeverities[0]
	detected := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var rec []domain.TimelineEntry
	for i, s := range done {
		at := detected.Add(time.Duration(i) * 30 * time.Minute)
		rec = append(rec, domain.TimelineEntry{Step: s, At: &at, Done: true})
	}
	return domain.BuildTimeline(rec, detected, level, detected.Add(2*time.Hour))
}

func TestIncidentStepOrder(t *testing.T) {
	detected := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	now := detected.Add(2 * time.Hour)
	tl := timeline(t, domain.StepDetected)
	require.Equal(t, domain.StepReportedToCISO, domain.NextIncidentStep(tl))
	require.True(t, tl[1].Overdue, "the CISO report was due at 01:00")
	require.NoError(t, domain.StepOrderRefusal(tl, domain.StepReportedToCISO, now, now, ""))
	for _, s := range []domain.IncidentStep{domain.StepContained, domain.StepRecovered, domain.StepClosed, domain.StepDetected} {
		require.Equal(t, domain.ECONFLICT, domain.ErrorCodeOf(domain.StepOrderRefusal(tl, s, now, now, "x")), s)
	}
	require.Equal(t, domain.EINVALID, domain.ErrorCodeOf(domain.StepOrderRefusal(tl, domain.StepReportedToCISO, detected.Add(-time.Second), now, "")))
	require.Equal(t, domain.EINVALID, domain.ErrorCodeOf(domain.StepOrderRefusal(tl, domain.StepReportedToCISO, now.Add(time.Second), now, "")))

	tl = timeline(t, domain.StepDetected, domain.StepReportedToCISO, domain.StepContained, domain.StepRecovered)
	require.True(t, *tl[1].Met, "reported at 00:30, due 01:00")
	require.Nil(t, tl[0].Met)
	err := domain.StepOrderRefusal(tl, domain.StepClosed, now, now, " ")
	var e *domain.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, "lessons_learned", e.Fields[0].Field)
	require.NoError(t, domain.StepOrderRefusal(tl, domain.StepClosed, now, now, "教訓"))

	tl = timeline(t, domain.IncidentSteps...)
	require.Empty(t, domain.NextIncidentStep(tl))
	require.Equal(t, domain.ECONFLICT, domain.ErrorCodeOf(domain.StepOrderRefusal(tl, domain.StepClosed, now, now, "x")))
}

func TestIncidentPublicationDefault(t *testing.T) {
	yes, no := true, false
	require.Empty(t, domain.PublicationProblems(true, nil, ""), "the default needs no reason")
	require.Empty(t, domain.PublicationProblems(true, &yes, ""), "the default, said again")
	require.Len(t, domain.PublicationProblems(true, &no, ""), 1, "overriding the clause needs a reason")
	require.Empty(t, domain.PublicationProblems(true, &no, "個人が特定されないため"))
	require.Len(t, domain.PublicationProblems(false, &yes, ""), 1)
}

func TestIncidentStepStageIsOverdueFromTheDeadline(t *testing.T) {
	loc := tokyo(t)
	p := domain.DefaultPolicySettings
	deadline := time.Date(2026, 12, 1, 10, 0, 0, 0, loc)
	today := domain.DateOf(deadline, loc)
	s, ok := domain.IncidentStepStage(deadline, deadline.Add(-time.Minute), today, loc, nil, p)
	require.True(t, ok)
	require.Equal(t, domain.StageDue, s.Name)
	s, _ = domain.IncidentStepStage(deadline, deadline, today, loc, nil, p)
	require.Equal(t, domain.StageOverdue, s.Name, "at the deadline, not escalation_delay_days later")
	require.True(t, domain.EscalationAt(s, p).Supervisor)
	s, _ = domain.IncidentStepStage(deadline, deadline.Add(-25*time.Hour), today.AddDays(-1), loc, nil, p)
	require.Equal(t, domain.StageBefore(1), s.Name)
	last := &domain.Stage{Name: domain.StageOverdue, On: today}
	s, _ = domain.IncidentStepStage(deadline, deadline.Add(7*24*time.Hour), today.AddDays(7), loc, last, p)
	require.Equal(t, 1, s.Repeat, "repeats follow overdue_repeat_days")
}

package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
)

func TestTheLedgerListsRowsSendingWithTheirAttempts(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		// One ledger row, written as a scan would, then claimed by two
		// attempts whose outcome was unknown, the second after a lost answer.
		id := "0190c7a0-0000-7000-8000-000000000001"
		insert := `INSERT INTO reminders (id, subject_type, subject_id, title, path, due_date, stage, recipient_id,
			escalated, status, message_id, error, created_at) VALUES (?, 'confirmation', '0190c7a0-0000-7000-8000-000000000002',
			'保守契約', '/v1/confirmations/0190c7a0-0000-7000-8000-000000000002', '2027-04-01', 'before_7', ?, FALSE, 'queued', '', '',
			CURRENT_TIMESTAMP)`
		if e.db.Kind() == store.Postgres {
			insert = strings.Replace(strings.Replace(insert, "?", "$1", 1), "?", "$2", 1)
		}
		_, err := e.db.SQL().Exec(insert, id, e.person.ID)
		require.NoError(t, err)
		msgID := domain.MessageIDFor([]string{id}, "example.lg.jp")
		ctx := context.Background()
		require.NoError(t, e.db.ClaimRemindersSending(ctx, []string{id}, msgID))
		require.NoError(t, e.db.MarkRemindersRetry(ctx, []string{id}, "jobs: send mail: context deadline exceeded", true))
		require.NoError(t, e.db.ClaimRemindersSending(ctx, []string{id}, msgID))

		var page struct {
			Items []domain.Reminder `json:"items"`
		}
		e.must(http.StatusOK, "GET", "/v1/reminders?status=sending", e.admin, nil).Decode(t, &page)
		require.Len(t, page.Items, 1)
		r := page.Items[0]
		require.Equal(t, domain.ReminderSending, r.Status)
		require.Equal(t, 2, r.Attempts)
		require.True(t, r.PossibleDuplicate, "the second attempt found the row still sending")
		require.Equal(t, msgID, r.MessageID)
		require.Contains(t, r.Error, "deadline exceeded")
		e.must(http.StatusOK, "GET", "/v1/reminders?status=queued", e.admin, nil).Decode(t, &page)
		require.Empty(t, page.Items)

		// Once sent it stays sent: a late claim does not take it back.
		require.NoError(t, e.db.MarkRemindersSent(ctx, []string{id}, msgID))
		require.NoError(t, e.db.ClaimRemindersSending(ctx, []string{id}, msgID))
		e.must(http.StatusOK, "GET", "/v1/reminders?status=sent", e.admin, nil).Decode(t, &page)
		require.Len(t, page.Items, 1)
		require.Equal(t, 2, page.Items[0].Attempts)

		e.must(http.StatusUnprocessableEntity, "GET", "/v1/reminders?status=delivered", e.admin, nil)
	})
}

package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

func TestEveryChangeAppendsOneAuditEventAndFailuresNone(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		count := func() int {
			v := e.must(http.StatusOK, "GET", "/v1/audit-events/verify", e.admin, nil).JSON(t)
			require.Equal(t, true, v["ok"])
			return int(v["checked"].(float64))
		}
		before := count()
		p := e.createPerson("監査 対象", "audited@example.lg.jp", nil)
		require.Equal(t, before+1, count())

		// A refused write leaves no event behind.
		e.must(http.StatusConflict, "POST", "/v1/people", e.admin, map[string]any{
			"name": "dup", "email": "AUDITED@example.lg.jp", "department_id": p.DepartmentID})
		e.must(http.StatusPreconditionFailed, "PUT", "/v1/people/"+p.ID, e.admin, map[string]any{
			"name": "x", "email": p.Email, "department_id": p.DepartmentID}, "If-Match", `"7"`)
		require.Equal(t, before+1, count())

		e.must(http.StatusOK, "PUT", "/v1/people/"+p.ID, e.admin, map[string]any{
			"name": "監査 済み", "email": p.Email, "department_id": p.DepartmentID}, "If-Match", `"1"`)
		var events struct {
			Items []domain.AuditEvent `json:"items"`
		}
		e.must(http.StatusOK, "GET", "/v1/audit-events?entity_type=person&entity_id="+p.ID, e.admin, nil).Decode(t, &events)
		require.Len(t, events.Items, 2)
		require.Equal(t, "create", events.Items[0].Action)
		require.Equal(t, "update", events.Items[1].Action)
		require.Contains(t, string(events.Items[1].Before), "監査 対象")
		require.Contains(t, string(events.Items[1].After), "監査 済み")
		require.NotNil(t, events.Items[1].ActorID)
		require.Equal(t, e.person.ID, *events.Items[1].ActorID)
	})
}

func TestTamperingWithOneAuditRowIsFound(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		p := e.createPerson("改ざん 確認", "tamper@example.lg.jp", nil)
		e.createPerson("後続", "later@example.lg.jp", nil)
		// Sealed first: an unsealed event edited would be sealed as it is.
		_, err := e.db.SealAudit(context.Background())
		require.NoError(t, err)
		var events struct {
			Items []domain.AuditEvent `json:"items"`
		}
		e.must(http.StatusOK, "GET", "/v1/audit-events?entity_id="+p.ID, e.admin, nil).Decode(t, &events)
		require.Len(t, events.Items, 1)
		target := events.Items[0]

		_, err = e.db.SQL().Exec(`UPDATE audit_events SET after_json = replace(after_json, '改ざん', '改竄') WHERE id = '` + target.ID + `'`)
		require.NoError(t, err)

		v := e.must(http.StatusOK, "GET", "/v1/audit-events/verify", e.admin, nil).JSON(t)
		require.Equal(t, false, v["ok"])
		broken := v["first_broken"].(map[string]any)
		require.EqualValues(t, target.Seq, broken["seq"])
		require.Equal(t, target.ID, broken["id"])
		require.Equal(t, domain.AuditHashMismatch, broken["problem"])
	})
}

func TestDeletingAnAuditRowIsFound(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		p := e.createPerson("削除 確認", "gone@example.lg.jp", nil)
		e.createPerson("後続", "after@example.lg.jp", nil)
		// Sealed first: an unsealed event deleted becomes a seq_void.
		_, err := e.db.SealAudit(context.Background())
		require.NoError(t, err)
		_, err = e.db.SQL().Exec(`DELETE FROM audit_events WHERE entity_id = '` + p.ID + `'`)
		require.NoError(t, err)
		v := e.must(http.StatusOK, "GET", "/v1/audit-events/verify", e.admin, nil).JSON(t)
		require.Equal(t, false, v["ok"])
		require.Equal(t, domain.AuditSequenceGap, v["first_broken"].(map[string]any)["problem"])
	})
}

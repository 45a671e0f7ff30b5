package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

// saIssuePhoneText is the draft of the issue's "Done when".
const saIssuePhoneText = "お問い合わせは 090-1234-5678 まで"

// saHarmlessText is an announcement that may be published.
const saHarmlessText = "12月1日(月)は燃えるごみの収集日です。"

// saTokenFor creates a token with a role for an existing person.
func saTokenFor(e *env, personID string, role domain.Role) string {
	e.t.Helper()
	var tok struct {
		Secret string `json:"secret"`
	}
	e.must(http.StatusCreated, "POST", "/v1/tokens", e.admin, map[string]any{"person_id": personID, "role": role}).Decode(e.t, &tok)
	require.NotEmpty(e.t, tok.Secret)
	return tok.Secret
}

// saAsset is an information asset in the request's JSON shape.
func saAsset(name, confidentiality string) map[string]any {
	return map[string]any{"name": name, "classification": map[string]any{"confidentiality": confidentiality, "integrity": 1, "availability": 1}}
}

// saCloudBody is a valid cloud service request; extra replaces fields.
func saCloudBody(e *env, responsibleID string, extra map[string]any) map[string]any {
	e.t.Helper()
	body := map[string]any{
		"name": "ファイル転送サービス", "provider": "Example Cloud株式会社",
		"service_url": "https://transfer.example.com", "terms_url": "https://transfer.example.com/terms",
		"terms_version": "2026-04-01版", "terms_reviewed_at": "2026-04-10",
		"permitted_uses":        []string{"公開資料の外部への送付"},
		"information_assets":    []any{saAsset("公開済みの収集日程表", "1")},
		"responsible_person_id": responsibleID, "department_id": e.departmentID(),
	}
	for k, v := range extra {
		body[k] = v
	}
	return body
}

// saTermsCodes lists the codes of the terms-of-service checklist.
func saTermsCodes(e *env) []string {
	e.t.Helper()
	var list struct {
		Items []domain.CatalogueItem `json:"items"`
	}
	e.must(http.StatusOK, "GET", "/v1/terms-checks", e.admin, nil).Decode(e.t, &list)
	var codes []string
	for _, it := range list.Items {
		codes = append(codes, it.Code)
	}
	require.NotEmpty(e.t, codes, "the seeded terms checklist")
	return codes
}

// saAnswers answers every code ok.
func saAnswers(codes []string) []map[string]any {
	out := []map[string]any{}
	for _, c := range codes {
		out = append(out, map[string]any{"code": c, "answer": "ok", "note": "規約で確認済み"})
	}
	return out
}

// saCreateCloud creates a requested service.
func saCreateCloud(e *env, responsibleID string, extra map[string]any) domain.CloudService {
	e.t.Helper()
	var c domain.CloudService
	e.must(http.StatusCreated, "POST", "/v1/cloud-services", e.admin, saCloudBody(e, responsibleID, extra)).Decode(e.t, &c)
	return c
}

// saSupervisorToken returns an editor token whose person holds the supervisor
// security role, and that person.
func saSupervisorToken(e *env) (string, domain.Person) {
	e.t.Helper()
	p := e.createPerson("統括 責任者", "supervisor-"+randomSuffix()+"@example.lg.jp", map[string]any{"security_roles": []string{"supervisor"}})
	return saTokenFor(e, p.ID, domain.RoleEditor), p
}

// saApprovedCloud creates a service with every checklist item answered and
// has a supervisor approve it.
func saApprovedCloud(e *env, responsibleID, supervisorToken string, extra map[string]any) domain.CloudService {
	e.t.Helper()
	if extra == nil {
		extra = map[string]any{}
	}
	extra["terms_checks"] = saAnswers(saTermsCodes(e))
	c := saCreateCloud(e, responsibleID, extra)
	var approved domain.CloudService
	e.must(http.StatusOK, "POST", "/v1/cloud-services/"+c.ID+"/approve", supervisorToken, nil).Decode(e.t, &approved)
	return approved
}

// saEvents lists the audit events of one entity, oldest first.
func saEvents(e *env, entityType, id string) ([]domain.AuditEvent, string) {
	e.t.Helper()
	var page struct {
		Items []domain.AuditEvent `json:"items"`
	}
	r := e.must(http.StatusOK, "GET", "/v1/audit-events?limit=200&entity_type="+entityType+"&entity_id="+id, e.admin, nil)
	r.Decode(e.t, &page)
	return page.Items, string(r.Body)
}

// saAddMonths adds months to a YYYY-MM-DD date, clamping to the month's end.
func saAddMonths(t *testing.T, date string, months int) string {
	t.Helper()
	d, err := time.Parse(time.DateOnly, date)
	require.NoError(t, err, "date %q", date)
	first := time.Date(d.Year(), d.Month()+time.Month(months), 1, 0, 0, 0, 0, time.UTC)
	last := time.Date(first.Year(), first.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return time.Date(first.Year(), first.Month(), min(d.Day(), last), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
}

// saNextDay returns the day after a YYYY-MM-DD date.
func saNextDay(t *testing.T, date string) string {
	t.Helper()
	d, err := time.Parse(time.DateOnly, date)
	require.NoError(t, err)
	return d.AddDate(0, 0, 1).Format(time.DateOnly)
}

// saProblemValues returns the values of a problem's field errors.
func saProblemValues(p map[string]any) []string {
	var out []string
	errs, _ := p["errors"].([]any)
	for _, e := range errs {
		out = append(out, fmt.Sprint(e.(map[string]any)["value"]))
	}
	return out
}

// saProblemText joins a problem's detail and field messages.
func saProblemText(p map[string]any) string {
	parts := []string{fmt.Sprint(p["detail"])}
	errs, _ := p["errors"].([]any)
	for _, e := range errs {
		m := e.(map[string]any)
		parts = append(parts, fmt.Sprint(m["location"]), fmt.Sprint(m["message"]))
	}
	return strings.Join(parts, " | ")
}

func saListCloud(e *env, query string) []string {
	e.t.Helper()
	var page struct {
		Items []domain.CloudService `json:"items"`
	}
	e.must(http.StatusOK, "GET", "/v1/cloud-services?"+query, e.admin, nil).Decode(e.t, &page)
	ids := []string{}
	for _, c := range page.Items {
		ids = append(ids, c.ID)
	}
	return ids
}

func TestCloudServiceRefusesConfidentialityTwoOrAbove(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		owner := e.createPerson("情報 担当", "owner@example.lg.jp", nil)
		supervisorToken, _ := saSupervisorToken(e)

		for _, level := range []string{"2", "3", "3A"} {
			t.Run("create with confidentiality "+level, func(t *testing.T) {
				body := saCloudBody(e, owner.ID, map[string]any{"information_assets": []any{
					saAsset("公開資料", "1"), saAsset("粗大ごみ申込者の氏名と住所", level)}})
				p := requireProblem(t, e.do("POST", "/v1/cloud-services", e.admin, body), http.StatusUnprocessableEntity)
				detail := fmt.Sprint(p["detail"])
				require.Contains(t, detail, "confidentiality 2", "the detail states the rule")
				require.Contains(t, detail, "must never handle information of confidentiality 2 or above")
				require.Equal(t, []string{"body.information_assets[1].classification.confidentiality"}, problemLocations(p))
				require.Contains(t, saProblemText(p), "粗大ごみ申込者の氏名と住所", "the field message names the asset")
			})
		}
		t.Run("no override, whoever asks", func(t *testing.T) {
			body := saCloudBody(e, owner.ID, map[string]any{"information_assets": []any{saAsset("職員名簿", "2")}})
			requireProblem(t, e.do("POST", "/v1/cloud-services", supervisorToken, body), http.StatusUnprocessableEntity)
		})
		t.Run("nothing was created", func(t *testing.T) {
			require.Empty(t, saListCloud(e, ""))
		})

		t.Run("replace of a requested service", func(t *testing.T) {
			c := saCreateCloud(e, owner.ID, nil)
			p := requireProblem(t, e.do("PUT", "/v1/cloud-services/"+c.ID, e.admin,
				saCloudBody(e, owner.ID, map[string]any{"information_assets": []any{saAsset("申込者の連絡先", "2")}}), "If-Match", `"1"`),
				http.StatusUnprocessableEntity)
			require.Contains(t, fmt.Sprint(p["detail"]), "confidentiality 2")
			require.Equal(t, []string{"body.information_assets[0].classification.confidentiality"}, problemLocations(p))
			var got domain.CloudService
			e.must(http.StatusOK, "GET", "/v1/cloud-services/"+c.ID, e.admin, nil).Decode(t, &got)
			require.Equal(t, 1, got.Version, "the refused replace changed nothing")
			require.Equal(t, "1", string(got.InformationAssets[0].Classification.Confidentiality))
		})
		t.Run("replace of an approved service", func(t *testing.T) {
			c := saApprovedCloud(e, owner.ID, supervisorToken, map[string]any{"name": "承認済みサービス"})
			require.Equal(t, domain.CloudApproved, c.Status)
			body := saCloudBody(e, owner.ID, map[string]any{"name": "承認済みサービス", "terms_checks": saAnswers(saTermsCodes(e)),
				"information_assets": []any{saAsset("住民の個人番号", "3A")}})
			for _, token := range []string{e.admin, supervisorToken} {
				p := requireProblem(t, e.do("PUT", "/v1/cloud-services/"+c.ID, token, body), http.StatusUnprocessableEntity)
				require.Contains(t, fmt.Sprint(p["detail"]), "confidentiality 2")
			}
			var got domain.CloudService
			e.must(http.StatusOK, "GET", "/v1/cloud-services/"+c.ID, e.admin, nil).Decode(t, &got)
			require.Equal(t, domain.CloudApproved, got.Status)
			require.Equal(t, c.Version, got.Version)
		})
	})
}

func TestCloudServiceApprovalNeedsASupervisorAndEveryTermsCheck(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		owner := e.createPerson("情報 担当", "owner@example.lg.jp", nil)
		codes := saTermsCodes(e)
		require.GreaterOrEqual(t, len(codes), 2)

		var c domain.CloudService
		r := e.must(http.StatusCreated, "POST", "/v1/cloud-services", e.admin, saCloudBody(e, owner.ID, nil))
		r.Decode(t, &c)
		require.Equal(t, `"1"`, r.Header.Get("ETag"))
		require.Equal(t, domain.CloudRequested, c.Status)
		require.Equal(t, e.person.ID, c.RequesterID, "the caller is the requester")
		require.Equal(t, 12, c.ReviewIntervalMonths, "the settings' default")
		require.True(t, c.NextReviewDue.IsZero(), "no review is due before approval")
		require.Empty(t, c.ApproverID)

		t.Run("an editor without a security role: 403", func(t *testing.T) {
			editor := e.token(domain.RoleEditor)
			p := requireProblem(t, e.do("POST", "/v1/cloud-services/"+c.ID+"/approve", editor, nil), http.StatusForbidden)
			require.Contains(t, fmt.Sprint(p["detail"]), "supervisor")
		})
		t.Run("a manager: 403", func(t *testing.T) {
			m := e.createPerson("課 責任者", "manager@example.lg.jp", map[string]any{"security_roles": []string{"manager"}})
			requireProblem(t, e.do("POST", "/v1/cloud-services/"+c.ID+"/approve", saTokenFor(e, m.ID, domain.RoleEditor), nil), http.StatusForbidden)
		})
		t.Run("a viewer who is a supervisor: 403", func(t *testing.T) {
			s := e.createPerson("閲覧 統括", "viewer-sup@example.lg.jp", map[string]any{"security_roles": []string{"supervisor"}})
			requireProblem(t, e.do("POST", "/v1/cloud-services/"+c.ID+"/approve", saTokenFor(e, s.ID, domain.RoleViewer), nil), http.StatusForbidden)
		})

		supervisorToken, supervisor := saSupervisorToken(e)
		t.Run("a supervisor while nothing is answered: 422 naming every item", func(t *testing.T) {
			p := requireProblem(t, e.do("POST", "/v1/cloud-services/"+c.ID+"/approve", supervisorToken, nil), http.StatusUnprocessableEntity)
			require.Contains(t, fmt.Sprint(p["detail"]), "terms-of-service risk checklist")
			require.ElementsMatch(t, codes, saProblemValues(p))
			for _, loc := range problemLocations(p) {
				require.Equal(t, "body.terms_checks", loc)
			}
		})
		t.Run("a supervisor while one item is unanswered: 422 naming it", func(t *testing.T) {
			missing := codes[len(codes)-1]
			e.must(http.StatusOK, "PUT", "/v1/cloud-services/"+c.ID, e.admin,
				saCloudBody(e, owner.ID, map[string]any{"terms_checks": saAnswers(codes[:len(codes)-1])}), "If-Match", `"1"`)
			p := requireProblem(t, e.do("POST", "/v1/cloud-services/"+c.ID+"/approve", supervisorToken, nil), http.StatusUnprocessableEntity)
			require.Equal(t, []string{missing}, saProblemValues(p))
			require.Contains(t, saProblemText(p), missing)
			var got domain.CloudService
			e.must(http.StatusOK, "GET", "/v1/cloud-services/"+c.ID, e.admin, nil).Decode(t, &got)
			require.Equal(t, domain.CloudRequested, got.Status)
		})
		t.Run("an unknown checklist code is refused on replace", func(t *testing.T) {
			answers := append(saAnswers(codes), map[string]any{"code": "tos_made_up", "answer": "ok"})
			p := requireProblem(t, e.do("PUT", "/v1/cloud-services/"+c.ID, e.admin,
				saCloudBody(e, owner.ID, map[string]any{"terms_checks": answers})), http.StatusUnprocessableEntity)
			require.Equal(t, []string{fmt.Sprintf("body.terms_checks[%d].code", len(codes))}, problemLocations(p))
		})

		var approved domain.CloudService
		t.Run("a supervisor with every item answered: 200", func(t *testing.T) {
			answers := saAnswers(codes)
			answers[0]["answer"] = "concern"
			answers[0]["note"] = "一方的な規約変更の条項あり。公開資料のみのため許容"
			e.must(http.StatusOK, "PUT", "/v1/cloud-services/"+c.ID, e.admin,
				saCloudBody(e, owner.ID, map[string]any{"terms_checks": answers}), "If-Match", `"2"`)
			r := e.must(http.StatusOK, "POST", "/v1/cloud-services/"+c.ID+"/approve", supervisorToken, nil, "If-Match", `"3"`)
			r.Decode(t, &approved)
			require.Equal(t, `"4"`, r.Header.Get("ETag"))
			require.Equal(t, domain.CloudApproved, approved.Status)
			require.Equal(t, supervisor.ID, approved.ApproverID)
			require.False(t, approved.ApprovedOn.IsZero())
			today := testNow().In(time.FixedZone("JST", 9*3600)).Format(time.DateOnly)
			yesterday := testNow().In(time.FixedZone("JST", 9*3600)).AddDate(0, 0, -1).Format(time.DateOnly)
			require.Contains(t, []string{today, yesterday}, approved.ApprovedOn.String(), "approved today in Asia/Tokyo")
			require.Equal(t, saAddMonths(t, approved.ApprovedOn.String(), 12), approved.NextReviewDue.String(),
				"next review = approval + 12 months")

			raw := e.must(http.StatusOK, "GET", "/v1/cloud-services/"+c.ID, e.admin, nil).JSON(t)
			require.Equal(t, "approved", raw["status"])
			require.Equal(t, supervisor.ID, raw["approver_id"])
			require.Equal(t, approved.ApprovedOn.String(), raw["approved_on"])
			require.Equal(t, approved.NextReviewDue.String(), raw["next_review_due"])

			events, _ := saEvents(e, "cloud_service", c.ID)
			last := events[len(events)-1]
			require.Equal(t, "approve", last.Action)
			require.NotNil(t, last.ActorID)
			require.Equal(t, supervisor.ID, *last.ActorID)
		})
		t.Run("approving twice: 409", func(t *testing.T) {
			requireProblem(t, e.do("POST", "/v1/cloud-services/"+c.ID+"/approve", supervisorToken, nil), http.StatusConflict)
		})
		t.Run("a ciso may approve too", func(t *testing.T) {
			ciso := e.createPerson("最高 責任者", "ciso@example.lg.jp", map[string]any{"security_roles": []string{"ciso"}})
			other := saApprovedCloud(e, owner.ID, saTokenFor(e, ciso.ID, domain.RoleEditor), map[string]any{"name": "別サービス"})
			require.Equal(t, domain.CloudApproved, other.Status)
			require.Equal(t, ciso.ID, other.ApproverID)
		})
		t.Run("the review interval of the service counts", func(t *testing.T) {
			six := saApprovedCloud(e, owner.ID, supervisorToken, map[string]any{"name": "半年ごと", "review_interval_months": 6})
			require.Equal(t, saAddMonths(t, six.ApprovedOn.String(), 6), six.NextReviewDue.String())
		})
	})
}

func TestCloudServiceTermsChangeSendsItBackForApproval(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		owner := e.createPerson("情報 担当", "owner@example.lg.jp", nil)
		supervisorToken, _ := saSupervisorToken(e)
		c := saApprovedCloud(e, owner.ID, supervisorToken, nil)
		answers := saAnswers(saTermsCodes(e))

		t.Run("a change that keeps the terms version keeps the approval", func(t *testing.T) {
			var got domain.CloudService
			e.must(http.StatusOK, "PUT", "/v1/cloud-services/"+c.ID, e.admin, saCloudBody(e, owner.ID, map[string]any{
				"terms_checks": answers, "terms_version": " 2026-04-01版 ", "permitted_uses": []string{"公開資料の送付", "会議資料の共有"}})).Decode(t, &got)
			require.Equal(t, domain.CloudApproved, got.Status)
			require.Equal(t, c.ApproverID, got.ApproverID)
			require.Equal(t, c.NextReviewDue, got.NextReviewDue)
			events, _ := saEvents(e, "cloud_service", c.ID)
			require.Equal(t, "update", events[len(events)-1].Action)
		})
		t.Run("a new terms version: back to requested with a reason", func(t *testing.T) {
			var got domain.CloudService
			e.must(http.StatusOK, "PUT", "/v1/cloud-services/"+c.ID, e.admin, saCloudBody(e, owner.ID, map[string]any{
				"terms_checks": answers, "terms_version": "2026-10-01版"})).Decode(t, &got)
			require.Equal(t, domain.CloudRequested, got.Status)
			require.Empty(t, got.ApproverID)
			require.True(t, got.ApprovedOn.IsZero())
			require.True(t, got.NextReviewDue.IsZero(), "no review is due while not approved")
			require.Contains(t, got.StatusReason, "2026-10-01版")

			events, _ := saEvents(e, "cloud_service", c.ID)
			last := events[len(events)-1]
			require.Equal(t, "terms_changed", last.Action)
			require.Contains(t, last.Reason, "2026-04-01版", "the reason names the old version")
			require.Contains(t, last.Reason, "2026-10-01版", "the reason names the new version")
			require.Contains(t, last.Reason, "approved again")
			require.Contains(t, string(last.Before), `"approved"`)
			require.Contains(t, string(last.After), `"requested"`)
		})
		t.Run("the answers sent with the new terms are stale: approval names each", func(t *testing.T) {
			p := requireProblem(t, e.do("POST", "/v1/cloud-services/"+c.ID+"/approve", supervisorToken, nil), http.StatusUnprocessableEntity)
			require.ElementsMatch(t, saTermsCodes(e), saProblemValues(p))
			require.Contains(t, saProblemText(p), "2026-04-01版", "the message names the terms they were answered for")
		})
		t.Run("answered again for the new terms, it can be approved again", func(t *testing.T) {
			e.must(http.StatusOK, "PUT", "/v1/cloud-services/"+c.ID, e.admin, saCloudBody(e, owner.ID, map[string]any{
				"terms_checks": answers, "terms_version": "2026-10-01版"}))
			var again domain.CloudService
			e.must(http.StatusOK, "POST", "/v1/cloud-services/"+c.ID+"/approve", supervisorToken, nil).Decode(t, &again)
			require.Equal(t, domain.CloudApproved, again.Status)
			require.Equal(t, "2026-10-01版", again.TermsVersion)
			require.Empty(t, again.StatusReason)
		})
		t.Run("a new terms version on a requested service stays requested, its answers stale", func(t *testing.T) {
			r := saCreateCloud(e, owner.ID, map[string]any{"name": "申請中", "terms_checks": answers})
			var got domain.CloudService
			e.must(http.StatusOK, "PUT", "/v1/cloud-services/"+r.ID, e.admin, saCloudBody(e, owner.ID, map[string]any{
				"name": "申請中", "terms_version": "v2", "terms_checks": answers})).Decode(t, &got)
			require.Equal(t, domain.CloudRequested, got.Status)
			for _, ch := range got.TermsChecks {
				require.True(t, ch.Stale, "%s", ch.Code)
			}
			events, _ := saEvents(e, "cloud_service", r.ID)
			require.Equal(t, "terms_changed", events[len(events)-1].Action)
		})
	})
}

func TestCloudServiceRejectAndRetire(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		owner := e.createPerson("情報 担当", "owner@example.lg.jp", nil)
		supervisorToken, _ := saSupervisorToken(e)

		t.Run("reject needs a reason", func(t *testing.T) {
			c := saCreateCloud(e, owner.ID, map[string]any{"name": "却下候補"})
			for _, body := range []any{map[string]any{"reason": ""}, map[string]any{"reason": "   "}, map[string]any{}} {
				p := requireProblem(t, e.do("POST", "/v1/cloud-services/"+c.ID+"/reject", e.admin, body), http.StatusUnprocessableEntity)
				require.Contains(t, saProblemText(p), "reason", "body %v", body)
			}
			var got domain.CloudService
			e.must(http.StatusOK, "POST", "/v1/cloud-services/"+c.ID+"/reject", e.admin, map[string]any{"reason": "規約に第三者提供の条項があるため"}).Decode(t, &got)
			require.Equal(t, domain.CloudRejected, got.Status)
			require.Equal(t, "規約に第三者提供の条項があるため", got.StatusReason)
			events, _ := saEvents(e, "cloud_service", c.ID)
			require.Equal(t, "reject", events[len(events)-1].Action)
			require.Equal(t, "規約に第三者提供の条項があるため", events[len(events)-1].Reason)

			requireProblem(t, e.do("POST", "/v1/cloud-services/"+c.ID+"/reject", e.admin, map[string]any{"reason": "再度"}), http.StatusConflict)
			requireProblem(t, e.do("POST", "/v1/cloud-services/"+c.ID+"/approve", supervisorToken, nil), http.StatusConflict)
			e.must(http.StatusOK, "POST", "/v1/cloud-services/"+c.ID+"/retire", e.admin, map[string]any{"reason": "記録を閉じる"})
		})
		t.Run("an approved service cannot be rejected", func(t *testing.T) {
			c := saApprovedCloud(e, owner.ID, supervisorToken, map[string]any{"name": "承認済み"})
			requireProblem(t, e.do("POST", "/v1/cloud-services/"+c.ID+"/reject", e.admin, map[string]any{"reason": "x"}), http.StatusConflict)
		})
		t.Run("retire from requested: 409", func(t *testing.T) {
			c := saCreateCloud(e, owner.ID, map[string]any{"name": "申請中"})
			requireProblem(t, e.do("POST", "/v1/cloud-services/"+c.ID+"/retire", e.admin, map[string]any{"reason": "不要になった"}), http.StatusConflict)
			var got domain.CloudService
			e.must(http.StatusOK, "GET", "/v1/cloud-services/"+c.ID, e.admin, nil).Decode(t, &got)
			require.Equal(t, domain.CloudRequested, got.Status)
		})
		t.Run("retire from approved, then it is read-only", func(t *testing.T) {
			c := saApprovedCloud(e, owner.ID, supervisorToken, map[string]any{"name": "廃止予定"})
			requireProblem(t, e.do("POST", "/v1/cloud-services/"+c.ID+"/retire", e.admin, map[string]any{"reason": ""}), http.StatusUnprocessableEntity)
			var got domain.CloudService
			e.must(http.StatusOK, "POST", "/v1/cloud-services/"+c.ID+"/retire", e.admin, map[string]any{"reason": "庁内システムへ移行"}).Decode(t, &got)
			require.Equal(t, domain.CloudRetired, got.Status)
			require.Equal(t, "庁内システムへ移行", got.StatusReason)
			require.True(t, got.NextReviewDue.IsZero(), "no review is due once retired")
			e.must(http.StatusOK, "GET", "/v1/cloud-services/"+c.ID, e.admin, nil)
			requireProblem(t, e.do("PUT", "/v1/cloud-services/"+c.ID, e.admin, saCloudBody(e, owner.ID, map[string]any{"name": "廃止予定"})), http.StatusConflict)
			requireProblem(t, e.do("POST", "/v1/cloud-services/"+c.ID+"/retire", e.admin, map[string]any{"reason": "again"}), http.StatusConflict)
		})
		t.Run("a viewer may read but not write", func(t *testing.T) {
			viewer := e.token(domain.RoleViewer)
			e.must(http.StatusOK, "GET", "/v1/cloud-services", viewer, nil)
			requireProblem(t, e.do("POST", "/v1/cloud-services", viewer, saCloudBody(e, owner.ID, nil)), http.StatusForbidden)
		})
		t.Run("stale If-Match: 412", func(t *testing.T) {
			c := saCreateCloud(e, owner.ID, map[string]any{"name": "版ずれ"})
			requireProblem(t, e.do("POST", "/v1/cloud-services/"+c.ID+"/reject", e.admin, map[string]any{"reason": "x"}, "If-Match", `"5"`), http.StatusPreconditionFailed)
		})
	})
}

func TestCloudServiceFilters(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		owner := e.createPerson("情報 担当", "owner@example.lg.jp", nil)
		other := e.createPerson("別 担当", "other@example.lg.jp", nil)
		supervisorToken, _ := saSupervisorToken(e)

		approved := saApprovedCloud(e, owner.ID, supervisorToken, map[string]any{"name": "Approved Transfer"})
		requested := saCreateCloud(e, other.ID, map[string]any{"name": "申請中のストレージ"})
		rejected := saCreateCloud(e, owner.ID, map[string]any{"name": "却下の翻訳", "provider": "Honyaku Inc."})
		e.must(http.StatusOK, "POST", "/v1/cloud-services/"+rejected.ID+"/reject", e.admin, map[string]any{"reason": "不要"})
		six := saApprovedCloud(e, other.ID, supervisorToken, map[string]any{"name": "半年レビュー", "review_interval_months": 6})

		due := approved.NextReviewDue.String()
		cases := []struct {
			query string
			want  []string
		}{
			{"", []string{approved.ID, requested.ID, rejected.ID, six.ID}},
			{"status=approved", []string{approved.ID, six.ID}},
			{"status=requested", []string{requested.ID}},
			{"status=rejected", []string{rejected.ID}},
			{"status=retired", []string{}},
			{"review_due_before=" + saNextDay(t, due), []string{approved.ID, six.ID}},
			{"review_due_before=" + due, []string{six.ID}},
			{"review_due_before=" + six.NextReviewDue.String(), []string{}},
			{"review_due_before=" + saNextDay(t, six.NextReviewDue.String()), []string{six.ID}},
			{"status=approved&review_due_before=" + due, []string{six.ID}},
			{"responsible_person_id=" + other.ID, []string{requested.ID, six.ID}},
			{"q=" + url.QueryEscape("transfer"), []string{approved.ID}},
			{"q=" + url.QueryEscape("honyaku"), []string{rejected.ID}},
		}
		for _, c := range cases {
			t.Run(c.query, func(t *testing.T) {
				require.ElementsMatch(t, c.want, saListCloud(e, c.query))
			})
		}
		t.Run("bad filters: 422", func(t *testing.T) {
			requireProblem(t, e.do("GET", "/v1/cloud-services?status=pending", e.admin, nil), http.StatusUnprocessableEntity)
			requireProblem(t, e.do("GET", "/v1/cloud-services?review_due_before=2026-13-01", e.admin, nil), http.StatusUnprocessableEntity)
		})
	})
}

// saProcedure is an approved operating procedure (運用手順).
var saProcedure = map[string]any{"document_ref": "広報-SNS-001", "version": "1.0", "approved_on": "2026-04-01"}

// saAccountBody is a valid social account request; extra replaces fields.
func saAccountBody(e *env, responsibleID string, extra map[string]any) map[string]any {
	e.t.Helper()
	body := map[string]any{
		"platform": "x", "handle": "@clean_kumiai", "profile_url": "https://mobile.twitter.com/Clean_Kumiai?lang=ja",
		"purpose": "ごみ収集日程と災害時の収集情報の発信", "department_id": e.departmentID(),
		"responsible_person_id": responsibleID,
		"publishing_rules": map[string]any{
			"allowed_categories": []string{"お知らせ", "収集日程"},
			"prohibited_terms":   []string{"未発表", "個人名"},
		},
		"operating_procedure": saProcedure,
	}
	for k, v := range extra {
		if v == nil {
			delete(body, k)
			continue
		}
		body[k] = v
	}
	return body
}

func saCreateAccount(e *env, responsibleID string, extra map[string]any) domain.SocialAccount {
	e.t.Helper()
	var a domain.SocialAccount
	e.must(http.StatusCreated, "POST", "/v1/social-accounts", e.admin, saAccountBody(e, responsibleID, extra)).Decode(e.t, &a)
	return a
}

func saListAccounts(e *env, query string) []string {
	e.t.Helper()
	var page struct {
		Items []domain.SocialAccount `json:"items"`
	}
	e.must(http.StatusOK, "GET", "/v1/social-accounts?"+query, e.admin, nil).Decode(e.t, &page)
	ids := []string{}
	for _, a := range page.Items {
		ids = append(ids, a.ID)
	}
	return ids
}

func TestSocialAccountRegistration(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		owner := e.createPerson("広報 責任者", "koho@example.lg.jp", nil)

		t.Run("without a responsible person: 422 naming it", func(t *testing.T) {
			for name, body := range map[string]map[string]any{
				"absent": saAccountBody(e, "", map[string]any{"responsible_person_id": nil}),
				"empty":  saAccountBody(e, "", nil),
			} {
				p := requireProblem(t, e.do("POST", "/v1/social-accounts", e.admin, body), http.StatusUnprocessableEntity)
				require.Contains(t, saProblemText(p), "responsible_person_id", "%s: %s", name, saProblemText(p))
			}
			p := requireProblem(t, e.do("POST", "/v1/social-accounts", e.admin,
				saAccountBody(e, "0190f3a0-0000-7000-8000-0000000000ff", nil)), http.StatusUnprocessableEntity)
			require.Equal(t, []string{"body.responsible_person_id"}, problemLocations(p))
			require.Empty(t, saListAccounts(e, ""), "nothing was registered")
		})

		var a domain.SocialAccount
		t.Run("created with the handle normalised and the URL canonical", func(t *testing.T) {
			r := e.must(http.StatusCreated, "POST", "/v1/social-accounts", e.admin, saAccountBody(e, owner.ID, nil))
			r.Decode(t, &a)
			require.Equal(t, `"1"`, r.Header.Get("ETag"))
			require.Equal(t, domain.PlatformX, a.Platform)
			require.Equal(t, "clean_kumiai", a.Handle)
			require.Equal(t, "https://x.com/clean_kumiai", a.ProfileURL)
			require.Equal(t, owner.ID, a.ResponsiblePersonID)
			require.Equal(t, domain.SocialActive, a.Status)
			require.Equal(t, 12, a.ReviewIntervalMonths)
			require.Equal(t, saAddMonths(t, domain.DateOf(a.CreatedAt, time.FixedZone("JST", 9*3600)).String(), 12), a.NextReviewDue.String())
			require.Equal(t, []string{"お知らせ", "収集日程"}, a.PublishingRules.AllowedCategories)
			require.NotNil(t, a.OperatorIDs)
		})
		t.Run("a mixed-case handle: URL and handle agree", func(t *testing.T) {
			b := saCreateAccount(e, owner.ID, map[string]any{"handle": "@Kumiai_Info", "profile_url": "https://twitter.com/Kumiai_Info"})
			require.Equal(t, "kumiai_info", b.Handle)
			require.Equal(t, "https://x.com/kumiai_info", b.ProfileURL)
		})
		t.Run("the URL is built from the handle when omitted", func(t *testing.T) {
			b := saCreateAccount(e, owner.ID, map[string]any{"platform": "instagram", "handle": "clean_kumiai", "profile_url": nil})
			require.Equal(t, "https://www.instagram.com/clean_kumiai/", b.ProfileURL)
		})
		t.Run("duplicate platform and handle: 409", func(t *testing.T) {
			for _, handle := range []string{"CLEAN_KUMIAI", "@clean_kumiai", " clean_kumiai "} {
				p := requireProblem(t, e.do("POST", "/v1/social-accounts", e.admin,
					saAccountBody(e, owner.ID, map[string]any{"handle": handle, "profile_url": nil})), http.StatusConflict)
				require.Contains(t, fmt.Sprint(p["detail"]), "platform and handle", "handle %q", handle)
			}
		})
		t.Run("wrong profile host: 422 at body.profile_url", func(t *testing.T) {
			p := requireProblem(t, e.do("POST", "/v1/social-accounts", e.admin,
				saAccountBody(e, owner.ID, map[string]any{"handle": "kumiai_news", "profile_url": "https://www.facebook.com/kumiai_news"})), http.StatusUnprocessableEntity)
			require.Equal(t, []string{"body.profile_url"}, problemLocations(p))
			require.Contains(t, saProblemText(p), "x.com")
		})
		t.Run("profile URL of another handle: 422 at body.profile_url", func(t *testing.T) {
			p := requireProblem(t, e.do("POST", "/v1/social-accounts", e.admin,
				saAccountBody(e, owner.ID, map[string]any{"handle": "kumiai_news", "profile_url": "https://x.com/someone_else"})), http.StatusUnprocessableEntity)
			require.Equal(t, []string{"body.profile_url"}, problemLocations(p))
		})
		t.Run("invalid handle: 422 at body.handle", func(t *testing.T) {
			p := requireProblem(t, e.do("POST", "/v1/social-accounts", e.admin,
				saAccountBody(e, owner.ID, map[string]any{"handle": "kumiai-news", "profile_url": nil})), http.StatusUnprocessableEntity)
			require.Equal(t, []string{"body.handle"}, problemLocations(p))
		})
		t.Run("availability 2 needs the mirror site", func(t *testing.T) {
			p := requireProblem(t, e.do("POST", "/v1/social-accounts", e.admin,
				saAccountBody(e, owner.ID, map[string]any{"handle": "kumiai_saigai", "profile_url": nil, "carries_availability_2": true})), http.StatusUnprocessableEntity)
			require.Equal(t, []string{"body.mirror_site_url"}, problemLocations(p))
			b := saCreateAccount(e, owner.ID, map[string]any{"handle": "kumiai_saigai", "profile_url": nil, "carries_availability_2": true,
				"mirror_site_url": "https://www.city.example.lg.jp/saigai/"})
			require.True(t, b.CarriesAvailability2)
			require.Equal(t, "https://www.city.example.lg.jp/saigai/", b.MirrorSiteURL)
		})
		t.Run("a viewer cannot register", func(t *testing.T) {
			requireProblem(t, e.do("POST", "/v1/social-accounts", e.token(domain.RoleViewer),
				saAccountBody(e, owner.ID, map[string]any{"handle": "kumiai_view", "profile_url": nil})), http.StatusForbidden)
		})
	})
}

func TestSocialAccountResponsiblePerson(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		first := e.createPerson("山田 太郎", "yamada@example.lg.jp", nil)
		second := e.createPerson("佐藤 花子", "sato@example.lg.jp", nil)
		a := saCreateAccount(e, first.ID, nil)

		t.Run("deleting the responsible person: 409", func(t *testing.T) {
			p := requireProblem(t, e.do("DELETE", "/v1/people/"+first.ID, e.admin, nil), http.StatusConflict)
			require.Contains(t, fmt.Sprint(p["detail"]), "social-media accounts")
			e.must(http.StatusOK, "GET", "/v1/people/"+first.ID, e.admin, nil)
		})
		t.Run("PUT changing the responsible person: 422", func(t *testing.T) {
			p := requireProblem(t, e.do("PUT", "/v1/social-accounts/"+a.ID, e.admin,
				saAccountBody(e, second.ID, nil), "If-Match", `"1"`), http.StatusUnprocessableEntity)
			require.Equal(t, []string{"body.responsible_person_id"}, problemLocations(p))
			require.Contains(t, saProblemText(p), "/responsible-person")
			var got domain.SocialAccount
			e.must(http.StatusOK, "GET", "/v1/social-accounts/"+a.ID, e.admin, nil).Decode(t, &got)
			require.Equal(t, first.ID, got.ResponsiblePersonID)
			require.Equal(t, 1, got.Version)
		})
		t.Run("PUT keeping the responsible person: 200", func(t *testing.T) {
			var got domain.SocialAccount
			e.must(http.StatusOK, "PUT", "/v1/social-accounts/"+a.ID, e.admin,
				saAccountBody(e, first.ID, map[string]any{"purpose": "収集日程の発信", "operator_ids": []string{second.ID}}), "If-Match", `"1"`).Decode(t, &got)
			require.Equal(t, "収集日程の発信", got.Purpose)
			require.Equal(t, []string{second.ID}, got.OperatorIDs)
			require.Equal(t, 2, got.Version)
		})
		t.Run("the same person again: 422", func(t *testing.T) {
			p := requireProblem(t, e.do("PUT", "/v1/social-accounts/"+a.ID+"/responsible-person", e.admin,
				map[string]any{"person_id": first.ID}), http.StatusUnprocessableEntity)
			require.Equal(t, []string{"body.person_id"}, problemLocations(p))
		})
		t.Run("an unknown person: 422", func(t *testing.T) {
			p := requireProblem(t, e.do("PUT", "/v1/social-accounts/"+a.ID+"/responsible-person", e.admin,
				map[string]any{"person_id": "0190f3a0-0000-7000-8000-0000000000ff"}), http.StatusUnprocessableEntity)
			require.Equal(t, []string{"body.person_id"}, problemLocations(p))
		})
		t.Run("hand over: 200 and an audit event naming both people", func(t *testing.T) {
			var got domain.SocialAccount
			r := e.must(http.StatusOK, "PUT", "/v1/social-accounts/"+a.ID+"/responsible-person", e.admin,
				map[string]any{"person_id": second.ID, "reason": "人事異動のため"}, "If-Match", `"2"`)
			r.Decode(t, &got)
			require.Equal(t, `"3"`, r.Header.Get("ETag"))
			require.Equal(t, second.ID, got.ResponsiblePersonID)

			events, _ := saEvents(e, "social_account", a.ID)
			last := events[len(events)-1]
			require.Equal(t, "change_responsible_person", last.Action)
			require.Contains(t, last.Reason, "山田 太郎", "the old person's name")
			require.Contains(t, last.Reason, "佐藤 花子", "the new person's name")
			require.Contains(t, last.Reason, "人事異動のため")
			require.Contains(t, string(last.Before), first.ID)
			require.Contains(t, string(last.After), second.ID)
		})
		t.Run("the previous person is no longer responsible and may be deleted", func(t *testing.T) {
			require.Empty(t, saListAccounts(e, "responsible_person_id="+first.ID))
			e.must(http.StatusNoContent, "DELETE", "/v1/people/"+first.ID, e.admin, nil)
			requireProblem(t, e.do("DELETE", "/v1/people/"+second.ID, e.admin, nil), http.StatusConflict)
		})
	})
}

func TestSocialAccountPostCheck(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		owner := e.createPerson("広報 責任者", "koho@example.lg.jp", nil)
		a := saCreateAccount(e, owner.ID, nil)
		check := func(t *testing.T, text, category string) domain.PostCheckResult {
			t.Helper()
			var res domain.PostCheckResult
			e.must(http.StatusOK, "POST", "/v1/social-accounts/"+a.ID+"/post-checks", e.admin,
				map[string]any{"text": text, "category": category}).Decode(t, &res)
			return res
		}

		t.Run("the issue's phone number: not publishable", func(t *testing.T) {
			before, _ := saEvents(e, "social_account", a.ID)
			res := check(t, saIssuePhoneText, "お知らせ")
			require.False(t, res.Publishable)
			require.Len(t, res.Findings, 1)
			require.Equal(t, domain.FindingPhoneNumber, res.Findings[0].Code)
			require.Equal(t, "090-1234-5678", res.Findings[0].Excerpt)
			require.NotEmpty(t, res.Findings[0].Message)

			after, body := saEvents(e, "social_account", a.ID)
			require.Len(t, after, len(before)+1, "one audit event per check")
			last := after[len(after)-1]
			require.Equal(t, "post_check", last.Action)
			require.Contains(t, last.Reason, domain.FindingPhoneNumber)
			require.NotContains(t, body, "090-1234-5678", "the draft is not kept")
			require.NotContains(t, body, "お問い合わせは", "the draft is not kept")
			require.Empty(t, last.After, "nothing of the account changed")
		})
		t.Run("a harmless announcement passes", func(t *testing.T) {
			before, _ := saEvents(e, "social_account", a.ID)
			res := check(t, saHarmlessText, "収集日程")
			require.True(t, res.Publishable)
			require.NotNil(t, res.Findings)
			require.Empty(t, res.Findings)
			after, body := saEvents(e, "social_account", a.ID)
			require.Len(t, after, len(before)+1)
			require.NotContains(t, body, "燃えるごみ", "the draft is not kept")
		})
		t.Run("the JSON answer", func(t *testing.T) {
			raw := e.must(http.StatusOK, "POST", "/v1/social-accounts/"+a.ID+"/post-checks", e.admin,
				map[string]any{"text": saHarmlessText, "category": "お知らせ"}).JSON(t)
			require.Equal(t, true, raw["publishable"])
			require.Equal(t, []any{}, raw["findings"], "an empty list, not null")
		})
		t.Run("full width and several findings", func(t *testing.T) {
			res := check(t, "未発表：お問い合わせは（０９０－１２３４－５６７８）、ｙａｍａｄａ＠ｅｘａｍｐｌｅ．ｊｐ、〒１００－０００１ 東京都千代田区", "災害情報")
			require.False(t, res.Publishable)
			var codes []string
			for _, f := range res.Findings {
				codes = append(codes, f.Code)
			}
			require.ElementsMatch(t, []string{domain.FindingCategoryNotAllowed, domain.FindingProhibitedTerm, domain.FindingPhoneNumber,
				domain.FindingEmailAddress, domain.FindingPostalAddress}, codes)
		})
		t.Run("an individual number", func(t *testing.T) {
			res := check(t, "申請者の個人番号は 1234 5678 9018 です", "お知らせ")
			require.False(t, res.Publishable)
			require.Equal(t, domain.FindingIndividualNumber, res.Findings[0].Code)
		})
		t.Run("the check stores nothing on the account", func(t *testing.T) {
			var got domain.SocialAccount
			e.must(http.StatusOK, "GET", "/v1/social-accounts/"+a.ID, e.admin, nil).Decode(t, &got)
			require.Equal(t, 1, got.Version)
		})
		t.Run("an empty draft: 422", func(t *testing.T) {
			requireProblem(t, e.do("POST", "/v1/social-accounts/"+a.ID+"/post-checks", e.admin,
				map[string]any{"text": "", "category": "お知らせ"}), http.StatusUnprocessableEntity)
		})
		t.Run("a viewer cannot check: 403", func(t *testing.T) {
			requireProblem(t, e.do("POST", "/v1/social-accounts/"+a.ID+"/post-checks", e.token(domain.RoleViewer),
				map[string]any{"text": saHarmlessText, "category": "お知らせ"}), http.StatusForbidden)
		})
		t.Run("an editor can check", func(t *testing.T) {
			e.must(http.StatusOK, "POST", "/v1/social-accounts/"+a.ID+"/post-checks", e.token(domain.RoleEditor),
				map[string]any{"text": saHarmlessText, "category": "お知らせ"})
		})
		t.Run("an unknown account: 404", func(t *testing.T) {
			requireProblem(t, e.do("POST", "/v1/social-accounts/0190f3a0-0000-7000-8000-0000000000ff/post-checks", e.admin,
				map[string]any{"text": saHarmlessText, "category": "お知らせ"}), http.StatusNotFound)
		})
		t.Run("suspended: 409, reactivated: 200", func(t *testing.T) {
			requireProblem(t, e.do("POST", "/v1/social-accounts/"+a.ID+"/suspend", e.admin, map[string]any{"reason": ""}), http.StatusUnprocessableEntity)
			var got domain.SocialAccount
			e.must(http.StatusOK, "POST", "/v1/social-accounts/"+a.ID+"/suspend", e.admin, map[string]any{"reason": "不正ログインの疑い"}).Decode(t, &got)
			require.Equal(t, domain.SocialSuspended, got.Status)
			require.True(t, got.NextReviewDue.IsZero(), "no review is due while suspended")
			before, _ := saEvents(e, "social_account", a.ID)
			requireProblem(t, e.do("POST", "/v1/social-accounts/"+a.ID+"/post-checks", e.admin,
				map[string]any{"text": saHarmlessText, "category": "お知らせ"}), http.StatusConflict)
			after, _ := saEvents(e, "social_account", a.ID)
			require.Len(t, after, len(before), "a refused check leaves no event")

			e.must(http.StatusOK, "POST", "/v1/social-accounts/"+a.ID+"/reactivate", e.admin, map[string]any{"reason": "パスワード変更済み"})
			require.True(t, check(t, saHarmlessText, "お知らせ").Publishable)
		})
	})
}

func TestSocialAccountRetireKeepsHistory(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		owner := e.createPerson("広報 責任者", "koho@example.lg.jp", nil)
		other := e.createPerson("後任 責任者", "kounin@example.lg.jp", nil)
		a := saCreateAccount(e, owner.ID, nil)

		requireProblem(t, e.do("POST", "/v1/social-accounts/"+a.ID+"/reactivate", e.admin, map[string]any{"reason": "x"}), http.StatusConflict)
		var retired domain.SocialAccount
		e.must(http.StatusOK, "POST", "/v1/social-accounts/"+a.ID+"/retire", e.admin, map[string]any{"reason": "アカウント統合のため"}).Decode(t, &retired)
		require.Equal(t, domain.SocialRetired, retired.Status)
		require.Equal(t, "アカウント統合のため", retired.StatusReason)

		var got domain.SocialAccount
		e.must(http.StatusOK, "GET", "/v1/social-accounts/"+a.ID, e.admin, nil).Decode(t, &got)
		require.Equal(t, domain.SocialRetired, got.Status)
		require.Equal(t, "clean_kumiai", got.Handle)
		require.Equal(t, owner.ID, got.ResponsiblePersonID)

		requireProblem(t, e.do("PUT", "/v1/social-accounts/"+a.ID, e.admin, saAccountBody(e, owner.ID, nil)), http.StatusConflict)
		requireProblem(t, e.do("PUT", "/v1/social-accounts/"+a.ID+"/responsible-person", e.admin, map[string]any{"person_id": other.ID}), http.StatusConflict)
		requireProblem(t, e.do("POST", "/v1/social-accounts/"+a.ID+"/post-checks", e.admin,
			map[string]any{"text": saHarmlessText, "category": "お知らせ"}), http.StatusConflict)
		requireProblem(t, e.do("POST", "/v1/social-accounts/"+a.ID+"/reactivate", e.admin, map[string]any{"reason": "x"}), http.StatusConflict)
		requireProblem(t, e.do("POST", "/v1/social-accounts/"+a.ID+"/suspend", e.admin, map[string]any{"reason": "x"}), http.StatusConflict)
		requireProblem(t, e.do("DELETE", "/v1/people/"+owner.ID, e.admin, nil), http.StatusConflict)

		events, _ := saEvents(e, "social_account", a.ID)
		var actions []string
		for _, ev := range events {
			actions = append(actions, ev.Action)
		}
		require.Equal(t, []string{"create", "retire"}, actions)
		require.Equal(t, []string{a.ID}, saListAccounts(e, "status=retired"))
	})
}

func TestSocialAccountFilters(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		yamada := e.createPerson("山田 太郎", "yamada@example.lg.jp", nil)
		sato := e.createPerson("佐藤 花子", "sato@example.lg.jp", nil)
		x := saCreateAccount(e, yamada.ID, map[string]any{"purpose": "ごみ収集日程の発信"})
		ig := saCreateAccount(e, sato.ID, map[string]any{"platform": "instagram", "handle": "clean_kumiai", "profile_url": nil, "purpose": "施設の紹介"})
		line := saCreateAccount(e, yamada.ID, map[string]any{"platform": "line", "handle": "@clean-kumiai", "profile_url": "https://line.me/R/ti/p/@clean-kumiai", "purpose": "災害情報"})
		require.Equal(t, "clean-kumiai", line.Handle)
		require.Equal(t, "https://page.line.me/clean-kumiai", line.ProfileURL)
		e.must(http.StatusOK, "POST", "/v1/social-accounts/"+line.ID+"/suspend", e.admin, map[string]any{"reason": "運用停止"})

		cases := []struct {
			query string
			want  []string
		}{
			{"", []string{x.ID, ig.ID, line.ID}},
			{"platform=x", []string{x.ID}},
			{"platform=instagram", []string{ig.ID}},
			{"platform=youtube", []string{}},
			{"status=active", []string{x.ID, ig.ID}},
			{"status=suspended", []string{line.ID}},
			{"status=retired", []string{}},
			{"responsible_person_id=" + yamada.ID, []string{x.ID, line.ID}},
			{"responsible_person_id=" + sato.ID, []string{ig.ID}},
			{"platform=line&status=active", []string{}},
			{"responsible_person_id=" + yamada.ID + "&status=active", []string{x.ID}},
			{"review_due_before=" + saNextDay(t, x.NextReviewDue.String()), []string{x.ID, ig.ID}},
			{"review_due_before=" + x.CreatedAt.Format(time.DateOnly), []string{}},
			{"q=" + url.QueryEscape("施設"), []string{ig.ID}},
		}
		for _, c := range cases {
			t.Run(c.query, func(t *testing.T) {
				require.ElementsMatch(t, c.want, saListAccounts(e, c.query))
			})
		}
		t.Run("bad filters: 422", func(t *testing.T) {
			requireProblem(t, e.do("GET", "/v1/social-accounts?platform=myspace", e.admin, nil), http.StatusUnprocessableEntity)
			requireProblem(t, e.do("GET", "/v1/social-accounts?responsible_person_id=nobody", e.admin, nil), http.StatusUnprocessableEntity)
		})
	})
}

// saGetCloud reads a service.
func saGetCloud(e *env, id string) domain.CloudService {
	e.t.Helper()
	var c domain.CloudService
	e.must(http.StatusOK, "GET", "/v1/cloud-services/"+id, e.admin, nil).Decode(e.t, &c)
	return c
}

// saStaleCodes lists the codes of the stale answers of a service.
func saStaleCodes(c domain.CloudService) []string {
	out := []string{}
	for _, ch := range c.TermsChecks {
		if ch.Stale {
			out = append(out, ch.Code)
		}
	}
	return out
}

// saEcho turns a service's answers back into request answers, as a client
// that sends back what it read.
func saEcho(c domain.CloudService) []map[string]any {
	out := []map[string]any{}
	for _, ch := range c.TermsChecks {
		out = append(out, map[string]any{"code": ch.Code, "answer": ch.Answer, "note": ch.Note,
			"terms_version": ch.TermsVersion, "terms_url": ch.TermsURL, "stale": ch.Stale})
	}
	return out
}

func TestCloudServiceTermsChangeMarksEveryAnswerStale(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		owner := e.createPerson("情報 担当", "owner@example.lg.jp", nil)
		supervisorToken, _ := saSupervisorToken(e)
		codes := saTermsCodes(e)
		c := saApprovedCloud(e, owner.ID, supervisorToken, nil)

		t.Run("answers carry the terms they were given for", func(t *testing.T) {
			require.Len(t, c.TermsChecks, len(codes))
			for _, ch := range c.TermsChecks {
				require.Equal(t, "2026-04-01版", ch.TermsVersion)
				require.Equal(t, "https://transfer.example.com/terms", ch.TermsURL)
				require.False(t, ch.Stale)
			}
			raw := e.must(http.StatusOK, "GET", "/v1/cloud-services/"+c.ID, e.admin, nil).JSON(t)
			first := raw["terms_checks"].([]any)[0].(map[string]any)
			require.Equal(t, false, first["stale"], "stale is always in the answer")
			require.Equal(t, "2026-04-01版", first["terms_version"])
		})

		editorPerson := e.createPerson("規約 更新者", "terms-editor@example.lg.jp", nil)
		editor := saTokenFor(e, editorPerson.ID, domain.RoleEditor)
		newURL := "https://transfer.example.com/terms/2026-10"
		t.Run("a new terms_url alone: back to requested, every answer stale and kept", func(t *testing.T) {
			var got domain.CloudService
			e.must(http.StatusOK, "PUT", "/v1/cloud-services/"+c.ID, editor, saCloudBody(e, owner.ID, map[string]any{
				"terms_checks": saAnswers(codes), "terms_url": newURL})).Decode(t, &got)
			require.Equal(t, domain.CloudRequested, got.Status, "a new terms address is a terms change")
			require.Empty(t, got.ApproverID)
			require.True(t, got.NextReviewDue.IsZero())
			require.Equal(t, editorPerson.ID, got.RequesterID, "whoever brought the new terms asks for the approval again")
			require.ElementsMatch(t, codes, saStaleCodes(got), "every answer, even those sent with the change")
			for _, ch := range got.TermsChecks {
				require.Equal(t, domain.TermsOK, ch.Answer, "the answer is kept")
				require.Equal(t, "https://transfer.example.com/terms", ch.TermsURL, "with the terms it was answered for")
				require.Equal(t, "2026-04-01版", ch.TermsVersion)
			}
			events, _ := saEvents(e, "cloud_service", c.ID)
			last := events[len(events)-1]
			require.Equal(t, "terms_changed", last.Action)
			require.Contains(t, last.Reason, newURL)
			require.Contains(t, last.Reason, "stale")
		})
		t.Run("approval names every stale answer", func(t *testing.T) {
			p := requireProblem(t, e.do("POST", "/v1/cloud-services/"+c.ID+"/approve", supervisorToken, nil), http.StatusUnprocessableEntity)
			require.Contains(t, fmt.Sprint(p["detail"]), "stale")
			require.ElementsMatch(t, codes, saProblemValues(p))
			for i, loc := range problemLocations(p) {
				require.Equal(t, fmt.Sprintf("body.terms_checks[%d]", i), loc)
			}
			require.Contains(t, saProblemText(p), newURL, "the message names the current terms")
			require.Equal(t, domain.CloudRequested, saGetCloud(e, c.ID).Status)
		})
		t.Run("sending the answers back as read keeps them stale", func(t *testing.T) {
			var got domain.CloudService
			e.must(http.StatusOK, "PUT", "/v1/cloud-services/"+c.ID, e.admin, saCloudBody(e, owner.ID, map[string]any{
				"terms_checks": saEcho(saGetCloud(e, c.ID)), "terms_url": newURL})).Decode(t, &got)
			require.ElementsMatch(t, codes, saStaleCodes(got))
			requireProblem(t, e.do("POST", "/v1/cloud-services/"+c.ID+"/approve", supervisorToken, nil), http.StatusUnprocessableEntity)
		})
		t.Run("one answered again: approval names only the others", func(t *testing.T) {
			answers := saEcho(saGetCloud(e, c.ID))
			delete(answers[0], "terms_version")
			delete(answers[0], "terms_url")
			answers[0]["note"] = "新しい規約を確認済み"
			var got domain.CloudService
			e.must(http.StatusOK, "PUT", "/v1/cloud-services/"+c.ID, e.admin, saCloudBody(e, owner.ID, map[string]any{
				"terms_checks": answers, "terms_url": newURL})).Decode(t, &got)
			require.ElementsMatch(t, codes[1:], saStaleCodes(got))
			require.Equal(t, newURL, got.TermsChecks[0].TermsURL)
			p := requireProblem(t, e.do("POST", "/v1/cloud-services/"+c.ID+"/approve", supervisorToken, nil), http.StatusUnprocessableEntity)
			require.ElementsMatch(t, codes[1:], saProblemValues(p))
		})
		t.Run("every one answered again: approved", func(t *testing.T) {
			e.must(http.StatusOK, "PUT", "/v1/cloud-services/"+c.ID, e.admin, saCloudBody(e, owner.ID, map[string]any{
				"terms_checks": saAnswers(codes), "terms_url": newURL}))
			var got domain.CloudService
			e.must(http.StatusOK, "POST", "/v1/cloud-services/"+c.ID+"/approve", supervisorToken, nil).Decode(t, &got)
			require.Equal(t, domain.CloudApproved, got.Status)
			require.Empty(t, saStaleCodes(got))
		})
		t.Run("a replace that keeps the terms keeps the answers fresh and the approval", func(t *testing.T) {
			var got domain.CloudService
			e.must(http.StatusOK, "PUT", "/v1/cloud-services/"+c.ID, e.admin, saCloudBody(e, owner.ID, map[string]any{
				"terms_checks": saEcho(saGetCloud(e, c.ID)), "terms_url": newURL, "terms_version": " 2026-04-01版 ", "name": "改名"})).Decode(t, &got)
			require.Equal(t, domain.CloudApproved, got.Status)
			require.Empty(t, saStaleCodes(got))
		})
	})
}

func TestCloudServiceApproverIsNotTheRequester(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		owner := e.createPerson("情報 担当", "owner@example.lg.jp", nil)
		codes := saTermsCodes(e)
		firstToken, first := saSupervisorToken(e)
		secondToken, second := saSupervisorToken(e)

		var c domain.CloudService
		e.must(http.StatusCreated, "POST", "/v1/cloud-services", firstToken,
			saCloudBody(e, owner.ID, map[string]any{"terms_checks": saAnswers(codes)})).Decode(t, &c)
		require.Equal(t, first.ID, c.RequesterID, "the caller's person asked for it")

		t.Run("the requester, though a supervisor, may not approve: 403", func(t *testing.T) {
			p := requireProblem(t, e.do("POST", "/v1/cloud-services/"+c.ID+"/approve", firstToken, nil), http.StatusForbidden)
			require.Contains(t, fmt.Sprint(p["detail"]), "separation of duties")
			require.Contains(t, fmt.Sprint(p["detail"]), "requester_id")
			got := saGetCloud(e, c.ID)
			require.Equal(t, domain.CloudRequested, got.Status)
			require.Equal(t, 1, got.Version, "nothing changed")
		})
		t.Run("the requester with another token of the same person: 403", func(t *testing.T) {
			requireProblem(t, e.do("POST", "/v1/cloud-services/"+c.ID+"/approve", saTokenFor(e, first.ID, domain.RoleAdmin), nil), http.StatusForbidden)
		})
		t.Run("another supervisor approves: 200", func(t *testing.T) {
			var got domain.CloudService
			e.must(http.StatusOK, "POST", "/v1/cloud-services/"+c.ID+"/approve", secondToken, nil).Decode(t, &got)
			require.Equal(t, domain.CloudApproved, got.Status)
			require.Equal(t, second.ID, got.ApproverID)
			require.Equal(t, first.ID, got.RequesterID, "both people are in the answer")
		})
		t.Run("whoever changes the terms becomes the requester", func(t *testing.T) {
			var got domain.CloudService
			e.must(http.StatusOK, "PUT", "/v1/cloud-services/"+c.ID, secondToken, saCloudBody(e, owner.ID, map[string]any{
				"terms_checks": saAnswers(codes), "terms_version": "2027-01-01版"})).Decode(t, &got)
			require.Equal(t, domain.CloudRequested, got.Status)
			require.Equal(t, second.ID, got.RequesterID)
			e.must(http.StatusOK, "PUT", "/v1/cloud-services/"+c.ID, e.admin, saCloudBody(e, owner.ID, map[string]any{
				"terms_checks": saAnswers(codes), "terms_version": "2027-01-01版"}))
			require.Equal(t, second.ID, saGetCloud(e, c.ID).RequesterID, "a replace that keeps the terms keeps the requester")

			p := requireProblem(t, e.do("POST", "/v1/cloud-services/"+c.ID+"/approve", secondToken, nil), http.StatusForbidden)
			require.Contains(t, fmt.Sprint(p["detail"]), "separation of duties")
			e.must(http.StatusOK, "POST", "/v1/cloud-services/"+c.ID+"/approve", firstToken, nil)
		})
	})
}

func TestSocialAccountNeedsAnOperatingProcedure(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		owner := e.createPerson("広報 責任者", "koho@example.lg.jp", nil)
		procedureFields := []string{"body.operating_procedure.document_ref", "body.operating_procedure.approved_on"}

		t.Run("registered without one: 422 naming each field", func(t *testing.T) {
			for name, op := range map[string]any{
				"absent":   nil,
				"empty":    map[string]any{},
				"url only": map[string]any{"url": "https://intra.example.lg.jp/sns.pdf"},
			} {
				p := requireProblem(t, e.do("POST", "/v1/social-accounts", e.admin,
					saAccountBody(e, owner.ID, map[string]any{"operating_procedure": op})), http.StatusUnprocessableEntity)
				require.ElementsMatch(t, procedureFields, problemLocations(p), name)
				require.Contains(t, saProblemText(p), "運用手順", name)
			}
			p := requireProblem(t, e.do("POST", "/v1/social-accounts", e.admin, saAccountBody(e, owner.ID, map[string]any{
				"operating_procedure": map[string]any{"document_ref": "広報-SNS-001", "approved_on": "2999-01-01"}})), http.StatusUnprocessableEntity)
			require.Equal(t, []string{"body.operating_procedure.approved_on"}, problemLocations(p), "approved in the future")
			require.Empty(t, saListAccounts(e, ""), "nothing was registered")
		})

		a := saCreateAccount(e, owner.ID, map[string]any{"operating_procedure": map[string]any{
			"document_ref": "広報-SNS-001", "version": "1.2", "approved_on": "2026-04-01", "url": "https://intra.example.lg.jp/sns.pdf"}})
		t.Run("registered with one", func(t *testing.T) {
			require.Equal(t, "広報-SNS-001", a.OperatingProcedure.DocumentRef)
			require.Equal(t, "2026-04-01", a.OperatingProcedure.ApprovedOn.String())
			require.Equal(t, "https://intra.example.lg.jp/sns.pdf", a.OperatingProcedure.URL)
			require.False(t, a.OperatingProcedureMissing)
		})
		t.Run("an active account cannot drop it", func(t *testing.T) {
			p := requireProblem(t, e.do("PUT", "/v1/social-accounts/"+a.ID, e.admin,
				saAccountBody(e, owner.ID, map[string]any{"operating_procedure": nil})), http.StatusUnprocessableEntity)
			require.ElementsMatch(t, procedureFields, problemLocations(p))
		})
		t.Run("a suspended account may, but cannot be reactivated without it", func(t *testing.T) {
			e.must(http.StatusOK, "POST", "/v1/social-accounts/"+a.ID+"/suspend", e.admin, map[string]any{"reason": "手順書の改訂中"})
			var got domain.SocialAccount
			e.must(http.StatusOK, "PUT", "/v1/social-accounts/"+a.ID, e.admin,
				saAccountBody(e, owner.ID, map[string]any{"operating_procedure": map[string]any{"version": "2.0"}})).Decode(t, &got)
			require.True(t, got.OperatingProcedureMissing)

			p := requireProblem(t, e.do("POST", "/v1/social-accounts/"+a.ID+"/reactivate", e.admin, map[string]any{"reason": "再開"}), http.StatusUnprocessableEntity)
			require.ElementsMatch(t, procedureFields, problemLocations(p))
			require.Contains(t, fmt.Sprint(p["detail"]), "運用手順")
			e.must(http.StatusOK, "GET", "/v1/social-accounts/"+a.ID, e.admin, nil).Decode(t, &got)
			require.Equal(t, domain.SocialSuspended, got.Status)

			e.must(http.StatusOK, "PUT", "/v1/social-accounts/"+a.ID, e.admin, saAccountBody(e, owner.ID, nil))
			e.must(http.StatusOK, "POST", "/v1/social-accounts/"+a.ID+"/reactivate", e.admin, map[string]any{"reason": "再開"}).Decode(t, &got)
			require.Equal(t, domain.SocialActive, got.Status)
			require.False(t, got.OperatingProcedureMissing)
		})
		t.Run("an account registered before the rule stays active, shown as lacking one", func(t *testing.T) {
			old := saCreateAccount(e, owner.ID, map[string]any{"handle": "kumiai_old", "profile_url": nil})
			_, err := e.db.SQL().Exec(`UPDATE social_accounts SET operating_procedure = '{}' WHERE id = '` + old.ID + `'`)
			require.NoError(t, err)
			var got domain.SocialAccount
			e.must(http.StatusOK, "GET", "/v1/social-accounts/"+old.ID, e.admin, nil).Decode(t, &got)
			require.Equal(t, domain.SocialActive, got.Status)
			require.True(t, got.OperatingProcedureMissing)
			e.must(http.StatusOK, "POST", "/v1/social-accounts/"+old.ID+"/post-checks", e.admin,
				map[string]any{"text": saHarmlessText, "category": "お知らせ"})
			p := requireProblem(t, e.do("PUT", "/v1/social-accounts/"+old.ID, e.admin,
				saAccountBody(e, owner.ID, map[string]any{"handle": "kumiai_old", "profile_url": nil, "operating_procedure": nil})), http.StatusUnprocessableEntity)
			require.ElementsMatch(t, procedureFields, problemLocations(p), "its next replace records one")
			e.must(http.StatusOK, "PUT", "/v1/social-accounts/"+old.ID, e.admin,
				saAccountBody(e, owner.ID, map[string]any{"handle": "kumiai_old", "profile_url": nil})).Decode(t, &got)
			require.False(t, got.OperatingProcedureMissing)
		})
	})
}

func TestSocialAccountPostCheckKnowsThePublicContacts(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		owner := e.createPerson("広報 責任者", "koho@example.lg.jp", nil)
		rules := func(contacts map[string]any) map[string]any {
			return map[string]any{"publishing_rules": map[string]any{"allowed_categories": []string{"お知らせ"}, "public_contacts": contacts}}
		}
		a := saCreateAccount(e, owner.ID, rules(map[string]any{
			"phone_numbers":    []string{"03-1234-5678"},
			"email_addresses":  []string{"Info@City.Example.lg.jp"},
			"postal_addresses": []string{"〒100-0001 東京都千代田区千代田1-1"},
		}))
		require.Equal(t, []string{"03-1234-5678"}, a.PublishingRules.PublicContacts.PhoneNumbers)
		check := func(t *testing.T, text string) []saFindingAPI {
			t.Helper()
			var res domain.PostCheckResult
			e.must(http.StatusOK, "POST", "/v1/social-accounts/"+a.ID+"/post-checks", e.admin,
				map[string]any{"text": text, "category": "お知らせ"}).Decode(t, &res)
			require.Equal(t, len(res.Findings) == 0, res.Publishable)
			out := []saFindingAPI{}
			for _, f := range res.Findings {
				out = append(out, saFindingAPI{f.Code, f.Excerpt})
			}
			return out
		}

		cases := []struct {
			name, text string
			want       []saFindingAPI
		}{
			{"the body's number in full width", "お問い合わせは ０３（１２３４）５６７８ まで", []saFindingAPI{}},
			{"the body's number with other hyphens and spaces", "代表 03 – 1234 – 5678", []saFindingAPI{}},
			{"the body's e-mail in capitals", "INFO@CITY.EXAMPLE.LG.JP へ", []saFindingAPI{}},
			{"the body's address", "〒１００－０００１ 東京都千代田区千代田１－１ 本庁舎", []saFindingAPI{}},
			{"the issue's mobile number is still a finding", saIssuePhoneText, []saFindingAPI{{domain.FindingPhoneNumber, "090-1234-5678"}}},
			{"another e-mail is still a finding", "yamada@city.example.lg.jp へ", []saFindingAPI{{domain.FindingEmailAddress, "yamada@city.example.lg.jp"}}},
			{"another address at the same postal code is still a finding", "〒100-0001 東京都千代田区千代田2-3", []saFindingAPI{{domain.FindingPostalAddress, "〒100-0001 東京都"}}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				require.Equal(t, c.want, check(t, c.text))
			})
		}

		t.Run("an account without the list still reports the body's number", func(t *testing.T) {
			b := saCreateAccount(e, owner.ID, map[string]any{"handle": "kumiai_nolist", "profile_url": nil})
			require.NotNil(t, b.PublishingRules.PublicContacts.PhoneNumbers, "an empty list, not null")
			var res domain.PostCheckResult
			e.must(http.StatusOK, "POST", "/v1/social-accounts/"+b.ID+"/post-checks", e.admin,
				map[string]any{"text": "代表 03-1234-5678", "category": "お知らせ"}).Decode(t, &res)
			require.False(t, res.Publishable)
		})
		t.Run("an entry that is not a contact: 422 naming it", func(t *testing.T) {
			p := requireProblem(t, e.do("POST", "/v1/social-accounts", e.admin, saAccountBody(e, owner.ID, map[string]any{"handle": "kumiai_bad", "profile_url": nil,
				"publishing_rules": map[string]any{"public_contacts": map[string]any{
					"phone_numbers": []string{"03-1234-5678", "内線 123"}, "postal_addresses": []string{"東京都千代田区千代田1-1"}}}})),
				http.StatusUnprocessableEntity)
			require.ElementsMatch(t, []string{"body.publishing_rules.public_contacts.phone_numbers[1]",
				"body.publishing_rules.public_contacts.postal_addresses[0]"}, problemLocations(p))
		})
		t.Run("lists are bounded: 422", func(t *testing.T) {
			many := make([]string, domain.MaxPublicPhoneNumbers+1)
			for i := range many {
				many[i] = fmt.Sprintf("03-1234-%04d", i)
			}
			p := requireProblem(t, e.do("POST", "/v1/social-accounts", e.admin, saAccountBody(e, owner.ID, map[string]any{"handle": "kumiai_many", "profile_url": nil,
				"publishing_rules": map[string]any{"public_contacts": map[string]any{"phone_numbers": many}}})), http.StatusUnprocessableEntity)
			require.Equal(t, []string{"body.publishing_rules.public_contacts.phone_numbers"}, problemLocations(p))
		})
	})
}

// saFindingAPI is a finding reduced to what the API tables compare.
type saFindingAPI struct {
	Code    string
	Excerpt string
}

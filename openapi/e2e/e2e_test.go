// Package e2e_test drives the whole vendorwatch story through the generated
// Go SDK against the real binary, on SQLite and (when enabled) PostgreSQL,
// with a loopback SMTP server, and validates every request and response
// against openapi/openapi.yaml.
package e2e_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
	"github.com/vendorwatch/vendorwatch/jobs/mailtest"
	"github.com/vendorwatch/vendorwatch/openapi/sdk"
)

// buildBinary builds cmd/vendorwatch once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "vendorwatch")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/vendorwatch/vendorwatch/cmd/vendorwatch")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "build: %s", out)
	return bin
}

// logBuffer collects the child's stderr safely.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var (
	servingAddr = regexp.MustCompile(`msg="vendorwatch serving" addr=(\S+)`)
	firstToken  = regexp.MustCompile(`(?m)^\s+(vw_[A-Za-z0-9_-]{43})$`)
)

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		require.True(t, time.Now().Before(deadline), "timed out waiting for %s", what)
		time.Sleep(25 * time.Millisecond)
	}
}

// validating checks every exchange against the OpenAPI document.
type validating struct {
	t    *testing.T
	v    validator.Validator
	next http.RoundTripper
	n    int
}

func (vt *validating) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		reqBody, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	res, err := vt.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resBody, err := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if err != nil {
		return nil, err
	}
	check := req.Clone(req.Context())
	check.Body = io.NopCloser(bytes.NewReader(reqBody))
	res.Body = io.NopCloser(bytes.NewReader(resBody))
	ok, errs := vt.v.ValidateHttpRequestResponse(check, res)
	var msgs []string
	for _, e := range errs {
		msg := e.Message + ": " + e.Reason
		for _, se := range e.SchemaValidationErrors {
			msg += " [" + se.FieldPath + " " + se.Reason + "]"
		}
		msgs = append(msgs, msg)
	}
	require.True(vt.t, ok, "%s %s answered %d, which the document does not promise: %s\nbody: %s",
		req.Method, req.URL.Path, res.StatusCode, strings.Join(msgs, "; "), resBody)
	vt.n++
	res.Body = io.NopCloser(bytes.NewReader(resBody))
	return res, nil
}

func newValidator(t *testing.T) validator.Validator {
	t.Helper()
	spec, err := os.ReadFile(filepath.Join("..", "openapi.yaml"))
	require.NoError(t, err)
	doc, err := libopenapi.NewDocument(spec)
	require.NoError(t, err)
	v, errs := validator.NewValidator(doc)
	require.Empty(t, errs)
	return v
}

// server is a running vendorwatch binary.
type server struct {
	url   string
	token string
	logs  *logBuffer
}

func startBinary(t *testing.T, bin string, tg storetest.Target, smtpAddr string) *server {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--shutdown-drain", "0s", "--outbox-dir", filepath.Join(dir, "outbox"),
		"--smtp-url", "smtp://"+smtpAddr+"?tls=none", "--mail-from", "vendorwatch@example.lg.jp")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "VENDORWATCH_DATABASE_URL="+tg.URL)
	if tg.Schema != "" {
		cmd.Env = append(cmd.Env, "PGOPTIONS=-c search_path="+tg.Schema)
		cmd.Env = append(cmd.Env, "VENDORWATCH_AUDIT_KEY=the e2e run's audit key") // PostgreSQL needs one
	}
	if tg.Name == "sqlite" {
		cmd.Env = append(cmd.Env, "VENDORWATCH_DATABASE_URL="+filepath.Join(dir, "vendorwatch.db"))
	}
	logs, stdout := &logBuffer{}, &logBuffer{}
	cmd.Stderr, cmd.Stdout = logs, stdout
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-done:
			require.NoError(t, err, "clean exit on SIGTERM: %s", logs.String())
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("vendorwatch did not stop on SIGTERM")
		}
	})
	s := &server{logs: logs}
	waitFor(t, "the server to listen", func() bool {
		if m := servingAddr.FindStringSubmatch(logs.String()); m != nil {
			s.url = "http://" + m[1]
		}
		return s.url != ""
	})
	waitFor(t, "/readyz 200", func() bool {
		res, err := http.Get(s.url + "/readyz")
		if err != nil {
			return false
		}
		_ = res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
	m := firstToken.FindStringSubmatch(stdout.String())
	require.NotNil(t, m, "first-start token on stdout: %s", stdout.String())
	s.token = m[1]
	return s
}

// as returns an SDK client that sends token and validates every exchange.
func (s *server) as(t *testing.T, v validator.Validator, token string) *sdk.ClientWithResponses {
	t.Helper()
	hc := &http.Client{Transport: &validating{t: t, v: v, next: http.DefaultTransport}, Timeout: 30 * time.Second}
	c, err := sdk.NewClientWithResponses(s.url, sdk.WithHTTPClient(hc), sdk.WithRequestEditorFn(
		func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+token)
			return nil
		}))
	require.NoError(t, err)
	return c
}

func TestTheWholeStoryThroughTheSDK(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	v := newValidator(t)
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			smtp := mailtest.Start(t)
			s := startBinary(t, bin, tg, smtp.Addr)
			story(t, s, smtp, v)
		})
	}
}

func ptr[T any](v T) *T { return &v }

func date(t time.Time) openapi_types.Date { return openapi_types.Date{Time: t} }

func story(t *testing.T, s *server, smtp *mailtest.Server, v validator.Validator) {
	ctx := context.Background()
	admin := s.as(t, v, s.token)
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	today := time.Now().In(tokyo)

	// People and roles.
	depts, err := admin.ListDepartmentsWithResponse(ctx, nil)
	require.NoError(t, err)
	require.NotNil(t, depts.JSON200, "%s", depts.Body)
	dept := (*depts.JSON200.Items)[0].Id
	newPerson := func(name, email string, roles ...sdk.SecurityRole) sdk.Person {
		res, err := admin.CreatePersonWithResponse(ctx, nil, sdk.PersonInput{Name: name, Email: openapi_types.Email(email), DepartmentId: dept,
			SecurityRoles: &roles})
		require.NoError(t, err)
		require.NotNil(t, res.JSON201, "%s", res.Body)
		return *res.JSON201
	}
	supervisor := newPerson("統括 責任者", "supervisor@example.lg.jp", sdk.SecurityRoleSupervisor)
	owner := newPerson("契約 担当", "owner@example.lg.jp")
	newToken := func(p sdk.Person, role sdk.Role) *sdk.ClientWithResponses {
		res, err := admin.CreateTokenWithResponse(ctx, nil, sdk.TokenInput{PersonId: p.Id, Role: role})
		require.NoError(t, err)
		require.NotNil(t, res.JSON201, "%s", res.Body)
		return s.as(t, v, res.JSON201.Secret)
	}
	editor := newToken(owner, sdk.RoleEditor)
	supervisorEditor := newToken(supervisor, sdk.RoleEditor)
	viewer := newToken(owner, sdk.RoleViewer)

	// A vendor selected and approved.
	vres, err := viewer.CreateVendorWithResponse(ctx, nil, sdk.VendorInput{Name: "x", OwnerId: owner.Id})
	require.NoError(t, err)
	require.NotNil(t, vres.ApplicationproblemJSON403, "a viewer may not register vendors: %s", vres.Body)
	// Sent with an Idempotency-Key, and retried: one vendor, the same answer.
	vendorInput := sdk.VendorInput{Name: "株式会社クリーン環境サービス", CorporateNumber: ptr("7000012050002"), OwnerId: owner.Id}
	key := &sdk.CreateVendorParams{IdempotencyKey: ptr("create-clean-" + today.Format("20060102"))}
	vres, err = editor.CreateVendorWithResponse(ctx, key, vendorInput)
	require.NoError(t, err)
	require.NotNil(t, vres.JSON201, "%s", vres.Body)
	vendor := vres.JSON201.Id
	retried, err := editor.CreateVendorWithResponse(ctx, key, vendorInput)
	require.NoError(t, err)
	require.NotNil(t, retried.JSON201, "%s", retried.Body)
	require.Equal(t, vendor, retried.JSON201.Id)
	require.Equal(t, "true", retried.HTTPResponse.Header.Get("Idempotent-Replayed"))
	require.Equal(t, "/v1/vendors/"+vendor.String(), retried.HTTPResponse.Header.Get("Location"))
	criteria, err := editor.ListSelectionCriteriaWithResponse(ctx, nil)
	require.NoError(t, err)
	var results []sdk.SelectionResult
	for _, c := range *criteria.JSON200.Items {
		results = append(results, sdk.SelectionResult{Criterion: c.Code, Result: sdk.SelectionResultValueMet})
	}
	sel, err := editor.RecordVendorSelectionWithResponse(ctx, vendor, nil, sdk.SelectionRecord{SelectedBy: owner.Id, SelectedOn: date(today), Results: &results})
	require.NoError(t, err)
	require.NotNil(t, sel.JSON200, "%s", sel.Body)
	// Separation of duties: the selector may not approve; the supervisor may.
	appr, err := editor.ApproveVendorWithResponse(ctx, vendor, nil)
	require.NoError(t, err)
	require.NotNil(t, appr.ApplicationproblemJSON403, "%s", appr.Body)
	appr, err = supervisorEditor.ApproveVendorWithResponse(ctx, vendor, nil)
	require.NoError(t, err)
	require.NotNil(t, appr.JSON200, "%s", appr.Body)

	// A contract refused activation until its clauses are covered.
	// Low risk: 24 months after a start two years ago less five days, the
	// confirmation is due in five days.
	cres, err := editor.CreateContractWithResponse(ctx, nil, sdk.ContractInput{VendorId: vendor, Title: "粗大ごみ受付システム運用保守業務委託",
		StartDate: date(today.AddDate(-2, 0, 5)), OwnerId: owner.Id})
	require.NoError(t, err)
	require.NotNil(t, cres.JSON201, "%s", cres.Body)
	contract := cres.JSON201.Id
	act, err := editor.ActivateContractWithResponse(ctx, contract, nil)
	require.NoError(t, err)
	require.NotNil(t, act.ApplicationproblemJSON422, "activation refused: %s", act.Body)
	require.Len(t, *act.ApplicationproblemJSON422.Errors, 13, "one error per missing mandatory clause")
	clauses, err := editor.ListClausesWithResponse(ctx, nil)
	require.NoError(t, err)
	for _, c := range *clauses.JSON200.Items {
		res, err := editor.SetContractClauseWithResponse(ctx, contract, c.Code, sdk.ClauseCoverageInput{Status: sdk.ClauseStatusIncluded, ArticleRef: ptr("第8条")})
		require.NoError(t, err)
		require.NotNil(t, res.JSON200, "%s", res.Body)
	}
	act, err = editor.ActivateContractWithResponse(ctx, contract, nil)
	require.NoError(t, err)
	require.NotNil(t, act.JSON200, "%s", act.Body)

	// Its confirmation comes due; the reminder e-mail arrives.
	scan, err := admin.RunDueScanWithResponse(ctx, nil)
	require.NoError(t, err)
	require.NotNil(t, scan.JSON200, "%s", scan.Body)
	// The scan that every start queues may run after the activation and
	// schedule the confirmation first: whichever scan did, there is one.
	scheduled, err := viewer.ListConfirmationsWithResponse(ctx, &sdk.ListConfirmationsParams{ContractId: &contract})
	require.NoError(t, err)
	require.NotNil(t, scheduled.JSON200, "%s", scheduled.Body)
	require.Len(t, *scheduled.JSON200.Items, 1, "one confirmation scheduled for the contract")
	waitFor(t, "the reminder at the SMTP server", func() bool { return len(smtp.Messages()) == 1 })
	mail := smtp.Messages()[0]
	require.Equal(t, []string{"owner@example.lg.jp"}, mail.To)
	require.Contains(t, mail.Subject, "期限のお知らせ")
	reminders, err := viewer.ListRemindersWithResponse(ctx, &sdk.ListRemindersParams{SubjectType: ptr(sdk.SubjectTypeConfirmation)})
	require.NoError(t, err)
	require.Len(t, *reminders.JSON200.Items, 1)

	// The confirmation is completed with a finding.
	confs, err := editor.ListConfirmationsWithResponse(ctx, &sdk.ListConfirmationsParams{ContractId: &contract})
	require.NoError(t, err)
	require.Len(t, *confs.JSON200.Items, 1)
	conf := (*confs.JSON200.Items)[0]
	var answers []sdk.ItemResultInput
	for i, item := range *conf.Checklist {
		a := sdk.ItemResultInput{Code: item.Code, Result: sdk.ItemResultOk, Evidence: &[]string{"報告書 R8-045"}}
		if i == 0 {
			a = sdk.ItemResultInput{Code: item.Code, Result: sdk.ItemResultFinding, Note: ptr("手順書が旧版のまま"),
				Severity: ptr(sdk.SeverityMedium), ActionDueDate: ptr(date(today.AddDate(0, 1, 0)))}
		}
		answers = append(answers, a)
	}
	done, err := editor.CompleteConfirmationWithResponse(ctx, conf.Id, nil, sdk.ConfirmationCompletion{PerformedBy: owner.Id, PerformedOn: date(today), Results: &answers})
	require.NoError(t, err)
	require.NotNil(t, done.JSON200, "%s", done.Body)
	require.Equal(t, sdk.ConfirmationResultFindings, *done.JSON200.Result)

	// The corrective action is closed.
	actions, err := editor.ListCorrectiveActionsWithResponse(ctx, &sdk.ListCorrectiveActionsParams{ContractId: &contract})
	require.NoError(t, err)
	require.Len(t, *actions.JSON200.Items, 1)
	closed, err := editor.CompleteCorrectiveActionWithResponse(ctx, (*actions.JSON200.Items)[0].Id, nil, sdk.ActionClosure{Resolution: "新版の手順書を受領し確認した"})
	require.NoError(t, err)
	require.NotNil(t, closed.JSON200, "%s", closed.Body)
	require.Equal(t, sdk.ActionStatusDone, closed.JSON200.Status)

	// A cloud service for confidentiality-2 data is refused.
	cloud, err := editor.CreateCloudServiceWithResponse(ctx, nil, sdk.CloudServiceInput{Name: "ファイル転送", Provider: "Example Cloud",
		TermsUrl: "https://transfer.example.com/terms", TermsVersion: "2026-04-01版", ResponsiblePersonId: owner.Id, DepartmentId: dept,
		InformationAssets: &[]sdk.InformationAsset{{Name: "住民の申込情報", Classification: sdk.Classification{Confidentiality: sdk.ConfidentialityN2, Integrity: 1, Availability: 1}}}})
	require.NoError(t, err)
	require.NotNil(t, cloud.ApplicationproblemJSON422, "%s", cloud.Body)
	require.Contains(t, *cloud.ApplicationproblemJSON422.Detail, "confidentiality 2")

	// A social account with a responsible person passes and fails post checks.
	acct, err := supervisorEditor.CreateSocialAccountWithResponse(ctx, nil, sdk.SocialAccountInput{Platform: sdk.PlatformX,
		Handle: "@clean_kumiai", Purpose: "収集日程と災害時のお知らせ", DepartmentId: dept, ResponsiblePersonId: supervisor.Id,
		OperatingProcedure: &sdk.OperatingProcedure{DocumentRef: ptr("広報-SNS-001"), ApprovedOn: ptr(date(today))},
		PublishingRules:    &sdk.PublishingRulesInput{AllowedCategories: &[]string{"お知らせ"}, ProhibitedTerms: &[]string{"未発表"}}})
	require.NoError(t, err)
	require.NotNil(t, acct.JSON201, "%s", acct.Body)
	pass, err := editor.CheckSocialPostWithResponse(ctx, acct.JSON201.Id, nil, sdk.PostCheckInput{Text: "12月1日(月)は燃えるごみの収集日です。", Category: "お知らせ"})
	require.NoError(t, err)
	require.True(t, pass.JSON200.Publishable, "%s", pass.Body)
	fail, err := editor.CheckSocialPostWithResponse(ctx, acct.JSON201.Id, nil, sdk.PostCheckInput{Text: "お問い合わせは 090-1234-5678 まで", Category: "お知らせ"})
	require.NoError(t, err)
	require.False(t, fail.JSON200.Publishable)
	require.Equal(t, "phone_number", string((*fail.JSON200.Findings)[0].Code))

	// An evidence file attached to the vendor, listed and downloaded.
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	require.NoError(t, mw.WriteField("subject_type", "vendor"))
	require.NoError(t, mw.WriteField("subject_id", vendor.String()))
	fw, err := mw.CreateFormFile("file", "ISMS認証書.pdf")
	require.NoError(t, err)
	pdf := []byte("%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
	_, _ = fw.Write(pdf)
	require.NoError(t, mw.Close())
	up, err := editor.UploadEvidenceFileWithBodyWithResponse(ctx, mw.FormDataContentType(), &form)
	require.NoError(t, err)
	require.NotNil(t, up.JSON201, "%s", up.Body)
	require.Equal(t, "application/pdf", up.JSON201.MediaType)
	files, err := viewer.ListEvidenceFilesWithResponse(ctx, &sdk.ListEvidenceFilesParams{SubjectType: ptr(sdk.EvidenceSubjectVendor), SubjectId: &vendor})
	require.NoError(t, err)
	require.Len(t, *files.JSON200.Items, 1, "%s", files.Body)
	dl, err := viewer.DownloadEvidenceFileWithResponse(ctx, up.JSON201.Id)
	require.NoError(t, err)
	require.Equal(t, pdf, dl.Body)
	require.Equal(t, "nosniff", dl.HTTPResponse.Header.Get("X-Content-Type-Options"))

	// The audit chain verifies, and so do the evidence files' bytes.
	verify, err := admin.VerifyAuditChainWithResponse(ctx)
	require.NoError(t, err)
	require.True(t, verify.JSON200.Ok, "%s", verify.Body)
	require.Equal(t, int64(1), verify.JSON200.FilesChecked)
	require.Greater(t, verify.JSON200.Checked, int64(50))
}

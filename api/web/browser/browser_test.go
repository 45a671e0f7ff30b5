// Package browser_test runs the staff pages' browser tests: the vendorwatch
// binary is built and started on a free port with a SQLite database and an
// outbox folder, data is seeded through the JSON API, and the Node test
// runner drives a real Chromium through the flows in flows.test.js (with an
// axe accessibility check and screenshots of every page).
//
// Without Chromium or the Node packages the test skips, except under CI=true
// where it fails: CI installs both (.ci/run).
package browser_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/api/apitest"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// suiteTimeout bounds the flows: the suite takes 1–2.5 minutes, on a busy
// machine too, so past 5 something hangs.
const suiteTimeout = 5 * time.Minute

// requirements skips (or, under CI, fails) when the browser or the Node
// packages are missing.
func requirements(t *testing.T) {
	t.Helper()
	var missing []string
	if _, err := os.Stat(chromiumPath); err != nil {
		missing = append(missing, chromiumPath+" (apt-get install chromium fonts-noto-cjk)")
	}
	if _, err := exec.LookPath("node"); err != nil {
		missing = append(missing, "node")
	}
	if _, err := os.Stat(filepath.Join("node_modules", "playwright-core")); err != nil {
		missing = append(missing, "api/web/browser/node_modules (cd api/web/browser && npm ci)")
	}
	if len(missing) == 0 {
		return
	}
	msg := "browser tests need " + strings.Join(missing, ", ")
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; CI installs them in .ci/run")
	}
	t.Skip(msg)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		require.True(t, time.Now().Before(deadline), "timed out waiting for %s", what)
		time.Sleep(50 * time.Millisecond)
	}
}

// freePort asks the kernel for a port nobody listens on.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	return port
}

// moduleRoot is the repository's top, from this package's folder.
var moduleRoot = filepath.Join("..", "..", "..")

// trackInputs opens every file the binary and the flows are made of, so
// that go test's cache (which sees only the files a test opens, not what
// `go build` or node read) runs the test again after any of them changes.
func trackInputs(t *testing.T) {
	t.Helper()
	for _, top := range []string{"go.mod", "go.sum", "api", "cmd", "domain", "jobs", "migrations"} {
		err := filepath.WalkDir(filepath.Join(moduleRoot, top), func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "screenshots") {
				return filepath.SkipDir
			}
			if d.Type().IsRegular() {
				f, err := os.Open(p)
				if err != nil {
					return err
				}
				return f.Close()
			}
			return nil
		})
		require.NoError(t, err)
	}
}

// client calls the JSON API with a token.
type client = apitest.Client

// server is the vendorwatch child process.
type server struct {
	base   string
	outbox string
	stderr *storetest.LogBuffer
	// stdout has the first start's token (never in the log, stderr).
	stdout *storetest.LogBuffer
	token  string
}

// startServer builds vendorwatch and starts it on a free port, and waits
// until /readyz answers 200; it is stopped with SIGINT when the test ends.
func startServer(t *testing.T) *server {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "vendorwatch")
	build := exec.Command("go", "build", "-o", bin, "./cmd/vendorwatch")
	build.Dir = moduleRoot
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)

	port := freePort(t)
	s := &server{base: fmt.Sprintf("http://127.0.0.1:%d", port), outbox: filepath.Join(dir, "outbox"), stderr: &storetest.LogBuffer{}, stdout: &storetest.LogBuffer{}}
	cmd := exec.Command(bin, "serve", "--addr", fmt.Sprintf("127.0.0.1:%d", port), "--shutdown-drain", "0s",
		"--database-url", filepath.Join(dir, "vw.db"), "--outbox-dir", s.outbox, "--public-url", s.base,
		"--timezone", "Asia/Tokyo", "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = s.stdout, s.stderr
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("vendorwatch's log:\n%s", s.stderr.String())
		}
	})
	waitFor(t, "/readyz 200", 60*time.Second, func() bool {
		select {
		case err := <-exited:
			t.Fatalf("vendorwatch ended early (%v):\n%s", err, s.stderr.String())
		default:
		}
		res, err := http.Get(s.base + "/readyz")
		if err != nil {
			return false
		}
		_ = res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
	m := apitest.TokenLine.FindStringSubmatch(s.stdout.String())
	require.NotNil(t, m, "the first start prints the administrator's token on stdout:\n%s", s.stdout.String())
	s.token = m[1]
	return s
}

// codes lists the codes of a catalogue.
func codes(c client, path string) []string {
	c.T.Helper()
	var out []string
	for _, it := range c.Call("GET", path, nil, 200)["items"].([]any) {
		out = append(out, it.(map[string]any)["code"].(string))
	}
	require.NotEmpty(c.T, out, "catalogue %s", path)
	return out
}

// seeded is what the flows start from, handed to them as environment.
type seeded struct {
	adminEmail, editorEmail, supervisorEmail, cisoEmail string
	contractID, socialAccountID                         string
}

// seed registers, through the API: an editor and a supervisor who sign in
// by their own links; an approved vendor with an active contract whose
// confirmation falls due in five days (so the due-scan mails the
// administrator, its owner, a reminder); and a social account.
func seed(t *testing.T, s *server) seeded {
	t.Helper()
	admin := client{T: t, Base: s.base, Token: s.token}
	me := admin.Call("GET", "/v1/me", nil, 200)["person"].(map[string]any)
	meID, dept := me["id"].(string), me["department_id"].(string)
	out := seeded{adminEmail: me["email"].(string), editorEmail: "tanto@example.lg.jp", supervisorEmail: "tokatsu@example.lg.jp",
		cisoEmail: "ciso@example.lg.jp"}

	person := func(name, email, role string, security []string) (string, client) {
		id := admin.ID("POST", "/v1/people", map[string]any{"name": name, "email": email, "department_id": dept,
			"security_roles": security}, 201)
		secret := admin.Call("POST", "/v1/tokens", map[string]any{"person_id": id, "role": role}, 201)["secret"].(string)
		return id, client{T: t, Base: s.base, Token: secret}
	}
	editorID, _ := person("情報 担当", out.editorEmail, "editor", []string{})
	person("統括 責任者", out.supervisorEmail, "editor", []string{"supervisor"})
	person("最高 責任者", out.cisoEmail, "viewer", []string{"ciso"})
	_, manager := person("承認 課長", "kacho@example.lg.jp", "editor", []string{"manager"})

	tokyo, err := time.LoadLocation("Asia/Tokyo")
	require.NoError(t, err)
	today := time.Now().In(tokyo)
	vendor := admin.ID("POST", "/v1/vendors", map[string]any{"name": "株式会社クリーン", "owner_id": meID}, 201)
	var results []map[string]any
	for _, code := range codes(admin, "/v1/selection-criteria") {
		results = append(results, map[string]any{"criterion": code, "result": "met"})
	}
	admin.Call("PUT", "/v1/vendors/"+vendor+"/selection", map[string]any{"selected_by": meID,
		"selected_on": today.Format(time.DateOnly), "results": results}, 200)
	manager.Call("POST", "/v1/vendors/"+vendor+"/approve", nil, 200)
	start := today.AddDate(0, 0, 5).AddDate(-2, 0, 0).Format(time.DateOnly)
	out.contractID = admin.ID("POST", "/v1/contracts", map[string]any{"vendor_id": vendor, "title": "収集運搬システム保守",
		"start_date": start, "owner_id": meID}, 201)
	for _, code := range codes(admin, "/v1/clauses") {
		admin.Call("PUT", "/v1/contracts/"+out.contractID+"/clauses/"+code, map[string]any{"status": "included", "article_ref": "第1条"}, 200)
	}
	admin.Call("POST", "/v1/contracts/"+out.contractID+"/activate", nil, 200)

	out.socialAccountID = admin.ID("POST", "/v1/social-accounts", map[string]any{
		"platform": "x", "handle": "@clean_kumiai", "profile_url": "https://x.com/clean_kumiai",
		"purpose": "ごみ収集日程と災害時の収集情報の発信", "department_id": dept, "responsible_person_id": editorID,
		"publishing_rules": map[string]any{"allowed_categories": []string{"お知らせ", "収集日程"},
			"prohibited_terms": []string{"未発表", "個人名"}},
		"operating_procedure": map[string]any{"document_ref": "広報-SNS-001", "version": "1.0",
			"approved_on": today.AddDate(0, -1, 0).Format(time.DateOnly)},
	}, 201)

	// The scan that runs on start may be the one that finds the contract
	// (it can still be running): either way one reminder is queued.
	admin.Call("POST", "/v1/jobs/due-scan", nil, 200)
	waitFor(t, "the confirmation's reminder in the ledger", 30*time.Second, func() bool {
		return len(admin.Call("GET", "/v1/reminders", nil, 200)["items"].([]any)) > 0
	})
	return out
}

// screenshotDir is where the screenshots stay after the test.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("VENDORWATCH_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "vendorwatch-screenshots")
	}
	dir, err := filepath.Abs(dir)
	require.NoError(t, err)
	old, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	for _, f := range old {
		require.NoError(t, os.Remove(f))
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

func TestStaffPagesInChromium(t *testing.T) {
	requirements(t)
	trackInputs(t)
	began := time.Now()
	s := startServer(t)
	data := seed(t, s)
	shots := screenshotDir(t)
	t.Logf("built, started and seeded in %s; screenshots go to %s", time.Since(began).Round(time.Millisecond), shots)

	ctx, cancel := context.WithTimeout(context.Background(), suiteTimeout)
	defer cancel()
	node := exec.CommandContext(ctx, "node", "--test", "--test-concurrency=1", "--test-reporter=spec", "flows.test.js")
	node.Env = append(os.Environ(),
		"BASE_URL="+s.base,
		"OUTBOX_DIR="+s.outbox,
		"SCREENSHOT_DIR="+shots,
		"CHROMIUM_PATH="+chromiumPath,
		"ADMIN_EMAIL="+data.adminEmail,
		"EDITOR_EMAIL="+data.editorEmail,
		"SUPERVISOR_EMAIL="+data.supervisorEmail,
		"CISO_EMAIL="+data.cisoEmail,
		"CONTRACT_ID="+data.contractID,
		"SOCIAL_ACCOUNT_ID="+data.socialAccountID,
		"NO_COLOR=1",
	)
	// Past the deadline the whole process group goes (node and any child
	// it left), and Wait does not wait on a pipe a stray child still holds.
	node.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	node.Cancel = func() error { return syscall.Kill(-node.Process.Pid, syscall.SIGKILL) }
	node.WaitDelay = 10 * time.Second
	pr, pw := io.Pipe()
	node.Stdout, node.Stderr = pw, pw
	require.NoError(t, node.Start())
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			t.Log(sc.Text())
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	err := node.Wait()
	_ = pw.Close()
	<-logged
	t.Logf("the browser suite took %s (build, start and seed included); screenshots and axe-results.json: %s",
		time.Since(began).Round(time.Second), shots)
	require.NoError(t, ctx.Err(), "the browser flows took longer than %s", suiteTimeout)
	require.NoError(t, err, "node --test failed; see the log above; screenshots: %s", shots)
}

// Package baseline is the hand-written reference the service's reads are
// measured against: chi and pgx (database/sql and modernc's SQLite driver
// on SQLite) doing the same queries as the service for GET
// /v1/contracts/{id} and the contracts list (first page, keyset cursor,
// owner_id filter), with the same bearer-token lookup, on the same schema.
// It is what a lean service could do, not a second implementation: no
// roles, ETags, rate limits, logs or metrics.
package baseline

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// querier is the little the handler needs of pgx or database/sql.
type querier interface {
	queryRow(ctx context.Context, query string, args ...any) scanner
	query(ctx context.Context, query string, args ...any) (rows, error)
	exec(ctx context.Context, query string, args ...any) error
}

type scanner interface{ Scan(dest ...any) error }

type rows interface {
	scanner
	Next() bool
	Err() error
	Close()
}

type pgxQuerier struct{ pool *pgxpool.Pool }

func (q pgxQuerier) queryRow(ctx context.Context, s string, args ...any) scanner {
	return q.pool.QueryRow(ctx, s, args...)
}

func (q pgxQuerier) query(ctx context.Context, s string, args ...any) (rows, error) {
	r, err := q.pool.Query(ctx, s, args...)
	return r, err
}

func (q pgxQuerier) exec(ctx context.Context, s string, args ...any) error {
	_, err := q.pool.Exec(ctx, s, args...)
	return err
}

// sqlQuerier runs prepared statements, as a hand-written handler would.
type sqlQuerier struct {
	db    *sql.DB
	stmts sync.Map // text → *sql.Stmt
}

func (q *sqlQuerier) stmt(s string) *sql.Stmt {
	if st, ok := q.stmts.Load(s); ok {
		return st.(*sql.Stmt)
	}
	st, err := q.db.Prepare(s)
	if err != nil {
		panic(err) // the queries are fixed: a bug
	}
	if prev, loaded := q.stmts.LoadOrStore(s, st); loaded {
		_ = st.Close()
		return prev.(*sql.Stmt)
	}
	return st
}

func (q *sqlQuerier) queryRow(ctx context.Context, s string, args ...any) scanner {
	return q.stmt(s).QueryRowContext(ctx, args...)
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }

func (q *sqlQuerier) query(ctx context.Context, s string, args ...any) (rows, error) {
	r, err := q.stmt(s).QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{r}, nil
}

func (q *sqlQuerier) exec(ctx context.Context, s string, args ...any) error {
	_, err := q.stmt(s).ExecContext(ctx, args...)
	return err
}

// The queries: the service's, with placeholders.
const (
	authQuery = `SELECT t.id AS token_id, t.role, t.revoked_at, t.last_used_at, p.id AS person_id, p.name, p.active ` +
		`FROM tokens AS t JOIN people AS p ON p.id = t.person_id WHERE (t.secret_hash = $1)`
	touchQuery   = `UPDATE tokens SET last_used_at = $1 WHERE (id = $2)`
	contractCols = `id, vendor_id, title, scope, start_date, end_date, auto_renew, renewal_term_months, notice_period_days, work_location, vendor_manager_name, subcontracting_allowed, subcontractors, owner_id, information_assets, status, termination_reason, last_confirmed_on, next_confirmation_due, renewal_review_due, next_confirmation_nominal, renewal_review_nominal, last_confirmation_due, renewal_reviewed_for, search_text, version, created_at, updated_at`
	getQuery     = `SELECT ` + contractCols + ` FROM contracts WHERE (id = $1)`
	// The service writes the page size into the text (LIMIT 21); so do
	// these, so that both databases plan the same statement.
	listFirst      = `SELECT ` + contractCols + ` FROM contracts ORDER BY id ASC LIMIT `
	listAfter      = `SELECT ` + contractCols + ` FROM contracts WHERE (id > $1) ORDER BY id ASC LIMIT `
	listOwner      = `SELECT ` + contractCols + ` FROM contracts WHERE (owner_id = $1) ORDER BY id ASC LIMIT `
	listOwnerAfter = `SELECT ` + contractCols + ` FROM contracts WHERE (owner_id = $1) AND (id > $2) ORDER BY id ASC LIMIT `
)

// Handler serves the two reads.
type Handler struct {
	q querier
	http.Handler
}

// NewPostgres serves from a pgx pool.
func NewPostgres(pool *pgxpool.Pool) *Handler { return newHandler(pgxQuerier{pool}) }

// NewSQLite serves from a SQLite database, with its statements prepared
// once.
func NewSQLite(ctx context.Context, db *sql.DB) (*Handler, error) {
	q := &sqlQuerier{db: db}
	for _, s := range []string{authQuery, touchQuery, getQuery} {
		st, err := db.PrepareContext(ctx, s)
		if err != nil {
			return nil, err
		}
		q.stmts.Store(s, st)
	}
	return newHandler(q), nil
}

func newHandler(q querier) *Handler {
	h := &Handler{q: q}
	r := chi.NewRouter()
	r.Get("/v1/contracts/{id}", h.get)
	r.Get("/v1/contracts", h.list)
	h.Handler = r
	return h
}

// authenticate is the service's token lookup: one join, and last_used_at
// written when a minute old.
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request) bool {
	scheme, secret, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || secret == "" {
		problem(w, http.StatusUnauthorized)
		return false
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(secret)))
	var (
		tokenID, role, personID, name string
		revoked, used                 *time.Time
		active                        bool
	)
	err := h.q.queryRow(r.Context(), authQuery, hex.EncodeToString(sum[:])).Scan(&tokenID, &role, &revoked, &used, &personID, &name, &active)
	switch {
	case errors.Is(err, sql.ErrNoRows) || errors.Is(err, pgx.ErrNoRows):
		problem(w, http.StatusUnauthorized)
		return false
	case err != nil:
		problem(w, http.StatusServiceUnavailable)
		return false
	case revoked != nil || !active:
		problem(w, http.StatusUnauthorized)
		return false
	}
	if now := time.Now().UTC(); used == nil || now.Sub(*used) >= time.Minute {
		if err := h.q.exec(r.Context(), touchQuery, now, tokenID); err != nil {
			problem(w, http.StatusServiceUnavailable)
			return false
		}
	}
	return true
}

// contract is the JSON of a contract, its JSON columns passed through.
// The query reads every column the service reads, these included.
type contract struct {
	ID                         string          `json:"id"`
	VendorID                   string          `json:"vendor_id"`
	Title                      string          `json:"title"`
	Scope                      string          `json:"scope,omitempty"`
	StartDate                  string          `json:"start_date"`
	EndDate                    string          `json:"end_date,omitempty"`
	FiscalYear                 int             `json:"fiscal_year"`
	AutoRenew                  bool            `json:"auto_renew"`
	RenewalTermMonths          int             `json:"renewal_term_months"`
	NoticePeriodDays           int             `json:"notice_period_days"`
	WorkLocation               string          `json:"work_location,omitempty"`
	VendorManagerName          string          `json:"vendor_manager_name,omitempty"`
	SubcontractingAllowed      bool            `json:"subcontracting_allowed"`
	Subcontractors             json.RawMessage `json:"subcontractors"`
	OwnerID                    string          `json:"owner_id"`
	InformationAssets          json.RawMessage `json:"information_assets"`
	Status                     string          `json:"status"`
	TerminationReason          string          `json:"termination_reason,omitempty"`
	LastConfirmedOn            string          `json:"last_confirmed_on,omitempty"`
	NextConfirmationDue        string          `json:"next_confirmation_due,omitempty"`
	RenewalReviewDue           string          `json:"renewal_review_due,omitempty"`
	RenewalReviewDueNominal    string          `json:"renewal_review_due_nominal,omitempty"`
	NextConfirmationDueNominal string          `json:"next_confirmation_due_nominal,omitempty"`
	Version                    int             `json:"version"`
	CreatedAt                  time.Time       `json:"created_at"`
	UpdatedAt                  time.Time       `json:"updated_at"`
}

// date scans a DATE column of either database as YYYY-MM-DD ("" for NULL).
type date struct{ s *string }

func (d date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.s = ""
	case time.Time:
		*d.s = v.Format(time.DateOnly)
	case string:
		*d.s = v[:min(len(v), 10)]
	case []byte:
		*d.s = string(v[:min(len(v), 10)])
	default:
		return errors.New("baseline: not a date")
	}
	return nil
}

// stamp scans a timestamp of either database.
type stamp struct{ t *time.Time }

func (s stamp) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*s.t = v.UTC()
		return nil
	case string:
		t, err := time.Parse("2006-01-02 15:04:05.999999999-07:00", v)
		*s.t = t.UTC()
		return err
	}
	return errors.New("baseline: not a time")
}

func scanContract(sc scanner) (*contract, error) {
	var c contract
	var (
		subs, assets, lastDue, reviewedFor string
		search                             *string
	)
	err := sc.Scan(&c.ID, &c.VendorID, &c.Title, &c.Scope, date{&c.StartDate}, date{&c.EndDate}, &c.AutoRenew, &c.RenewalTermMonths,
		&c.NoticePeriodDays, &c.WorkLocation, &c.VendorManagerName, &c.SubcontractingAllowed, &subs, &c.OwnerID, &assets, &c.Status,
		&c.TerminationReason, date{&c.LastConfirmedOn}, date{&c.NextConfirmationDue}, date{&c.RenewalReviewDue},
		date{&c.NextConfirmationDueNominal}, date{&c.RenewalReviewDueNominal}, date{&lastDue}, date{&reviewedFor}, &search, &c.Version, stamp{&c.CreatedAt}, stamp{&c.UpdatedAt})
	if err != nil {
		return nil, err
	}
	c.Subcontractors, c.InformationAssets = json.RawMessage(subs), json.RawMessage(assets)
	if len(c.StartDate) == 10 {
		y, _ := strconv.Atoi(c.StartDate[:4])
		if c.StartDate[5:7] < "04" {
			y--
		}
		c.FiscalYear = y
	}
	return &c, nil
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	if !h.authenticate(w, r) {
		return
	}
	c, err := scanContract(h.q.queryRow(r.Context(), getQuery, chi.URLParam(r, "id")))
	switch {
	case errors.Is(err, sql.ErrNoRows) || errors.Is(err, pgx.ErrNoRows):
		problem(w, http.StatusNotFound)
		return
	case err != nil:
		problem(w, http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("ETag", `"`+strconv.Itoa(c.Version)+`"`)
	writeJSON(w, c)
}

// page is the JSON of a list page.
type page struct {
	Items      []*contract `json:"items"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	if !h.authenticate(w, r) {
		return
	}
	q := r.URL.Query()
	limit := 50
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 200 {
			problem(w, http.StatusUnprocessableEntity)
			return
		}
		limit = n
	}
	after, ok := decodeCursor(q.Get("cursor"))
	if !ok {
		problem(w, http.StatusUnprocessableEntity)
		return
	}
	owner := q.Get("owner_id")
	var (
		rs  rows
		err error
	)
	n := strconv.Itoa(limit + 1)
	switch {
	case owner == "" && after == "":
		rs, err = h.q.query(r.Context(), listFirst+n)
	case owner == "":
		rs, err = h.q.query(r.Context(), listAfter+n, after)
	case after == "":
		rs, err = h.q.query(r.Context(), listOwner+n, owner)
	default:
		rs, err = h.q.query(r.Context(), listOwnerAfter+n, owner, after)
	}
	if err != nil {
		problem(w, http.StatusServiceUnavailable)
		return
	}
	defer rs.Close()
	out := page{Items: make([]*contract, 0, limit+1)}
	for rs.Next() {
		c, err := scanContract(rs)
		if err != nil {
			problem(w, http.StatusServiceUnavailable)
			return
		}
		out.Items = append(out.Items, c)
	}
	if rs.Err() != nil {
		problem(w, http.StatusServiceUnavailable)
		return
	}
	if len(out.Items) > limit {
		out.Items = out.Items[:limit]
		out.NextCursor = EncodeCursor(out.Items[limit-1].ID)
	}
	writeJSON(w, out)
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		problem(w, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

func problem(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"status":` + strconv.Itoa(status) + `}`))
}

const cursorPrefix = "c1:"

// EncodeCursor is the service's cursor of the row with key (its
// domain/store/cursor.go), so that the same cursors page both.
func EncodeCursor(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + key))
}

func decodeCursor(s string) (string, bool) {
	if s == "" {
		return "", true
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(raw), cursorPrefix) {
		return "", false
	}
	return strings.TrimPrefix(string(raw), cursorPrefix), true
}

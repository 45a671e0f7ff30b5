package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/tabular"
)

var _ domain.ImportService = (*DB)(nil)

const entityImport = "import"

type importRecord struct {
	bun.BaseModel `bun:"table:imports"`

	ID          string     `bun:"id,pk"`
	Register    string     `bun:"register"`
	FileName    string     `bun:"file_name"`
	SHA256      string     `bun:"sha256"`
	Format      string     `bun:"format"`
	Encoding    string     `bun:"encoding"`
	Status      string     `bun:"status"`
	Headers     string     `bun:"headers"`
	RowsTotal   int        `bun:"rows_total"`
	RowsDone    int        `bun:"rows_done"`
	NCreate     int        `bun:"n_create"`
	NUpdate     int        `bun:"n_update"`
	NUnchanged  int        `bun:"n_unchanged"`
	NError      int        `bun:"n_error"`
	Failure     string     `bun:"failure"`
	CreatedBy   *string    `bun:"created_by"`
	CommittedBy *string    `bun:"committed_by"`
	CommittedAt *time.Time `bun:"committed_at"`
	Version     int        `bun:"version"`
	CreatedAt   time.Time  `bun:"created_at"`
	UpdatedAt   time.Time  `bun:"updated_at"`
	// Content is the file of a running import; AskedEncoding the encoding
	// the upload stated.
	Content       []byte `bun:"content"`
	AskedEncoding string `bun:"asked_encoding"`
	// pending are the planned rows not yet inserted.
	pending []importRowRecord `bun:"-"`
}

type importRowRecord struct {
	bun.BaseModel `bun:"table:import_rows"`

	ImportID      string `bun:"import_id,pk"`
	RowNumber     int    `bun:"row_number,pk"`
	Action        string `bun:"action"`
	MatchID       string `bun:"match_id"`
	MatchedBy     string `bun:"matched_by"`
	MatchVersion  int    `bun:"match_version"`
	ChangedFields string `bun:"changed_fields"`
	Errors        string `bun:"errors"`
	CellValues    string `bun:"cell_values"`
	Input         string `bun:"input"`
}

func (r *importRecord) toDomain() *domain.Import {
	im := &domain.Import{
		ID: r.ID, Register: r.Register, FileName: r.FileName, SHA256: r.SHA256, Format: r.Format, Encoding: r.Encoding,
		Status: domain.ImportStatus(r.Status), RowsTotal: r.RowsTotal, RowsDone: r.RowsDone,
		Summary: domain.ImportSummary{Create: r.NCreate, Update: r.NUpdate, Unchanged: r.NUnchanged, Error: r.NError},
		Failure: r.Failure, CreatedBy: deref(r.CreatedBy), CommittedBy: deref(r.CommittedBy), CommittedAt: utcPtr(r.CommittedAt),
		Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Headers: []string{},
	}
	_ = json.Unmarshal([]byte(r.Headers), &im.Headers)
	return im
}

func (r *importRowRecord) toDomain() *domain.ImportRow {
	row := &domain.ImportRow{Row: r.RowNumber, Action: domain.ImportAction(r.Action), MatchID: r.MatchID,
		MatchedBy: domain.ImportMatchBy(r.MatchedBy), MatchVersion: r.MatchVersion, Values: map[string]string{}}
	_ = json.Unmarshal([]byte(r.ChangedFields), &row.ChangedFields)
	_ = json.Unmarshal([]byte(r.Errors), &row.Errors)
	_ = json.Unmarshal([]byte(r.CellValues), &row.Values)
	row.Input = json.RawMessage(r.Input)
	return row
}

// mayImport refuses the people register to a caller without the admin role.
func mayImport(ctx context.Context, register string) error {
	if register == domain.RegisterPeople && actorOf(ctx).Role != domain.RoleAdmin {
		return domain.Errorf(domain.EFORBIDDEN, "importing people needs the admin role").
			WithJa("職員の取込みには管理者の権限が必要です。")
	}
	return nil
}

// CreateImport implements domain.ImportService.
func (db *DB) CreateImport(ctx context.Context, in domain.ImportUpload) (*domain.Import, error) {
	if err := mayImport(ctx, in.Register); err != nil {
		return nil, err
	}
	imp, ok := importers[in.Register]
	if !ok {
		return nil, domain.Invalid("unknown register", domain.FieldError{Field: "register",
			Message: "must be one of " + strings.Join(domain.ImportRegisters, ", "), Ja: "取込み先の台帳を選んでください。", Value: in.Register}).
			WithJa("取込み先の台帳が正しくありません。")
	}
	enc, ok := tabular.NormalizeEncoding(in.Encoding)
	if !ok {
		return nil, domain.Invalid("unknown encoding", domain.FieldError{Field: "encoding",
			Message: "must be utf-8 or shift_jis (cp932)", Ja: "文字コードはutf-8又はshift_jisを指定してください。", Value: in.Encoding}).
			WithJa("文字コードの指定が正しくありません。")
	}
	b, err := io.ReadAll(io.LimitReader(in.Content, domain.ImportMaxBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > domain.ImportMaxBytes {
		return nil, domain.ImportTooLarge()
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, domain.Invalid("the file is empty", domain.FieldError{Field: "file", Message: "is empty", Ja: "ファイルが空です。"}).
			WithJa("ファイルが空です。")
	}
	t, err := tabular.Read(b, enc, domain.ImportMaxRows)
	var many tabular.ErrTooManyRows
	switch {
	case errors.Is(err, tabular.ErrUnsupported):
		return nil, &domain.Error{Code: domain.EUNSUPPORTED, Message: "the file is neither a CSV nor an XLSX (Excel) workbook",
			Ja: "CSV又はExcel（xlsx）のファイルを選んでください。", Fields: domain.FieldErrors{{Field: "file", Message: "is neither CSV nor XLSX", Ja: "CSV又はxlsxではありません。"}}}
	case errors.As(err, &many):
		return nil, domain.Invalid(err.Error(), domain.FieldError{Field: "file", Message: fmt.Sprintf("has more than %d rows: split it", many.Limit),
			Ja: fmt.Sprintf("行数が上限の%d行を超えています。ファイルを分けてください。", many.Limit)}).
			WithJa("ファイルの行数が多すぎます。")
	case err != nil:
		return nil, domain.Invalid(err.Error(), domain.FieldError{Field: "file", Message: err.Error(), Ja: "ファイルを読み取れません。"}).
			WithJa("ファイルを読み取れません。")
	}
	var clauses []*domain.CatalogueItem
	if in.Register == domain.RegisterContracts {
		if clauses, err = db.catalogueItems(ctx, db.bun, domain.CatalogueClauses, true); err != nil {
			return nil, err
		}
	}
	cols, err := headerColumns(in.Register, t.Header, clauses)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	headers, _ := json.Marshal(t.Header)
	now := db.Now()
	rec := &importRecord{ID: uuid.Must(uuid.NewV7()).String(), Register: in.Register, FileName: truncate(in.FileName, 400),
		SHA256: hex.EncodeToString(sum[:]), Format: t.Format, Encoding: t.Encoding, Status: string(domain.ImportDryRun),
		Headers: string(headers), RowsTotal: len(t.Rows), Version: 1, CreatedAt: now, UpdatedAt: now,
		CreatedBy: nullable(actorOf(ctx).PersonID)}
	var out *domain.Import
	if len(t.Rows) > domain.ImportAsyncRows && db.importPlan != nil {
		// A large file is planned by a job, with progress.
		rec.Status, rec.Content, rec.AskedEncoding = string(domain.ImportRunning), b, enc
		err = db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.NewInsert().Model(rec).Exec(ctx); err != nil {
				return wrap("insert import", err)
			}
			if err := db.importPlan(ctx, tx.Tx, rec.ID); err != nil {
				return err
			}
			out = rec.toDomain()
			return db.appendAudit(ctx, tx, auditEntry{Action: "upload", EntityType: entityImport, EntityID: rec.ID, After: out})
		})
		return out, err
	}
	err = db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		p := imp(db)
		if err := p.load(ctx, tx); err != nil {
			return err
		}
		if err := planRows(ctx, tx, p, rec, t, cols, 0, len(t.Rows)); err != nil {
			return err
		}
		rec.RowsDone = len(t.Rows)
		if _, err := tx.NewInsert().Model(rec).Exec(ctx); err != nil {
			return wrap("insert import", err)
		}
		if err := db.flushImportRows(ctx, tx, rec); err != nil {
			return err
		}
		out = rec.toDomain()
		return db.appendAudit(ctx, tx, auditEntry{Action: "dry_run", EntityType: entityImport, EntityID: rec.ID, After: out})
	})
	return out, err
}

// OnImportPlan sets what queues the job that plans a large file, inside
// the transaction that stores it. Without it every file is planned at once.
func (db *DB) OnImportPlan(f domain.EnqueueImportPlan) { db.importPlan = f }

// planRows plans the rows [from, to) of t into rec's pending rows and counts.
func planRows(ctx context.Context, tx bun.Tx, p registerImporter, rec *importRecord, t *tabular.Table, cols []domain.Column, from, to int) error {
	for i := from; i < to; i++ {
		cells := t.Rows[i]
		row := &domain.ImportRow{Row: i + 2, Values: map[string]string{}}
		cs := make([]cell, 0, len(cols))
		for j, c := range cols {
			row.Values[t.Header[j]] = cells[j]
			if c.Key != "" {
				cs = append(cs, cell{col: c, header: t.Header[j], value: cells[j]})
			}
		}
		if err := p.plan(ctx, tx, cs, row); err != nil {
			return err
		}
		if len(row.Errors) > 0 {
			row.Action, row.ChangedFields = domain.ImportError, nil
		}
		switch row.Action {
		case domain.ImportCreate:
			rec.NCreate++
		case domain.ImportUpdate:
			rec.NUpdate++
		case domain.ImportUnchanged:
			rec.NUnchanged++
		default:
			rec.NError++
		}
		rec.pending = append(rec.pending, rowRecord(rec.ID, row))
	}
	return nil
}

// flushImportRows inserts the planned rows not yet written.
func (db *DB) flushImportRows(ctx context.Context, tx bun.Tx, rec *importRecord) error {
	rows := rec.pending
	rec.pending = nil
	for start := 0; start < len(rows); start += 500 {
		end := min(start+500, len(rows))
		chunk := rows[start:end]
		if _, err := tx.NewInsert().Model(&chunk).Exec(ctx); err != nil {
			return wrap("insert import rows", err)
		}
	}
	return nil
}

// importChunk is how many rows a job plans in one transaction, after each
// of which rows_done shows the progress.
const importChunk = 500

// PlanImport implements domain.ImportPlanner.
func (db *DB) PlanImport(ctx context.Context, id string) error {
	rec, err := db.loadImport(ctx, db.bun, id)
	if err != nil {
		return err
	}
	if rec.Status != string(domain.ImportRunning) {
		return nil
	}
	if rec.CreatedBy != nil {
		if p, err := db.FindPerson(ctx, *rec.CreatedBy); err == nil {
			ctx = domain.WithActor(ctx, domain.Actor{PersonID: p.ID, Name: p.Name, Role: domain.RoleEditor})
		}
	}
	t, err := tabular.Read(rec.Content, rec.AskedEncoding, domain.ImportMaxRows)
	var cols []domain.Column
	if err == nil {
		var clauses []*domain.CatalogueItem
		if rec.Register == domain.RegisterContracts {
			clauses, err = db.catalogueItems(ctx, db.bun, domain.CatalogueClauses, true)
		}
		if err == nil {
			cols, err = headerColumns(rec.Register, t.Header, clauses)
		}
	}
	if err != nil {
		db.failImport(ctx, id, err)
		return nil
	}
	// Start again from the first row: a job that died midway left rows of
	// its own, which go.
	rec.NCreate, rec.NUpdate, rec.NUnchanged, rec.NError, rec.RowsDone = 0, 0, 0, 0, 0
	p := importers[rec.Register](db)
	for from := 0; from == 0 || from < len(t.Rows); from += importChunk {
		to := min(from+importChunk, len(t.Rows))
		err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			if from == 0 {
				if _, err := tx.NewDelete().Model((*importRowRecord)(nil)).Where("import_id = ?", id).Exec(ctx); err != nil {
					return wrap("clear import rows", err)
				}
				if err := p.load(ctx, tx); err != nil {
					return err
				}
			}
			if err := planRows(ctx, tx, p, rec, t, cols, from, to); err != nil {
				return err
			}
			if err := db.flushImportRows(ctx, tx, rec); err != nil {
				return err
			}
			rec.RowsDone = to
			q := tx.NewUpdate().Model(rec).Column("rows_done", "n_create", "n_update", "n_unchanged", "n_error", "updated_at").WherePK()
			rec.UpdatedAt = db.Now()
			if to < len(t.Rows) {
				_, err := q.Exec(ctx)
				return wrap("import progress", err)
			}
			rec.Status, rec.Content, rec.Version = string(domain.ImportDryRun), nil, rec.Version+1
			if _, err := q.Column("status", "content", "version").Exec(ctx); err != nil {
				return wrap("import planned", err)
			}
			return db.appendAudit(ctx, tx, auditEntry{Action: "dry_run", EntityType: entityImport, EntityID: id, After: rec.toDomain()})
		})
		if err != nil {
			if code := domain.ErrorCodeOf(err); code == domain.EINTERNAL || code == domain.EUNAVAILABLE {
				return err // the job runs again
			}
			db.failImport(ctx, id, err)
			return nil
		}
		if to >= len(t.Rows) {
			break
		}
	}
	return nil
}

func rowRecord(importID string, row *domain.ImportRow) importRowRecord {
	js := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	changed, errs := row.ChangedFields, row.Errors
	if changed == nil {
		changed = []string{}
	}
	if errs == nil {
		errs = []domain.ImportRowError{}
	}
	input := string(row.Input)
	if row.Action == domain.ImportError || row.Action == domain.ImportUnchanged || input == "" {
		input = "null"
	}
	return importRowRecord{ImportID: importID, RowNumber: row.Row, Action: string(row.Action), MatchID: row.MatchID,
		MatchedBy: string(row.MatchedBy), MatchVersion: row.MatchVersion, ChangedFields: js(changed), Errors: js(errs),
		CellValues: js(row.Values), Input: input}
}

// headerColumns maps each header to its column (Key "" for a blank header,
// whose cells are ignored); unknown and doubled headers are EINVALID.
func headerColumns(register string, header []string, clauses []*domain.CatalogueItem) ([]domain.Column, error) {
	var fe domain.FieldErrors
	cols := make([]domain.Column, len(header))
	seen := map[string]string{}
	for i, h := range header {
		if strings.TrimSpace(h) == "" {
			continue
		}
		c, ok := domain.ColumnByHeader(register, h)
		if !ok && register == domain.RegisterContracts {
			c, ok = domain.ClauseColumnByHeader(h, clauses)
		}
		if !ok {
			fe.AddJa("file", fmt.Sprintf("column %q is not a column of %s", h, register), fmt.Sprintf("列「%s」はこの台帳の列ではありません。", h), h)
			continue
		}
		if prev, dup := seen[c.Key]; dup {
			fe.AddJa("file", fmt.Sprintf("columns %q and %q are the same column", prev, h), fmt.Sprintf("列「%s」と「%s」は同じ列です。", prev, h), h)
			continue
		}
		seen[c.Key] = h
		cols[i] = c
	}
	return cols, fe.ErrJa("the header row names unknown or doubled columns", "見出し行に不明な列又は重複した列があります。")
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

func (db *DB) loadImport(ctx context.Context, tx bun.IDB, id string) (*importRecord, error) {
	var rec importRecord
	if err := loadRow(ctx, tx, &rec, entityImport, id); err != nil {
		return nil, err
	}
	return &rec, nil
}

// FindImport implements domain.ImportService.
func (db *DB) FindImport(ctx context.Context, id string) (*domain.Import, error) {
	var rec importRecord
	err := db.bun.NewSelect().Model(&rec).ExcludeColumn("content").Where("id = ?", id).Scan(ctx)
	if isNoRows(err) {
		return nil, notFound(entityImport, id)
	}
	if err != nil {
		return nil, wrap("load import", err)
	}
	return rec.toDomain(), nil
}

// ListImports implements domain.ImportService.
func (db *DB) ListImports(ctx context.Context, f domain.ImportFilter, p domain.PageRequest) (domain.Page[*domain.Import], error) {
	var rows []*importRecord
	q := db.bun.NewSelect().Model(&rows).ExcludeColumn("content")
	if f.Register != "" {
		q = q.Where("register = ?", f.Register)
	}
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	return listPage(ctx, q, &rows, p, "list imports", (*importRecord).toDomain, func(i *domain.Import) string { return i.ID })
}

// ImportRows implements domain.ImportService.
func (db *DB) ImportRows(ctx context.Context, id string, errorsOnly bool, p domain.PageRequest) (domain.Page[*domain.ImportRow], error) {
	if _, err := db.loadImport(ctx, db.bun, id); err != nil {
		return domain.Page[*domain.ImportRow]{}, err
	}
	after, err := decodeCursor(p.Cursor)
	if err != nil {
		return domain.Page[*domain.ImportRow]{}, err
	}
	var rows []*importRowRecord
	q := db.bun.NewSelect().Model(&rows).Where("import_id = ?", id)
	if errorsOnly {
		q = q.Where("action = ?", string(domain.ImportError))
	}
	if after != "" {
		var n int
		if _, err := fmt.Sscan(after, &n); err != nil {
			return domain.Page[*domain.ImportRow]{}, wrap("import rows cursor", err)
		}
		q = q.Where("row_number > ?", n)
	}
	if err := q.Order("row_number").Limit(int64(p.Size()) + 1).Scan(ctx); err != nil {
		return domain.Page[*domain.ImportRow]{}, wrap("list import rows", err)
	}
	out := make([]*domain.ImportRow, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return finishPage(out, p, func(r *domain.ImportRow) string { return fmt.Sprint(r.Row) }), nil
}

// CommitImport implements domain.ImportService.
func (db *DB) CommitImport(ctx context.Context, id string, ifVersion *int, sum string) (*domain.Import, error) {
	var out *domain.Import
	var failure error
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		rec, err := db.loadImport(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := mayImport(ctx, rec.Register); err != nil {
			return err
		}
		if err := checkVersion(entityImport, rec.Version, ifVersion); err != nil {
			return err
		}
		if rec.Status != string(domain.ImportDryRun) {
			return domain.Errorf(domain.ECONFLICT, "the import is %s, not a dry run: upload the file again", rec.Status).
				WithJa("この取込みは試行の状態ではありません（%s）。もう一度アップロードしてください。", rec.Status)
		}
		if !strings.EqualFold(strings.TrimSpace(sum), rec.SHA256) {
			return domain.ImportFileChanged()
		}
		var rows []*importRowRecord
		if err := tx.NewSelect().Model(&rows).Where("import_id = ?", id).
			Where("action IN (?)", bun.In([]string{string(domain.ImportCreate), string(domain.ImportUpdate), string(domain.ImportUnchanged)})).
			Order("row_number").Scan(ctx); err != nil {
			return wrap("load import rows", err)
		}
		p := importers[rec.Register](db)
		// The transaction keeps the audit head in memory while its rows
		// append (writeTx), so thousands of events write it once.
		for _, r := range rows {
			row := r.toDomain()
			if err := p.apply(ctx, tx, row); err != nil {
				failure = rowFailure(row.Row, err)
				return failure
			}
		}
		read := rec.Version
		now := db.Now()
		rec.Status, rec.Version, rec.UpdatedAt, rec.CommittedAt = string(domain.ImportCommitted), read+1, now, &now
		rec.CommittedBy = nullable(actorOf(ctx).PersonID)
		if err := updateRow(ctx, tx, rec, entityImport, id, read, ifVersion); err != nil {
			return err
		}
		// The plan has done its work; its rows are kept for the record.
		out = rec.toDomain()
		return db.appendAudit(ctx, tx, auditEntry{Action: "commit", EntityType: entityImport, EntityID: id, After: out})
	})
	if err != nil && failure != nil {
		db.failImport(ctx, id, failure)
	}
	return out, err
}

// rowFailure names the row of a commit's failure; a record changed since
// the dry run (ESTALE of its version) is ECONFLICT.
func rowFailure(row int, err error) error {
	var de *domain.Error
	if !errors.As(err, &de) {
		return err
	}
	code := de.Code
	if code == domain.ESTALE {
		code = domain.ECONFLICT
	}
	e := &domain.Error{Code: code, Message: fmt.Sprintf("row %d: %s (the register changed since the dry run: upload the file again)", row, de.Message),
		Fields: de.Fields, Err: de}
	e.Ja = fmt.Sprintf("%d行目：%s（試行の後に台帳が変更されました。もう一度アップロードしてください。）", row, domain.MessageFor(de, domain.LocaleJa))
	return e
}

// failImport marks an import failed after its commit rolled back.
func (db *DB) failImport(ctx context.Context, id string, cause error) {
	_ = db.inTx(context.WithoutCancel(ctx), func(ctx context.Context, tx bun.Tx) error {
		rec, err := db.loadImport(ctx, tx, id)
		if err != nil || rec.Status != string(domain.ImportDryRun) && rec.Status != string(domain.ImportRunning) {
			return err
		}
		read := rec.Version
		rec.Status, rec.Version, rec.UpdatedAt, rec.Content = string(domain.ImportFailed), read+1, db.Now(), nil
		rec.Failure = truncate(domain.ErrorMessageOf(cause), 2000)
		if err := updateRow(ctx, tx, rec, entityImport, id, read, nil); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, auditEntry{Action: "fail", EntityType: entityImport, EntityID: id, Reason: rec.Failure, After: rec.toDomain()})
	})
}

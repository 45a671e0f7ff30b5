package domain

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Imports (取込み) bring a register in from a spreadsheet: a CSV or XLSX
// file is read, each row is matched against the register and checked by the
// same rules as the API's create and replace, and the result is stored as a
// plan (a dry run). Committing the dry run applies exactly that plan, all or
// nothing, in one transaction, as the person who commits.

// ImportStatus is where an import stands.
type ImportStatus string

// Import statuses: (running →) dry_run → committed | failed | expired.
const (
	// ImportRunning: a large file waits for, or is in, the job that plans
	// it (rows_done of rows_total); it then becomes a dry run.
	ImportRunning   ImportStatus = "running"
	ImportDryRun    ImportStatus = "dry_run"
	ImportCommitted ImportStatus = "committed"
	ImportFailed    ImportStatus = "failed"
	ImportExpired   ImportStatus = "expired"
)

// ImportAction is what a row of the plan does.
type ImportAction string

// Row actions.
const (
	ImportCreate    ImportAction = "create"
	ImportUpdate    ImportAction = "update"
	ImportUnchanged ImportAction = "unchanged"
	ImportError     ImportAction = "error"
)

// Limits of one import file (documented in the README): a larger file is
// ETOOLARGE (413), more rows EINVALID (422).
const (
	ImportMaxBytes = 20 << 20
	ImportMaxRows  = 50000
	// ImportAsyncRows: a file of more data rows is planned by a job (River)
	// when a job runner runs, and answered 202 with status running.
	ImportAsyncRows = 2000
)

// EnqueueImportPlan queues the job that plans a running import, inside the
// transaction that stored it (River's InsertTx).
type EnqueueImportPlan func(ctx context.Context, tx *sql.Tx, importID string) error

// ImportPlanner plans a running import; the job calls it.
type ImportPlanner interface {
	// PlanImport plans the stored file of a running import, in chunks so
	// that rows_done shows the progress, and makes it a dry run. An import
	// that is not running is left as it is.
	PlanImport(ctx context.Context, id string) error
}

// ImportSummary counts the rows of a plan by action.
type ImportSummary struct {
	Create    int `json:"create" doc:"Rows that would create a record."`
	Update    int `json:"update" doc:"Rows that would change a record."`
	Unchanged int `json:"unchanged" doc:"Rows equal to their record: nothing to change."`
	Error     int `json:"error" doc:"Rows refused; they are not imported."`
}

// Import is one uploaded file and its plan.
type Import struct {
	ID          string        `json:"id" doc:"UUIDv7 of the import."`
	Register    string        `json:"register" enum:"vendors,contracts,cloud-services,social-accounts,people" doc:"The register the rows go into."`
	FileName    string        `json:"file_name" doc:"Name of the uploaded file."`
	SHA256      string        `json:"sha256" pattern:"^[0-9a-f]{64}$" doc:"SHA-256 of the uploaded file, in hex; sent back to commit."`
	Format      string        `json:"format" enum:"csv,xlsx" doc:"csv or xlsx."`
	Encoding    string        `json:"encoding" enum:"utf-8,shift_jis,xlsx" doc:"The CSV's character encoding, as stated or detected (valid UTF-8 is UTF-8, anything else is read as Shift_JIS / CP932); xlsx for Excel files."`
	Status      ImportStatus  `json:"status" enum:"running,dry_run,committed,failed,expired" doc:"running (a large file being planned by a job) → dry_run → committed | failed | expired."`
	Headers     []string      `json:"header_row" doc:"The header row as in the file."`
	RowsTotal   int           `json:"rows_total" doc:"Data rows in the file."`
	RowsDone    int           `json:"rows_done" doc:"Rows planned so far (progress; equals rows_total once planned)."`
	Summary     ImportSummary `json:"summary" doc:"The plan's rows counted by action."`
	Failure     string        `json:"failure,omitempty" doc:"Why the commit failed, for status failed."`
	CreatedBy   string        `json:"created_by,omitempty" format:"uuid" doc:"The person who uploaded the file."`
	CommittedBy string        `json:"committed_by,omitempty" format:"uuid" doc:"The person who committed the plan."`
	CommittedAt *time.Time    `json:"committed_at,omitempty" doc:"When the plan was applied (RFC 3339, UTC)."`
	Version     int           `json:"version" doc:"Increases with every change; sent back in If-Match."`
	CreatedAt   time.Time     `json:"created_at" doc:"When the file was uploaded (RFC 3339, UTC)."`
	UpdatedAt   time.Time     `json:"updated_at" doc:"When the import last changed (RFC 3339, UTC)."`
}

// ImportRowError is one refusal of a row.
type ImportRowError struct {
	Row     int    `json:"row" doc:"Row number in the file, the header being row 1."`
	Column  string `json:"column,omitempty" doc:"The column's header as in the file; empty for the row as a whole."`
	Field   string `json:"field,omitempty" doc:"The register's field (JSON name) the column fills."`
	Message string `json:"message" doc:"What is wrong."`
	Ja      string `json:"message_ja,omitempty" doc:"The same in Japanese."`
}

// ImportMatchBy says how a row found its record.
type ImportMatchBy string

// Ways of matching.
const (
	MatchCorporateNumber ImportMatchBy = "corporate_number"
	MatchName            ImportMatchBy = "name"
	MatchHandle          ImportMatchBy = "handle"
	MatchEmail           ImportMatchBy = "email"
)

// ImportRow is one row of a plan.
type ImportRow struct {
	Row           int               `json:"row" doc:"Row number in the file, the header being row 1."`
	Action        ImportAction      `json:"action" enum:"create,update,unchanged,error" doc:"What committing does with the row."`
	MatchID       string            `json:"match_id,omitempty" doc:"The record the row updates (or equals)."`
	MatchedBy     ImportMatchBy     `json:"matched_by,omitempty" enum:"corporate_number,name,handle,email" doc:"How the row found its record: 法人番号, name, handle or e-mail."`
	MatchVersion  int               `json:"match_version,omitempty" doc:"The record's version at the dry run; a commit after it changed is refused."`
	ChangedFields []string          `json:"changed_fields,omitempty" doc:"For update: the fields (JSON names) that change."`
	Errors        []ImportRowError  `json:"errors,omitempty" doc:"For error: every refusal, with its column."`
	Values        map[string]string `json:"values" doc:"The row's cells by header, as read."`
	// Input is the register's input (VendorInput etc.) that commit writes.
	Input json.RawMessage `json:"-"`
}

// ImportUpload is a file to plan.
type ImportUpload struct {
	Register string
	FileName string
	// Encoding is "", "utf-8" or "shift_jis" (also cp932, sjis).
	Encoding string
	Content  io.Reader
}

// ImportFilter narrows ListImports.
type ImportFilter struct {
	Register string
	Status   ImportStatus
}

// ImportService plans and commits imports.
type ImportService interface {
	// CreateImport reads the file and stores its plan (a dry run); nothing
	// in the register changes. EINVALID for an unknown register or
	// encoding, a file without a header row, unknown or doubled headers, or
	// more than ImportMaxRows rows; ETOOLARGE beyond ImportMaxBytes;
	// EUNSUPPORTED for a file that is neither CSV nor XLSX; EFORBIDDEN for
	// the people register without the admin role.
	CreateImport(ctx context.Context, in ImportUpload) (*Import, error)
	// FindImport returns one import. ENOTFOUND.
	FindImport(ctx context.Context, id string) (*Import, error)
	// ListImports returns a page of imports, newest last. EINVALID for a
	// bad cursor.
	ListImports(ctx context.Context, f ImportFilter, p PageRequest) (Page[*Import], error)
	// ImportRows returns a page of the plan's rows in file order; errorsOnly
	// selects the refused rows. ENOTFOUND, EINVALID for a bad cursor.
	ImportRows(ctx context.Context, id string, errorsOnly bool, p PageRequest) (Page[*ImportRow], error)
	// CommitImport applies the plan of a dry run in one transaction: every
	// create and update row through the register's own create and replace,
	// as the caller; error and unchanged rows are skipped. ENOTFOUND,
	// ESTALE for ifVersion, ECONFLICT when the import is not a dry run, when
	// sha256 is not the file's (the file changed), or when a matched record
	// changed since the dry run (nothing is written then); EFORBIDDEN as
	// CreateImport.
	CommitImport(ctx context.Context, id string, ifVersion *int, sha256 string) (*Import, error)
}

// ImportFileChanged is the ECONFLICT of a commit whose file is not the
// dry run's.
func ImportFileChanged() error {
	return Errorf(ECONFLICT, "the file changed since the dry run (its SHA-256 differs): upload it again for a new dry run").
		WithJa("ファイルが試行時から変更されています（SHA-256が一致しません）。もう一度アップロードして試行してください。")
}

// ImportTooLarge is the ETOOLARGE of a file beyond ImportMaxBytes.
func ImportTooLarge() error {
	return &Error{Code: ETOOLARGE, Message: fmt.Sprintf("the file is larger than the import limit of %s: split it", FormatBytes(ImportMaxBytes, LocaleEn)),
		Ja:     fmt.Sprintf("ファイルが取込みの上限（%s）を超えています。ファイルを分けてください。", FormatBytes(ImportMaxBytes, LocaleJa)),
		Fields: []FieldError{{Field: "file", Message: "is too large", Ja: "大きすぎます。"}}}
}

// eras are the 和暦 eras an import reads, by their first day.
var importEras = []struct {
	names []string
	start Date
}{
	{[]string{"令和", "R"}, NewDate(2019, 5, 1)},
	{[]string{"平成", "H"}, NewDate(1989, 1, 8)},
	{[]string{"昭和", "S"}, NewDate(1926, 12, 25)},
}

// ParseImportDate reads a date cell: YYYY-MM-DD, YYYY/M/D, YYYY.M.D,
// YYYY年M月D日, or 和暦 (令和6年4月1日, R6.4.1, 平成31/4/30); full-width
// digits are accepted. ok is false for anything else.
func ParseImportDate(s string) (Date, bool) {
	s = strings.TrimSpace(NormalizeIdentifier(s))
	if s == "" {
		return Date{}, false
	}
	offset := 0
	for _, e := range importEras {
		for _, n := range e.names {
			if rest, found := strings.CutPrefix(s, n); found {
				s, offset = rest, e.start.Year()-1
				if y, _, _ := strings.Cut(s, "年"); y == "元" {
					s = "1" + strings.TrimPrefix(s, "元")
				}
				break
			}
		}
		if offset != 0 {
			break
		}
	}
	s = strings.NewReplacer("年", "-", "月", "-", "日", "", "/", "-", ".", "-").Replace(s)
	parts := strings.Split(s, "-")
	if len(parts) != 3 {
		return Date{}, false
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || v < 0 {
			return Date{}, false
		}
		n[i] = v
	}
	y := n[0] + offset
	if offset == 0 && len(strings.TrimSpace(parts[0])) != 4 {
		return Date{}, false
	}
	d := NewDate(y, time.Month(n[1]), n[2])
	if d.Year() != y || d.Month() != n[1] || d.Day() != n[2] {
		return Date{}, false
	}
	return d, true
}

// ParseImportBool reads a yes/no cell: true/false, yes/no, 1/0, はい/いいえ,
// 有/無, 可/否, ○/×. ok is false for anything else.
func ParseImportBool(s string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(NormalizeIdentifier(s))) {
	case "true", "yes", "y", "1", "はい", "有", "あり", "可", "○", "〇", "◯":
		return true, true
	case "false", "no", "n", "0", "いいえ", "無", "なし", "否", "不可", "×", "x":
		return false, true
	}
	return false, false
}

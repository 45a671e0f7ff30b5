// Package export writes a list of the API as a CSV or XLSX file, page by
// page, so that a list of any length never sits in memory at once. The API's
// list operations (?format=csv|xlsx or Accept) and the staff pages'
// download links both use it.
//
// Columns: for the five importable registers (vendors, contracts,
// cloud-services, social-accounts, people) they are exactly
// domain.ColumnsOf(register), so that an export re-imports as "nothing to
// change"; for every other list they are the JSON fields of the items,
// nested objects flattened with dots (owner.name). A list (JSON array) is
// one cell, its elements joined with a newline (objects as compact JSON);
// an object that is not flattened is compact JSON; null is empty.
//
// Headers are Japanese (Column.Ja) or English (Column.En, the key).
//
// CSV is UTF-8 with a byte order mark (Excel opens Japanese correctly),
// CRLF line ends; Shift_JIS writes CP932 (Windows-31J), where a character
// CP932 cannot encode is replaced by '?' (it cannot be refused: the
// response has begun by then; UTF-8 loses nothing).
//
// Every text cell is neutralised against formula injection by Safe, in CSV
// and XLSX alike.
package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/japanese"

	"github.com/vendorwatch/vendorwatch/domain"
)

// Format is the file format of an export.
type Format string

// The formats besides JSON.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// Media types of the formats.
const (
	CSVType  = "text/csv"
	XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// PageSize is how many items each page of an export asks the service for.
const PageSize = domain.MaxPageSize

// Safe neutralises a text value against formula injection
// (domain.EscapeFormula); every exported text cell goes through it.
func Safe(s string) string { return domain.EscapeFormula(s) }

// Unsafe undoes Safe (domain.UnescapeFormula).
func Unsafe(s string) string { return domain.UnescapeFormula(s) }

// Column is one column of an export (domain.Column): Field is the dotted
// JSON key the cell reads, Ref how it names another record.
type Column = domain.Column

// header is a column's header in a language; a derived column without a
// Japanese header uses its key.
func header(c Column, l domain.Locale) string {
	if h := c.Header(l); h != "" {
		return h
	}
	return c.Key
}

// Lookup resolves what the importable registers' columns name by other
// than an id: a person's e-mail, a department's name, a vendor's corporate
// number (or name), and a contract's clauses.
type Lookup interface {
	Ref(ref domain.ColumnRef, id string) (string, error)
	ContractClauses(contractID string) ([]domain.ClauseCoverage, error)
}

// Options say what file to write.
type Options struct {
	Format Format
	// ShiftJIS writes CSV in CP932 instead of UTF-8 with BOM.
	ShiftJIS bool
	Locale   domain.Locale
	// Name is the list's name (vendors, audit-events), the register of
	// domain.ColumnsOf and the start of the file name.
	Name  string
	Today domain.Date
	// Lookup resolves the references of the importable registers; nil
	// writes ids.
	Lookup Lookup
}

// ContentType is the Content-Type of the file.
func (o Options) ContentType() string {
	if o.Format == XLSX {
		return XLSXType
	}
	if o.ShiftJIS {
		return CSVType + "; charset=Shift_JIS"
	}
	return CSVType + "; charset=utf-8"
}

// FileName is the download name: vendors-2026-12-01.csv.
func (o Options) FileName() string {
	return fmt.Sprintf("%s-%s.%s", o.Name, o.Today, o.Format)
}

// ContentDisposition is the attachment header of the file. The names are
// ASCII, so no filename* is needed.
func (o Options) ContentDisposition() string {
	return `attachment; filename="` + o.FileName() + `"`
}

// ErrCut is returned when a page after the first failed: the file is
// incomplete and the caller must abort the response (it has begun).
var ErrCut = errors.New("export cut short")

// Run writes every page of a list. list is the same service call as the
// JSON list, with the filters bound; Run asks it for PageSize items at a
// time, following the cursor. begin is called once the first page is read,
// to send the headers and return the body's writer; an error of the first
// page is returned before begin, for the caller to answer as a problem.
func Run[T any](o Options, list func(domain.PageRequest) (domain.Page[T], error), begin func() io.Writer) error {
	page, err := list(domain.PageRequest{Limit: PageSize})
	if err != nil {
		return err
	}
	cols := ColumnsFor[T](o.Name)
	var clauses func(id string) ([]domain.ClauseCoverage, error)
	if o.Name == domain.RegisterContracts && o.Lookup != nil {
		clauses = o.Lookup.ContractClauses
		if len(page.Items) > 0 {
			cov, err := clauses(idOf(page.Items[0]))
			if err != nil {
				return err
			}
			for _, c := range cov {
				cols = append(cols, domain.ClauseColumn(c.Code, c.TitleJa))
			}
		}
	}
	w, err := newWriter(begin(), o)
	if err != nil {
		return errors.Join(ErrCut, err)
	}
	head := make([]string, len(cols))
	for i, c := range cols {
		head[i] = header(c, o.Locale)
	}
	if err := w.header(head); err != nil {
		return errors.Join(ErrCut, err)
	}
	cells := make([]cell, len(cols))
	for {
		for _, item := range page.Items {
			if err := rowOf(item, cols, cells, o.Lookup, clauses); err != nil {
				return errors.Join(ErrCut, err)
			}
			if err := w.row(cells); err != nil {
				return errors.Join(ErrCut, err)
			}
		}
		if page.NextCursor == "" {
			break
		}
		if page, err = list(domain.PageRequest{Limit: PageSize, Cursor: page.NextCursor}); err != nil {
			return errors.Join(ErrCut, err)
		}
	}
	if err := w.close(); err != nil {
		return errors.Join(ErrCut, err)
	}
	return nil
}

// cell is one value: text (neutralised when written) or a number.
type cell struct {
	s      string
	number bool
}

func (c cell) text() string {
	if c.number {
		return c.s
	}
	return Safe(c.s)
}

// idOf is the id of an item.
func idOf(item any) string {
	b, _ := json.Marshal(item)
	var v struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(b, &v)
	return v.ID
}

// rowOf reads the cells of an item through its JSON form, resolving
// references with lookup.
func rowOf(item any, cols []Column, cells []cell, lookup Lookup, clauses func(string) ([]domain.ClauseCoverage, error)) error {
	b, err := json.Marshal(item)
	if err != nil {
		return err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return err
	}
	var cov map[string]domain.ClauseStatus
	for i, c := range cols {
		switch {
		case clauses != nil && strings.HasPrefix(c.Field, domain.ClauseColumnPrefix):
			if cov == nil {
				cov = map[string]domain.ClauseStatus{}
				id := valueAt(v, "id").s
				list, err := clauses(id)
				if err != nil {
					return err
				}
				for _, cc := range list {
					cov[cc.Code] = cc.Status
				}
			}
			cells[i] = cell{s: string(cov[strings.TrimPrefix(c.Field, domain.ClauseColumnPrefix)])}
		case c.Ref != domain.RefNone && lookup != nil:
			id := valueAt(v, c.Field).s
			if id == "" {
				cells[i] = cell{}
				continue
			}
			ref, err := lookup.Ref(c.Ref, id)
			if err != nil {
				return err
			}
			cells[i] = cell{s: ref}
		default:
			cells[i] = valueAt(v, c.Field)
		}
	}
	return nil
}

// valueAt finds a dotted key in a decoded JSON value.
func valueAt(v any, key string) cell {
	for _, part := range strings.Split(key, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return cell{}
		}
		v = m[part]
	}
	return format(v)
}

func format(v any) cell {
	switch x := v.(type) {
	case nil:
		return cell{}
	case string:
		return cell{s: x}
	case json.Number:
		return cell{s: x.String(), number: true}
	case bool:
		if x {
			return cell{s: "true"}
		}
		return cell{s: "false"}
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			switch e.(type) {
			case map[string]any, []any:
				b, _ := json.Marshal(e)
				parts = append(parts, string(b))
			default:
				parts = append(parts, format(e).s)
			}
		}
		return cell{s: strings.Join(parts, "\n")}
	default:
		b, _ := json.Marshal(x)
		return cell{s: string(b)}
	}
}

// writer writes rows of one format.
type writer interface {
	header([]string) error
	row([]cell) error
	close() error
}

func newWriter(w io.Writer, o Options) (writer, error) {
	if o.Format == XLSX {
		return newXLSX(w, o)
	}
	return newCSV(w, o)
}

type csvWriter struct {
	out  io.Writer
	buf  bytes.Buffer
	csv  *csv.Writer
	sjis bool
	line []string
}

func newCSV(w io.Writer, o Options) (*csvWriter, error) {
	c := &csvWriter{out: w, sjis: o.ShiftJIS}
	c.csv = csv.NewWriter(&c.buf)
	c.csv.UseCRLF = true
	if !o.ShiftJIS {
		if _, err := io.WriteString(w, "\uFEFF"); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *csvWriter) header(h []string) error {
	cells := make([]cell, len(h))
	for i, s := range h {
		cells[i] = cell{s: s}
	}
	return c.row(cells)
}

func (c *csvWriter) row(cells []cell) error {
	c.line = c.line[:0]
	for _, v := range cells {
		c.line = append(c.line, v.text())
	}
	c.buf.Reset()
	if err := c.csv.Write(c.line); err != nil {
		return err
	}
	c.csv.Flush()
	if err := c.csv.Error(); err != nil {
		return err
	}
	b := c.buf.Bytes()
	if c.sjis {
		b = ShiftJIS(b)
	}
	_, err := c.out.Write(b)
	return err
}

func (c *csvWriter) close() error { return nil }

// ShiftJIS encodes UTF-8 text as CP932, each character CP932 cannot encode
// replaced by '?'.
func ShiftJIS(b []byte) []byte {
	enc := japanese.ShiftJIS.NewEncoder()
	if out, err := enc.Bytes(b); err == nil {
		return out
	}
	var out []byte
	for _, r := range string(b) {
		e, err := enc.Bytes([]byte(string(r)))
		if err != nil {
			out = append(out, '?')
			continue
		}
		out = append(out, e...)
	}
	return out
}

type xlsxWriter struct {
	out  io.Writer
	f    *excelize.File
	sw   *excelize.StreamWriter
	n    int
	bold int
	vals []any
}

func newXLSX(w io.Writer, o Options) (*xlsxWriter, error) {
	f := excelize.NewFile()
	name := o.Name
	if len(name) > 31 {
		name = name[:31]
	}
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	return &xlsxWriter{out: w, f: f, sw: sw, bold: bold}, nil
}

func (x *xlsxWriter) header(h []string) error {
	vals := make([]any, len(h))
	for i, s := range h {
		vals[i] = excelize.Cell{StyleID: x.bold, Value: Safe(s)}
	}
	if err := x.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	return x.put(vals)
}

func (x *xlsxWriter) row(cells []cell) error {
	x.vals = x.vals[:0]
	for _, c := range cells {
		if c.number {
			if n, err := json.Number(c.s).Float64(); err == nil {
				x.vals = append(x.vals, n)
				continue
			}
		}
		x.vals = append(x.vals, c.text())
	}
	return x.put(x.vals)
}

func (x *xlsxWriter) put(vals []any) error {
	x.n++
	ref, err := excelize.CoordinatesToCellName(1, x.n)
	if err != nil {
		return err
	}
	return x.sw.SetRow(ref, vals)
}

func (x *xlsxWriter) close() error {
	defer func() { _ = x.f.Close() }()
	if err := x.sw.Flush(); err != nil {
		return err
	}
	_, err := x.f.WriteTo(x.out)
	return err
}

// ColumnsFor are the columns of a list of T: domain.ColumnsOf(name) for an
// importable register, else the JSON fields of T.
func ColumnsFor[T any](name string) []Column {
	if cols := registerColumns(name); len(cols) > 0 {
		return cols
	}
	return Derive(reflect.TypeFor[T]())
}

// registerColumns are the shared columns of an importable register.
func registerColumns(name string) []Column { return domain.ColumnsOf(name) }

var derived sync.Map // reflect.Type → []Column

var (
	timeType      = reflect.TypeFor[time.Time]()
	marshalerType = reflect.TypeFor[json.Marshaler]()
	textType      = reflect.TypeFor[interface{ MarshalText() ([]byte, error) }]()
)

// Derive lists the JSON fields of a type as columns, nested structs
// flattened with dots, with Japanese headers for the common names.
func Derive(t reflect.Type) []Column {
	if c, ok := derived.Load(t); ok {
		return c.([]Column)
	}
	var cols []Column
	var walk func(t reflect.Type, prefix string, depth int)
	walk = func(t reflect.Type, prefix string, depth int) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			name, _, _ := strings.Cut(tag, ",")
			if name == "-" || (!f.IsExported() && !f.Anonymous) {
				continue
			}
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
				walk(ft, prefix, depth)
				continue
			}
			if name == "" {
				name = f.Name
			}
			key := prefix + name
			if flattens(ft) && depth < 3 {
				walk(ft, key+".", depth+1)
				continue
			}
			cols = append(cols, Column{Key: key, Ja: jaHeader(key), Field: key})
		}
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Struct {
		walk(t, "", 0)
	}
	derived.Store(t, cols)
	return cols
}

// flattens reports whether a field's struct type is written as its own
// columns rather than one cell.
func flattens(t reflect.Type) bool {
	if t.Kind() != reflect.Struct || t == timeType {
		return false
	}
	p := reflect.PointerTo(t)
	return !t.Implements(marshalerType) && !p.Implements(marshalerType) && !t.Implements(textType) && !p.Implements(textType)
}

// jaHeader is the Japanese header of a derived column: the words of the
// common field names, else the key.
func jaHeader(key string) string {
	parts := strings.Split(key, ".")
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if ja, ok := jaWords[p]; ok {
			out = append(out, ja)
		} else {
			out = append(out, p)
		}
	}
	return strings.Join(out, "・")
}

// jaWords name the fields most lists share.
var jaWords = map[string]string{
	"id": "ID", "name": "名称", "title": "件名", "status": "状態", "version": "版",
	"created_at": "作成日時", "updated_at": "更新日時", "deleted_at": "削除日時", "deleted_by": "削除者",
	"description": "内容", "notes": "備考", "note": "備考", "reason": "理由", "summary": "概要",
	"due_date": "期限", "fiscal_year": "年度", "start_date": "開始日", "end_date": "終了日",
	"owner_id": "担当者ID", "person_id": "職員ID", "vendor_id": "委託事業者ID", "contract_id": "契約ID",
	"department_id": "部署ID", "confirmation_id": "確認ID", "subject_type": "対象の種類", "subject_id": "対象ID",
	"email": "メールアドレス", "role": "ロール", "locale": "言語", "active": "在職",
	"severity": "重要度", "source": "発生元", "source_id": "発生元ID", "kind": "種別",
	"recipient_id": "宛先ID", "sent_at": "送信日時", "scheduled_for": "予定日", "attempts": "試行回数",
	"occurred_at": "日時", "actor_name": "実行者", "actor_id": "実行者ID", "action": "操作",
	"entity_type": "対象の種類", "entity_id": "対象ID", "hash": "ハッシュ", "prev_hash": "直前のハッシュ",
	"file_name": "ファイル名", "media_type": "種類", "size": "サイズ", "sha256": "SHA-256",
	"answer": "回答", "item_code": "項目", "comment": "コメント", "auditor_name": "監査人", "scope": "範囲",
	"trigger": "契機", "approved_at": "承認日時", "approved_by": "承認者", "closed_at": "終了日時",
	"detected_at": "検知日時", "reported_at": "報告日時", "revoked_at": "失効日時", "last_used_at": "最終使用日時",
	"expires_at": "有効期限", "name_en": "名称（英語）", "name_ja": "名称", "code": "コード",
	"result": "結果", "outcome": "結果", "reviewed_at": "見直し日", "next_review_date": "次回見直し期限",
}

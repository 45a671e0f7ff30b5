// Package tabular reads a spreadsheet (CSV in UTF-8 or Shift_JIS / CP932,
// or XLSX) into rows of strings, for the imports. It knows nothing of the
// registers: the first row is the header, the others are data.
package tabular

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"
)

// Formats and encodings.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"

	EncodingUTF8     = "utf-8"
	EncodingShiftJIS = "shift_jis"
	EncodingXLSX     = "xlsx"
)

// Table is a read sheet.
type Table struct {
	Format   string
	Encoding string
	Header   []string
	// Rows are the data rows, each padded or cut to the header's length.
	// Row i is row i+2 of the file.
	Rows [][]string
}

// ErrUnsupported is returned for bytes that are neither CSV text nor an
// XLSX workbook.
var ErrUnsupported = errors.New("the file is neither a CSV nor an XLSX (Excel) workbook")

// ErrNoHeader is returned for a file without a header row.
var ErrNoHeader = errors.New("the file has no header row")

// ErrTooManyRows is returned when the file holds more than the limit.
type ErrTooManyRows struct{ Limit int }

func (e ErrTooManyRows) Error() string {
	return fmt.Sprintf("the file has more than %d data rows", e.Limit)
}

// NormalizeEncoding maps the names a caller may state to EncodingUTF8 or
// EncodingShiftJIS; "" stays "" (detect). ok is false for an unknown name.
func NormalizeEncoding(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return "", true
	case "utf-8", "utf8":
		return EncodingUTF8, true
	case "shift_jis", "shift-jis", "sjis", "cp932", "windows-31j", "ms932":
		return EncodingShiftJIS, true
	}
	return "", false
}

// IsXLSX reports whether b starts like a ZIP archive (an XLSX workbook).
func IsXLSX(b []byte) bool { return bytes.HasPrefix(b, []byte("PK\x03\x04")) }

// Read reads b; encoding is "" (detect), EncodingUTF8 or EncodingShiftJIS
// and applies to CSV only. maxRows bounds the data rows.
func Read(b []byte, encoding string, maxRows int) (*Table, error) {
	var t *Table
	var err error
	if IsXLSX(b) {
		t, err = readXLSX(b, maxRows)
	} else {
		t, err = readCSV(b, encoding, maxRows)
	}
	if err != nil {
		return nil, err
	}
	// Drop trailing empty rows and pad each to the header's width.
	for len(t.Rows) > 0 && blank(t.Rows[len(t.Rows)-1]) {
		t.Rows = t.Rows[:len(t.Rows)-1]
	}
	for i, r := range t.Rows {
		switch {
		case len(r) < len(t.Header):
			t.Rows[i] = append(r, make([]string, len(t.Header)-len(r))...)
		case len(r) > len(t.Header):
			t.Rows[i] = r[:len(t.Header)]
		}
	}
	return t, nil
}

func blank(r []string) bool {
	for _, c := range r {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func readCSV(b []byte, encoding string, maxRows int) (*Table, error) {
	if bytes.IndexByte(b, 0) >= 0 {
		return nil, ErrUnsupported
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if encoding == "" {
		encoding = EncodingUTF8
		if !utf8.Valid(b) {
			encoding = EncodingShiftJIS
		}
	}
	var r io.Reader = bytes.NewReader(b)
	if encoding == EncodingShiftJIS {
		r = transform.NewReader(r, japanese.ShiftJIS.NewDecoder())
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	t := &Table{Format: FormatCSV, Encoding: encoding}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("the CSV cannot be read: %w", err)
		}
		if err := t.add(rec, maxRows); err != nil {
			return nil, err
		}
	}
	if t.Header == nil {
		return nil, ErrNoHeader
	}
	if encoding == EncodingUTF8 {
		for i, h := range t.Header {
			t.Header[i] = strings.TrimPrefix(h, "\ufeff")
		}
	}
	return t, nil
}

// add takes the file's next record: the first one that is not blank is the
// header, the others are rows, at most maxRows of them (blank ones past the
// limit are let through, as spreadsheets often end with some).
func (t *Table) add(rec []string, maxRows int) error {
	if t.Header == nil {
		if !blank(rec) {
			t.Header = rec
		}
		return nil
	}
	if len(t.Rows) >= maxRows && !blank(rec) {
		return ErrTooManyRows{Limit: maxRows}
	}
	t.Rows = append(t.Rows, rec)
	return nil
}

func readXLSX(b []byte, maxRows int) (*Table, error) {
	f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, ErrUnsupported
	}
	defer func() { _ = f.Close() }()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, ErrNoHeader
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, fmt.Errorf("the workbook cannot be read: %w", err)
	}
	defer func() { _ = rows.Close() }()
	t := &Table{Format: FormatXLSX, Encoding: EncodingXLSX}
	for rows.Next() {
		rec, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fmt.Errorf("the workbook cannot be read: %w", err)
		}
		if err := t.add(rec, maxRows); err != nil {
			return nil, err
		}
	}
	if t.Header == nil {
		return nil, ErrNoHeader
	}
	return t, nil
}

// ExcelSerialDate converts an Excel date serial ("45383" or "45383.5") to
// a date in YYYY-MM-DD; ok is false for anything else.
func ExcelSerialDate(s string) (string, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 1 || f > 2958465 {
		return "", false
	}
	tm, err := excelize.ExcelDateToTime(f, false)
	if err != nil {
		return "", false
	}
	return tm.Format("2006-01-02"), true
}

package export_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/japanese"

	"github.com/vendorwatch/vendorwatch/api/export"
	"github.com/vendorwatch/vendorwatch/domain"
)

func TestSafe(t *testing.T) {
	for in, want := range map[string]string{
		"=1+2": "'=1+2", "+81": "'+81", "-x": "'-x", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx",
		"": "", "株式会社": "株式会社", "a=b": "a=b", "'=x": "'=x",
	} {
		require.Equal(t, want, export.Safe(in), "%q", in)
		if in != "'=x" {
			require.Equal(t, in, export.Unsafe(export.Safe(in)), "%q", in)
		}
	}
}

func TestShiftJISReplacesWhatCP932Lacks(t *testing.T) {
	out := export.ShiftJIS([]byte("髙橋①𠮷野家"))
	back, err := japanese.ShiftJIS.NewDecoder().Bytes(out)
	require.NoError(t, err)
	require.Equal(t, "髙橋①?野家", string(back), "NEC and IBM extensions kept, 𠮷 replaced by ?")
}

type item struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Owner  nested   `json:"owner"`
	Tags   []string `json:"tags"`
	Score  int      `json:"score"`
	Hidden string   `json:"-"`
}

type nested struct {
	Email string `json:"email"`
}

func TestRunWritesEveryPage(t *testing.T) {
	require.Equal(t, []string{"id", "name", "owner.email", "tags", "score"}, keys(export.Derive(reflect.TypeFor[item]())))
	pages := map[string]domain.Page[item]{
		"":   {Items: []item{{ID: "1", Name: "=cmd", Owner: nested{"a@x"}, Tags: []string{"x", "y"}, Score: -3}}, NextCursor: "c2"},
		"c2": {Items: []item{{ID: "2", Name: "二"}}},
	}
	list := func(p domain.PageRequest) (domain.Page[item], error) {
		require.Equal(t, export.PageSize, p.Limit)
		return pages[p.Cursor], nil
	}
	var buf bytes.Buffer
	require.NoError(t, export.Run(export.Options{Format: export.CSV, Name: "items", Locale: domain.LocaleJa}, list, func() io.Writer { return &buf }))
	rows, err := csv.NewReader(bytes.NewReader(buf.Bytes()[3:])).ReadAll()
	require.NoError(t, err)
	require.Equal(t, [][]string{{"ID", "名称", "owner・メールアドレス", "tags", "score"}, {"1", "'=cmd", "a@x", "x\ny", "-3"}, {"2", "二", "", "", "0"}}, rows)

	buf.Reset()
	require.NoError(t, export.Run(export.Options{Format: export.XLSX, Name: "items", Locale: domain.LocaleEn}, list, func() io.Writer { return &buf }))
	f, err := excelize.OpenReader(&buf)
	require.NoError(t, err)
	x, err := f.GetRows("items")
	require.NoError(t, err)
	require.Equal(t, []string{"id", "name", "owner.email", "tags", "score"}, x[0])
	require.Equal(t, "'=cmd", x[1][1])
	require.Equal(t, "-3", x[1][4], "a number is a number cell")
}

func keys(cols []export.Column) []string {
	var out []string
	for _, c := range cols {
		out = append(out, c.Key)
	}
	return out
}

func TestRunRefusesBeforeAndCutsAfterTheFirstPage(t *testing.T) {
	boom := errors.New("database gone")
	began := false
	err := export.Run(export.Options{Format: export.CSV, Name: "items"}, func(domain.PageRequest) (domain.Page[item], error) {
		return domain.Page[item]{}, boom
	}, func() io.Writer { began = true; return io.Discard })
	require.ErrorIs(t, err, boom)
	require.NotErrorIs(t, err, export.ErrCut, "nothing sent: the caller answers a problem")
	require.False(t, began)

	err = export.Run(export.Options{Format: export.XLSX, Name: "items"}, func(p domain.PageRequest) (domain.Page[item], error) {
		if p.Cursor == "" {
			return domain.Page[item]{Items: []item{{ID: "1"}}, NextCursor: "c2"}, nil
		}
		return domain.Page[item]{}, boom
	}, func() io.Writer { began = true; return io.Discard })
	require.ErrorIs(t, err, export.ErrCut, "the answer has begun: the caller aborts it")
	require.ErrorIs(t, err, boom)
	require.True(t, began)
}

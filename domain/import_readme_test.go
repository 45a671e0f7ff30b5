package domain_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

// importColumnsTable is the README's table of the import headers, made
// from domain.ColumnsOf.
func importColumnsTable() string {
	var b strings.Builder
	b.WriteString("| register | 見出し (ja) | header (en) | fills |\n|---|---|---|---|\n")
	for _, r := range domain.ImportRegisters {
		for _, c := range domain.ColumnsOf(r) {
			fills := "`" + c.Field + "`"
			switch c.Ref {
			case domain.RefPersonEmail:
				fills += " (by the person's e-mail)"
			case domain.RefDepartmentName:
				fills += " (by the department's name)"
			case domain.RefVendor:
				fills += " (by the vendor's 法人番号 or name)"
			}
			if c.List {
				fills += " (one entry a line, or separated by ;)"
			}
			b.WriteString("| " + r + " | " + c.Ja + " | `" + c.Key + "` | " + fills + " |\n")
		}
	}
	b.WriteString("| contracts | 条項：<clause title> | `clause.<code>` | the clause's coverage: `included <article>`, `waived <reason>` or `missing` |\n")
	return b.String()
}

// The README's header table is the one ColumnsOf gives.
func TestReadmeListsTheImportColumns(t *testing.T) {
	raw, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	s := string(raw)
	const begin, end = "<!-- import-columns:begin -->\n", "<!-- import-columns:end -->"
	i, j := strings.Index(s, begin), strings.Index(s, end)
	require.True(t, i >= 0 && j > i, "the README has the import columns section")
	if got := s[i+len(begin) : j]; got != importColumnsTable() {
		if os.Getenv("UPDATE_README") != "" {
			require.NoError(t, os.WriteFile("../README.md", []byte(s[:i+len(begin)]+importColumnsTable()+s[j:]), 0o644))
			return
		}
		t.Fatalf("the README's import columns differ from domain.ColumnsOf; run UPDATE_README=1 go test ./domain -run TestReadmeListsTheImportColumns\n%s", importColumnsTable())
	}
}

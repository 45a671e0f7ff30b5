package web

import (
	"io/fs"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

// keyUse finds the texts the templates ask for by a literal key.
var keyUse = regexp.MustCompile(`\.T "([a-z0-9_.]+)"`)

// TestEveryTemplateKeyHasBothLanguages catches a key typed wrong in a
// template, which would show the key itself on the page.
func TestEveryTemplateKeyHasBothLanguages(t *testing.T) {
	seen := 0
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := fs.ReadFile(templateFS, path)
		if err != nil {
			return err
		}
		for _, m := range keyUse.FindAllStringSubmatch(string(raw), -1) {
			seen++
			msg, ok := messages[m[1]]
			require.True(t, ok, "%s uses the text %q, which no messages file has", path, m[1])
			require.NotEmpty(t, msg.ja, "%s: %q has no Japanese", path, m[1])
			require.NotEmpty(t, msg.en, "%s: %q has no English", path, m[1])
		}
		return nil
	})
	require.NoError(t, err)
	require.Greater(t, seen, 100)
}

// TestEveryTextHasJapanese: Japanese is the pages' language; a text
// without English (a post-check finding, whose English is the domain's own
// message) falls back to it only where its caller says so.
func TestEveryTextHasJapanese(t *testing.T) {
	for k, m := range messages {
		require.NotEmpty(t, m.ja, k)
	}
}

// TestEveryAuditProblemHasALabel: the audit page names where the chain
// breaks in words, whichever problem verification reports.
func TestEveryAuditProblemHasALabel(t *testing.T) {
	for _, p := range []string{domain.AuditHashMismatch, domain.AuditLinkMismatch, domain.AuditSequenceGap,
		domain.AuditUnknownKey, domain.AuditKeyMismatch, domain.AuditHeadMismatch, domain.AuditUnkeyedTail} {
		m, ok := messages["audit.problem."+p]
		require.True(t, ok, p)
		require.NotEmpty(t, m.ja, p)
		require.NotEmpty(t, m.en, p)
	}
}

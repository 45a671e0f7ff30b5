package domain_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64][2]string{
		300:           {"300バイト", "300 bytes"},
		1024:          {"1KB", "1KB"},
		10000:         {"9.8KB", "9.8KB"},
		20 << 20:      {"20MB", "20MB"},
		1536 << 10:    {"1.5MB", "1.5MB"},
		1 << 30:       {"1GB", "1GB"},
		(1 << 30) + 1: {"1024.0MB", "1024.0MB"},
	} {
		require.Equal(t, want[0], domain.FormatBytes(n, domain.LocaleJa), n)
		require.Equal(t, want[1], domain.FormatBytes(n, domain.LocaleEn), n)
	}
}

func TestEvidenceSettings(t *testing.T) {
	var p domain.PolicySettings
	p.Normalize()
	require.Equal(t, int64(20<<20), p.EvidenceMaxBytes)
	require.Contains(t, p.EvidenceMediaTypes, "application/pdf")
	require.Contains(t, p.EvidenceMediaTypes, "text/csv")
	require.True(t, domain.EvidenceTypeAllowed(p, "text/plain; charset=utf-8"), "parameters are ignored")
	require.False(t, domain.EvidenceTypeAllowed(p, "text/html; charset=utf-8"))
	require.False(t, domain.EvidenceTypeAllowed(p, "image/svg+xml"))

	p.EvidenceMediaTypes = []string{"Application/PDF", "text/plain; charset=utf-8"}
	p.Normalize()
	require.Equal(t, []string{"application/pdf", "text/plain"}, p.EvidenceMediaTypes)
	require.Empty(t, p.Check())
	p.EvidenceMediaTypes = []string{"application/pdf", "pdf"}
	fe := p.Check()
	require.Len(t, fe, 1)
	require.Equal(t, "evidence_media_types[1]", fe[0].Field)

	d := domain.DefaultPolicySettings
	d.EvidenceMediaTypes = []string{"x/y"}
	d.Normalize()
	require.Contains(t, domain.DefaultPolicySettings.EvidenceMediaTypes, "application/pdf", "normalising a copy leaves the defaults alone")
}

func TestEvidenceErrorsNameTheFile(t *testing.T) {
	var de *domain.Error
	require.ErrorAs(t, domain.EvidenceTooLarge(20<<20), &de)
	require.Equal(t, domain.ETOOLARGE, de.Code)
	require.Equal(t, "ファイルが大きすぎます（上限20MB）。", de.Ja)
	require.Equal(t, "file", de.Fields[0].Field)
	require.ErrorAs(t, domain.EvidenceTypeRefused("text/html; charset=utf-8"), &de)
	require.Equal(t, domain.EUNSUPPORTED, de.Code)
	require.Contains(t, de.Message, "text/html")
	require.Equal(t, "file", de.Fields[0].Field)
}

func TestBlobKeys(t *testing.T) {
	for _, ok := range []string{"019a0000-0000-7000-8000-000000000001", "a", "x.y_z-1"} {
		require.NoError(t, domain.CheckBlobKey(ok), ok)
	}
	for _, bad := range []string{"", ".", "..", "../x", "a/b", `a\b`, "A", ".tmp-1", "ü"} {
		require.Error(t, domain.CheckBlobKey(bad), bad)
	}
}

func TestEvidenceSubjects(t *testing.T) {
	require.Len(t, domain.EvidenceSubjects, 10)
	for _, s := range domain.EvidenceSubjects {
		require.True(t, s.Valid())
		require.NotEqual(t, string(s), s.DisplayName(domain.LocaleJa), s)
		require.NotEqual(t, string(s), s.DisplayName(domain.LocaleEn), s)
	}
	require.False(t, domain.EvidenceSubject("invoice").Valid())
}

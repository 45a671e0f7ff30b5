package domain_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

// corporateNumber prepends the 法人番号 check digit to a 12-digit base, per
// the National Tax Agency's formula: 9 − (Σ_{n=1..12} Pn×Qn mod 9), where Pn
// is the n-th digit counted from the rightmost digit of the base, and Qn is
// 1 for odd n, 2 for even n.
func corporateNumber(t *testing.T, base string) string {
	t.Helper()
	require.Len(t, base, 12, "test fixture base %q must have 12 digits", base)
	sum := 0
	for n := 1; n <= 12; n++ {
		p, err := strconv.Atoi(string(base[12-n]))
		require.NoError(t, err, "test fixture base %q must be digits", base)
		q := 1
		if n%2 == 0 {
			q = 2
		}
		sum += p * q
	}
	return strconv.Itoa(9-sum%9) + base
}

func TestCorporateNumberFixtureHelper(t *testing.T) {
	// The helper must reproduce the published example before it is trusted.
	require.Equal(t, "7000012050002", corporateNumber(t, "000012050002"), "the NTA's own example 7000012050002")
}

func TestValidateCorporateNumber(t *testing.T) {
	cases := []struct {
		name string
		in   string
		// wantIn is "" for a valid number, else a fragment the message must contain.
		wantIn string
	}{
		{"National Tax Agency (real-world example)", "7000012050002", ""},
		{"computed: check digit 9 when the sum is a multiple of 9", corporateNumber(t, "000000000000"), ""},
		{"computed: check digit 9 from a non-zero multiple of 9", corporateNumber(t, "999999999999"), ""},
		{"computed: check digit 1", corporateNumber(t, "000000000008"), ""},
		{"computed: mixed digits", corporateNumber(t, "123456789012"), ""},
		{"computed: another", corporateNumber(t, "010401012345"), ""},
		{"computed: odd and even positions weigh differently", corporateNumber(t, "180001031294"), ""},
		{"hard-coded: 9010401012345", "9010401012345", ""},
		{"hard-coded: 5180001031294", "5180001031294", ""},
		{"wrong check digit", "8000012050002", "check digit"},
		{"check digit 0 is never valid", "0000012050002", "check digit"},
		{"two digits swapped", "7000021050002", "check digit"},
		{"12 digits", "700001205000", "13 digits"},
		{"14 digits", "70000120500020", "13 digits"},
		{"empty", "", "13 digits"},
		{"letter O for zero", "7000O12050002", "13 digits"},
		{"letters only", "ABCDEFGHIJKLM", "13 digits"},
		{"hyphenated", "7-0000-1205-0002", "13 digits"},
		{"trailing space", "7000012050002 ", "13 digits"},
		{"leading minus", "-700001205000", "13 digits"},
		{"full-width digits", "１２３４５６７８９０１２３", "13 digits"},
		{"full-width NTA example", "７００００１２０５０００２", "13 digits"},
		{"one full-width digit at the end", "700001205000２", "13 digits"},
		{"one full-width digit at the start", "７000012050002", "13 digits"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg := domain.ValidateCorporateNumber(c.in)
			if c.wantIn == "" {
				require.Empty(t, msg, "ValidateCorporateNumber(%q) should accept a number with a correct check digit", c.in)
				return
			}
			require.NotEmpty(t, msg, "ValidateCorporateNumber(%q) should refuse it", c.in)
			require.Contains(t, msg, c.wantIn, "ValidateCorporateNumber(%q) should say what is wrong", c.in)
		})
	}
}

func TestValidateCorporateNumberEveryWrongCheckDigit(t *testing.T) {
	valid := "7000012050002"
	for d := 0; d <= 9; d++ {
		in := strconv.Itoa(d) + valid[1:]
		t.Run(in, func(t *testing.T) {
			msg := domain.ValidateCorporateNumber(in)
			if d == 7 {
				require.Empty(t, msg, "ValidateCorporateNumber(%q) is the NTA example and must be accepted", in)
				return
			}
			require.Contains(t, msg, "check digit", "ValidateCorporateNumber(%q) should blame the check digit", in)
			require.Contains(t, msg, "7", "ValidateCorporateNumber(%q) should name the digit that was needed", in)
		})
	}
}

func TestDeriveRiskTier(t *testing.T) {
	contract := func(active, sub bool, cs ...domain.Confidentiality) domain.ContractRiskInput {
		return domain.ContractRiskInput{Active: active, SubcontractingAllowed: sub, Assets: assets(cs...)}
	}
	cases := []struct {
		name      string
		contracts []domain.ContractRiskInput
		want      domain.RiskTier
	}{
		{"no contracts", nil, domain.RiskUnassessed},
		{"active contract without assets", []domain.ContractRiskInput{contract(true, true)}, domain.RiskLow},
		{"inactive confidentiality 3 ignored", []domain.ContractRiskInput{contract(false, false, domain.Confidentiality3)}, domain.RiskUnassessed},
		{"inactive 2 with subcontracting ignored", []domain.ContractRiskInput{contract(false, true, domain.Confidentiality2), contract(true, false, domain.Confidentiality1)}, domain.RiskLow},
		{"inactive 2 ignored", []domain.ContractRiskInput{contract(false, false, domain.Confidentiality2)}, domain.RiskUnassessed},
		{"integrity 2 raises to medium", []domain.ContractRiskInput{{Active: true, Assets: []domain.InformationAsset{{Name: "収集車両の運行記録",
			Classification: domain.Classification{Confidentiality: domain.Confidentiality1, Integrity: 2, Availability: 1}}}}}, domain.RiskMedium},
		{"availability 2 raises to medium", []domain.ContractRiskInput{{Active: true, Assets: []domain.InformationAsset{{Name: "受付システム",
			Classification: domain.Classification{Confidentiality: domain.Confidentiality1, Integrity: 1, Availability: 2}}}}}, domain.RiskMedium},
		{"integrity 2 does not lower high", []domain.ContractRiskInput{{Active: true, Assets: []domain.InformationAsset{{Name: "個人情報",
			Classification: domain.Classification{Confidentiality: domain.Confidentiality3, Integrity: 2, Availability: 2}}}}}, domain.RiskHigh},
		{"inactive availability 2 ignored", []domain.ContractRiskInput{{Active: false, Assets: []domain.InformationAsset{{Name: "受付システム",
			Classification: domain.Classification{Confidentiality: domain.Confidentiality1, Integrity: 1, Availability: 2}}}}}, domain.RiskUnassessed},
		{"confidentiality 1", []domain.ContractRiskInput{contract(true, false, domain.Confidentiality1)}, domain.RiskLow},
		{"confidentiality 1 with subcontracting", []domain.ContractRiskInput{contract(true, true, domain.Confidentiality1)}, domain.RiskLow},
		{"confidentiality 2 alone", []domain.ContractRiskInput{contract(true, false, domain.Confidentiality2)}, domain.RiskMedium},
		{"confidentiality 2 with subcontracting", []domain.ContractRiskInput{contract(true, true, domain.Confidentiality2)}, domain.RiskHigh},
		{"confidentiality 3", []domain.ContractRiskInput{contract(true, false, domain.Confidentiality3)}, domain.RiskHigh},
		{"confidentiality 3C", []domain.ContractRiskInput{contract(true, false, domain.Confidentiality3C)}, domain.RiskHigh},
		{"confidentiality 3B", []domain.ContractRiskInput{contract(true, false, domain.Confidentiality3B)}, domain.RiskHigh},
		{"confidentiality 3A", []domain.ContractRiskInput{contract(true, false, domain.Confidentiality3A)}, domain.RiskHigh},
		{"confidentiality 3 with subcontracting", []domain.ContractRiskInput{contract(true, true, domain.Confidentiality3)}, domain.RiskHigh},
		{"highest asset of a contract counts", []domain.ContractRiskInput{contract(true, false, domain.Confidentiality1, domain.Confidentiality3B)}, domain.RiskHigh},
		{"mixed: 1 and 2 give medium", []domain.ContractRiskInput{contract(true, false, domain.Confidentiality1), contract(true, false, domain.Confidentiality2)}, domain.RiskMedium},
		{"mixed: 2 then 3 give high", []domain.ContractRiskInput{contract(true, false, domain.Confidentiality2), contract(true, false, domain.Confidentiality3)}, domain.RiskHigh},
		{"mixed: 3 then 1 give high", []domain.ContractRiskInput{contract(true, false, domain.Confidentiality3), contract(true, false, domain.Confidentiality1)}, domain.RiskHigh},
		{"mixed: 2 with subcontracting then 2 give high", []domain.ContractRiskInput{contract(true, true, domain.Confidentiality2), contract(true, false, domain.Confidentiality2)}, domain.RiskHigh},
		{"mixed: medium then 1 with subcontracting stay medium", []domain.ContractRiskInput{contract(true, false, domain.Confidentiality2), contract(true, true, domain.Confidentiality1)}, domain.RiskMedium},
		{"mixed: inactive high, active medium", []domain.ContractRiskInput{contract(false, true, domain.Confidentiality3A), contract(true, false, domain.Confidentiality2)}, domain.RiskMedium},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, domain.DeriveRiskTier(c.contracts), "DeriveRiskTier(%+v)", c.contracts)
		})
	}
}

func TestVendorStatusCanMoveTo(t *testing.T) {
	statuses := []domain.VendorStatus{domain.VendorCandidate, domain.VendorApproved, domain.VendorSuspended, domain.VendorTerminated}
	allowed := map[[2]domain.VendorStatus]bool{
		{domain.VendorCandidate, domain.VendorApproved}:   true,
		{domain.VendorCandidate, domain.VendorTerminated}: true,
		{domain.VendorApproved, domain.VendorSuspended}:   true,
		{domain.VendorApproved, domain.VendorTerminated}:  true,
		{domain.VendorSuspended, domain.VendorApproved}:   true,
		{domain.VendorSuspended, domain.VendorTerminated}: true,
	}
	for _, from := range statuses {
		for _, to := range statuses {
			want := allowed[[2]domain.VendorStatus{from, to}]
			t.Run(fmt.Sprintf("%s to %s", from, to), func(t *testing.T) {
				verb := "refuse"
				if want {
					verb = "allow"
				}
				require.Equal(t, want, from.CanMoveTo(to), "%s → %s: the vendor lifecycle should %s it", from, to, verb)
			})
		}
	}
	t.Run("unknown statuses", func(t *testing.T) {
		require.False(t, domain.VendorStatus("").CanMoveTo(domain.VendorApproved), "an unset status may not move anywhere")
		require.False(t, domain.VendorStatus("blocked").CanMoveTo(domain.VendorApproved), "an unknown status may not move anywhere")
		require.False(t, domain.VendorCandidate.CanMoveTo("blocked"), "no status may move to an unknown one")
	})
}

// fieldsOf returns the Field of every FieldError, in order.
func fieldsOf(fe domain.FieldErrors) []string {
	var out []string
	for _, f := range fe {
		out = append(out, f.Field)
	}
	return out
}

func TestSelectionProblems(t *testing.T) {
	retired := time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)
	criteria := []*domain.CatalogueItem{
		{Catalogue: domain.CatalogueSelectionCriteria, Code: "sel_security_testing", Mandatory: true},
		{Catalogue: domain.CatalogueSelectionCriteria, Code: "sel_incident_handling", Mandatory: true},
		{Catalogue: domain.CatalogueSelectionCriteria, Code: "sel_old", Mandatory: true, RetiredAt: &retired},
	}
	rec := func(results ...domain.SelectionResult) *domain.SelectionRecord {
		return &domain.SelectionRecord{SelectedBy: "0196a000-0000-7000-8000-000000000001", SelectedOn: mustDate(t, "2026-04-01"), Results: results}
	}
	met := func(code string) domain.SelectionResult {
		return domain.SelectionResult{Criterion: code, Result: domain.SelectionMet, Note: "確認済み"}
	}
	type problem struct{ field, mentions string }
	cases := []struct {
		name string
		rec  *domain.SelectionRecord
		want []problem
	}{
		{"nil record", nil, []problem{{"selection", "selection"}}},
		{"all answered", rec(met("sel_security_testing"), met("sel_incident_handling")), nil},
		{"answered in another order, one not applicable", rec(
			domain.SelectionResult{Criterion: "sel_incident_handling", Result: domain.SelectionNotApplicable},
			met("sel_security_testing"),
		), nil},
		{"met without a note is fine", rec(
			domain.SelectionResult{Criterion: "sel_security_testing", Result: domain.SelectionMet},
			met("sel_incident_handling"),
		), nil},
		{"missing criterion named", rec(met("sel_security_testing")), []problem{{"selection.results", "sel_incident_handling"}}},
		{"nothing answered names every live criterion", rec(), []problem{
			{"selection.results", "sel_security_testing"},
			{"selection.results", "sel_incident_handling"},
		}},
		{"not_met without note refused", rec(
			met("sel_security_testing"),
			domain.SelectionResult{Criterion: "sel_incident_handling", Result: domain.SelectionNotMet},
		), []problem{{"selection.results", "sel_incident_handling"}}},
		{"not_met with a blank note refused", rec(
			met("sel_security_testing"),
			domain.SelectionResult{Criterion: "sel_incident_handling", Result: domain.SelectionNotMet, Note: " \t\n"},
		), []problem{{"selection.results", "sel_incident_handling"}}},
		{"not_met with a justification accepted", rec(
			met("sel_security_testing"),
			domain.SelectionResult{Criterion: "sel_incident_handling", Result: domain.SelectionNotMet, Note: "代替手段として月次報告を契約で義務付ける"},
		), nil},
		{"retired criterion needs no answer", rec(met("sel_security_testing"), met("sel_incident_handling")), nil},
		{"answer to a retired criterion is harmless", rec(met("sel_security_testing"), met("sel_incident_handling"), met("sel_old")), nil},
		{"duplicate answer flagged", rec(met("sel_security_testing"), met("sel_incident_handling"), met("sel_security_testing")), []problem{
			{"selection.results[2].criterion", "twice"},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := domain.SelectionProblems(c.rec, criteria)
			require.Len(t, got, len(c.want), "SelectionProblems should report exactly %d problems, got %+v", len(c.want), got)
			for i, w := range c.want {
				require.Equal(t, w.field, got[i].Field, "problem %d should point at %s: %+v", i, w.field, got[i])
				require.Contains(t, got[i].Message, w.mentions, "problem %d should mention %q: %+v", i, w.mentions, got[i])
			}
		})
	}

	t.Run("missing criterion echoes its code as the value", func(t *testing.T) {
		got := domain.SelectionProblems(rec(met("sel_security_testing")), criteria)
		require.Len(t, got, 1, "one criterion is unanswered: %+v", got)
		require.Equal(t, "sel_incident_handling", got[0].Value, "the unanswered criterion's code should be the value")
	})

	t.Run("no criteria at all", func(t *testing.T) {
		require.Empty(t, domain.SelectionProblems(rec(), nil), "an empty catalogue asks for nothing")
	})
}

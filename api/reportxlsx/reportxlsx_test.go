package reportxlsx_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/vendorwatch/vendorwatch/api/reportxlsx"
	"github.com/vendorwatch/vendorwatch/domain"
)

func TestSafeNeutralisesFormulas(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+81 3": "'+81 3", "-2": "'-2", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx",
		"普通の文": "普通の文", "": "", "a=b": "a=b", "'quoted": "'quoted",
	} {
		require.Equal(t, want, reportxlsx.Safe(in), "%q", in)
	}
}

func TestWorkbook(t *testing.T) {
	rep := &domain.InspectionReport{Kind: domain.ReportCampaign, Title: "=cmd|' /C calc'!A0", FiscalYear: 2026, BodyName: "-東部組合",
		ReportDate: domain.NewDate(2026, 12, 1), DueDate: domain.NewDate(2027, 1, 29),
		Coverage: []domain.DepartmentCoverage{{DepartmentID: "d1", DepartmentName: "@総務課", Assignees: 1, Assigned: 10, Answered: 8, Compliant: 5, NotCompliant: 2, NotApplicable: 1}},
		Total:    domain.DepartmentCoverage{Assignees: 1, Assigned: 10, Answered: 8, Compliant: 5, NotCompliant: 2, NotApplicable: 1},
		NonCompliance: []domain.NonComplianceLine{{Kind: "answer", ItemTitle: "研修", DepartmentName: "総務課", PersonName: "山田", Description: "+未受講",
			Severity: domain.SeverityHigh, CorrectiveActionID: "a1", ActionStatus: domain.ActionOpen, ActionDueDate: domain.NewDate(2027, 3, 31), ActionOverdue: true}},
		Figures: domain.RegisterFigures{FiscalYear: 2026, From: domain.NewDate(2026, 4, 1), To: domain.NewDate(2027, 3, 31), Contracts: 3, ContractsActive: 3,
			ContractsByStatus: []domain.StatusCount{{Key: "active", Count: 3}}, ConfirmationsDue: 4, ConfirmationsOverdue: 1,
			IncidentsBySeverity: []domain.StatusCount{{Key: "high", Count: 2}}, Incidents: 2},
	}
	b, err := reportxlsx.Write(rep, reportxlsx.Options{Era: true})
	require.NoError(t, err)
	f, err := excelize.OpenReader(bytes.NewReader(b))
	require.NoError(t, err)
	defer f.Close()
	require.Equal(t, []string{"概要", "部署別", "不適合"}, f.GetSheetList())
	cell := func(sheet, ref string) string {
		t.Helper()
		v, err := f.GetCellValue(sheet, ref)
		require.NoError(t, err)
		formula, err := f.GetCellFormula(sheet, ref)
		require.NoError(t, err)
		require.Empty(t, formula, "%s!%s is not a formula", sheet, ref)
		return v
	}
	require.Equal(t, "'-東部組合", cell("概要", "A1"))
	require.Equal(t, "'=cmd|' /C calc'!A0", cell("概要", "B3"))
	require.Equal(t, "令和8年度", cell("概要", "B4"))
	require.Equal(t, "令和8年12月1日（火）", cell("概要", "B5"))
	require.Equal(t, "令和9年1月29日（金）", cell("概要", "B6"))
	require.Equal(t, "委託契約（年度内に有効なもの）", cell("概要", "A9"))
	require.Equal(t, "3", cell("概要", "B9"))
	require.Equal(t, "　うち実施中", cell("概要", "A10"))
	rows, err := f.GetRows("概要")
	require.NoError(t, err)
	last := rows[len(rows)-1]
	require.Equal(t, []string{"　うち重大度「high」", "2"}, last)

	require.Equal(t, "'@総務課", cell("部署別", "A2"))
	require.Equal(t, "2", cell("部署別", "H2"), "unanswered")
	require.Equal(t, "合計", cell("部署別", "A3"))
	require.Equal(t, "'+未受講", cell("不適合", "E2"))
	require.Equal(t, "高", cell("不適合", "F2"))
	require.Equal(t, "対応中", cell("不適合", "H2"))
	require.Equal(t, "令和9年3月31日（水）", cell("不適合", "I2"))
	require.Equal(t, "期限超過", cell("不適合", "J2"))
	// Numbers are numbers.
	typ, err := f.GetCellType("部署別", "C2")
	require.NoError(t, err)
	require.NotEqual(t, excelize.CellTypeSharedString, typ)
	require.Equal(t, "inspection-report-2026-2026-12-01.xlsx", reportxlsx.FileName(rep))
}

// Package reportxlsx writes a self-inspection or audit report
// (domain.InspectionReport) as an XLSX workbook: sheets 概要 (the report's
// heading and the register's figures), 部署別 (coverage by department) and
// 不適合 (the not_compliant answers and findings with their corrective
// actions). The API and the staff pages both serve it.
//
// Every text cell is neutralised against formula injection: a value that
// starts with =, +, -, @, a tab or a carriage return is written as a string
// cell prefixed with an apostrophe, so no spreadsheet evaluates it.
package reportxlsx

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/vendorwatch/vendorwatch/api/export"

	"github.com/vendorwatch/vendorwatch/domain"
)

// MediaType is the media type of the workbook.
const MediaType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// Sheet names.
const (
	SheetSummary   = "概要"
	SheetCoverage  = "部署別"
	SheetNonCompat = "不適合"
)

// Options say how dates are written.
type Options struct {
	// Era writes dates with the Japanese era (settings.japanese_era_dates).
	Era bool
}

// FileName is the download name of a report's workbook.
func FileName(r *domain.InspectionReport) string {
	kind := "inspection"
	if r.Kind == domain.ReportAudit {
		kind = "audit"
	}
	return fmt.Sprintf("%s-report-%d-%s.xlsx", kind, r.FiscalYear, r.ReportDate)
}

// Safe neutralises a text value against formula injection (export.Safe,
// the one function every exported cell goes through).
func Safe(s string) string { return export.Safe(s) }

type sheet struct {
	f    *excelize.File
	name string
	row  int
	err  error
}

// line writes one row of cells: strings (neutralised), ints, or bools.
func (s *sheet) line(cells ...any) {
	s.row++
	for i, c := range cells {
		if s.err != nil {
			return
		}
		ref, err := excelize.CoordinatesToCellName(i+1, s.row)
		if err != nil {
			s.err = err
			return
		}
		switch v := c.(type) {
		case string:
			s.err = s.f.SetCellStr(s.name, ref, Safe(v))
		case int:
			s.err = s.f.SetCellInt(s.name, ref, int64(v))
		case nil:
		default:
			s.err = s.f.SetCellStr(s.name, ref, Safe(fmt.Sprint(v)))
		}
	}
}

func (s *sheet) bold(f *excelize.File, style int, cols int) {
	if s.err != nil {
		return
	}
	end, _ := excelize.CoordinatesToCellName(cols, s.row)
	start, _ := excelize.CoordinatesToCellName(1, s.row)
	s.err = f.SetCellStyle(s.name, start, end, style)
}

// Write renders the report as a workbook.
func Write(r *domain.InspectionReport, o Options) ([]byte, error) {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	if err := f.SetSheetName("Sheet1", SheetSummary); err != nil {
		return nil, err
	}
	for _, n := range []string{SheetCoverage, SheetNonCompat} {
		if _, err := f.NewSheet(n); err != nil {
			return nil, err
		}
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDE4EE"}}})
	if err != nil {
		return nil, err
	}
	date := func(d domain.Date) string {
		if d.IsZero() {
			return ""
		}
		return d.FormatJa(o.Era)
	}

	s := &sheet{f: f, name: SheetSummary}
	s.line(r.BodyName)
	s.line(Title(r))
	s.line("件名", r.Title)
	s.line("年度", FiscalYearJa(r.FiscalYear, o.Era))
	s.line("作成日", date(r.ReportDate))
	if r.Kind == domain.ReportCampaign {
		s.line("回答期限", date(r.DueDate))
	} else {
		s.line("監査人", r.AuditorName)
		s.line("監査期間", date(r.StartDate)+"～"+date(r.EndDate))
		s.line("監査の範囲", r.Scope)
		s.line("結論", r.Summary)
	}
	s.line()
	s.line("台帳の数値", fmt.Sprintf("%s～%s", date(r.Figures.From), date(r.Figures.To)))
	s.bold(f, head, 2)
	for _, fig := range Figures(r.Figures) {
		s.line(fig.Label, fig.Value)
	}
	if s.err == nil {
		s.err = f.SetColWidth(SheetSummary, "A", "A", 40)
	}
	if s.err == nil {
		s.err = f.SetColWidth(SheetSummary, "B", "B", 50)
	}

	c := &sheet{f: f, name: SheetCoverage}
	c.line("部署", "担当者数", "割当項目数", "回答済み", "適合", "不適合", "該当なし", "未回答", "台帳どおり", "台帳と異なる")
	c.bold(f, head, 10)
	for _, d := range append(append([]domain.DepartmentCoverage(nil), r.Coverage...), r.Total) {
		name := d.DepartmentName
		if d.DepartmentID == "" {
			name = "合計"
		}
		c.line(name, d.Assignees, d.Assigned, d.Answered, d.Compliant, d.NotCompliant, d.NotApplicable, d.Unanswered(), d.KeptPrefill, d.ChangedPrefill)
	}
	if c.err == nil {
		c.err = f.SetColWidth(SheetCoverage, "A", "A", 30)
	}

	n := &sheet{f: f, name: SheetNonCompat}
	n.line("種別", "項目・対象", "部署", "回答者・記録者", "内容", "重要度", "是正措置", "是正措置の状態", "是正の期限", "期限超過")
	n.bold(f, head, 10)
	for _, l := range r.NonCompliance {
		kind, what := "回答", l.ItemTitle
		if l.Kind == "finding" {
			kind, what = "監査の指摘", SubjectLabel(string(l.SubjectType))
		}
		overdue := ""
		if l.ActionOverdue {
			overdue = "期限超過"
		}
		n.line(kind, what, l.DepartmentName, l.PersonName, l.Description, SeverityLabel(l.Severity), l.CorrectiveActionID,
			ActionStatusLabel(l.ActionStatus), date(l.ActionDueDate), overdue)
	}
	if n.err == nil {
		n.err = f.SetColWidth(SheetNonCompat, "B", "B", 40)
	}
	if n.err == nil {
		n.err = f.SetColWidth(SheetNonCompat, "E", "E", 60)
	}
	for _, e := range []error{s.err, c.err, n.err} {
		if e != nil {
			return nil, e
		}
	}
	f.SetActiveSheet(0)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Title is the report's heading.
func Title(r *domain.InspectionReport) string {
	if r.Kind == domain.ReportAudit {
		return "情報セキュリティ監査結果報告書"
	}
	return "情報セキュリティ自己点検結果報告書"
}

// FiscalYearJa writes fiscal year fy (令和8年度 or 2026年度).
func FiscalYearJa(fy int, era bool) string {
	if era {
		s := domain.NewDate(fy, 4, 1).FormatJa(true)
		if i := strings.Index(s, "年"); i > 0 {
			return s[:i] + "年度"
		}
	}
	return fmt.Sprintf("%d年度", fy)
}

// Figure is one line of the register's figures.
type Figure struct {
	Label string
	Value int
}

// Figures lists the register's figures as the report prints them.
func Figures(f domain.RegisterFigures) []Figure {
	out := []Figure{{"委託契約（年度内に有効なもの）", f.Contracts}}
	for _, s := range f.ContractsByStatus {
		out = append(out, Figure{"　うち" + ContractStatusLabel(s.Key), s.Count})
	}
	out = append(out,
		Figure{"遵守状況の確認（年度内に期限のもの）", f.ConfirmationsDue},
		Figure{"　うち実施済み", f.ConfirmationsCompleted},
		Figure{"　うち期限超過", f.ConfirmationsOverdue},
		Figure{"条項の適用除外（承認済み）", f.Waivers},
		Figure{"条項の適用除外（承認待ち）", f.WaiversPending},
		Figure{"是正措置（年度内に期限のもの）", f.CorrectiveActionsOpened},
		Figure{"　うち対応中", f.CorrectiveActionsOpen},
		Figure{"約款による外部サービスの利用承認（年度内）", f.CloudServicesApproved},
		Figure{"約款による外部サービス（利用中）", f.CloudServicesInUse},
		Figure{"約款による外部サービスの見直し（年度内）", f.CloudServicesReviewed},
		Figure{"ソーシャルメディアのアカウント（運用中）", f.SocialAccountsActive},
		Figure{"ソーシャルメディアのアカウントの見直し（年度内）", f.SocialAccountsReviewed},
		Figure{"情報セキュリティインシデント（年度内に検知）", f.Incidents},
	)
	for _, s := range f.IncidentsBySeverity {
		out = append(out, Figure{"　うち重大度「" + s.Key + "」", s.Count})
	}
	return out
}

// ContractStatusLabel names a contract status in Japanese.
func ContractStatusLabel(s string) string {
	switch domain.ContractStatus(s) {
	case domain.ContractDraft:
		return "下書き"
	case domain.ContractActive:
		return "実施中"
	case domain.ContractExpired:
		return "期間満了"
	case domain.ContractTerminated:
		return "解約"
	}
	return s
}

// ActionStatusLabel names a corrective action's status in Japanese.
func ActionStatusLabel(s domain.ActionStatus) string {
	switch s {
	case domain.ActionOpen:
		return "対応中"
	case domain.ActionDone:
		return "完了"
	case domain.ActionRiskAccepted:
		return "リスク受容"
	case "":
		return "是正措置なし"
	}
	return string(s)
}

// SeverityLabel names a severity in Japanese.
func SeverityLabel(s domain.Severity) string {
	switch s {
	case domain.SeverityLow:
		return "低"
	case domain.SeverityMedium:
		return "中"
	case domain.SeverityHigh:
		return "高"
	}
	return string(s)
}

// SubjectLabel names the kind of record a finding concerns.
func SubjectLabel(t string) string {
	switch domain.FindingSubjectType(t) {
	case domain.FindingContract:
		return "契約"
	case domain.FindingVendor:
		return "委託事業者"
	case domain.FindingConfirmation:
		return "遵守状況の確認"
	case domain.FindingCloudService:
		return "約款による外部サービス"
	case domain.FindingSocialAccount:
		return "ソーシャルメディアのアカウント"
	}
	return "全般"
}

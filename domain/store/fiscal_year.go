package store

import (
	"fmt"

	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

// whereFiscalYear keeps the rows whose date column lies in fiscal year fy
// (年度, fy-04-01 to (fy+1)-03-31 inclusive); fy 0 keeps every row. The
// range, rather than a function of the column, lets the column's index serve
// it. A year outside MinFiscalYear to MaxFiscalYear is EINVALID.
func whereFiscalYear(q *bun.SelectQuery, column string, fy int) (*bun.SelectQuery, error) {
	if fy == 0 {
		return q, nil
	}
	if err := checkFiscalYear(fy); err != nil {
		return nil, err
	}
	from, to := domain.FiscalYearRange(fy)
	return q.Where("? >= ? AND ? <= ?", bun.Ident(column), from, bun.Ident(column), to), nil
}

// checkFiscalYear refuses a fiscal year whose dates the register cannot hold.
func checkFiscalYear(fy int) error {
	if fy < domain.MinFiscalYear || fy > domain.MaxFiscalYear {
		return domain.Invalid("the fiscal year is outside the years the register holds",
			domain.FieldError{Field: "fiscal_year", Message: fmt.Sprintf("must be between %d and %d", domain.MinFiscalYear, domain.MaxFiscalYear),
				Ja: fmt.Sprintf("%d年度から%d年度までの年度を指定してください。", domain.MinFiscalYear, domain.MaxFiscalYear), Value: fy}).
			WithJa("台帳が扱う範囲の外の年度です。")
	}
	return nil
}

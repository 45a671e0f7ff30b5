package store

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

// contractImport is a contract's row: its input, and its clause coverage by
// clause code, each cell "included 第12条", "waived <reason>" or "missing"
// (also 記載あり, 免除, 記載なし; the article or reason after a space or
// colon).
type contractImport struct {
	domain.ContractInput
	Clause map[string]string `json:"clause,omitempty"`
}

// vendorKey folds a vendor's corporate number or name.
func vendorKey(s string) string {
	return strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(domain.NormalizeIdentifier(s)))
}

var clauseWords = map[string]domain.ClauseStatus{
	"included": domain.ClauseIncluded, "記載あり": domain.ClauseIncluded, "あり": domain.ClauseIncluded, "○": domain.ClauseIncluded,
	"waived": domain.ClauseWaived, "免除": domain.ClauseWaived,
	"missing": domain.ClauseMissing, "記載なし": domain.ClauseMissing, "なし": domain.ClauseMissing, "×": domain.ClauseMissing,
}

// parseClauseCell reads a clause cell; ok is false for an unknown status.
func parseClauseCell(s string) (domain.ClauseCoverageInput, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return domain.ClauseCoverageInput{Status: domain.ClauseMissing}, true
	}
	word, rest := s, ""
	if i := strings.IndexAny(s, " 　:："); i >= 0 {
		word, rest = s[:i], strings.TrimLeft(s[i:], " 　:：")
	}
	st, ok := clauseWords[strings.ToLower(domain.NormalizeIdentifier(word))]
	if !ok {
		return domain.ClauseCoverageInput{}, false
	}
	in := domain.ClauseCoverageInput{Status: st}
	switch st {
	case domain.ClauseIncluded:
		in.ArticleRef = strings.TrimSpace(rest)
	case domain.ClauseWaived:
		in.WaiverReason = strings.TrimSpace(rest)
	}
	return in, true
}

// clauseCell is the canonical cell of a coverage.
func clauseCell(in domain.ClauseCoverageInput) string {
	switch in.Status {
	case domain.ClauseIncluded:
		return strings.TrimSpace("included " + in.ArticleRef)
	case domain.ClauseWaived:
		return strings.TrimSpace("waived " + in.WaiverReason)
	}
	return "missing"
}

func coverageCell(c domain.ClauseCoverage) string {
	in := domain.ClauseCoverageInput{Status: c.Status, ArticleRef: c.ArticleRef, WaiverReason: c.WaiverReason}
	if c.Status == domain.ClauseWaived && c.Waiver != nil && c.WaiverReason == "" {
		in.WaiverReason = c.Waiver.Reason
	}
	return clauseCell(in)
}

func init() {
	importers[domain.RegisterContracts] = func(db *DB) registerImporter {
		var clauses map[string]bool
		p := &recordImporter[contractImport]{db: db, table: "contracts", kind: entityContract, by: domain.MatchName,
			keyColumns: []string{"vendor", "title"},
			keyOf: func(c ...string) string {
				if vendorKey(c[0]) == "" || strings.TrimSpace(c[1]) == "" {
					return ""
				}
				return vendorKey(c[0]) + "/" + strings.TrimSpace(c[1])
			},
			current: func(ctx context.Context, tx bun.Tx, id string) (contractImport, int, error) {
				var row contractRow
				if err := loadRow(ctx, tx, &row, entityContract, id); err != nil {
					return contractImport{}, 0, err
				}
				c := row.toDomain()
				cur := contractImport{ContractInput: inputOf[domain.ContractInput](c), Clause: map[string]string{}}
				cov, err := db.contractClauses(ctx, tx, id)
				if err != nil {
					return contractImport{}, 0, err
				}
				for _, cv := range cov {
					cur.Clause[cv.Code] = coverageCell(cv)
				}
				return cur, c.Version, nil
			},
			check: func(ctx context.Context, tx bun.Tx, id string, in *contractImport) error {
				if clauses == nil {
					items, err := db.catalogueItems(ctx, tx, domain.CatalogueClauses, false)
					if err != nil {
						return err
					}
					clauses = map[string]bool{}
					for _, it := range items {
						clauses[it.Code] = true
					}
				}
				var fe domain.FieldErrors
				for code, cell := range in.Clause {
					field := domain.ClauseColumnPrefix + code
					cv, ok := parseClauseCell(cell)
					switch {
					case !clauses[code]:
						fe.AddJa(field, "is not a clause of the catalogue", "条項の一覧にない条項です。", code)
						continue
					case !ok:
						fe.AddJa(field, "must be included, waived or missing (the article or the waiver's reason after a space)", "記載あり（included）、免除（waived）又は記載なし（missing）で入力してください。", cell)
						continue
					}
					if err := cv.Check().ErrJa("", ""); err != nil {
						var de *domain.Error
						if ok := asDomainError(err, &de); ok {
							for _, f := range de.Fields {
								fe.AddJa(field, f.Message, f.MessageFor(domain.LocaleJa), cell)
							}
						}
						continue
					}
					in.Clause[code] = clauseCell(cv)
				}
				err := db.checkContractInput(ctx, tx, &in.ContractInput)
				if de := (*domain.Error)(nil); asDomainError(err, &de) && de.Code == domain.EINVALID {
					fe = append(fe, de.Fields...)
				} else if err != nil {
					return err
				}
				return fe.ErrJa("the contract breaks one or more rules", "契約の内容に誤りがあります。")
			},
		}
		p.index = func(ctx context.Context, tx bun.Tx) (map[string]string, error) {
			var rows []struct {
				ID    string  `bun:"id"`
				Title string  `bun:"title"`
				CN    *string `bun:"corporate_number"`
				Name  string  `bun:"name"`
			}
			if err := tx.NewSelect().TableExpr("contracts AS c").Join("JOIN vendors AS v ON v.id = c.vendor_id").
				ColumnExpr("c.id, c.title, v.corporate_number, v.name").Scan(ctx, &rows); err != nil {
				return nil, wrap("load contracts", err)
			}
			out := map[string]string{}
			for _, r := range rows {
				out[vendorKey(r.Name)+"/"+strings.TrimSpace(r.Title)] = r.ID
				if r.CN != nil && *r.CN != "" {
					out[*r.CN+"/"+strings.TrimSpace(r.Title)] = r.ID
				}
			}
			// The vendor column names vendors by corporate number or name.
			var vs []struct {
				ID   string  `bun:"id"`
				CN   *string `bun:"corporate_number"`
				Name string  `bun:"name"`
			}
			if err := tx.NewSelect().Table("vendors").Column("id", "corporate_number", "name").Scan(ctx, &vs); err != nil {
				return nil, wrap("load vendors", err)
			}
			p.refs.vendors = map[string]string{}
			for _, v := range vs {
				p.refs.vendors[vendorKey(v.Name)] = v.ID
				if v.CN != nil && *v.CN != "" {
					p.refs.vendors[*v.CN] = v.ID
				}
			}
			return out, nil
		}
		apply := func(ctx context.Context, tx bun.Tx, id string, want map[string]string) error {
			cov, err := db.contractClauses(ctx, tx, id)
			if err != nil {
				return err
			}
			have := map[string]string{}
			for _, cv := range cov {
				have[cv.Code] = coverageCell(cv)
			}
			codes := make([]string, 0, len(want))
			for code := range want {
				codes = append(codes, code)
			}
			sort.Strings(codes)
			for _, code := range codes {
				if want[code] == have[code] || want[code] == "missing" && have[code] == "" {
					continue
				}
				cv, _ := parseClauseCell(want[code])
				if _, err := db.setContractClauseTx(ctx, tx, id, code, cv); err != nil {
					return fmt.Errorf("clause %s: %w", code, err)
				}
			}
			return nil
		}
		p.create = func(ctx context.Context, tx bun.Tx, in contractImport) error {
			c, err := db.createContractTx(ctx, tx, in.ContractInput)
			if err != nil {
				return err
			}
			return apply(ctx, tx, c.ID, in.Clause)
		}
		p.replace = func(ctx context.Context, tx bun.Tx, id string, v *int, in contractImport) error {
			if _, err := db.replaceContractTx(ctx, tx, id, v, in.ContractInput); err != nil {
				return err
			}
			return apply(ctx, tx, id, in.Clause)
		}
		return p
	}
}

func asDomainError(err error, de **domain.Error) bool {
	if err == nil {
		return false
	}
	e, ok := err.(*domain.Error)
	if ok {
		*de = e
	}
	return ok
}

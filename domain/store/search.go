package store

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/vendorwatch/vendorwatch/domain"
)

// Search with q ignores character width, hiragana/katakana and case: each
// searchable table keeps search_text, domain.FoldSearch of its searched
// fields joined by a line break, and q matches its own folding against it
// with LIKE. A row writes search_text itself, in a bun hook, on every insert
// and update of the whole row, so no write path can forget it. Rows written
// before migration 0010 have NULL there until FillSearchText folds them.

// searchSeparator joins the searched fields, so a query does not match
// across the end of one and the start of the next unless it holds one.
const searchSeparator = "\n"

// foldedSearch returns the search_text of fields.
func foldedSearch(fields ...string) *string {
	for i, f := range fields {
		fields[i] = domain.FoldSearch(f)
	}
	s := strings.Join(fields, searchSeparator)
	return &s
}

// whereSearch narrows q to the rows whose search_text contains the folded
// query. LIKE decides on both databases; what makes it fast is a trigram
// index (migration 0024). PostgreSQL's pg_trgm index serves the LIKE
// itself. On SQLite the table's FTS5 trigram index (<table>_search) first
// narrows the rows to those holding the query as a phrase of trigrams, a
// superset of the LIKE's matches; a query shorter than a trigram cannot use
// it and reads every row's search_text.
func whereSearch(q *bun.SelectQuery, query string) *bun.SelectQuery {
	folded := domain.FoldSearch(query)
	q = q.Where(`?TableAlias.search_text LIKE ? ESCAPE '\'`, likePattern(folded))
	if q.Dialect().Name() == dialect.SQLite && utf8.RuneCountInString(folded) >= trigram {
		fts := bun.Ident(q.GetTableName() + "_search")
		q = q.Where(`?TableAlias.rowid IN (SELECT rowid FROM ? WHERE ? MATCH ?)`, fts, fts, ftsPhrase(folded))
	}
	return q
}

// trigram is how many characters the trigram indexes need in a query.
const trigram = 3

// ftsPhrase quotes s as one FTS5 phrase: with the trigram tokenizer it
// matches the rows that contain s, ignoring case.
func ftsPhrase(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// writes reports whether query writes its model, so that a hook computes
// search_text only for inserts and updates.
func writes(query bun.Query) bool {
	switch query.(type) {
	case *bun.InsertQuery, *bun.UpdateQuery:
		return true
	}
	return false
}

// BeforeAppendModel folds the vendor's name and kana into search_text.
func (r *vendorRow) BeforeAppendModel(_ context.Context, query bun.Query) error {
	if writes(query) {
		r.SearchText = foldedSearch(r.Name, r.Kana)
	}
	return nil
}

// BeforeAppendModel folds the contract's title into search_text.
func (r *contractRow) BeforeAppendModel(_ context.Context, query bun.Query) error {
	if writes(query) {
		r.SearchText = foldedSearch(r.Title)
	}
	return nil
}

// BeforeAppendModel folds the service's name and provider into search_text.
func (r *cloudServiceRow) BeforeAppendModel(_ context.Context, query bun.Query) error {
	if writes(query) {
		r.SearchText = foldedSearch(r.Name, r.Provider)
	}
	return nil
}

// BeforeAppendModel folds the account's handle and purpose into search_text.
func (r *socialAccountRow) BeforeAppendModel(_ context.Context, query bun.Query) error {
	if writes(query) {
		r.SearchText = foldedSearch(r.Handle, r.Purpose)
	}
	return nil
}

// BeforeAppendModel folds the person's name and e-mail into search_text.
func (r *personRow) BeforeAppendModel(_ context.Context, query bun.Query) error {
	if writes(query) {
		r.SearchText = foldedSearch(r.Name, r.Email)
	}
	return nil
}

// BeforeAppendModel folds the department's names into search_text.
func (r *departmentRow) BeforeAppendModel(_ context.Context, query bun.Query) error {
	if writes(query) {
		r.SearchText = foldedSearch(r.Name, r.NameEn)
	}
	return nil
}

var (
	_ bun.BeforeAppendModelHook = (*vendorRow)(nil)
	_ bun.BeforeAppendModelHook = (*contractRow)(nil)
	_ bun.BeforeAppendModelHook = (*cloudServiceRow)(nil)
	_ bun.BeforeAppendModelHook = (*socialAccountRow)(nil)
	_ bun.BeforeAppendModelHook = (*personRow)(nil)
	_ bun.BeforeAppendModelHook = (*departmentRow)(nil)
)

// fillBatch is how many rows FillSearchText folds per statement batch.
const fillBatch = 500

// FillSearchText folds search_text for every row that has none: the rows
// written before migration 0010, or by an older binary during a rolling
// upgrade. It runs at every start (SeedIfEmpty calls it) and costs one empty
// query per table once everything is filled. It returns how many rows it
// filled.
func (db *DB) FillSearchText(ctx context.Context) (int, error) {
	total := 0
	for _, fill := range []func(context.Context, bun.Tx) (int, error){
		fillSearch[vendorRow], fillSearch[contractRow], fillSearch[cloudServiceRow],
		fillSearch[socialAccountRow], fillSearch[personRow], fillSearch[departmentRow],
	} {
		for {
			var n int
			// One transaction per batch, under the write lock, so replicas
			// starting together do not fold the same rows twice and a large
			// table does not hold the lock for long.
			err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				var err error
				n, err = fill(ctx, tx)
				return err
			})
			if err != nil {
				return total, err
			}
			total += n
			if n < fillBatch {
				break
			}
		}
	}
	return total, nil
}

// fillSearch folds one batch of rows of T without search_text; updating
// only that column runs T's hook, which computes it.
func fillSearch[T any](ctx context.Context, tx bun.Tx) (int, error) {
	var rows []*T
	if err := tx.NewSelect().Model(&rows).Where("search_text IS NULL").Limit(fillBatch).Scan(ctx); err != nil {
		return 0, fmt.Errorf("store: find rows to fold for search: %w", err)
	}
	if len(rows) == 0 {
		return 0, nil
	}
	for _, r := range rows {
		if _, err := tx.NewUpdate().Model(r).Column("search_text").WherePK().Exec(ctx); err != nil {
			return 0, fmt.Errorf("store: fold for search: %w", err)
		}
	}
	return len(rows), nil
}

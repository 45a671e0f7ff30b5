package store

import (
	"context"
	"encoding/base64"
	"strings"

	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

// Lists page by keyset on a unique, insertion-ordered key (UUIDv7 ids, audit
// sequence numbers), so rows inserted while a client pages through a list
// land after its cursor: nothing is skipped and nothing repeats.

const cursorPrefix = "c1:"

func encodeCursor(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + key))
}

func decodeCursor(cursor string) (string, error) {
	if cursor == "" {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || !strings.HasPrefix(string(raw), cursorPrefix) || len(raw) == len(cursorPrefix) {
		return "", domain.Invalid("the cursor is not one this API issued",
			domain.FieldError{Field: "cursor", Message: "is not a cursor from a previous page", Ja: "前のページから続くページの指定ではありません。", Value: cursor}).
			WithJa(badCursorJa)
	}
	return strings.TrimPrefix(string(raw), cursorPrefix), nil
}

// pageQuery applies the cursor and limit to a query ordered by keyColumn; it
// asks for one extra row to know whether a next page exists.
func pageQuery(q *bun.SelectQuery, keyColumn string, p domain.PageRequest) (*bun.SelectQuery, error) {
	after, err := decodeCursor(p.Cursor)
	if err != nil {
		return nil, err
	}
	if after != "" {
		q = q.Where("? > ?", bun.Ident(keyColumn), after)
	}
	return q.OrderExpr("? ASC", bun.Ident(keyColumn)).Limit(int64(p.Size()) + 1), nil
}

// listPage runs q, a list query selecting into rows, as one page by id, and
// converts the rows; what names the list in errors.
func listPage[R, T any](ctx context.Context, q *bun.SelectQuery, rows *[]R, p domain.PageRequest, what string, convert func(R) T, key func(T) string) (domain.Page[T], error) {
	q, err := pageQuery(q, "id", p)
	if err != nil {
		return domain.Page[T]{}, err
	}
	if err := q.Scan(ctx); err != nil {
		return domain.Page[T]{}, wrap(what, err)
	}
	out := make([]T, len(*rows))
	for i, r := range *rows {
		out[i] = convert(r)
	}
	return finishPage(out, p, key), nil
}

// finishPage trims the extra row and sets the next cursor.
func finishPage[T any](rows []T, p domain.PageRequest, key func(T) string) domain.Page[T] {
	size := p.Size()
	page := domain.Page[T]{Items: rows}
	if len(rows) > size {
		page.Items = rows[:size]
		page.NextCursor = encodeCursor(key(rows[size-1]))
	}
	if page.Items == nil {
		page.Items = []T{}
	}
	return page
}

// likePattern escapes s for a LIKE ... ESCAPE '\' containment match.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + strings.ToLower(r.Replace(s)) + "%"
}

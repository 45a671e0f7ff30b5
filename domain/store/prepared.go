package store

import (
	"context"
	"database/sql"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"

	"github.com/vendorwatch/vendorwatch/domain"
)

// bun writes every value into the SQL text, so each distinct id, owner or
// cursor is a new statement: PostgreSQL parses and plans it anew (and pgx's
// statement cache prepares and drops one per value), and SQLite compiles it
// anew. The hot reads (get by id, the lists, the token lookup) are built
// with bun as before, then rendered with their string values as $n
// placeholders and run with the values as arguments: one text per query
// shape, which pgx prepares once per connection and the SQLite statement
// cache below compiles once. Integers (LIMIT), booleans and times stay in
// the text: they vary little, and SQLite compares times as text in the
// format bun writes.

// paramDialect is the database's dialect with string values rendered as
// placeholders and collected as arguments. One serves one rendering.
type paramDialect struct {
	schema.Dialect
	args []any
}

// AppendString implements schema.Dialect: a placeholder instead of the
// quoted value.
func (d *paramDialect) AppendString(b []byte, s string) []byte {
	d.args = append(d.args, s)
	b = append(b, '$')
	return strconv.AppendInt(b, int64(len(d.args)), 10)
}

// render writes q with its string values as placeholders, returning the SQL
// text and the arguments in placeholder order.
func (db *DB) render(q bun.Query) (string, []any, error) {
	d := &paramDialect{Dialect: db.bun.Dialect()}
	b, err := q.AppendQuery(schema.NewQueryGen(d), nil)
	if err != nil {
		return "", nil, err
	}
	return string(b), d.args, nil
}

// maxCachedStatements bounds the SQLite statement cache: the query shapes
// of the hot paths (filter combinations of a list, with or without a
// cursor) are far fewer; past it, statements are compiled each time.
const maxCachedStatements = 256

// stmtCache keeps SQLite's prepared statements by their text. database/sql
// prepares each again on another connection when it needs to.
type stmtCache struct {
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// get returns the prepared statement of query, preparing it on first use;
// nil when the cache is full.
func (c *stmtCache) get(ctx context.Context, db *sql.DB, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[query]; ok {
		return st, nil
	}
	if len(c.stmts) >= maxCachedStatements {
		return nil, nil
	}
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if c.stmts == nil {
		c.stmts = map[string]*sql.Stmt{}
	}
	c.stmts[query] = st
	return st, nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		_ = st.Close()
	}
	c.stmts = nil
}

// queryPrepared runs q as a parameterised statement and hands its rows to
// scan. The store's query hooks (outage log, trace spans) see it as they
// see every bun query.
func (db *DB) queryPrepared(ctx context.Context, q bun.Query, scan func(*sql.Rows) error) error {
	query, args, err := db.render(q)
	if err != nil {
		return err
	}
	ev := &bun.QueryEvent{DB: db.bun, IQuery: q, Query: query, QueryArgs: args, StartTime: time.Now()}
	for _, h := range db.hooks {
		ctx = h.BeforeQuery(ctx, ev)
	}
	var rows *sql.Rows
	if db.kind == SQLite {
		var st *sql.Stmt
		if st, err = db.stmts.get(ctx, db.sql, query); err == nil {
			if st != nil {
				rows, err = st.QueryContext(ctx, args...)
			} else {
				rows, err = db.sql.QueryContext(ctx, query, args...)
			}
		}
	} else {
		// pgx's statement cache prepares the text once per connection.
		rows, err = db.sql.QueryContext(ctx, query, args...)
	}
	if err == nil {
		err = scan(rows)
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
	}
	ev.Err = err
	for i := len(db.hooks) - 1; i >= 0; i-- {
		db.hooks[i].AfterQuery(ctx, ev)
	}
	return err
}

// selectOne runs q, a select of one row, into dest; sql.ErrNoRows when
// there is none, as bun's Scan.
func (db *DB) selectOne(ctx context.Context, q bun.Query, dest ...any) error {
	return db.queryPrepared(ctx, q, func(rows *sql.Rows) error {
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return err
			}
			return sql.ErrNoRows
		}
		return db.bun.ScanRow(ctx, rows, dest...)
	})
}

// selectAll runs q into dest, a pointer to a slice.
func (db *DB) selectAll(ctx context.Context, q bun.Query, dest any) error {
	return db.queryPrepared(ctx, q, func(rows *sql.Rows) error {
		return db.bun.ScanRows(ctx, rows, dest)
	})
}

// listPagePrepared is listPage with q run parameterised: for the lists
// that are hot paths.
func listPagePrepared[R, T any](ctx context.Context, db *DB, q *bun.SelectQuery, rows *[]R, p domain.PageRequest, what string, convert func(R) T, key func(T) string) (domain.Page[T], error) {
	return listPagePreparedOn(ctx, db, q, "id", rows, p, what, convert, key)
}

// listPagePreparedOn is listPagePrepared ordered and bounded by keyColumn,
// a column equal to the id: that of a joined table whose index gives the
// page's order (SQLite does not carry the order of a join's column over
// to the column it equals).
func listPagePreparedOn[R, T any](ctx context.Context, db *DB, q *bun.SelectQuery, keyColumn string, rows *[]R, p domain.PageRequest, what string, convert func(R) T, key func(T) string) (domain.Page[T], error) {
	q, err := pageQuery(q, keyColumn, p)
	if err != nil {
		return domain.Page[T]{}, err
	}
	if err := db.selectAll(ctx, q, rows); err != nil {
		return domain.Page[T]{}, wrap(what, err)
	}
	out := make([]T, len(*rows))
	for i, r := range *rows {
		out[i] = convert(r)
	}
	return finishPage(out, p, key), nil
}

// enumLiteral returns v, a value of a small set (a status, a catalogue
// code), to be written into the SQL text as a quoted literal instead of a
// placeholder. PostgreSQL plans a prepared statement once for any value
// after five runs when that generic plan looks no dearer, and it costs a
// parameter at the column's average share: for status = $1 it walks the
// primary key and filters, reading 2,500 contracts for a page of
// terminated ones (1 in 50) and more for a rarer status, where the
// literal's plan reads the (status, id) index from the cursor. Such sets
// are small, so are the statement texts. A value not of the plain form
// [a-z][a-z0-9_]* stays a parameter.
func enumLiteral(v string) any {
	if plainValue.MatchString(v) {
		return bun.Safe("'" + v + "'")
	}
	return v
}

// plainValue is the form of enumLiteral's values: no quote, no escape.
var plainValue = regexp.MustCompile(`^[a-z][a-z0-9_]{0,79}$`)

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"

	"github.com/vendorwatch/vendorwatch/domain"
)

// The statements of a digest's delivery (its lease, claim and marks) run
// parameterised, times included: written with their values in the text,
// as bun writes them, each is a statement never seen before (a new lease
// time, a new id), which PostgreSQL parses and plans and pgx prepares, at
// one more round trip, and SQLite compiles anew. Delivery runs them a few
// times per e-mail, at the pace of the queue. (The reads' paramDialect
// keeps times in the text; the delivery's change on every call.)

// timeParamDialect is paramDialect with times as arguments too. SQLite gets
// a time as the text bun would have written, which its columns hold and
// compare as text; PostgreSQL gets the time.
type timeParamDialect struct {
	*paramDialect
	sqlite bool
}

// AppendTime implements schema.Dialect: a placeholder instead of the time.
func (d *timeParamDialect) AppendTime(b []byte, tm time.Time) []byte {
	var v any = tm
	if d.sqlite {
		quoted := d.Dialect.AppendTime(nil, tm)
		v = string(quoted[1 : len(quoted)-1])
	}
	d.args = append(d.args, v)
	b = append(b, '$')
	return strconv.AppendInt(b, int64(len(d.args)), 10)
}

// execParams runs q, with its strings and times as arguments, on tx (the
// pool when nil), through the store's query hooks; scan, when not nil,
// reads the rows it returns. On SQLite the statement is compiled once
// (db.stmts).
func (db *DB) execParams(ctx context.Context, tx *sql.Tx, q bun.Query, scan func(*sql.Rows) error) error {
	query, args, err := db.renderParams(q)
	if err != nil {
		return err
	}
	return db.execRendered(ctx, tx, q, query, args, scan)
}

// renderParams writes q with its strings and times as placeholders.
func (db *DB) renderParams(q bun.Query) (string, []any, error) {
	d := &timeParamDialect{paramDialect: &paramDialect{Dialect: db.bun.Dialect()}, sqlite: db.kind == SQLite}
	b, err := q.AppendQuery(schema.NewQueryGen(d), nil)
	if err != nil {
		return "", nil, err
	}
	return string(b), d.args, nil
}

// execRendered is execParams once q is rendered.
func (db *DB) execRendered(ctx context.Context, tx *sql.Tx, q bun.Query, query string, args []any, scan func(*sql.Rows) error) error {
	var err error
	ev := &bun.QueryEvent{DB: db.bun, IQuery: q, Query: query, QueryArgs: args, StartTime: time.Now()}
	for _, h := range db.hooks {
		ctx = h.BeforeQuery(ctx, ev)
	}
	err = db.runParams(ctx, tx, query, args, scan)
	ev.Err = err
	for i := len(db.hooks) - 1; i >= 0; i-- {
		db.hooks[i].AfterQuery(ctx, ev)
	}
	return err
}

// runParams runs query with args on tx, or the pool, prepared once on
// SQLite (pgx's statement cache prepares it once per connection). In a
// transaction it uses a statement already prepared (prepare), but prepares
// none: that takes a connection of the pool, and SQLite's one is the
// transaction's.
func (db *DB) runParams(ctx context.Context, tx *sql.Tx, query string, args []any, scan func(*sql.Rows) error) error {
	var st *sql.Stmt
	if db.kind == SQLite {
		if tx != nil {
			if st = db.stmts.prepared(query); st != nil {
				st = tx.StmtContext(ctx, st)
			}
		} else {
			var err error
			if st, err = db.stmts.get(ctx, db.sql, query); err != nil {
				return err
			}
		}
	}
	if scan == nil {
		var err error
		switch {
		case st != nil:
			_, err = st.ExecContext(ctx, args...)
		case tx != nil:
			_, err = tx.ExecContext(ctx, query, args...)
		default:
			_, err = db.sql.ExecContext(ctx, query, args...)
		}
		return err
	}
	var rows *sql.Rows
	var err error
	switch {
	case st != nil:
		rows, err = st.QueryContext(ctx, args...)
	case tx != nil:
		rows, err = tx.QueryContext(ctx, query, args...)
	default:
		rows, err = db.sql.QueryContext(ctx, query, args...)
	}
	if err != nil {
		return err
	}
	err = scan(rows)
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}

// prepare prepares query for runParams in a transaction to come, on
// SQLite (on PostgreSQL pgx prepares it on the transaction's connection).
func (db *DB) prepare(ctx context.Context, query string) error {
	if db.kind != SQLite {
		return nil
	}
	_, err := db.stmts.get(ctx, db.sql, query)
	return err
}

// prepared returns the statement of query if it is prepared; nil if not,
// or if the cache is busy. It never waits: get holds the cache while it
// prepares, which waits for SQLite's one connection, and a transaction
// that waited here would hold that connection.
func (c *stmtCache) prepared(query string) *sql.Stmt {
	if !c.mu.TryLock() {
		return nil
	}
	defer c.mu.Unlock()
	return c.stmts[query]
}

// scanIDs is a scan of execParams that collects one string column.
func scanIDs(ids *[]string) func(*sql.Rows) error {
	return func(rows *sql.Rows) error {
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			*ids = append(*ids, id)
		}
		return rows.Err()
	}
}

// unsentStatuses are the statuses of rows still to send: the ones a lease
// covers.
var unsentStatuses = []string{string(domain.ReminderQueued), string(domain.ReminderSending)}

// leaseFree keeps the rows that holder may take at now: free, run out, or
// its own.
func leaseFree(q *bun.UpdateQuery, holder string, now time.Time) *bun.UpdateQuery {
	return q.Where("(lease_holder IN (?, ?) OR lease_until IS NULL OR lease_until <= ?)", "", holder, now)
}

// leaseTx runs update, which takes holder's lease (leaseFree) of the rows
// among ids still to send, in a transaction of its own, tried again when
// PostgreSQL picks it as a deadlock victim. It commits when every row among
// ids still to send is then holder's, and otherwise rolls back and reports
// false: a job sends all of its rows or none. The check costs a second
// statement only when the update missed a row (sent, cancelled, or held by
// another). On PostgreSQL a competing lease waits for the row locks of the
// first and then finds them held.
func (db *DB) leaseTx(ctx context.Context, what string, ids []string, holder string, update func(now time.Time) *bun.UpdateQuery) (bool, error) {
	var err error
	for range markAttempts {
		err = db.leaseOnce(ctx, ids, holder, update(leaseNow()))
		if errors.Is(err, errLeaseHeld) {
			return false, nil
		}
		if err == nil || domain.ErrorCodeOf(translate(err)) != domain.ECONFLICT || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		return false, fmt.Errorf("store: %s: %w", what, translate(err))
	}
	return true, nil
}

func (db *DB) leaseOnce(ctx context.Context, ids []string, holder string, update *bun.UpdateQuery) (err error) {
	update = update.Returning("id")
	query, args, err := db.renderParams(update)
	if err != nil {
		return err
	}
	if err := db.prepare(ctx, query); err != nil {
		return err
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	var got []string
	if err := db.execRendered(ctx, tx, update, query, args, scanIDs(&got)); err != nil {
		return err
	}
	if len(got) < len(ids) {
		var held []string
		q := db.bun.NewSelect().Model((*reminderRow)(nil)).Column("id").
			Where("id IN (?) AND status IN (?) AND lease_holder <> ?", bun.In(ids), bun.In(unsentStatuses), holder).Limit(1)
		if err := db.execParams(ctx, tx, q, scanIDs(&held)); err != nil {
			return err
		}
		if len(held) > 0 {
			return errLeaseHeld
		}
	}
	return tx.Commit()
}

// ClaimRemindersLeased implements domain.ReminderService: the lease's
// renewal and the claim in one transaction, committed before the message
// leaves (ClaimRemindersSending's guarantee).
func (db *DB) ClaimRemindersLeased(ctx context.Context, ids []string, messageID, holder string, ttl time.Duration) (bool, error) {
	if len(ids) == 0 {
		return true, nil
	}
	return db.leaseTx(ctx, "claim reminders sending", ids, holder, func(now time.Time) *bun.UpdateQuery {
		// SET expressions read the row as it was: possible_duplicate turns
		// on when the row was already sending.
		q := db.bun.NewUpdate().Model((*reminderRow)(nil)).Set("status = ?", string(domain.ReminderSending)).
			Set("message_id = ?", messageID).Set("attempts = attempts + 1").
			Set("possible_duplicate = (possible_duplicate OR status = ?)", string(domain.ReminderSending)).
			Set("lease_holder = ?", holder).Set("lease_until = ?", now.Add(ttl)).
			Where("id IN (?) AND status IN (?)", bun.In(ids), bun.In(unsentStatuses))
		return leaseFree(q, holder, now)
	})
}

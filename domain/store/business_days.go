package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

// Due dates fall on business days (domain.BusinessCalendar.BusinessDueDate):
// each table keeps the moved date in its date column, which reminders,
// filters and indexes use, and the date the rule gave in a *_nominal column
// beside it, which the answers show too.

// calendar returns the body's business calendar under the current settings.
func (db *DB) calendar(ctx context.Context, tx bun.IDB) (domain.BusinessCalendar, error) {
	s, err := db.settings(ctx, tx)
	if err != nil {
		return domain.BusinessCalendar{}, err
	}
	return domain.NewBusinessCalendar(s.PolicySettings), nil
}

// nominalOr returns the nominal date, or the due date for rows written
// before nominal dates were kept.
func nominalOr(nominal, due domain.Date) domain.Date {
	if nominal.IsZero() {
		return due
	}
	return nominal
}

// businessDateColumns names every (date, nominal date) pair the store keeps,
// with the rows whose date still matters.
var businessDateColumns = []struct {
	table, due, nominal, live string
}{
	{"contracts", "next_confirmation_due", "next_confirmation_nominal", "status = 'active'"},
	{"contracts", "renewal_review_due", "renewal_review_nominal", "status = 'active'"},
	{"confirmations", "due_date", "due_date_nominal", "status = 'scheduled'"},
	{"corrective_actions", "due_date", "due_date_nominal", "status = 'open'"},
	{"cloud_services", "next_review_due", "next_review_nominal", "status = 'approved'"},
	{"social_accounts", "next_review_due", "next_review_nominal", "status = 'active'"},
}

// movedDate is one row whose date moves to another business day.
type movedDate struct {
	ID      string      `bun:"id"`
	Due     domain.Date `bun:"due"`
	Nominal domain.Date `bun:"nominal"`
}

// moveToBusinessDays re-derives the business date of every live row from
// its nominal date under cal, batch by batch, stopping the reminders queued
// for a date that moved. onlyUnfilled limits it to rows without a nominal
// date (written before they were kept). It returns how many dates moved.
func (db *DB) moveToBusinessDays(ctx context.Context, tx bun.Tx, cal domain.BusinessCalendar, onlyUnfilled bool) (int, error) {
	moved := 0
	for _, c := range businessDateColumns {
		after := ""
		for {
			var rows []movedDate
			q := tx.NewSelect().Table(c.table).ColumnExpr("id").ColumnExpr(c.due+" AS due").ColumnExpr(c.nominal+" AS nominal").
				Where(c.live).Where(c.due+" IS NOT NULL").Where("id > ?", after).Order("id ASC").Limit(fillBatch)
			if onlyUnfilled {
				q = q.Where(c.nominal + " IS NULL")
			}
			if err := q.Scan(ctx, &rows); err != nil {
				return moved, fmt.Errorf("store: read %s.%s: %w", c.table, c.due, err)
			}
			for _, r := range rows {
				after = r.ID
				nominal := nominalOr(r.Nominal, r.Due)
				due := cal.BusinessDueDate(nominal)
				if due == r.Due && nominal == r.Nominal {
					continue
				}
				if _, err := tx.NewUpdate().Table(c.table).Set(c.due+" = ?", due).Set(c.nominal+" = ?", nominal).
					Set("version = version + 1").Where("id = ?", r.ID).Exec(ctx); err != nil {
					return moved, fmt.Errorf("store: move %s.%s to a business day: %w", c.table, c.due, err)
				}
				if due != r.Due {
					moved++
					if err := db.cancelQueuedReminders(ctx, tx, r.ID); err != nil {
						return moved, err
					}
				}
			}
			if len(rows) < fillBatch {
				break
			}
		}
	}
	return moved, nil
}

// FillBusinessDueDates gives the rows written before migration 0009 their
// nominal date and moves their date to a business day. It runs at every
// start (SeedIfEmpty calls it) and costs one empty query per date column
// once everything is filled. It returns how many dates moved.
func (db *DB) FillBusinessDueDates(ctx context.Context) (int, error) {
	moved := 0
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		cal, err := db.calendar(ctx, tx)
		if err != nil {
			return err
		}
		moved, err = db.moveToBusinessDays(ctx, tx, cal, true)
		return err
	})
	return moved, err
}

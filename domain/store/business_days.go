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
// reminded says whether the row itself is the subject of reminders on that
// date (a contract's next confirmation is reminded through its scheduled
// confirmation, which has a pair of its own).
var businessDateColumns = []struct {
	table, entity, due, nominal, live string
	reminded                          bool
}{
	{"contracts", entityContract, "next_confirmation_due", "next_confirmation_nominal", "status = 'active'", false},
	{"contracts", entityContract, "renewal_review_due", "renewal_review_nominal", "status = 'active'", true},
	{"confirmations", entityConfirmation, "due_date", "due_date_nominal", "status = 'scheduled'", true},
	{"corrective_actions", entityCorrectiveAction, "due_date", "due_date_nominal", "status = 'open'", true},
	{"cloud_services", entityCloudService, "next_review_due", "next_review_nominal", "status = 'approved'", true},
	{"social_accounts", entitySocialAccount, "next_review_due", "next_review_nominal", "status = 'active'", true},
	{"policy_reviews", entityPolicyReview, "next_review_due", "next_review_nominal", "superseded_by IS NULL", true},
	// A campaign's date is reminded through its assignments, not itself.
	{"inspection_campaigns", entityInspectionCampaign, "due_date", "due_date_nominal", "status = 'open'", false},
}

// movedDate is one row whose date moves to another business day.
type movedDate struct {
	ID      string      `bun:"id"`
	Due     domain.Date `bun:"due"`
	Nominal domain.Date `bun:"nominal"`
}

// moveToBusinessDays re-derives the business date of every live row from
// its nominal date under cal, batch by batch. A date that moves gets an
// audit event on its row, and the reminders queued for the old date stop.
// onlyUnfilled limits it to rows without a nominal date (written before
// they were kept). It returns how many dates moved.
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
					Set("version = version + 1").Set("updated_at = ?", db.Now()).Where("id = ?", r.ID).Exec(ctx); err != nil {
					return moved, fmt.Errorf("store: move %s.%s to a business day: %w", c.table, c.due, err)
				}
				if due == r.Due {
					continue // only the nominal date was filled in
				}
				moved++
				if c.reminded {
					if err := db.cancelQueuedReminders(ctx, tx, r.ID); err != nil {
						return moved, err
					}
				}
				if err := db.appendAudit(ctx, tx, auditEntry{Action: "move_to_business_day", EntityType: c.entity, EntityID: r.ID,
					Reason: fmt.Sprintf("%s %s falls on no business day of the calendar: due on %s", c.due, nominal, due),
					Before: map[string]domain.Date{c.due: r.Due}, After: map[string]domain.Date{c.due: due, c.nominal: nominal}}); err != nil {
					return moved, err
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

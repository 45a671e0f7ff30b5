package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

var _ domain.SettingsService = (*DB)(nil)

type settingsRow struct {
	bun.BaseModel `bun:"table:settings"`

	ID        int       `bun:"id,pk"`
	Body      string    `bun:"body"`
	Version   int       `bun:"version"`
	UpdatedAt time.Time `bun:"updated_at"`
}

const entitySettings = "settings"

// settings reads the policy settings inside tx; a database that never
// stored any uses the defaults.
func (db *DB) settings(ctx context.Context, tx bun.IDB) (*domain.Settings, error) {
	var row settingsRow
	err := tx.NewSelect().Model(&row).Where("id = 1").Scan(ctx)
	if isNoRows(err) {
		return &domain.Settings{PolicySettings: defaultSettings()}, nil
	}
	if err != nil {
		return nil, wrap("read settings", err)
	}
	s := &domain.Settings{Version: row.Version, UpdatedAt: row.UpdatedAt.UTC()}
	s.PolicySettings = defaultSettings()
	if err := json.Unmarshal([]byte(row.Body), &s.PolicySettings); err != nil {
		return nil, fmt.Errorf("store: decode settings: %w", err)
	}
	s.PolicySettings.Normalize()
	return s, nil
}

// defaultSettings is a copy of the defaults whose lists are its own:
// decoding stored settings over the defaults would otherwise write into the
// defaults' arrays, and every later read would see another database's
// lists.
func defaultSettings() domain.PolicySettings {
	p := domain.DefaultPolicySettings
	p.ReminderLeadDays = slices.Clone(p.ReminderLeadDays)
	p.ClosureDays = slices.Clone(p.ClosureDays)
	p.IncidentSeverities = slices.Clone(p.IncidentSeverities)
	p.EvidenceMediaTypes = slices.Clone(p.EvidenceMediaTypes)
	return p
}

// GetSettings implements domain.SettingsService.
func (db *DB) GetSettings(ctx context.Context) (*domain.Settings, error) {
	return db.settings(ctx, db.bun)
}

// ReplaceSettings implements domain.SettingsService.
func (db *DB) ReplaceSettings(ctx context.Context, ifVersion *int, in domain.PolicySettings) (*domain.Settings, error) {
	in.Normalize()
	if err := domain.Validate(in); err != nil {
		return nil, err
	}
	if err := in.Check().ErrJa("the settings break one or more rules", "設定の内容に誤りがあります。"); err != nil {
		return nil, err
	}
	var out *domain.Settings
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		before, err := db.settings(ctx, tx)
		if err != nil {
			return err
		}
		if err := checkVersion(entitySettings, before.Version, ifVersion); err != nil {
			return err
		}
		body, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("store: encode settings: %w", err)
		}
		row := &settingsRow{ID: 1, Body: string(body), Version: before.Version + 1, UpdatedAt: db.Now()}
		if before.Version == 0 {
			if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
				return wrap("insert settings", translate(err))
			}
		} else if err := updateRow(ctx, tx, row, entitySettings, "1", before.Version, ifVersion); err != nil {
			return err
		}
		out = &domain.Settings{PolicySettings: in, Version: row.Version, UpdatedAt: row.UpdatedAt}
		moved, err := db.recomputeAllContractDates(ctx, tx, in)
		if err != nil {
			return err
		}
		// Closure days may have changed: every other date that is due
		// moves to the business day the new calendar gives.
		others, err := db.moveToBusinessDays(ctx, tx, domain.NewBusinessCalendar(in), false)
		if err != nil {
			return err
		}
		// The incidents' step deadlines follow their severity's minutes.
		incidents, err := db.recomputeIncidentDeadlines(ctx, tx, in)
		if err != nil {
			return err
		}
		reason := fmt.Sprintf("due dates of %d active contracts re-derived; %d other due dates moved to another business day", moved, others)
		if incidents > 0 {
			reason += fmt.Sprintf("; step deadlines of %d incidents re-derived", incidents)
		}
		return db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditUpdate, EntityType: entitySettings, EntityID: "1", Before: before, After: out,
			Reason: reason})
	})
	return out, err
}

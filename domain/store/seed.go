package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

var _ domain.SeedService = (*DB)(nil)

type catalogueItemRow struct {
	bun.BaseModel `bun:"table:catalogue_items"`

	Catalogue string     `bun:"catalogue,pk"`
	Code      string     `bun:"code,pk"`
	TitleJa   string     `bun:"title_ja"`
	TitleEn   string     `bun:"title_en"`
	Mandatory bool       `bun:"mandatory"`
	Position  int        `bun:"position"`
	RetiredAt *time.Time `bun:"retired_at"`
	Version   int        `bun:"version"`
	CreatedAt time.Time  `bun:"created_at"`
	UpdatedAt time.Time  `bun:"updated_at"`
}

func (r *catalogueItemRow) toDomain() *domain.CatalogueItem {
	return &domain.CatalogueItem{
		Catalogue: domain.Catalogue(r.Catalogue), Code: r.Code, TitleJa: r.TitleJa, TitleEn: r.TitleEn,
		Mandatory: r.Mandatory, Position: r.Position, RetiredAt: utcPtr(r.RetiredAt), Version: r.Version,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}

// FirstAdminEmail is the e-mail of the administrator created on first start.
const FirstAdminEmail = "admin@vendorwatch.invalid"

// SeedIfEmpty implements domain.SeedService. Its transaction holds the write
// lock (see inTx), so replicas starting together seed once.
//
// It first folds the search text of rows that have none (FillSearchText), so
// that q finds rows written before migration 0010, and moves the due dates
// written before migration 0009 to business days (FillBusinessDueDates);
// then it refreshes SQLite's planner statistics (Optimize).
func (db *DB) SeedIfEmpty(ctx context.Context) (domain.FirstAdmin, error) {
	ctx = domain.WithActor(ctx, domain.SystemActor)
	if _, err := db.FillSearchText(ctx); err != nil {
		return domain.FirstAdmin{}, err
	}
	if _, err := db.FillBusinessDueDates(ctx); err != nil {
		return domain.FirstAdmin{}, err
	}
	if err := db.Optimize(ctx); err != nil {
		return domain.FirstAdmin{}, err
	}
	var first domain.FirstAdmin
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		empty, err := chainEmpty(ctx, tx)
		if err != nil {
			return err
		}
		if err := db.seedCatalogue(ctx, tx); err != nil {
			return err
		}
		if err := db.seedSettings(ctx, tx); err != nil {
			return err
		}
		// Departments only on a database nothing has happened in, so that a
		// department an administrator deleted does not come back.
		if empty {
			for _, d := range domain.SeedDepartments {
				if _, err := db.createDepartment(ctx, tx, d); err != nil {
					return err
				}
			}
		}
		tokens, err := tx.NewSelect().Table("tokens").Count(ctx)
		if err != nil {
			return fmt.Errorf("store: count tokens: %w", err)
		}
		if tokens > 0 {
			return nil
		}
		first, err = db.seedFirstAdmin(ctx, tx)
		return err
	})
	return first, err
}

// seedCatalogue inserts the built-in catalogue entries that are missing.
func (db *DB) seedCatalogue(ctx context.Context, tx bun.Tx) error {
	var have []catalogueItemRow
	if err := tx.NewSelect().Model(&have).Column("catalogue", "code").Scan(ctx); err != nil {
		return fmt.Errorf("store: read catalogue: %w", err)
	}
	exists := map[string]bool{}
	for _, h := range have {
		exists[h.Catalogue+"/"+h.Code] = true
	}
	now := db.Now()
	position := map[domain.Catalogue]int{}
	for _, s := range domain.SeedCatalogue {
		position[s.Catalogue]++
		if exists[string(s.Catalogue)+"/"+s.Code] {
			continue
		}
		row := &catalogueItemRow{
			Catalogue: string(s.Catalogue), Code: s.Code, TitleJa: s.TitleJa, TitleEn: s.TitleEn,
			Mandatory: s.Mandatory, Position: position[s.Catalogue] * 10, Version: 1, CreatedAt: now, UpdatedAt: now,
		}
		if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
			return fmt.Errorf("store: seed catalogue item %s: %w", s.Code, err)
		}
		if s.Catalogue == domain.CatalogueClauses {
			if err := db.noteNewClause(ctx, tx, s.Code); err != nil {
				return err
			}
		}
		if err := db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditSeed, EntityType: "catalogue_item",
			EntityID: s.Code, After: row.toDomain()}); err != nil {
			return err
		}
	}
	return nil
}

// seedFirstAdmin creates (or reuses) the first administrator and a token.
func (db *DB) seedFirstAdmin(ctx context.Context, tx bun.Tx) (domain.FirstAdmin, error) {
	var person personRow
	err := tx.NewSelect().Model(&person).Where("lower(email) = ?", FirstAdminEmail).Scan(ctx)
	switch {
	case err == nil:
	case isNoRows(err):
		var dept departmentRow
		if err := tx.NewSelect().Model(&dept).Order("id ASC").Limit(1).Scan(ctx); err != nil {
			if !isNoRows(err) {
				return domain.FirstAdmin{}, fmt.Errorf("store: find a department: %w", err)
			}
			d, err := db.createDepartment(ctx, tx, domain.SeedDepartments[0])
			if err != nil {
				return domain.FirstAdmin{}, err
			}
			dept.ID = d.ID
		}
		in := domain.PersonInput{Name: "vendorwatch 管理者", Email: FirstAdminEmail, DepartmentID: dept.ID}
		in.Normalize()
		p, err := db.createPerson(ctx, tx, in)
		if err != nil {
			return domain.FirstAdmin{}, err
		}
		person.ID = p.ID
	default:
		return domain.FirstAdmin{}, fmt.Errorf("store: find first admin: %w", err)
	}
	tok, secret, err := db.createToken(ctx, tx, domain.TokenInput{PersonID: person.ID, Role: domain.RoleAdmin, Description: "first-start administrator token"})
	if err != nil {
		return domain.FirstAdmin{}, err
	}
	var p personRow
	if err := loadRow(ctx, tx, &p, entityPerson, person.ID); err != nil {
		return domain.FirstAdmin{}, err
	}
	return domain.FirstAdmin{Person: p.toDomain(), Token: tok, Secret: secret}, nil
}

// seedSettings stores the default policy settings once, so that the settings
// resource has a version and a change history from the first start.
func (db *DB) seedSettings(ctx context.Context, tx bun.Tx) error {
	exists, err := tx.NewSelect().Table("settings").Where("id = 1").Exists(ctx)
	if err != nil {
		return fmt.Errorf("store: check settings: %w", err)
	}
	if exists {
		return nil
	}
	body, err := json.Marshal(domain.DefaultPolicySettings)
	if err != nil {
		return fmt.Errorf("store: encode settings: %w", err)
	}
	row := &settingsRow{ID: 1, Body: string(body), Version: 1, UpdatedAt: db.Now()}
	if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
		return fmt.Errorf("store: seed settings: %w", err)
	}
	return db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditSeed, EntityType: entitySettings, EntityID: "1",
		After: &domain.Settings{PolicySettings: domain.DefaultPolicySettings, Version: 1, UpdatedAt: row.UpdatedAt}})
}

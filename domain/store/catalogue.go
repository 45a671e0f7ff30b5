package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

var _ domain.CatalogueService = (*DB)(nil)

const entityCatalogueItem = "catalogue_item"

func (db *DB) catalogueItems(ctx context.Context, tx bun.IDB, c domain.Catalogue, includeRetired bool) ([]*domain.CatalogueItem, error) {
	var rows []*catalogueItemRow
	q := tx.NewSelect().Model(&rows).Where("catalogue = ?", string(c)).Order("position ASC", "code ASC")
	if !includeRetired {
		q = q.Where("retired_at IS NULL")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, wrap("list "+string(c), err)
	}
	out := make([]*domain.CatalogueItem, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// ListCatalogueItems implements domain.CatalogueService.
func (db *DB) ListCatalogueItems(ctx context.Context, c domain.Catalogue, includeRetired bool) ([]*domain.CatalogueItem, error) {
	return db.catalogueItems(ctx, db.bun, c, includeRetired)
}

func loadCatalogueItem(ctx context.Context, tx bun.IDB, c domain.Catalogue, code string) (*catalogueItemRow, error) {
	var row catalogueItemRow
	err := tx.NewSelect().Model(&row).Where("catalogue = ? AND code = ?", string(c), code).Scan(ctx)
	if isNoRows(err) {
		return nil, domain.Errorf(domain.ENOTFOUND, "%s has no item with code %s", c, code).WithJa("%sに、コード%sの項目はありません。", catalogueJa(c), code)
	}
	if err != nil {
		return nil, wrap("load "+string(c)+" item", err)
	}
	return &row, nil
}

// FindCatalogueItem implements domain.CatalogueService.
func (db *DB) FindCatalogueItem(ctx context.Context, c domain.Catalogue, code string) (*domain.CatalogueItem, error) {
	row, err := loadCatalogueItem(ctx, db.bun, c, code)
	if err != nil {
		return nil, err
	}
	return row.toDomain(), nil
}

// CreateCatalogueItem implements domain.CatalogueService.
func (db *DB) CreateCatalogueItem(ctx context.Context, c domain.Catalogue, in domain.CatalogueItemInput) (*domain.CatalogueItem, error) {
	if err := domain.Validate(&in); err != nil {
		return nil, err
	}
	var out *domain.CatalogueItem
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var last struct {
			Position int `bun:"position"`
		}
		err := tx.NewSelect().Table("catalogue_items").ColumnExpr("COALESCE(MAX(position), 0) AS position").
			Where("catalogue = ?", string(c)).Scan(ctx, &last)
		if err != nil {
			return fmt.Errorf("store: last position: %w", err)
		}
		now := db.Now()
		row := &catalogueItemRow{Catalogue: string(c), Code: in.Code, TitleJa: in.TitleJa, TitleEn: in.TitleEn,
			Mandatory: in.Mandatory, Position: last.Position + 10, Version: 1, CreatedAt: now, UpdatedAt: now}
		if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
			if domain.ErrorCodeOf(translate(err)) == domain.ECONFLICT {
				return domain.Errorf(domain.ECONFLICT, "%s already has an item with code %s", c, in.Code).
					WithJa("%sには、コード%sの項目が既にあります。", catalogueJa(c), in.Code)
			}
			return fmt.Errorf("store: insert %s item: %w", c, err)
		}
		if c == domain.CatalogueClauses {
			if err := db.noteNewClause(ctx, tx, in.Code); err != nil {
				return err
			}
		}
		out = row.toDomain()
		return db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditCreate, EntityType: entityCatalogueItem, EntityID: string(c) + "/" + in.Code, After: out})
	})
	return out, err
}

// RetitleCatalogueItem implements domain.CatalogueService.
func (db *DB) RetitleCatalogueItem(ctx context.Context, c domain.Catalogue, code string, ifVersion *int, in domain.CatalogueTitles) (*domain.CatalogueItem, error) {
	if err := domain.Validate(in); err != nil {
		return nil, err
	}
	return db.changeCatalogueItem(ctx, c, code, ifVersion, domain.AuditUpdate, func(row *catalogueItemRow) error {
		row.TitleJa, row.TitleEn = in.TitleJa, in.TitleEn
		return nil
	})
}

// RetireCatalogueItem implements domain.CatalogueService.
func (db *DB) RetireCatalogueItem(ctx context.Context, c domain.Catalogue, code string, ifVersion *int) (*domain.CatalogueItem, error) {
	return db.changeCatalogueItem(ctx, c, code, ifVersion, "retire", func(row *catalogueItemRow) error {
		if row.RetiredAt != nil {
			return domain.Errorf(domain.ECONFLICT, "%s item %s is already retired", c, code).WithJa("%sの項目%sは既に廃止されています。", catalogueJa(c), code)
		}
		now := db.Now()
		row.RetiredAt = &now
		return nil
	})
}

func (db *DB) changeCatalogueItem(ctx context.Context, c domain.Catalogue, code string, ifVersion *int, action string, change func(*catalogueItemRow) error) (*domain.CatalogueItem, error) {
	var out *domain.CatalogueItem
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		row, err := loadCatalogueItem(ctx, tx, c, code)
		if err != nil {
			return err
		}
		if err := checkVersion(entityCatalogueItem, row.Version, ifVersion); err != nil {
			return err
		}
		before := row.toDomain()
		if err := change(row); err != nil {
			return err
		}
		read := row.Version
		row.Version, row.UpdatedAt = read+1, db.Now()
		if err := updateRow(ctx, tx, row, entityCatalogueItem, code, read, ifVersion); err != nil {
			return err
		}
		out = row.toDomain()
		return db.appendAudit(ctx, tx, auditEntry{Action: action, EntityType: entityCatalogueItem, EntityID: string(c) + "/" + code, Before: before, After: out})
	})
	return out, err
}

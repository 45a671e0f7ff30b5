package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

var _ domain.DepartmentService = (*DB)(nil)

type departmentRow struct {
	bun.BaseModel `bun:"table:departments"`

	ID         string    `bun:"id,pk"`
	Name       string    `bun:"name"`
	NameEn     string    `bun:"name_en"`
	Version    int       `bun:"version"`
	CreatedAt  time.Time `bun:"created_at"`
	UpdatedAt  time.Time `bun:"updated_at"`
	SearchText *string   `bun:"search_text"`
}

func (r *departmentRow) toDomain() *domain.Department {
	return &domain.Department{ID: r.ID, Name: r.Name, NameEn: r.NameEn, Version: r.Version,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

const entityDepartment = "department"

// FindDepartment implements domain.DepartmentService.
func (db *DB) FindDepartment(ctx context.Context, id string) (*domain.Department, error) {
	var row departmentRow
	if err := loadRow(ctx, db.bun, &row, entityDepartment, id); err != nil {
		return nil, err
	}
	return row.toDomain(), nil
}

// ListDepartments implements domain.DepartmentService.
func (db *DB) ListDepartments(ctx context.Context, f domain.DepartmentFilter, p domain.PageRequest) (domain.Page[*domain.Department], error) {
	var rows []*departmentRow
	q := db.bun.NewSelect().Model(&rows)
	if f.Q != "" {
		q = whereSearch(q, f.Q)
	}
	return listPage(ctx, q, &rows, p, "list departments",
		(*departmentRow).toDomain,
		func(d *domain.Department) string { return d.ID })
}

// CreateDepartment implements domain.DepartmentService.
func (db *DB) CreateDepartment(ctx context.Context, in domain.DepartmentInput) (*domain.Department, error) {
	if err := domain.Validate(in); err != nil {
		return nil, err
	}
	var out *domain.Department
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		out, err = db.createDepartment(ctx, tx, in)
		return err
	})
	return out, err
}

func (db *DB) createDepartment(ctx context.Context, tx bun.Tx, in domain.DepartmentInput) (*domain.Department, error) {
	now := db.Now()
	row := &departmentRow{ID: uuid.Must(uuid.NewV7()).String(), Name: in.Name, NameEn: in.NameEn, Version: 1, CreatedAt: now, UpdatedAt: now}
	if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
		return nil, wrap("insert department", translate(err))
	}
	d := row.toDomain()
	return d, db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditCreate, EntityType: entityDepartment, EntityID: d.ID, After: d})
}

// ReplaceDepartment implements domain.DepartmentService.
func (db *DB) ReplaceDepartment(ctx context.Context, id string, ifVersion *int, in domain.DepartmentInput) (*domain.Department, error) {
	if err := domain.Validate(in); err != nil {
		return nil, err
	}
	var out *domain.Department
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var row departmentRow
		if err := loadRow(ctx, tx, &row, entityDepartment, id); err != nil {
			return err
		}
		if err := checkVersion(entityDepartment, row.Version, ifVersion); err != nil {
			return err
		}
		before := row.toDomain()
		read := row.Version
		row.Name, row.NameEn, row.Version, row.UpdatedAt = in.Name, in.NameEn, read+1, db.Now()
		if err := updateRow(ctx, tx, &row, entityDepartment, id, read, ifVersion); err != nil {
			return translate(err)
		}
		out = row.toDomain()
		return db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditUpdate, EntityType: entityDepartment, EntityID: id, Before: before, After: out})
	})
	return out, err
}

// DeleteDepartment implements domain.DepartmentService.
func (db *DB) DeleteDepartment(ctx context.Context, id string, ifVersion *int) error {
	return db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var row departmentRow
		if err := loadRow(ctx, tx, &row, entityDepartment, id); err != nil {
			return err
		}
		if err := checkVersion(entityDepartment, row.Version, ifVersion); err != nil {
			return err
		}
		blocking, blockingJa, err := blockingReferences(ctx, tx, departmentReferences, id)
		if err != nil {
			return err
		}
		if len(blocking) > 0 {
			return domain.Errorf(domain.ECONFLICT, "department %s cannot be deleted while %s", row.Name, joinReasons(blocking)).
				WithJa("部署「%s」は、次の記録から参照されているため削除できません：%s", row.Name, joinReasonsJa(blockingJa))
		}
		if err := deleteRow(ctx, tx, &row, entityDepartment, row.Version, ifVersion); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditDelete, EntityType: entityDepartment, EntityID: id, Before: row.toDomain()})
	})
}

package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

var _ domain.PersonService = (*DB)(nil)

type personRow struct {
	bun.BaseModel `bun:"table:people"`

	ID             string    `bun:"id,pk"`
	Name           string    `bun:"name"`
	Email          string    `bun:"email"`
	DepartmentID   string    `bun:"department_id"`
	EmploymentType string    `bun:"employment_type"`
	SecurityRoles  string    `bun:"security_roles"`
	SupervisorID   *string   `bun:"supervisor_id"`
	Locale         string    `bun:"locale"`
	Active         bool      `bun:"active"`
	Version        int       `bun:"version"`
	CreatedAt      time.Time `bun:"created_at"`
	UpdatedAt      time.Time `bun:"updated_at"`
	SearchText     *string   `bun:"search_text"`
}

func (r *personRow) toDomain() *domain.Person {
	p := &domain.Person{
		ID: r.ID, Name: r.Name, Email: r.Email, DepartmentID: r.DepartmentID,
		EmploymentType: domain.EmploymentType(r.EmploymentType), SupervisorID: r.SupervisorID,
		Locale: domain.Locale(r.Locale), Active: r.Active, Version: r.Version,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), SecurityRoles: []domain.SecurityRole{},
	}
	// Written only by this package from a []SecurityRole; a decode error
	// would mean a hand-edited row, and an empty list is the safe reading.
	_ = json.Unmarshal([]byte(r.SecurityRoles), &p.SecurityRoles)
	return p
}

// apply copies a normalised input onto the row.
func (r *personRow) apply(in domain.PersonInput) {
	roles, _ := json.Marshal(in.SecurityRoles)
	r.Name, r.Email, r.DepartmentID = in.Name, strings.TrimSpace(in.Email), in.DepartmentID
	r.EmploymentType, r.SecurityRoles, r.SupervisorID = string(in.EmploymentType), string(roles), in.SupervisorID
	r.Locale, r.Active = string(in.Locale), *in.Active
}

const entityPerson = "person"

// FindPerson implements domain.PersonService.
func (db *DB) FindPerson(ctx context.Context, id string) (*domain.Person, error) {
	var row personRow
	if err := loadRow(ctx, db.bun, &row, entityPerson, id); err != nil {
		return nil, err
	}
	return row.toDomain(), nil
}

// ListPeople implements domain.PersonService.
func (db *DB) ListPeople(ctx context.Context, f domain.PersonFilter, p domain.PageRequest) (domain.Page[*domain.Person], error) {
	var rows []*personRow
	q := db.bun.NewSelect().Model(&rows)
	if f.DepartmentID != "" {
		q = q.Where("department_id = ?", f.DepartmentID)
	}
	if f.Active != nil {
		q = q.Where("active = ?", *f.Active)
	}
	if f.Email != "" {
		q = q.Where("lower(email) = ?", strings.ToLower(strings.TrimSpace(f.Email)))
	}
	if f.SecurityRole != "" {
		// security_roles is a JSON array of plain codes; a quoted match is exact.
		q = q.Where("security_roles LIKE ?", `%"`+string(f.SecurityRole)+`"%`)
	}
	if f.Q != "" {
		q = whereSearch(q, f.Q)
	}
	return listPage(ctx, q, &rows, p, "list people",
		(*personRow).toDomain,
		func(x *domain.Person) string { return x.ID })
}

// CreatePerson implements domain.PersonService.
func (db *DB) CreatePerson(ctx context.Context, in domain.PersonInput) (*domain.Person, error) {
	in.Normalize()
	if err := domain.Validate(&in); err != nil {
		return nil, err
	}
	var out *domain.Person
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		out, err = db.createPerson(ctx, tx, in)
		return err
	})
	return out, err
}

func (db *DB) createPerson(ctx context.Context, tx bun.Tx, in domain.PersonInput) (*domain.Person, error) {
	if err := domain.PersonChangeRefusal(actorOf(ctx).Role, &domain.Person{}, false, in); err != nil {
		return nil, err
	}
	id := uuid.Must(uuid.NewV7()).String()
	if err := db.checkPersonReferences(ctx, tx, id, in); err != nil {
		return nil, err
	}
	now := db.Now()
	row := &personRow{ID: id, Version: 1, CreatedAt: now, UpdatedAt: now}
	row.apply(in)
	if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
		return nil, wrap("insert person", translate(err))
	}
	p := row.toDomain()
	return p, db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditCreate, EntityType: entityPerson, EntityID: id, After: p})
}

// checkPersonReferences checks that the department and the supervisor exist,
// that nobody supervises themselves, and that the supervisor chain does not
// loop back to the person.
func (db *DB) checkPersonReferences(ctx context.Context, tx bun.Tx, id string, in domain.PersonInput) error {
	var fields domain.FieldErrors
	exists, err := tx.NewSelect().Table("departments").Where("id = ?", in.DepartmentID).Exists(ctx)
	if err != nil {
		return fmt.Errorf("store: check department: %w", err)
	}
	if !exists {
		fields.AddJa("department_id", "no department has this id", "この部署は登録されていません。", in.DepartmentID)
	}
	if in.SupervisorID != nil {
		loop, err := db.supervisorLoop(ctx, tx, id, *in.SupervisorID)
		switch {
		case err != nil:
			return err
		case *in.SupervisorID == id:
			fields.AddJa("supervisor_id", "a person cannot be their own supervisor", "本人を自分の上司にすることはできません。", *in.SupervisorID)
		case loop == errNoSupervisor:
			fields.AddJa("supervisor_id", "no person has this id", noPersonJa, *in.SupervisorID)
		case loop != "":
			fields.AddJa("supervisor_id", loop, "上司をたどると本人に戻ってしまうため、この職員を上司にすることはできません。", *in.SupervisorID)
		}
	}
	return fields.ErrJa("the person refers to records that do not fit", "職員の情報が、登録されている記録と合いません。")
}

const errNoSupervisor = "missing"

// supervisorLoop walks up from supervisorID; it returns errNoSupervisor when
// the supervisor does not exist, a message when the chain reaches id again,
// and "" when the chain is fine.
func (db *DB) supervisorLoop(ctx context.Context, tx bun.Tx, id, supervisorID string) (string, error) {
	seen := map[string]bool{}
	cur := supervisorID
	for step := 0; cur != ""; step++ {
		if cur == id {
			return "the supervisor chain would loop back to this person", nil
		}
		if seen[cur] {
			return "", nil
		}
		seen[cur] = true
		var next struct {
			SupervisorID *string `bun:"supervisor_id"`
		}
		err := tx.NewSelect().Table("people").Column("supervisor_id").Where("id = ?", cur).Scan(ctx, &next)
		if err != nil {
			if step == 0 && isNoRows(err) {
				return errNoSupervisor, nil
			}
			if isNoRows(err) {
				return "", nil
			}
			return "", fmt.Errorf("store: walk supervisor chain: %w", err)
		}
		cur = ""
		if next.SupervisorID != nil {
			cur = *next.SupervisorID
		}
	}
	return "", nil
}

// ReplacePerson implements domain.PersonService.
func (db *DB) ReplacePerson(ctx context.Context, id string, ifVersion *int, in domain.PersonInput) (*domain.Person, error) {
	in.Normalize()
	if err := domain.Validate(&in); err != nil {
		return nil, err
	}
	var out *domain.Person
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		out, err = db.replacePersonTx(ctx, tx, id, ifVersion, in)
		return err
	})
	if err == nil {
		db.tokens.invalidate() // the person may be inactive now, or renamed
	}
	return out, err
}

// replacePersonTx is ReplacePerson inside an open transaction, so that an
// import commits all its rows in one; in is normalised and validated.
func (db *DB) replacePersonTx(ctx context.Context, tx bun.Tx, id string, ifVersion *int, in domain.PersonInput) (*domain.Person, error) {
	var out *domain.Person
	err := func() error {
		var row personRow
		if err := loadRow(ctx, tx, &row, entityPerson, id); err != nil {
			return err
		}
		if err := checkVersion(entityPerson, row.Version, ifVersion); err != nil {
			return err
		}
		if err := db.checkPersonReferences(ctx, tx, id, in); err != nil {
			return err
		}
		before := row.toDomain()
		admin, others, err := adminTokenHolders(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := domain.PersonChangeRefusal(actorOf(ctx).Role, before, admin, in); err != nil {
			return err
		}
		if err := domain.LastAdminRefusal(before, in, admin, others); err != nil {
			return err
		}
		if before.Active && !*in.Active {
			n, err := tx.NewSelect().Table("social_accounts").Where("responsible_person_id = ? AND status <> ?", id, string(domain.SocialRetired)).Count(ctx)
			if err != nil {
				return fmt.Errorf("store: count accounts: %w", err)
			}
			if n > 0 {
				return domain.Errorf(domain.ECONFLICT, "%s is the responsible person of %d social-media accounts; hand them over (PUT /v1/social-accounts/{id}/responsible-person) before setting the person inactive", row.Name, n).
					WithJa("%sさんはソーシャルメディアのアカウント%d件の責任者です。在職でない状態にする前に、責任者を引き継いでください。", row.Name, n)
			}
		}
		read := row.Version
		row.apply(in)
		row.Version, row.UpdatedAt = read+1, db.Now()
		if err := updateRow(ctx, tx, &row, entityPerson, id, read, ifVersion); err != nil {
			return translate(err)
		}
		out = row.toDomain()
		if out.Email != before.Email && db.emailChanged != nil { // the old address is told, in this transaction
			if err := db.emailChanged(ctx, tx.Tx, domain.EmailChangeNotice{PersonID: id, Name: out.Name, OldEmail: before.Email,
				NewEmail: out.Email, Locale: before.Locale, ChangedBy: actorOf(ctx).Name, ChangedAt: row.UpdatedAt}); err != nil {
				return err
			}
		}
		return db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditUpdate, EntityType: entityPerson, EntityID: id, Before: before, After: out})
	}()
	return out, err
}

// DeletePerson implements domain.PersonService.
func (db *DB) DeletePerson(ctx context.Context, id string, ifVersion *int) error {
	defer db.tokens.invalidate()
	return db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var row personRow
		if err := loadRow(ctx, tx, &row, entityPerson, id); err != nil {
			return err
		}
		if err := checkVersion(entityPerson, row.Version, ifVersion); err != nil {
			return err
		}
		blocking, blockingJa, err := blockingReferences(ctx, tx, personReferences, id)
		if err != nil {
			return err
		}
		if len(blocking) > 0 {
			return domain.Errorf(domain.ECONFLICT, "%s cannot be deleted while %s; set them inactive instead, or hand over first", row.Name, joinReasons(blocking)).
				WithJa("%sさんは、次の記録から参照されているため削除できません：%s。在職でない状態にするか、先に引き継いでください。", row.Name, joinReasonsJa(blockingJa))
		}
		if err := deleteRow(ctx, tx, &row, entityPerson, row.Version, ifVersion); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditDelete, EntityType: entityPerson, EntityID: id, Before: row.toDomain()})
	})
}

// adminTokenHolders reports whether the person holds an unrevoked admin
// token, and how many other active people do.
func adminTokenHolders(ctx context.Context, tx bun.IDB, personID string) (holds bool, others int, err error) {
	var ids []string
	err = tx.NewSelect().Table("tokens").ColumnExpr("DISTINCT tokens.person_id").
		Join("JOIN people ON people.id = tokens.person_id").
		Where("tokens.role = ? AND tokens.revoked_at IS NULL AND people.active = ?", string(domain.RoleAdmin), true).
		Scan(ctx, &ids)
	if err != nil {
		return false, 0, fmt.Errorf("store: find administrators: %w", err)
	}
	for _, id := range ids {
		if id == personID {
			holds = true
		} else {
			others++
		}
	}
	if !holds {
		// An inactive person's admin token still makes them an
		// administrator whose steering fields only admins change.
		holds, err = tx.NewSelect().Table("tokens").
			Where("person_id = ? AND role = ? AND revoked_at IS NULL", personID, string(domain.RoleAdmin)).Exists(ctx)
		if err != nil {
			return false, 0, fmt.Errorf("store: find administrator tokens: %w", err)
		}
	}
	return holds, others, nil
}

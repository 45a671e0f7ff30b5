package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/tabular"
)

// cell is one cell of a row with its column.
type cell struct {
	col    domain.Column
	header string
	value  string
}

// registerImporter is what an import needs of one register: load what
// matching and references need once, plan each row (match, the register's
// input, the register's own checks), and apply a planned row inside the
// commit's transaction through the register's create and replace.
type registerImporter interface {
	load(ctx context.Context, tx bun.Tx) error
	plan(ctx context.Context, tx bun.Tx, cells []cell, row *domain.ImportRow) error
	apply(ctx context.Context, tx bun.Tx, row *domain.ImportRow) error
}

var importers = map[string]func(db *DB) registerImporter{
	domain.RegisterVendors: func(db *DB) registerImporter { return &vendorImporter{db: db} },
}

// references resolves the cells that name other records.
type references struct {
	people      map[string]string // folded e-mail → id
	departments map[string]string // name → id
	// vendors, loaded for the contracts only: corporate number or name → id.
	vendors map[string]string
}

func (r *references) load(ctx context.Context, tx bun.Tx) error {
	var people []struct {
		ID    string `bun:"id"`
		Email string `bun:"email"`
	}
	if err := tx.NewSelect().Table("people").Column("id", "email").Scan(ctx, &people); err != nil {
		return wrap("load people", err)
	}
	r.people = make(map[string]string, len(people))
	for _, p := range people {
		r.people[foldEmail(p.Email)] = p.ID
	}
	var deps []struct {
		ID   string `bun:"id"`
		Name string `bun:"name"`
	}
	if err := tx.NewSelect().Table("departments").Column("id", "name").Scan(ctx, &deps); err != nil {
		return wrap("load departments", err)
	}
	r.departments = make(map[string]string, len(deps))
	for _, d := range deps {
		r.departments[strings.TrimSpace(domain.NormalizeIdentifier(d.Name))] = d.ID
	}
	return nil
}

func foldEmail(s string) string {
	return strings.ToLower(strings.TrimSpace(domain.NormalizeIdentifier(s)))
}

// rowErr adds a refusal of the cell's column.
func rowErr(row *domain.ImportRow, c *cell, en, ja string) {
	e := domain.ImportRowError{Row: row.Row, Message: en, Ja: ja}
	if c != nil {
		e.Column, e.Field = c.header, c.col.Key
	}
	row.Errors = append(row.Errors, e)
}

// fieldErrors adds the refusals of a register's checks, each on the column
// that fills its field (the row as a whole when none does).
func fieldErrors(row *domain.ImportRow, cells []cell, err error) error {
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.EINVALID {
		return err
	}
	if len(de.Fields) == 0 {
		rowErr(row, nil, de.Message, domain.MessageFor(de, domain.LocaleJa))
		return nil
	}
	for _, f := range de.Fields {
		var at *cell
		for i := range cells {
			c := &cells[i]
			if f.Field == c.col.Field || strings.HasPrefix(f.Field, c.col.Field+"[") || strings.HasPrefix(f.Field, c.col.Field+".") {
				at = c
				break
			}
		}
		// A refusal already said of the same column (the unknown e-mail
		// that left owner_id empty) is not said twice.
		if at != nil && hasColumnError(row, at.header) {
			continue
		}
		msg, ja := f.Message, f.MessageFor(domain.LocaleJa)
		if at == nil {
			msg = f.Field + ": " + msg
		}
		rowErr(row, at, msg, ja)
	}
	return nil
}

func hasColumnError(row *domain.ImportRow, header string) bool {
	for _, e := range row.Errors {
		if e.Column == header {
			return true
		}
	}
	return false
}

// overlay writes the cells over base (a pointer to a register's input,
// holding the matched record's current input or the zero input): each
// column sets its field, converted by the field's type; the fields of
// columns the file does not have keep their value. Cells that cannot be
// converted are refused on the row.
func (r *references) overlay(base any, cells []cell, row *domain.ImportRow) {
	raw, _ := json.Marshal(base)
	m := map[string]any{}
	_ = json.Unmarshal(raw, &m)
	t := reflect.TypeOf(base).Elem()
	for i := range cells {
		c := &cells[i]
		ft, nfkc := fieldType(t, c.col.Field)
		if ft == nil {
			continue
		}
		v, ok := r.convert(c, ft, nfkc, row)
		if !ok {
			continue
		}
		setPath(m, c.col.Field, v)
	}
	raw, _ = json.Marshal(m)
	out := reflect.New(t)
	if err := json.Unmarshal(raw, out.Interface()); err != nil {
		rowErr(row, nil, "the row cannot be read: "+err.Error(), "行を読み取れません。")
		return
	}
	reflect.ValueOf(base).Elem().Set(out.Elem())
}

var dateType = reflect.TypeOf(domain.Date{})

// convert turns a cell into the JSON value of its field.
func (r *references) convert(c *cell, ft reflect.Type, nfkc bool, row *domain.ImportRow) (any, bool) {
	s := domain.UnescapeFormula(strings.TrimSpace(c.value))
	ptr := ft.Kind() == reflect.Pointer
	if ptr {
		ft = ft.Elem()
	}
	if s == "" {
		if ptr {
			return nil, true
		}
		switch {
		case ft == dateType:
			return nil, true
		case ft.Kind() == reflect.Slice:
			return []any{}, true
		}
		return reflect.Zero(ft).Interface(), true
	}
	switch c.col.Ref {
	case domain.RefPersonEmail:
		id, ok := r.people[foldEmail(s)]
		if !ok {
			rowErr(row, c, fmt.Sprintf("no person has the e-mail %s", s), fmt.Sprintf("メールアドレス%sの職員は登録されていません。", s))
			return nil, false
		}
		return id, true
	case domain.RefVendor:
		id, ok := r.vendors[vendorKey(s)]
		if !ok {
			rowErr(row, c, fmt.Sprintf("no vendor has the corporate number or name %s", s), fmt.Sprintf("法人番号又は名称が「%s」の委託事業者は登録されていません。", s))
			return nil, false
		}
		return id, true
	case domain.RefDepartmentName:
		id, ok := r.departments[domain.NormalizeIdentifier(s)]
		if !ok {
			rowErr(row, c, fmt.Sprintf("no department is named %s", s), fmt.Sprintf("部署「%s」は登録されていません。", s))
			return nil, false
		}
		return id, true
	}
	switch {
	case ft == dateType:
		if d, ok := tabular.ExcelSerialDate(s); ok {
			return d, true
		}
		d, ok := domain.ParseImportDate(s)
		if !ok {
			rowErr(row, c, "is not a date (YYYY-MM-DD, YYYY/M/D or 和暦)", "日付ではありません（例：2025-04-01、2025/4/1、令和7年4月1日）。")
			return nil, false
		}
		return d.String(), true
	case ft.Kind() == reflect.Bool:
		b, ok := domain.ParseImportBool(s)
		if !ok {
			rowErr(row, c, "must be yes or no (true/false, はい/いいえ)", "「はい」又は「いいえ」で入力してください。")
			return nil, false
		}
		return b, true
	case ft.Kind() == reflect.Int || ft.Kind() == reflect.Int64:
		n, err := strconv.Atoi(strings.ReplaceAll(domain.NormalizeIdentifier(s), ",", ""))
		if err != nil {
			rowErr(row, c, "must be a whole number", "整数で入力してください。")
			return nil, false
		}
		return n, true
	case ft.Kind() == reflect.Slice:
		parts := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ';' || r == '；' || r == '\r' })
		out := make([]any, 0, len(parts))
		for _, p := range parts {
			if p = strings.TrimSpace(p); p != "" {
				if nfkc {
					p = domain.NormalizeIdentifier(p)
				}
				out = append(out, p)
			}
		}
		return out, true
	}
	if nfkc {
		s = strings.TrimSpace(domain.NormalizeIdentifier(s))
		if c.col.Field == "corporate_number" {
			s = strings.NewReplacer(" ", "", "-", "").Replace(s)
		}
	}
	return s, true
}

// fieldType finds the type of the field at a dotted JSON path, and whether
// it is tagged text:"nfkc" (numbers, codes, e-mails).
func fieldType(t reflect.Type, path string) (reflect.Type, bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Map {
		return t.Elem(), false
	}
	if t.Kind() != reflect.Struct {
		return nil, false
	}
	name, rest, nested := strings.Cut(path, ".")
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && tag == "" {
			if ft, nfkc := fieldType(f.Type, path); ft != nil {
				return ft, nfkc
			}
			continue
		}
		if tag != name {
			continue
		}
		if nested {
			return fieldType(f.Type, rest)
		}
		return f.Type, strings.Contains(f.Tag.Get("text"), "nfkc")
	}
	return nil, false
}

func setPath(m map[string]any, path string, v any) {
	name, rest, nested := strings.Cut(path, ".")
	if !nested {
		if v == nil {
			delete(m, name)
			return
		}
		m[name] = v
		return
	}
	sub, _ := m[name].(map[string]any)
	if sub == nil {
		sub = map[string]any{}
		m[name] = sub
	}
	setPath(sub, rest, v)
}

func getPath(m map[string]any, path string) any {
	name, rest, nested := strings.Cut(path, ".")
	if !nested {
		return m[name]
	}
	sub, _ := m[name].(map[string]any)
	if sub == nil {
		return nil
	}
	return getPath(sub, rest)
}

// changedFields lists the columns whose field differs between the record's
// current input and the row's.
func changedFields(before, after any, cells []cell) []string {
	var bm, am map[string]any
	b, _ := json.Marshal(before)
	_ = json.Unmarshal(b, &bm)
	a, _ := json.Marshal(after)
	_ = json.Unmarshal(a, &am)
	var out []string
	for _, c := range cells {
		x, y := getPath(bm, c.col.Field), getPath(am, c.col.Field)
		if zeroJSON(x) && zeroJSON(y) || reflect.DeepEqual(x, y) {
			continue
		}
		out = append(out, c.col.Key)
	}
	return out
}

func zeroJSON(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case bool:
		return !x
	case float64:
		return x == 0
	case []any:
		return len(x) == 0
	case map[string]any:
		for _, e := range x {
			if !zeroJSON(e) {
				return false
			}
		}
		return true
	}
	return false
}

// cellOf returns the cell of the column with key, or nil.
func cellOf(cells []cell, key string) *cell {
	for i := range cells {
		if cells[i].col.Key == key {
			return &cells[i]
		}
	}
	return nil
}

// finishPlan sets the row's action from its match and differences and
// keeps the input to apply.
func finishPlan(row *domain.ImportRow, matched bool, before, after any, cells []cell) {
	if len(row.Errors) > 0 {
		row.Action = domain.ImportError
		return
	}
	row.Input, _ = json.Marshal(after)
	switch {
	case !matched:
		row.Action = domain.ImportCreate
	default:
		row.ChangedFields = changedFields(before, after, cells)
		row.Action = domain.ImportUpdate
		if len(row.ChangedFields) == 0 {
			row.Action = domain.ImportUnchanged
		}
	}
}

// checkUnchanged refuses a commit when the record an unchanged row matched
// changed since the dry run.
func checkUnchanged(ctx context.Context, tx bun.Tx, table, kind string, row *domain.ImportRow) error {
	var v int
	err := tx.NewSelect().Table(table).Column("version").Where("id = ?", row.MatchID).Scan(ctx, &v)
	if err != nil {
		return notFound(kind, row.MatchID)
	}
	if v != row.MatchVersion {
		return staleVersion(kind, v, row.MatchVersion)
	}
	return nil
}

// vendorImporter imports vendors, matched by corporate number (法人番号),
// else by exact name.
type vendorImporter struct {
	db   *DB
	refs references
	byCN map[string]string
	// byName holds the vendors without a corporate number by name; a name
	// two of them share is "" (ambiguous).
	byName map[string]string
	seen   map[string]int
}

func (v *vendorImporter) load(ctx context.Context, tx bun.Tx) error {
	if err := v.refs.load(ctx, tx); err != nil {
		return err
	}
	var rows []struct {
		ID              string  `bun:"id"`
		Name            string  `bun:"name"`
		CorporateNumber *string `bun:"corporate_number"`
	}
	if err := tx.NewSelect().Table("vendors").Column("id", "name", "corporate_number").Scan(ctx, &rows); err != nil {
		return wrap("load vendors", err)
	}
	v.byCN, v.byName, v.seen = map[string]string{}, map[string]string{}, map[string]int{}
	for _, r := range rows {
		if r.CorporateNumber != nil && *r.CorporateNumber != "" {
			v.byCN[*r.CorporateNumber] = r.ID
		}
		if _, dup := v.byName[r.Name]; dup {
			v.byName[r.Name] = ""
		} else {
			v.byName[r.Name] = r.ID
		}
	}
	return nil
}

func (v *vendorImporter) plan(ctx context.Context, tx bun.Tx, cells []cell, row *domain.ImportRow) error {
	nameCell := cellOf(cells, "name")
	if nameCell == nil {
		return domain.Invalid("the file has no name column", domain.FieldError{Field: "file", Message: "needs a column name (名称)", Ja: "「名称」の列が必要です。"}).
			WithJa("ファイルに「名称」の列がありません。")
	}
	name := strings.TrimSpace(nameCell.value)
	cn := ""
	if c := cellOf(cells, "corporate_number"); c != nil {
		cn = strings.NewReplacer(" ", "", "-", "").Replace(domain.NormalizeIdentifier(strings.TrimSpace(c.value)))
	}
	key := "name:" + name
	if cn != "" {
		key = "cn:" + cn
	}
	if first, dup := v.seen[key]; dup && name != "" {
		rowErr(row, nameCell, fmt.Sprintf("the same vendor as row %d", first), fmt.Sprintf("%d行目と同じ委託事業者です。", first))
		return nil
	}
	v.seen[key] = row.Row
	id := ""
	switch {
	case cn != "" && v.byCN[cn] != "":
		id, row.MatchedBy = v.byCN[cn], domain.MatchCorporateNumber
	case name != "":
		if mid, ok := v.byName[name]; ok {
			if mid == "" {
				rowErr(row, nameCell, "two vendors have this name: give the corporate number (法人番号)", "この名称の委託事業者が複数あります。法人番号を入力してください。")
				return nil
			}
			id, row.MatchedBy = mid, domain.MatchName
		}
	}
	var before domain.VendorInput
	if id != "" {
		_, cur, err := v.db.loadVendor(ctx, tx, id)
		if err != nil {
			return err
		}
		// A name match with another corporate number is another vendor.
		if row.MatchedBy == domain.MatchName && cn != "" && cur.CorporateNumber != "" && cur.CorporateNumber != cn {
			id, row.MatchedBy = "", ""
		} else {
			before = vendorInputOf(cur)
			row.MatchID, row.MatchVersion = id, cur.Version
		}
	}
	in := before
	in.Certifications = append([]domain.Certification(nil), before.Certifications...)
	v.refs.overlay(&in, cells, row)
	if err := fieldErrors(row, cells, v.db.checkVendorInput(ctx, tx, &in)); err != nil {
		return err
	}
	finishPlan(row, id != "", before, in, cells)
	return nil
}

func (v *vendorImporter) apply(ctx context.Context, tx bun.Tx, row *domain.ImportRow) error {
	if row.Action == domain.ImportUnchanged {
		return checkUnchanged(ctx, tx, "vendors", entityVendor, row)
	}
	var in domain.VendorInput
	if err := json.Unmarshal(row.Input, &in); err != nil {
		return fmt.Errorf("store: read planned vendor: %w", err)
	}
	var err error
	if row.Action == domain.ImportCreate {
		_, err = v.db.createVendorTx(ctx, tx, in)
	} else {
		ver := row.MatchVersion
		_, err = v.db.replaceVendorTx(ctx, tx, row.MatchID, &ver, in)
	}
	return err
}

// vendorInputOf is the input that writes v again.
func vendorInputOf(v *domain.Vendor) domain.VendorInput {
	certs := make([]domain.Certification, len(v.Certifications))
	for i, c := range v.Certifications {
		c.Expired = false
		certs[i] = c
	}
	return domain.VendorInput{Name: v.Name, Kana: v.Kana, CorporateNumber: v.CorporateNumber, Address: v.Address, Website: v.Website,
		Contact: v.Contact, OwnerID: v.OwnerID, Notes: v.Notes, Certifications: certs}
}

// recordImporter imports a register whose rows are matched by one key
// (people by e-mail, social-media accounts by platform and handle, cloud
// services by name). I is the register's input.
type recordImporter[I any] struct {
	db   *DB
	refs references
	// table and kind name the register's table and entity.
	table, kind string
	by          domain.ImportMatchBy
	// keyColumns are the columns whose cells make the key; keyOf folds them.
	keyColumns []string
	keyOf      func(cells ...string) string
	// index loads the key → id of every record.
	index func(ctx context.Context, tx bun.Tx) (map[string]string, error)
	// current returns the input that writes the record again, and its version.
	current func(ctx context.Context, tx bun.Tx, id string) (I, int, error)
	// check is the register's own check of an input (as create and replace
	// make it); id is "" for a new record.
	check   func(ctx context.Context, tx bun.Tx, id string, in *I) error
	create  func(ctx context.Context, tx bun.Tx, in I) error
	replace func(ctx context.Context, tx bun.Tx, id string, ifVersion *int, in I) error

	ids  map[string]string
	seen map[string]int
}

func (p *recordImporter[I]) load(ctx context.Context, tx bun.Tx) error {
	if err := p.refs.load(ctx, tx); err != nil {
		return err
	}
	var err error
	p.ids, err = p.index(ctx, tx)
	p.seen = map[string]int{}
	return err
}

func (p *recordImporter[I]) plan(ctx context.Context, tx bun.Tx, cells []cell, row *domain.ImportRow) error {
	parts := make([]string, len(p.keyColumns))
	var first *cell
	for i, k := range p.keyColumns {
		c := cellOf(cells, k)
		if c == nil {
			return domain.Invalid("the file lacks a column that identifies the rows", domain.FieldError{Field: "file", Message: "needs the column " + k, Ja: "列「" + k + "」が必要です。"}).
				WithJa("行を特定する列がファイルにありません。")
		}
		if first == nil {
			first = c
		}
		parts[i] = c.value
	}
	key := p.keyOf(parts...)
	if key != "" {
		if n, dup := p.seen[key]; dup {
			rowErr(row, first, fmt.Sprintf("the same record as row %d", n), fmt.Sprintf("%d行目と同じ記録です。", n))
			return nil
		}
		p.seen[key] = row.Row
	}
	var before I
	id := p.ids[key]
	if id != "" && key != "" {
		cur, ver, err := p.current(ctx, tx, id)
		if err != nil {
			return err
		}
		before, row.MatchID, row.MatchVersion, row.MatchedBy = cur, id, ver, p.by
	} else {
		id = ""
	}
	// A deep copy, so that the overlay does not write into before's lists.
	var in I
	raw, _ := json.Marshal(before)
	_ = json.Unmarshal(raw, &in)
	p.refs.overlay(&in, cells, row)
	if err := fieldErrors(row, cells, p.check(ctx, tx, id, &in)); err != nil {
		return err
	}
	finishPlan(row, id != "", before, in, cells)
	return nil
}

func (p *recordImporter[I]) apply(ctx context.Context, tx bun.Tx, row *domain.ImportRow) error {
	if row.Action == domain.ImportUnchanged {
		return checkUnchanged(ctx, tx, p.table, p.kind, row)
	}
	var in I
	if err := json.Unmarshal(row.Input, &in); err != nil {
		return fmt.Errorf("store: read planned %s: %w", p.kind, err)
	}
	if row.Action == domain.ImportCreate {
		return p.create(ctx, tx, in)
	}
	ver := row.MatchVersion
	return p.replace(ctx, tx, row.MatchID, &ver, in)
}

// inputOf is the input that writes a record again: the record's JSON read
// into the input type (their fields share names).
func inputOf[I any](record any) I {
	var in I
	raw, _ := json.Marshal(record)
	_ = json.Unmarshal(raw, &in)
	return in
}

// keyIndex reads "key → id" pairs with a query of two columns.
func keyIndex(ctx context.Context, tx bun.Tx, query string, fold func(cells ...string) string) (map[string]string, error) {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return nil, wrap("load import index", err)
	}
	defer func() { _ = rows.Close() }()
	out := map[string]string{}
	for rows.Next() {
		var id, a, b string
		if err := rows.Scan(&id, &a, &b); err != nil {
			return nil, wrap("load import index", err)
		}
		out[fold(a, b)] = id
	}
	return out, wrap("load import index", rows.Err())
}

func init() {
	importers[domain.RegisterPeople] = func(db *DB) registerImporter {
		return &recordImporter[domain.PersonInput]{db: db, table: "people", kind: entityPerson, by: domain.MatchEmail,
			keyColumns: []string{"email"}, keyOf: func(c ...string) string { return foldEmail(c[0]) },
			index: func(ctx context.Context, tx bun.Tx) (map[string]string, error) {
				return keyIndex(ctx, tx, "SELECT id, email, '' FROM people", func(c ...string) string { return foldEmail(c[0]) })
			},
			current: func(ctx context.Context, tx bun.Tx, id string) (domain.PersonInput, int, error) {
				var row personRow
				if err := loadRow(ctx, tx, &row, entityPerson, id); err != nil {
					return domain.PersonInput{}, 0, err
				}
				p := row.toDomain()
				in := inputOf[domain.PersonInput](p)
				in.Active = &p.Active
				return in, p.Version, nil
			},
			check: func(ctx context.Context, tx bun.Tx, id string, in *domain.PersonInput) error {
				in.Normalize()
				if err := domain.Validate(in); err != nil {
					return err
				}
				return db.checkPersonReferences(ctx, tx, id, *in)
			},
			create: func(ctx context.Context, tx bun.Tx, in domain.PersonInput) error {
				_, err := db.createPerson(ctx, tx, in)
				return err
			},
			replace: func(ctx context.Context, tx bun.Tx, id string, v *int, in domain.PersonInput) error {
				_, err := db.replacePersonTx(ctx, tx, id, v, in)
				return err
			},
		}
	}
	handleKey := func(c ...string) string {
		h := strings.ToLower(domain.NormalizeHandle(strings.TrimSpace(domain.NormalizeIdentifier(c[1]))))
		if h == "" {
			return ""
		}
		return strings.ToLower(strings.TrimSpace(c[0])) + "/" + h
	}
	importers[domain.RegisterSocialAccounts] = func(db *DB) registerImporter {
		return &recordImporter[domain.SocialAccountInput]{db: db, table: "social_accounts", kind: entitySocialAccount, by: domain.MatchHandle,
			keyColumns: []string{"platform", "handle"}, keyOf: handleKey,
			index: func(ctx context.Context, tx bun.Tx) (map[string]string, error) {
				return keyIndex(ctx, tx, "SELECT id, platform, handle FROM social_accounts", handleKey)
			},
			current: func(ctx context.Context, tx bun.Tx, id string) (domain.SocialAccountInput, int, error) {
				var row socialAccountRow
				if err := loadRow(ctx, tx, &row, entitySocialAccount, id); err != nil {
					return domain.SocialAccountInput{}, 0, err
				}
				a := row.toDomain()
				return inputOf[domain.SocialAccountInput](a), a.Version, nil
			},
			check: func(ctx context.Context, tx bun.Tx, id string, in *domain.SocialAccountInput) error {
				active := true
				if id != "" {
					var row socialAccountRow
					if err := loadRow(ctx, tx, &row, entitySocialAccount, id); err != nil {
						return err
					}
					if err := accountRetired(&row); err != nil {
						return domain.Invalid(domain.ErrorMessageOf(err), domain.FieldError{Field: "handle", Message: domain.ErrorMessageOf(err), Ja: domain.MessageFor(err, domain.LocaleJa)})
					}
					active = row.Status == string(domain.SocialActive)
					if in.ResponsiblePersonID != row.ResponsiblePersonID {
						return domain.Invalid("the responsible person changes only through its own operation",
							domain.FieldError{Field: "responsible_person_id", Message: "is not the account's responsible person: hand the account over with PUT /v1/social-accounts/{id}/responsible-person",
								Ja: "取込みでは責任者を変更できません。責任者の引継ぎの操作で変更してください。", Value: in.ResponsiblePersonID})
					}
				}
				return db.checkSocialAccountInput(ctx, tx, in, active)
			},
			create: func(ctx context.Context, tx bun.Tx, in domain.SocialAccountInput) error {
				_, err := db.createSocialAccountTx(ctx, tx, in)
				return err
			},
			replace: func(ctx context.Context, tx bun.Tx, id string, v *int, in domain.SocialAccountInput) error {
				_, err := db.replaceSocialAccountTx(ctx, tx, id, v, in)
				return err
			},
		}
	}
	nameKey := func(c ...string) string { return strings.TrimSpace(domain.NormalizeIdentifier(c[0])) }
	importers[domain.RegisterCloudServices] = func(db *DB) registerImporter {
		return &recordImporter[domain.CloudServiceInput]{db: db, table: "cloud_services", kind: entityCloudService, by: domain.MatchName,
			keyColumns: []string{"name"}, keyOf: nameKey,
			index: func(ctx context.Context, tx bun.Tx) (map[string]string, error) {
				return keyIndex(ctx, tx, "SELECT id, name, '' FROM cloud_services", nameKey)
			},
			current: func(ctx context.Context, tx bun.Tx, id string) (domain.CloudServiceInput, int, error) {
				var row cloudServiceRow
				if err := loadRow(ctx, tx, &row, entityCloudService, id); err != nil {
					return domain.CloudServiceInput{}, 0, err
				}
				s := row.toDomain()
				return inputOf[domain.CloudServiceInput](s), s.Version, nil
			},
			check: func(ctx context.Context, tx bun.Tx, _ string, in *domain.CloudServiceInput) error {
				return db.checkCloudServiceInput(ctx, tx, in)
			},
			create: func(ctx context.Context, tx bun.Tx, in domain.CloudServiceInput) error {
				_, err := db.createCloudServiceTx(ctx, tx, in)
				return err
			},
			replace: func(ctx context.Context, tx bun.Tx, id string, v *int, in domain.CloudServiceInput) error {
				_, err := db.replaceCloudServiceTx(ctx, tx, id, v, in)
				return err
			},
		}
	}
}

package domain

import "strings"

// Registers whose rows are imported from and exported to spreadsheets.
const (
	RegisterVendors        = "vendors"
	RegisterContracts      = "contracts"
	RegisterCloudServices  = "cloud-services"
	RegisterSocialAccounts = "social-accounts"
	RegisterPeople         = "people"
)

// ImportRegisters lists the registers a spreadsheet can be imported into,
// in a stable order.
var ImportRegisters = []string{RegisterVendors, RegisterContracts, RegisterCloudServices, RegisterSocialAccounts, RegisterPeople}

// ColumnRef says how a column names another record: by its e-mail, name or
// corporate number instead of its id, since people who keep the register in
// Excel know them by those.
type ColumnRef string

// Column references.
const (
	// RefNone: the cell holds the field's own value.
	RefNone ColumnRef = ""
	// RefPersonEmail: the field is a person's id; the cell holds their e-mail.
	RefPersonEmail ColumnRef = "person_email"
	// RefDepartmentName: the field is a department's id; the cell holds its name.
	RefDepartmentName ColumnRef = "department_name"
	// RefVendor: the field is a vendor's id; the cell holds its corporate
	// number (法人番号) or, for a vendor without one, its name.
	RefVendor ColumnRef = "vendor"
)

// ListSeparator joins the entries of a list field in one cell (an export
// writes one entry a line; an import also accepts "；" and ";").
const ListSeparator = "\n"

// Column is one column of a register's spreadsheet: the same for import and
// export, so that an exported file imports again with nothing to change.
type Column struct {
	// Key is the English header: the JSON field's name, or for a reference
	// column the field with what names the record (owner_email).
	Key string
	// Ja is the Japanese header, what an export in Japanese writes.
	Ja string
	// Field is the JSON field the column fills, nested with dots
	// (operating_procedure.version).
	Field string
	// Ref says how the cell names another record; RefNone for a value.
	Ref ColumnRef
	// List: the field is a list of strings, one entry a line.
	List bool
}

// En is the English header.
func (c Column) En() string { return c.Key }

// Header is the header in locale l.
func (c Column) Header(l Locale) string {
	if l == LocaleEn {
		return c.Key
	}
	return c.Ja
}

// ClauseColumnPrefix starts the key of a contract's clause columns:
// "clause.<code>" holds included, waived or missing for one catalogue clause.
const ClauseColumnPrefix = "clause."

// ClauseColumn is the column of one clause of the clause catalogue on the
// contracts sheet; its cell is included, waived or missing. The waiver's
// reason and the article go in the contract's free columns of the import.
func ClauseColumn(code, titleJa string) Column {
	return Column{Key: ClauseColumnPrefix + code, Ja: "条項：" + titleJa, Field: ClauseColumnPrefix + code}
}

var registerColumns = map[string][]Column{
	RegisterVendors: {
		{Key: "name", Ja: "名称", Field: "name"},
		{Key: "kana", Ja: "フリガナ", Field: "kana"},
		{Key: "corporate_number", Ja: "法人番号", Field: "corporate_number"},
		{Key: "address", Ja: "所在地", Field: "address"},
		{Key: "website", Ja: "ウェブサイト", Field: "website"},
		{Key: "contact.name", Ja: "連絡先担当者", Field: "contact.name"},
		{Key: "contact.email", Ja: "連絡先メールアドレス", Field: "contact.email"},
		{Key: "contact.phone", Ja: "連絡先電話番号", Field: "contact.phone"},
		{Key: "owner_email", Ja: "所管職員メールアドレス", Field: "owner_id", Ref: RefPersonEmail},
		{Key: "notes", Ja: "備考", Field: "notes"},
	},
	RegisterContracts: {
		{Key: "vendor", Ja: "委託事業者", Field: "vendor_id", Ref: RefVendor},
		{Key: "title", Ja: "契約件名", Field: "title"},
		{Key: "scope", Ja: "委託内容", Field: "scope"},
		{Key: "start_date", Ja: "契約開始日", Field: "start_date"},
		{Key: "end_date", Ja: "契約終了日", Field: "end_date"},
		{Key: "auto_renew", Ja: "自動更新", Field: "auto_renew"},
		{Key: "renewal_term_months", Ja: "更新期間（月）", Field: "renewal_term_months"},
		{Key: "notice_period_days", Ja: "解約予告期間（日）", Field: "notice_period_days"},
		{Key: "work_location", Ja: "作業場所", Field: "work_location"},
		{Key: "vendor_manager_name", Ja: "委託先責任者", Field: "vendor_manager_name"},
		{Key: "subcontracting_allowed", Ja: "再委託の可否", Field: "subcontracting_allowed"},
		{Key: "subcontractors", Ja: "再委託先", Field: "subcontractors", List: true},
		{Key: "owner_email", Ja: "所管職員メールアドレス", Field: "owner_id", Ref: RefPersonEmail},
	},
	RegisterCloudServices: {
		{Key: "name", Ja: "サービス名", Field: "name"},
		{Key: "provider", Ja: "提供事業者", Field: "provider"},
		{Key: "service_url", Ja: "サービスのURL", Field: "service_url"},
		{Key: "terms_url", Ja: "約款のURL", Field: "terms_url"},
		{Key: "terms_version", Ja: "約款の版", Field: "terms_version"},
		{Key: "terms_reviewed_at", Ja: "約款の確認日", Field: "terms_reviewed_at"},
		{Key: "permitted_uses", Ja: "利用を認める用途", Field: "permitted_uses", List: true},
		{Key: "responsible_person_email", Ja: "責任者メールアドレス", Field: "responsible_person_id", Ref: RefPersonEmail},
		{Key: "department", Ja: "所管部署", Field: "department_id", Ref: RefDepartmentName},
		{Key: "review_interval_months", Ja: "見直し間隔（月）", Field: "review_interval_months"},
	},
	RegisterSocialAccounts: {
		{Key: "platform", Ja: "サービス", Field: "platform"},
		{Key: "handle", Ja: "アカウント名", Field: "handle"},
		{Key: "profile_url", Ja: "プロフィールのURL", Field: "profile_url"},
		{Key: "purpose", Ja: "利用目的", Field: "purpose"},
		{Key: "department", Ja: "所管部署", Field: "department_id", Ref: RefDepartmentName},
		{Key: "responsible_person_email", Ja: "責任者メールアドレス", Field: "responsible_person_id", Ref: RefPersonEmail},
		{Key: "operating_procedure.document_ref", Ja: "運用手順書の文書番号", Field: "operating_procedure.document_ref"},
		{Key: "operating_procedure.version", Ja: "運用手順書の版", Field: "operating_procedure.version"},
		{Key: "operating_procedure.approved_on", Ja: "運用手順書の承認日", Field: "operating_procedure.approved_on"},
		{Key: "publishing_rules.allowed_categories", Ja: "発信してよい分類", Field: "publishing_rules.allowed_categories", List: true},
		{Key: "publishing_rules.prohibited_terms", Ja: "発信してはならない語", Field: "publishing_rules.prohibited_terms", List: true},
		{Key: "review_interval_months", Ja: "見直し間隔（月）", Field: "review_interval_months"},
	},
	RegisterPeople: {
		{Key: "name", Ja: "氏名", Field: "name"},
		{Key: "email", Ja: "メールアドレス", Field: "email"},
		{Key: "department", Ja: "所属部署", Field: "department_id", Ref: RefDepartmentName},
		{Key: "employment_type", Ja: "任用形態", Field: "employment_type"},
		{Key: "security_roles", Ja: "情報セキュリティ上の役割", Field: "security_roles", List: true},
		{Key: "supervisor_email", Ja: "上司のメールアドレス", Field: "supervisor_id", Ref: RefPersonEmail},
		{Key: "locale", Ja: "言語", Field: "locale"},
		{Key: "active", Ja: "在職", Field: "active"},
	},
}

// ColumnsOf returns the columns of a register's spreadsheet in order, or
// nil for a register that has none. The contracts sheet also has one
// ClauseColumn per catalogue clause after these.
func ColumnsOf(register string) []Column {
	return append([]Column(nil), registerColumns[register]...)
}

// ColumnByHeader finds the column a header names: its Japanese or English
// header, compared without regard to case, width (全角・半角) or
// surrounding spaces. The contracts sheet's clause columns are matched by
// "clause.<code>" only (their Japanese headers follow the catalogue).
func ColumnByHeader(register, header string) (Column, bool) {
	h := foldHeader(header)
	for _, c := range registerColumns[register] {
		if h == foldHeader(c.Key) || h == foldHeader(c.Ja) {
			return c, true
		}
	}
	if register == RegisterContracts && strings.HasPrefix(h, ClauseColumnPrefix) && len(h) > len(ClauseColumnPrefix) {
		code := h[len(ClauseColumnPrefix):]
		return Column{Key: h, Ja: h, Field: ClauseColumnPrefix + code}, true
	}
	return Column{}, false
}

// ClauseColumnByHeader finds the clause column a header of the contracts
// sheet names, by "clause.<code>" or by the Japanese header ClauseColumn
// gives a clause of the catalogue.
func ClauseColumnByHeader(header string, clauses []*CatalogueItem) (Column, bool) {
	h := foldHeader(header)
	for _, it := range clauses {
		c := ClauseColumn(it.Code, it.TitleJa)
		if h == foldHeader(c.Key) || h == foldHeader(c.Ja) {
			return c, true
		}
	}
	return Column{}, false
}

// formulaStarts are the first characters that make a spreadsheet read a
// cell as a formula (CSV injection).
const formulaStarts = "=+-@\t\r"

// EscapeFormula neutralises a text cell against formula injection: a value
// a spreadsheet would read as a formula (starting with =, +, -, @, tab or
// carriage return) gets a leading apostrophe. Every export writes its text
// cells through it, and an import reads them back with UnescapeFormula.
func EscapeFormula(s string) string {
	if s != "" && strings.ContainsRune(formulaStarts, rune(s[0])) {
		return "'" + s
	}
	return s
}

// UnescapeFormula undoes EscapeFormula: the value an import reads from a
// cell an export wrote.
func UnescapeFormula(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune(formulaStarts, rune(s[1])) {
		return s[1:]
	}
	return s
}

// foldHeader folds a header for comparison: NFKC (width), lower case, no
// surrounding spaces.
func foldHeader(s string) string {
	return strings.ToLower(strings.TrimSpace(NormalizeIdentifier(s)))
}

package domain

import (
	"context"
	"time"
)

// Catalogue names one of the catalogues of checkable items.
type Catalogue string

// The catalogues seeded from the policy.
const (
	// CatalogueClauses holds the security clauses every outsourcing contract
	// should contain (契約項目).
	CatalogueClauses Catalogue = "clauses"
	// CatalogueSelectionCriteria holds the criteria recorded when a contractor
	// is selected (委託事業者の選定基準).
	CatalogueSelectionCriteria Catalogue = "selection_criteria"
	// CatalogueTermsChecks holds the risk checklist for services used under
	// standard terms (約款による外部サービス).
	CatalogueTermsChecks Catalogue = "terms_checks"
)

// CatalogueItem is one entry of a catalogue. Its Code never changes; a retired
// item stays wherever it is already used but is not offered for new records.
type CatalogueItem struct {
	Catalogue Catalogue  `json:"catalogue" enum:"clauses,selection_criteria,terms_checks,inspection_checklist" doc:"The catalogue the item belongs to."`
	Code      string     `json:"code" pattern:"^[a-z][a-z0-9_]{1,79}$" doc:"Stable code, never changed." example:"confidentiality"`
	TitleJa   string     `json:"title_ja" doc:"Title in Japanese." example:"業務上知り得た情報の守秘義務"`
	TitleEn   string     `json:"title_en" doc:"Title in English." example:"Confidentiality"`
	Mandatory bool       `json:"mandatory" doc:"Whether every record must cover the item."`
	Position  int        `json:"position" doc:"Display order within the catalogue."`
	RetiredAt *time.Time `json:"retired_at,omitempty" doc:"When the item was retired; absent while it is in use."`
	Version   int        `json:"version" doc:"Increases with every change; sent back in If-Match."`
	CreatedAt time.Time  `json:"created_at" doc:"When the item was created (RFC 3339, UTC)."`
	UpdatedAt time.Time  `json:"updated_at" doc:"When the item last changed (RFC 3339, UTC)."`
}

// SeedCatalogueItem is one built-in catalogue entry of the policy.
type SeedCatalogueItem struct {
	Catalogue Catalogue
	Code      string
	TitleJa   string
	TitleEn   string
	Mandatory bool
}

// SeedCatalogue lists the built-in entries of every catalogue, in display
// order, as DESIGN.md gives them. They are created on the first start of an
// empty database; administrators may add their own later.
var SeedCatalogue = []SeedCatalogueItem{
	{CatalogueClauses, "policy_compliance", "情報セキュリティポリシー及び実施手順の遵守", "Compliance with the information security policy and procedures", true},
	{CatalogueClauses, "responsible_scope_staff_location", "委託事業者の責任者、委託内容、作業者の所属、作業場所の特定", "Named manager, scope, workers and work site", true},
	{CatalogueClauses, "service_level_guarantee", "提供されるサービスレベルの保証", "Service level guarantee", true},
	{CatalogueClauses, "access_scope_method", "アクセスを許可する情報の種類と範囲、アクセス方法", "Information that may be accessed, and how", true},
	{CatalogueClauses, "staff_training", "従業員に対する教育の実施", "Training of the contractor's staff", true},
	{CatalogueClauses, "no_secondary_use_or_disclosure", "提供された情報の目的外利用及び受託者以外の者への提供の禁止", "No use beyond the purpose, no disclosure to others", true},
	{CatalogueClauses, "confidentiality", "業務上知り得た情報の守秘義務", "Confidentiality", true},
	{CatalogueClauses, "subcontracting_restriction", "再委託に関する制限事項の遵守", "Limits on subcontracting", true},
	{CatalogueClauses, "return_disposal_on_termination", "委託業務終了時の情報資産の返還、廃棄等", "Return or destruction of information assets at the end", true},
	{CatalogueClauses, "periodic_and_emergency_reporting", "委託業務の定期報告及び緊急時報告義務", "Periodic and emergency reporting", true},
	{CatalogueClauses, "audit_inspection_right", "組合による監査、検査", "Right to audit and inspect", true},
	{CatalogueClauses, "incident_publication", "組合による情報セキュリティインシデントの公表", "Right to publish security incidents", true},
	{CatalogueClauses, "breach_remedies", "情報セキュリティポリシーが遵守されなかった場合の規定（損害賠償等）", "Remedies when the policy is breached (damages etc.)", true},

	{CatalogueSelectionCriteria, "sel_no_secondary_use", "提供する情報の目的外利用の防止", "Prevention of use of our information beyond the purpose", true},
	{CatalogueSelectionCriteria, "sel_security_measures_and_org", "情報セキュリティ対策の実施状況及び管理体制", "Security measures in place and the organisation behind them", true},
	{CatalogueSelectionCriteria, "sel_unintended_change_control", "意図せざる変更が加えられないための管理体制", "Controls against unintended changes", true},
	{CatalogueSelectionCriteria, "sel_capital_officers_location_staff", "資本関係・役員等の情報、実施場所、従事者の所属・専門性", "Capital, officers, work location and staff", true},
	{CatalogueSelectionCriteria, "sel_track_record_nationality", "実績及び従事者の国籍に関する情報", "Track record and nationality of staff", true},
	{CatalogueSelectionCriteria, "sel_security_requirements_impl", "情報セキュリティ要件の実装", "Implementation of the security requirements", true},
	{CatalogueSelectionCriteria, "sel_security_testing", "セキュリティ試験の実施", "Security testing", true},
	{CatalogueSelectionCriteria, "sel_incident_handling", "情報セキュリティインシデントへの対処方法", "Handling of security incidents", true},
	{CatalogueSelectionCriteria, "sel_compliance_verification_method", "情報セキュリティ対策の履行状況の確認方法", "How compliance with the measures is verified", true},
	{CatalogueSelectionCriteria, "sel_insufficient_performance_remedy", "履行が不十分な場合の対処方法", "Remedies when performance is insufficient", true},

	{CatalogueTermsChecks, "tos_data_handling_duties", "情報の取扱いに関する義務（守秘、目的外利用及び第三者提供の禁止、確実な廃棄）", "Data handling duties (confidentiality, no off-purpose use, no third-party provision, secure disposal)", true},
	{CatalogueTermsChecks, "tos_usage_rights", "利用者の情報に対する事業者の権利主張がないこと", "The provider claims no rights over our data", true},
	{CatalogueTermsChecks, "tos_log_and_incident_cooperation", "ログの提供及びインシデント発生時の協力", "Logs and cooperation on incidents", true},
	{CatalogueTermsChecks, "tos_stated_safeguards", "明示された情報セキュリティ対策", "Stated security safeguards", true},
	{CatalogueTermsChecks, "tos_unilateral_change_or_suspension", "約款の一方的な変更及びサービス停止の条件", "Conditions of unilateral change or suspension", true},

	// The self-inspection checklist (自己点検項目, 第7). The first eight are
	// pre-filled from the register (PrefilledItems); the last two need a
	// person's judgement.
	{CatalogueInspectionChecklist, InspContractClausesCovered, "実施中のすべての委託契約に、必要な情報セキュリティ条項が記載されている（又は承認された適用除外がある）", "Every active contract has its security clauses covered (or an approved waiver)", true},
	{CatalogueInspectionChecklist, InspConfirmationsOnTime, "委託先の遵守状況の確認を期限までに実施している（期限を過ぎた確認がない）", "Every contractor's security confirmation is done on time (none overdue)", true},
	{CatalogueInspectionChecklist, InspCorrectiveActionsFollowed, "是正措置を期限までに実施している（期限を過ぎた是正措置がない）", "Corrective actions are followed up on time (none overdue)", true},
	{CatalogueInspectionChecklist, InspVendorCertificationsValid, "委託事業者の認証（ISMS等）が有効期限内である", "Contractors' certifications are valid", true},
	{CatalogueInspectionChecklist, InspCloudReviewed, "約款による外部サービスを、定めた間隔（既定12か月）で見直している", "Every service under standard terms was reviewed within its interval (12 months by default)", true},
	{CatalogueInspectionChecklist, InspCloudNoConfidential, "約款による外部サービスで、機密性2以上の情報を取り扱っていない", "No service under standard terms handles information of confidentiality 2 or above", true},
	{CatalogueInspectionChecklist, InspSocialOneResponsibleAndProcedur, "ソーシャルメディアの各アカウントに、責任者が1名定められ、運用手順がある", "Every social-media account has one responsible person and an operating procedure", true},
	{CatalogueInspectionChecklist, InspSocialReviewed, "ソーシャルメディアのアカウントを、定めた間隔で見直している", "Every social-media account was reviewed within its interval", true},
	{CatalogueInspectionChecklist, InspStaffTraining, "部署の職員が、今年度の情報セキュリティ研修を受講している", "The department's staff took this year's security training", true},
	{CatalogueInspectionChecklist, InspIncidentProcedureKnown, "部署の職員が、情報セキュリティインシデント発生時の報告手順を知っている", "The department's staff know how to report a security incident", true},
}

// SeedService sets up an empty database.
type SeedService interface {
	// SeedIfEmpty creates the catalogues and the departments of the policy,
	// once. When no token exists yet it also creates an admin person and a
	// token for them and returns the token's secret ("" otherwise). It is
	// safe to call on every start.
	SeedIfEmpty(ctx context.Context) (FirstAdmin, error)
}

// FirstAdmin is what SeedIfEmpty created for the first administrator.
type FirstAdmin struct {
	Person *Person
	Token  *Token
	// Secret is the token's secret; empty when no token was created.
	Secret string
}

// CatalogueItemInput creates a catalogue item.
type CatalogueItemInput struct {
	Code      string `json:"code" pattern:"^[a-z][a-z0-9_]{1,79}$" doc:"Stable code: lower-case letters, digits and underscores; never changes." example:"cloud_region_restriction" text:"nfkc"`
	TitleJa   string `json:"title_ja" minLength:"1" maxLength:"300" doc:"Title in Japanese." example:"データ保管場所の国内限定" validate:"required,max=300"`
	TitleEn   string `json:"title_en" minLength:"1" maxLength:"300" doc:"Title in English." example:"Data kept in Japan" validate:"required,max=300"`
	Mandatory bool   `json:"mandatory" doc:"Whether every record must cover the item."`
}

// CatalogueTitles edits an item's titles; its code never changes.
type CatalogueTitles struct {
	TitleJa string `json:"title_ja" minLength:"1" maxLength:"300" doc:"Title in Japanese." validate:"required,max=300"`
	TitleEn string `json:"title_en" minLength:"1" maxLength:"300" doc:"Title in English." validate:"required,max=300"`
}

// CatalogueService manages the catalogues.
type CatalogueService interface {
	// ListCatalogueItems returns a catalogue's items in display order;
	// retired items only when includeRetired.
	ListCatalogueItems(ctx context.Context, c Catalogue, includeRetired bool) ([]*CatalogueItem, error)
	// FindCatalogueItem returns one item. ENOTFOUND.
	FindCatalogueItem(ctx context.Context, c Catalogue, code string) (*CatalogueItem, error)
	// CreateCatalogueItem adds an item at the end. EINVALID, ECONFLICT for a
	// code in use.
	CreateCatalogueItem(ctx context.Context, c Catalogue, in CatalogueItemInput) (*CatalogueItem, error)
	// RetitleCatalogueItem changes an item's titles. ENOTFOUND, EINVALID,
	// ESTALE.
	RetitleCatalogueItem(ctx context.Context, c Catalogue, code string, ifVersion *int, in CatalogueTitles) (*CatalogueItem, error)
	// RetireCatalogueItem retires an item; records that use it keep it.
	// ENOTFOUND, ECONFLICT when already retired, ESTALE.
	RetireCatalogueItem(ctx context.Context, c Catalogue, code string, ifVersion *int) (*CatalogueItem, error)
}

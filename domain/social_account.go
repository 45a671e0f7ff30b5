package domain

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Platform is a social-media service.
type Platform string

// Supported platforms.
const (
	PlatformX         Platform = "x"
	PlatformFacebook  Platform = "facebook"
	PlatformInstagram Platform = "instagram"
	PlatformLine      Platform = "line"
	PlatformYouTube   Platform = "youtube"
	PlatformTikTok    Platform = "tiktok"
	PlatformOther     Platform = "other"
)

// platformProfile describes how a platform's profile URLs look.
type platformProfile struct {
	hosts     []string // accepted hosts, canonical first
	handle    *regexp.Regexp
	canonical func(handle string) string
	// handleFromPath extracts the handle from a profile URL path.
	handleFromPath func(path string) string
}

func firstSegment(prefix string) func(string) string {
	return func(p string) string {
		p = strings.TrimPrefix(p, "/")
		seg, _, _ := strings.Cut(p, "/")
		return strings.TrimPrefix(seg, prefix)
	}
}

var platformProfiles = map[Platform]platformProfile{
	PlatformX: {
		hosts:  []string{"x.com", "www.x.com", "twitter.com", "www.twitter.com", "mobile.twitter.com", "mobile.x.com"},
		handle: regexp.MustCompile(`^[A-Za-z0-9_]{1,15}$`), canonical: func(h string) string { return "https://x.com/" + h },
		handleFromPath: firstSegment(""),
	},
	PlatformFacebook: {
		hosts: []string{"www.facebook.com", "facebook.com", "m.facebook.com"}, handle: regexp.MustCompile(`^[A-Za-z0-9.]{5,50}$`),
		canonical: func(h string) string { return "https://www.facebook.com/" + h }, handleFromPath: firstSegment(""),
	},
	PlatformInstagram: {
		hosts: []string{"www.instagram.com", "instagram.com"}, handle: regexp.MustCompile(`^[A-Za-z0-9._]{1,30}$`),
		canonical: func(h string) string { return "https://www.instagram.com/" + h + "/" }, handleFromPath: firstSegment(""),
	},
	PlatformLine: {
		hosts: []string{"page.line.me", "line.me"}, handle: regexp.MustCompile(`^@?[a-z0-9._\-]{3,20}$`),
		canonical: func(h string) string { return "https://page.line.me/" + strings.TrimPrefix(h, "@") },
		handleFromPath: func(p string) string {
			p = strings.TrimPrefix(p, "/R/ti/p/")
			return strings.TrimPrefix(firstSegment("")(p), "%40")
		},
	},
	PlatformYouTube: {
		hosts: []string{"www.youtube.com", "youtube.com", "m.youtube.com"}, handle: regexp.MustCompile(`^[A-Za-z0-9._\-]{3,30}$`),
		canonical: func(h string) string { return "https://www.youtube.com/@" + h }, handleFromPath: firstSegment("@"),
	},
	PlatformTikTok: {
		hosts: []string{"www.tiktok.com", "tiktok.com"}, handle: regexp.MustCompile(`^[A-Za-z0-9._]{2,24}$`),
		canonical: func(h string) string { return "https://www.tiktok.com/@" + h }, handleFromPath: firstSegment("@"),
	},
}

// NormalizeHandle returns the handle as stored: without a leading @ (LINE
// keeps its @ form out too), lower-cased for uniqueness.
func NormalizeHandle(h string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(h), "@"))
}

// NormalizeProfileURL checks a profile URL against its platform and handle
// and returns it in canonical form (https, the platform's main host, no query
// or fragment). An empty raw URL is built from the handle. It returns a
// sentence saying what is wrong, or "".
func NormalizeProfileURL(p Platform, handle, raw string) (string, string) {
	canonical, problem, _ := normalizeProfileURL(p, handle, raw)
	return canonical, problem
}

// normalizeProfileURL is NormalizeProfileURL with the Japanese of the
// problem for the staff pages.
func normalizeProfileURL(p Platform, handle, raw string) (canonical, problem, ja string) {
	raw = strings.TrimSpace(raw)
	h := NormalizeHandle(handle)
	prof, known := platformProfiles[p]
	if !known {
		if raw == "" {
			return "", "is required for platform other", "その他のサービスでは、プロフィールのURLを入力してください。"
		}
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return "", "must be an https URL", "https で始まるURLを入力してください。"
		}
		u.RawQuery, u.Fragment = "", ""
		u.Host = strings.ToLower(u.Host)
		return u.String(), "", ""
	}
	if !prof.handle.MatchString(h) {
		return "", "the handle " + handle + " is not a valid " + string(p) + " handle",
			"アカウント名「" + handle + "」は、" + p.DisplayName(LocaleJa) + "のアカウント名として正しくありません。"
	}
	if raw == "" {
		return prof.canonical(h), "", ""
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", "must be an https URL of the profile", "プロフィールのURLを https で始まる形式で入力してください。"
	}
	host := strings.ToLower(u.Host)
	hostOK := false
	for _, allowed := range prof.hosts {
		hostOK = hostOK || host == allowed
	}
	if !hostOK {
		return "", "is not a " + string(p) + " address (expected " + prof.hosts[0] + ")",
			p.DisplayName(LocaleJa) + "のアドレスではありません（" + prof.hosts[0] + "のURLを入力してください）。"
	}
	if got := prof.handleFromPath(u.EscapedPath()); !strings.EqualFold(strings.TrimPrefix(got, "@"), h) {
		return "", "points at " + got + ", not at the handle " + h,
			"URLが指すのは「" + got + "」で、アカウント名「" + h + "」ではありません。"
	}
	return prof.canonical(h), "", ""
}

// SocialAccountStatus is where an official account stands.
type SocialAccountStatus string

// Social account statuses.
const (
	SocialActive    SocialAccountStatus = "active"
	SocialSuspended SocialAccountStatus = "suspended"
	SocialRetired   SocialAccountStatus = "retired"
)

// OperatingProcedure is the approved document that says how the account is
// run (運用手順, required by the policy for every social-media service used).
// An active account needs its document reference and approval date; the
// version and the address of the document are optional.
type OperatingProcedure struct {
	DocumentRef string `json:"document_ref,omitempty" maxLength:"200" doc:"Reference of the procedure document (運用手順); required while the account is active." example:"広報-SNS-001" validate:"max=200"`
	Version     string `json:"version,omitempty" maxLength:"50" doc:"Version of the procedure." example:"1.2" validate:"max=50"`
	ApprovedOn  Date   `json:"approved_on,omitzero" format:"date" doc:"When the procedure was approved; required while the account is active, never after today." example:"2026-04-01"`
	URL         string `json:"url,omitempty" maxLength:"500" format:"uri" doc:"Where staff read the procedure document." example:"https://intra.example.lg.jp/koho/sns-unyo.pdf" validate:"omitempty,url,max=500"`
}

// OperatingProcedureProblems says what keeps an operating procedure from
// supporting an active account: no document reference, no approval date, or
// an approval date after today. The policy says to define operating
// procedures for each social-media service; an account without one may not
// be registered, kept active through a replace, or reactivated.
func OperatingProcedureProblems(op OperatingProcedure, today Date) FieldErrors {
	var fe FieldErrors
	if strings.TrimSpace(op.DocumentRef) == "" {
		fe.AddJa("operating_procedure.document_ref", "an active account needs its operating procedure (運用手順): name the approved procedure document",
			"運用中のアカウントには運用手順が必要です。承認された運用手順の文書を入力してください。", nil)
	}
	switch {
	case op.ApprovedOn.IsZero():
		fe.AddJa("operating_procedure.approved_on", "an active account needs its operating procedure (運用手順): say when it was approved",
			"運用中のアカウントには運用手順が必要です。運用手順の承認日を入力してください。", nil)
	case op.ApprovedOn.After(today):
		fe.AddJa("operating_procedure.approved_on", "is after today: an account cannot run on a procedure that is not approved yet",
			"今日より後の日付です。まだ承認されていない運用手順でアカウントを運用することはできません。", op.ApprovedOn)
	}
	return fe
}

// OperatingProcedureMissing reports whether an account lacks the operating
// procedure an active account needs, whatever the day: an account registered
// before the rule may lack it until it is next replaced.
func OperatingProcedureMissing(op OperatingProcedure) bool {
	return strings.TrimSpace(op.DocumentRef) == "" || op.ApprovedOn.IsZero()
}

// ImpersonationMeasures are the measures against fake accounts (なりすまし対策).
type ImpersonationMeasures struct {
	ListedOnOfficialSite   bool   `json:"listed_on_official_site" doc:"Whether the official website lists the account."`
	OfficialSiteURL        string `json:"official_site_url,omitempty" maxLength:"500" format:"uri" doc:"The page of the official website that lists it." validate:"omitempty,url,max=500"`
	VerifiedBadge          bool   `json:"verified_badge" doc:"Whether the platform shows a verified badge."`
	OperatorNamedInProfile bool   `json:"operator_named_in_profile" doc:"Whether the profile names the body as operator."`
}

// AccountAuthentication records how the account's login is protected.
type AccountAuthentication struct {
	MFAEnabled             bool   `json:"mfa_enabled" doc:"Whether multi-factor authentication is on."`
	CredentialCustodianID  string `json:"credential_custodian_id,omitempty" format:"uuid" doc:"Who keeps the credentials." validate:"omitempty,uuid"`
	LastCredentialRotation Date   `json:"last_credential_rotation,omitzero" format:"date" doc:"When the password was last changed."`
}

// SocialAccount is an official social-media account (ソーシャルメディアサービス)
// with exactly one responsible person at any time.
type SocialAccount struct {
	ID                  string             `json:"id" doc:"UUIDv7 of the account."`
	Platform            Platform           `json:"platform" enum:"x,facebook,instagram,line,youtube,tiktok,other" doc:"The platform."`
	Handle              string             `json:"handle" doc:"The account's handle, without @."`
	ProfileURL          string             `json:"profile_url" format:"uri" doc:"The profile's canonical URL."`
	Purpose             string             `json:"purpose" doc:"What the account is for."`
	DepartmentID        string             `json:"department_id" doc:"The department that runs it."`
	ResponsiblePersonID string             `json:"responsible_person_id" doc:"The one person responsible for the account (責任者)."`
	OperatorIDs         []string           `json:"operator_ids" doc:"People who post."`
	OperatingProcedure  OperatingProcedure `json:"operating_procedure" doc:"The operating procedure (運用手順)."`
	// OperatingProcedureMissing is derived on every read, never stored.
	OperatingProcedureMissing bool                  `json:"operating_procedure_missing" readOnly:"true" doc:"True when the account has no operating procedure (document reference and approval date). Only an account registered before the rule can be active in this state; it cannot be replaced or reactivated until the procedure is recorded."`
	PublishingRules           PublishingRules       `json:"publishing_rules" doc:"What may be published, and the body's public contacts."`
	ImpersonationMeasures     ImpersonationMeasures `json:"impersonation_measures" doc:"Measures against impersonation."`
	Authentication            AccountAuthentication `json:"authentication" doc:"How the login is protected."`
	CarriesAvailability2      bool                  `json:"carries_availability_2" doc:"Whether the account posts information of availability 2; then every such post must also be on the official website."`
	MirrorSiteURL             string                `json:"mirror_site_url,omitempty" format:"uri" doc:"Where the official website carries those posts."`
	Status                    SocialAccountStatus   `json:"status" enum:"active,suspended,retired" doc:"active, suspended or retired; history is kept."`
	StatusReason              string                `json:"status_reason,omitempty" doc:"Why it was suspended or retired."`
	ReviewIntervalMonths      int                   `json:"review_interval_months" doc:"Months between periodic reviews."`
	LastReviewedOn            Date                  `json:"last_reviewed_on,omitzero" format:"date" doc:"When it was last reviewed."`
	NextReviewDue             Date                  `json:"next_review_due,omitzero" format:"date" doc:"When the next periodic review is due. Absent unless active. Moved to the previous business day when it falls on a Saturday, Sunday, national holiday or closure day."`
	NextReviewDueNominal      Date                  `json:"next_review_due_nominal,omitzero" format:"date" doc:"The review date the rule gives, before the move to a business day."`
	Version                   int                   `json:"version" doc:"Increases with every change; sent back in If-Match."`
	CreatedAt                 time.Time             `json:"created_at" doc:"When it was registered (RFC 3339, UTC)."`
	UpdatedAt                 time.Time             `json:"updated_at" doc:"When it last changed (RFC 3339, UTC)."`
}

// SocialAccountInput is what a client writes when registering or replacing
// an account. The responsible person changes only through its own operation.
type SocialAccountInput struct {
	Platform              Platform              `json:"platform" enum:"x,facebook,instagram,line,youtube,tiktok,other" doc:"The platform." validate:"required,oneof=x facebook instagram line youtube tiktok other"`
	Handle                string                `json:"handle" minLength:"1" maxLength:"100" doc:"The handle, with or without @." example:"@clean_kumiai" validate:"required,max=100" text:"nfkc"`
	ProfileURL            string                `json:"profile_url,omitempty" maxLength:"500" format:"uri" doc:"The profile URL; built from the handle when omitted, and normalised." example:"https://x.com/clean_kumiai" validate:"max=500"`
	Purpose               string                `json:"purpose" minLength:"1" maxLength:"2000" doc:"What the account is for." example:"ごみ収集日程と災害時の収集情報の発信" validate:"required,max=2000" text:"multiline"`
	DepartmentID          string                `json:"department_id" format:"uuid" doc:"The department that runs it." validate:"required,uuid"`
	ResponsiblePersonID   string                `json:"responsible_person_id" format:"uuid" doc:"The one person responsible (required on registration; later changed only with change-social-account-responsible-person)." validate:"required,uuid"`
	OperatorIDs           []string              `json:"operator_ids,omitempty" maxItems:"50" doc:"People who post." validate:"max=50,unique,dive,uuid"`
	OperatingProcedure    OperatingProcedure    `json:"operating_procedure,omitzero" doc:"The operating procedure (運用手順); its document_ref and approved_on are required while the account is active (always on registration)."`
	PublishingRules       PublishingRulesInput  `json:"publishing_rules,omitzero" doc:"What may be published, and the body's public contacts that a post may give."`
	ImpersonationMeasures ImpersonationMeasures `json:"impersonation_measures,omitzero" doc:"Measures against impersonation."`
	Authentication        AccountAuthentication `json:"authentication,omitzero" doc:"How the login is protected."`
	CarriesAvailability2  bool                  `json:"carries_availability_2,omitempty" doc:"Whether the account posts information of availability 2."`
	MirrorSiteURL         string                `json:"mirror_site_url,omitempty" maxLength:"500" format:"uri" doc:"Where the official website carries availability-2 posts; required when carries_availability_2." validate:"omitempty,url,max=500"`
	ReviewIntervalMonths  int                   `json:"review_interval_months,omitempty" minimum:"1" maximum:"60" doc:"Months between periodic reviews; the settings' default when omitted." validate:"omitempty,min=1,max=60"`
}

// Normalize fills defaults, normalises the handle and profile URL, and
// returns what is wrong with fields the tags cannot check.
func (in *SocialAccountInput) Normalize(p PolicySettings) FieldErrors {
	var fe FieldErrors
	if in.ReviewIntervalMonths == 0 {
		in.ReviewIntervalMonths = p.DefaultReviewIntervalMonths
	}
	if in.OperatorIDs == nil {
		in.OperatorIDs = []string{}
	}
	canonical, problem, problemJa := normalizeProfileURL(in.Platform, in.Handle, in.ProfileURL)
	if problem != "" {
		field := "profile_url"
		if strings.HasPrefix(problem, "the handle") {
			field = "handle"
		}
		fe.AddJa(field, problem, problemJa, in.ProfileURL)
	}
	in.ProfileURL = canonical
	in.Handle = NormalizeHandle(in.Handle)
	if in.CarriesAvailability2 && strings.TrimSpace(in.MirrorSiteURL) == "" {
		fe.AddJa("mirror_site_url", "an account that carries availability-2 information must name the official website page that also carries every such post",
			"可用性2の情報を発信するアカウントでは、その投稿をすべて掲載する公式ウェブサイトのページを入力してください。", nil)
	}
	if in.ImpersonationMeasures.ListedOnOfficialSite && in.ImpersonationMeasures.OfficialSiteURL == "" {
		fe.AddJa("impersonation_measures.official_site_url", "say where the official website lists the account", "公式ウェブサイトでこのアカウントを掲載しているページを入力してください。", nil)
	}
	fe = append(fe, PublicContactProblems("publishing_rules.public_contacts", in.PublishingRules.PublicContacts)...)
	in.OperatingProcedure.DocumentRef = strings.TrimSpace(in.OperatingProcedure.DocumentRef)
	return fe
}

// PostCheckInput is a draft to check against an account's rules.
type PostCheckInput struct {
	Text     string `json:"text" minLength:"1" maxLength:"10000" doc:"The draft post." example:"本日は燃えるごみの収集日です。" validate:"required,max=10000" text:"multiline"`
	Category string `json:"category" minLength:"1" maxLength:"100" doc:"The category the post belongs to." example:"お知らせ" validate:"required,max=100"`
}

// PostCheckResult says whether a draft may be published.
type PostCheckResult struct {
	Publishable bool          `json:"publishable" doc:"True when there is no finding."`
	Findings    []PostFinding `json:"findings" doc:"Every reason the draft may not be published as it is."`
}

// ResponsiblePersonChange hands an account to another responsible person.
type ResponsiblePersonChange struct {
	PersonID string `json:"person_id" format:"uuid" doc:"The new responsible person." validate:"required,uuid"`
	Reason   string `json:"reason,omitempty" maxLength:"2000" doc:"Why the responsibility changes." example:"人事異動のため" validate:"max=2000" text:"multiline"`
}

// SocialAccountFilter narrows ListSocialAccounts.
type SocialAccountFilter struct {
	Platform            Platform
	Status              SocialAccountStatus
	ResponsiblePersonID string
	ReviewDueBefore     Date
	Q                   string
	// FiscalYear keeps the accounts whose next review is due in that fiscal year (年度, April to March); 0 for all.
	FiscalYear int
}

// SocialAccountService manages official social-media accounts.
type SocialAccountService interface {
	// FindSocialAccount returns one account. ENOTFOUND.
	FindSocialAccount(ctx context.Context, id string) (*SocialAccount, error)
	// ListSocialAccounts returns a page of accounts. EINVALID.
	ListSocialAccounts(ctx context.Context, f SocialAccountFilter, p PageRequest) (Page[*SocialAccount], error)
	// CreateSocialAccount registers an active account. EINVALID (profile
	// URL, unknown people, no responsible person, no operating procedure,
	// a public contact that is not one), ECONFLICT for a platform and handle
	// already registered.
	CreateSocialAccount(ctx context.Context, in SocialAccountInput) (*SocialAccount, error)
	// ReplaceSocialAccount replaces the fields; the responsible person must
	// stay the same (EINVALID otherwise: use ChangeResponsiblePerson), and an
	// active account keeps an operating procedure (EINVALID).
	// ECONFLICT once retired or for a taken handle; ENOTFOUND, ESTALE.
	ReplaceSocialAccount(ctx context.Context, id string, ifVersion *int, in SocialAccountInput) (*SocialAccount, error)
	// ChangeResponsiblePerson hands the account to another person, with an
	// audit event naming both. EINVALID for an unknown or inactive person or
	// the same person, ECONFLICT once retired, ENOTFOUND, ESTALE.
	ChangeResponsiblePerson(ctx context.Context, id string, ifVersion *int, in ResponsiblePersonChange) (*SocialAccount, error)
	// ChangeSocialAccountStatus suspends, reactivates or retires an account
	// with a reason. EINVALID (also reactivating without an operating
	// procedure), ECONFLICT for a move the status does not allow.
	ChangeSocialAccountStatus(ctx context.Context, id string, ifVersion *int, to SocialAccountStatus, reason string) (*SocialAccount, error)
	// CheckPost checks a draft against the account's publishing rules and
	// the detection rules; it stores nothing but an audit event. ENOTFOUND,
	// EINVALID, ECONFLICT unless the account is active.
	CheckPost(ctx context.Context, id string, in PostCheckInput) (*PostCheckResult, error)
}

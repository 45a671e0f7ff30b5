package domain

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Post-check finding codes.
const (
	FindingCategoryNotAllowed = "category_not_allowed"
	FindingProhibitedTerm     = "prohibited_term"
	FindingEmailAddress       = "email_address"
	FindingPhoneNumber        = "phone_number"
	FindingIndividualNumber   = "individual_number"
	FindingPostalAddress      = "postal_address"
)

// PostFinding is one reason a draft post may not be published.
type PostFinding struct {
	Code    string `json:"code" enum:"category_not_allowed,prohibited_term,email_address,phone_number,individual_number,postal_address" doc:"What was found."`
	Message string `json:"message" doc:"What is wrong, in a sentence."`
	Excerpt string `json:"excerpt,omitempty" doc:"The offending part of the draft, as written."`
	// Start and End are where the excerpt is in the draft, as rune offsets
	// [Start, End), so that a page can mark the very span the rule found
	// rather than search for its text again; both 0 for a finding about no
	// part of the text (the category). Not part of the API's answer.
	Start int `json:"-"`
	End   int `json:"-"`
}

// PublishingRules say what an account may publish.
type PublishingRules struct {
	AllowedCategories []string       `json:"allowed_categories" maxItems:"50" doc:"Categories of post the account may publish, e.g. お知らせ, 収集日程, 災害情報." example:"[\"お知らせ\",\"収集日程\"]" validate:"max=50,dive,required,max=100"`
	ProhibitedTerms   []string       `json:"prohibited_terms" maxItems:"200" doc:"Terms that must never appear in a post." example:"[\"個人名\",\"未発表\"]" validate:"max=200,dive,required,max=100"`
	PublicContacts    PublicContacts `json:"public_contacts" doc:"The body's own public contacts: a post that gives one of them is not a finding for it."`
}

// Bounds of the public-contact allow-list: a body publishes a handful of
// numbers, addresses and offices, not a directory.
const (
	MaxPublicPhoneNumbers    = 20
	MaxPublicEmailAddresses  = 20
	MaxPublicPostalAddresses = 10
)

// PublicContacts is the allow-list of the body's public contacts (代表電話,
// 問い合わせ窓口のメール, 庁舎の所在地). A post check does not report a phone
// number, e-mail address or postal address that is on it; every other contact
// is still a finding.
type PublicContacts struct {
	PhoneNumbers    []string `json:"phone_numbers" maxItems:"20" doc:"Public phone numbers, written in any usual way (03-1234-5678, ０３（１２３４）５６７８, +81 3 1234 5678)." example:"[\"03-1234-5678\"]" validate:"max=20,dive,required,max=30"`
	EmailAddresses  []string `json:"email_addresses" maxItems:"20" doc:"Public e-mail addresses; compared regardless of case and width." example:"[\"info@city.example.lg.jp\"]" validate:"max=20,dive,required,max=254"`
	PostalAddresses []string `json:"postal_addresses" maxItems:"10" doc:"Public postal addresses, each starting with its postal code; a post must give the whole address to match." example:"[\"〒100-0001 東京都千代田区千代田1-1\"]" validate:"max=10,dive,required,max=200"`
}

// PublicContactsInput is PublicContacts as a request gives them: any list may
// be left out, for none.
type PublicContactsInput struct {
	PhoneNumbers    []string `json:"phone_numbers,omitempty" maxItems:"20" doc:"Public phone numbers, written in any usual way (03-1234-5678, ０３（１２３４）５６７８, +81 3 1234 5678); each must be a Japanese phone number." example:"[\"03-1234-5678\"]" validate:"max=20,dive,required,max=30"`
	EmailAddresses  []string `json:"email_addresses,omitempty" maxItems:"20" doc:"Public e-mail addresses; compared regardless of case and width." example:"[\"info@city.example.lg.jp\"]" validate:"max=20,dive,required,max=254"`
	PostalAddresses []string `json:"postal_addresses,omitempty" maxItems:"10" doc:"Public postal addresses, each starting with its postal code followed by the address; a post must give the whole address to match." example:"[\"〒100-0001 東京都千代田区千代田1-1\"]" validate:"max=10,dive,required,max=200"`
}

// PublishingRulesInput is PublishingRules as a request gives them: any list
// may be left out, for none.
type PublishingRulesInput struct {
	AllowedCategories []string            `json:"allowed_categories,omitempty" maxItems:"50" doc:"Categories of post the account may publish, e.g. お知らせ, 収集日程, 災害情報; none when omitted." example:"[\"お知らせ\",\"収集日程\"]" validate:"max=50,dive,required,max=100"`
	ProhibitedTerms   []string            `json:"prohibited_terms,omitempty" maxItems:"200" doc:"Terms that must never appear in a post; none when omitted." example:"[\"個人名\",\"未発表\"]" validate:"max=200,dive,required,max=100"`
	PublicContacts    PublicContactsInput `json:"public_contacts,omitzero" doc:"The body's own public contacts, which a post may give; none when omitted."`
}

// Rules returns the rules the input gives, with empty lists for omitted ones
// and every contact trimmed.
func (in PublishingRulesInput) Rules() PublishingRules {
	return PublishingRules{
		AllowedCategories: orEmpty(in.AllowedCategories),
		ProhibitedTerms:   orEmpty(in.ProhibitedTerms),
		PublicContacts: PublicContacts{
			PhoneNumbers:    trimmed(in.PublicContacts.PhoneNumbers),
			EmailAddresses:  trimmed(in.PublicContacts.EmailAddresses),
			PostalAddresses: trimmed(in.PublicContacts.PostalAddresses),
		},
	}
}

// Filled returns the rules with an empty list for every list left nil, as
// rules stored before a list existed are read.
func (r PublishingRules) Filled() PublishingRules {
	r.AllowedCategories, r.ProhibitedTerms = orEmpty(r.AllowedCategories), orEmpty(r.ProhibitedTerms)
	c := &r.PublicContacts
	c.PhoneNumbers, c.EmailAddresses, c.PostalAddresses = orEmpty(c.PhoneNumbers), orEmpty(c.EmailAddresses), orEmpty(c.PostalAddresses)
	return r
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func trimmed(s []string) []string {
	out := make([]string, 0, len(s))
	for _, v := range s {
		out = append(out, strings.TrimSpace(v))
	}
	return out
}

// emailOnly is an e-mail address and nothing else.
var emailOnly = regexp.MustCompile(`^` + emailPattern.String() + `$`)

// PublicContactProblems says which allow-list entries could never match a
// post: a phone entry that is not a Japanese phone number, an e-mail entry
// that is not an address, a postal entry that does not start with a postal
// code followed by an address. field is the list's JSON location.
func PublicContactProblems(field string, c PublicContactsInput) FieldErrors {
	var fe FieldErrors
	for i, p := range c.PhoneNumbers {
		if !phoneDigits(NormalizePhone(p)) {
			fe.AddJa(fmt.Sprintf("%s.phone_numbers[%d]", field, i), "is not a Japanese phone number (10 or 11 digits starting with 0, or +81)",
				"国内の電話番号（0で始まる10桁又は11桁、又は+81で始まる番号）ではありません。", p)
		}
	}
	for i, e := range c.EmailAddresses {
		if !emailOnly.MatchString(strings.TrimSpace(foldWidth(e))) {
			fe.AddJa(fmt.Sprintf("%s.email_addresses[%d]", field, i), "is not an e-mail address", "メールアドレスではありません。", e)
		}
	}
	for i, a := range c.PostalAddresses {
		a = strings.TrimSpace(a)
		if m := postalAddressMatches(a); len(m) == 0 || m[0].start != 0 {
			fe.AddJa(fmt.Sprintf("%s.postal_addresses[%d]", field, i), "must start with the postal code followed by the address, e.g. 〒100-0001 東京都千代田区千代田1-1",
				"郵便番号に続けて住所を入力してください（例：〒100-0001 東京都千代田区千代田1-1）。", a)
		}
	}
	return fe
}

// NormalizePhone returns a phone number as its digits dialled inside Japan,
// whatever the width, hyphens, brackets and spaces: ０３（１２３４）５６７８ and
// +81 3-1234-5678 are both 0312345678.
func NormalizePhone(s string) string {
	f := strings.TrimSpace(foldWidth(s))
	d := onlyDigits(f)
	if strings.HasPrefix(f, "+81") {
		d = "0" + strings.TrimPrefix(strings.TrimPrefix(d, "81"), "0")
	}
	return d
}

// normalizeEmail folds an e-mail address for comparison: width and case.
func normalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(foldWidth(s))) }

// normalizeAddress folds an address for comparison: width, hyphen styles,
// the 〒 mark and every space are ignored.
func normalizeAddress(s string) string {
	var b strings.Builder
	for _, r := range foldWidth(s) {
		if r == '〒' || unicode.IsSpace(r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isPublicPhone reports whether a phone finding's excerpt is on the list.
func isPublicPhone(excerpt string, list []string) bool {
	d := NormalizePhone(excerpt)
	for _, p := range list {
		if NormalizePhone(p) == d {
			return true
		}
	}
	return false
}

// isPublicEmail reports whether an e-mail finding's excerpt is on the list.
func isPublicEmail(excerpt string, list []string) bool {
	e := normalizeEmail(excerpt)
	for _, p := range list {
		if normalizeEmail(p) == e {
			return true
		}
	}
	return false
}

// isPublicAddress reports whether the text from a postal finding's start
// gives one of the listed addresses in full.
func isPublicAddress(from string, list []string) bool {
	t := normalizeAddress(from)
	for _, a := range list {
		if n := normalizeAddress(a); n != "" && strings.HasPrefix(t, n) {
			return true
		}
	}
	return false
}

// CheckPost applies every detection rule to a draft and the account's rules.
// A phone number, e-mail address or postal address on the account's public
// contacts is not a finding; any other is. A post may be published when it
// has no findings.
func CheckPost(text, category string, rules PublishingRules) []PostFinding {
	findings := []PostFinding{}
	if !categoryAllowed(category, rules.AllowedCategories) {
		msg := "category " + category + " is not among the account's allowed categories (" + strings.Join(rules.AllowedCategories, ", ") + ")"
		if len(rules.AllowedCategories) == 0 {
			msg = "the account defines no allowed categories, so nothing may be published yet"
		}
		findings = append(findings, PostFinding{Code: FindingCategoryNotAllowed, Message: msg, Excerpt: category})
	}
	contacts := rules.PublicContacts
	findings = append(findings, FindProhibitedTerms(text, rules.ProhibitedTerms)...)
	for _, f := range FindEmailAddresses(text) {
		if !isPublicEmail(f.Excerpt, contacts.EmailAddresses) {
			findings = append(findings, f)
		}
	}
	for _, f := range FindPhoneNumbers(text) {
		if !isPublicPhone(f.Excerpt, contacts.PhoneNumbers) {
			findings = append(findings, f)
		}
	}
	findings = append(findings, FindIndividualNumbers(text)...)
	runes := []rune(text)
	for _, m := range postalAddressMatches(text) {
		if !isPublicAddress(string(runes[m.start:]), contacts.PostalAddresses) {
			findings = append(findings, m.finding)
		}
	}
	return findings
}

func categoryAllowed(category string, allowed []string) bool {
	c := strings.TrimSpace(foldWidth(category))
	for _, a := range allowed {
		if strings.EqualFold(c, strings.TrimSpace(foldWidth(a))) {
			return true
		}
	}
	return false
}

// foldWidth folds s rune by rune with foldRune (the one-rune form of
// NormalizeIdentifier's NFKC: full-width Ａ, １, ＠ and the ideographic
// space become ASCII, ① becomes 1), and maps hyphen-like marks to '-', so
// that positions in the folded text are positions in the original.
func foldWidth(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		r = foldRune(r)
		switch r {
		case '‐', '‑', '‒', '–', '—', '−', 'ー', '―':
			r = '-'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// excerpt returns the runes [start, end) of s, by rune index.
func excerpt(s string, start, end int) string {
	runes := []rune(s)
	return string(runes[start:end])
}

// matchRunes returns the rune index ranges of the regexp's matches in the
// folded text, which map one to one onto the original.
func matchRunes(re *regexp.Regexp, folded string) [][2]int {
	var out [][2]int
	for _, m := range re.FindAllStringIndex(folded, -1) {
		start := utf8.RuneCountInString(folded[:m[0]])
		out = append(out, [2]int{start, start + utf8.RuneCountInString(folded[m[0]:m[1]])})
	}
	return out
}

// FindProhibitedTerms reports each prohibited term found, regardless of case
// and character width.
func FindProhibitedTerms(text string, terms []string) []PostFinding {
	var out []PostFinding
	folded := strings.ToLower(foldWidth(text))
	for _, term := range terms {
		t := strings.ToLower(foldWidth(strings.TrimSpace(term)))
		if t == "" {
			continue
		}
		if i := strings.Index(folded, t); i >= 0 {
			start := utf8.RuneCountInString(folded[:i])
			end := start + utf8.RuneCountInString(t)
			out = append(out, PostFinding{Code: FindingProhibitedTerm, Message: "contains the prohibited term " + term,
				Excerpt: excerpt(text, start, end), Start: start, End: end})
		}
	}
	return out
}

var emailPattern = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+`)

// FindEmailAddresses reports e-mail addresses, also in full-width letters.
func FindEmailAddresses(text string) []PostFinding {
	folded := foldWidth(text)
	var out []PostFinding
	for _, m := range matchRunes(emailPattern, folded) {
		out = append(out, PostFinding{Code: FindingEmailAddress, Message: "contains an e-mail address; publish the official inquiry form instead",
			Excerpt: excerpt(text, m[0], m[1]), Start: m[0], End: m[1]})
	}
	return out
}

// digitRun is a run of digit groups joined by short separators, as numbers
// are written: 090-1234-5678, 03(1234)5678, ＋81 90 1234 5678.
var digitRun = regexp.MustCompile(`(\+81[\s\-]?)?[0-9]+([\s\-()]{1,2}[0-9]+)*`)

// digitGroup is one group of a run, by rune index in the folded text.
type digitGroup struct {
	start, end int
	digits     string
}

// digitGroups splits every run of the folded text into its groups.
func digitGroups(folded string) [][]digitGroup {
	var runs [][]digitGroup
	runes := []rune(folded)
	for _, m := range matchRunes(digitRun, folded) {
		var groups []digitGroup
		for i := m[0]; i < m[1]; {
			if runes[i] < '0' || runes[i] > '9' {
				i++
				continue
			}
			j := i
			for j < m[1] && runes[j] >= '0' && runes[j] <= '9' {
				j++
			}
			groups = append(groups, digitGroup{start: i, end: j, digits: string(runes[i:j])})
			i = j
		}
		if strings.HasPrefix(string(runes[m[0]:m[1]]), "+81") && len(groups) > 0 {
			// +81 replaces the leading 0; the "81" itself is not a group.
			groups[0] = digitGroup{start: m[0], end: groups[0].end, digits: "0" + strings.TrimPrefix(groups[0].digits, "81")}
			if groups[0].digits == "0" && len(groups) > 1 {
				groups = append([]digitGroup{{start: m[0], end: groups[1].end, digits: "0" + groups[1].digits}}, groups[2:]...)
			}
		}
		runs = append(runs, groups)
	}
	return runs
}

// phoneDigits reports whether digits form a Japanese phone number: 11
// digits for mobile, IP and 0800 numbers, 10 for the others.
func phoneDigits(d string) bool {
	if !strings.HasPrefix(d, "0") {
		return false
	}
	eleven := false
	for _, p := range []string{"070", "080", "090", "050", "020", "0800"} {
		eleven = eleven || strings.HasPrefix(d, p)
	}
	if eleven {
		return len(d) == 11
	}
	return len(d) == 10 && d[1] != '0'
}

// FindPhoneNumbers reports Japanese phone numbers: 10 or 11 digits starting
// with 0 (or +81 instead of the 0), with or without separators, in half- or
// full-width digits. Figures next to a number (office hours, dates, counts)
// are not taken into it: each group may start a number, and a number takes
// the longest run of groups that makes a valid length.
func FindPhoneNumbers(text string) []PostFinding {
	folded := foldWidth(text)
	var out []PostFinding
	for _, groups := range digitGroups(folded) {
		for i := 0; i < len(groups); i++ {
			if !strings.HasPrefix(groups[i].digits, "0") {
				continue
			}
			end, digits := -1, ""
			for j := i; j < len(groups) && j < i+4; j++ {
				digits += groups[j].digits
				if phoneDigits(digits) {
					end = j
				}
			}
			if end < 0 {
				continue
			}
			out = append(out, PostFinding{Code: FindingPhoneNumber, Message: "contains a phone number; check that it is an official number meant for publication",
				Excerpt: excerpt(text, groups[i].start, groups[end].end), Start: groups[i].start, End: groups[end].end})
			i = end
		}
	}
	return out
}

// FindIndividualNumbers reports 12-digit numbers, whole or grouped 4-4-4,
// whose check digit is that of an individual number (マイナンバー).
func FindIndividualNumbers(text string) []PostFinding {
	folded := foldWidth(text)
	var out []PostFinding
	for _, groups := range digitGroups(folded) {
		for i := 0; i < len(groups); i++ {
			digits, end := "", -1
			for j := i; j < len(groups) && len(digits) < 12; j++ {
				digits += groups[j].digits
				end = j
			}
			if len(digits) != 12 || !ValidIndividualNumber(digits) {
				continue
			}
			out = append(out, PostFinding{Code: FindingIndividualNumber, Message: "contains what is an individual number (マイナンバー) by its check digit; it must never be published",
				Excerpt: excerpt(text, groups[i].start, groups[end].end), Start: groups[i].start, End: groups[end].end})
			i = end
		}
	}
	return out
}

// ValidIndividualNumber reports whether 12 digits carry a valid individual
// number check digit: 11 − (Σ Pn×Qn mod 11), 0 when the remainder is 0 or 1,
// where Pn is the n-th of the first eleven digits counted from the right and
// Qn is n+1 for n ≤ 6 and n−5 for n ≥ 7.
func ValidIndividualNumber(digits string) bool {
	if len(digits) != 12 || onlyDigits(digits) != digits {
		return false
	}
	sum := 0
	for n := 1; n <= 11; n++ {
		p := int(digits[11-n] - '0')
		q := n + 1
		if n >= 7 {
			q = n - 5
		}
		sum += p * q
	}
	check := 0
	if r := sum % 11; r > 1 {
		check = 11 - r
	}
	return int(digits[11]-'0') == check
}

// postalCode is a Japanese postal code, with or without 〒.
var postalCode = regexp.MustCompile(`〒?\s?[0-9]{3}-[0-9]{4}`)

// addressStart recognises the start of a Japanese address: a prefecture, or
// a place name ending in 市, 区, 町, 村 or 郡.
var addressStart = regexp.MustCompile(`^\s*(北海道|東京都|大阪府|京都府|\p{Han}{2,3}県|\p{Han}{1,6}[市区町村郡])`)

// FindPostalAddresses reports a postal code followed by an address.
func FindPostalAddresses(text string) []PostFinding {
	var out []PostFinding
	for _, m := range postalAddressMatches(text) {
		out = append(out, m.finding)
	}
	return out
}

// postalMatch is a postal finding with the rune index where it starts.
type postalMatch struct {
	finding PostFinding
	start   int
}

// postalAddressMatches finds each postal code followed by an address.
func postalAddressMatches(text string) []postalMatch {
	folded := foldWidth(text)
	var out []postalMatch
	for _, m := range postalCode.FindAllStringIndex(folded, -1) {
		if digitAfter(folded, utf8.RuneCountInString(folded[:m[1]])) {
			continue
		}
		rest := folded[m[1]:]
		loc := addressStart.FindStringIndex(rest)
		if loc == nil {
			continue
		}
		start := utf8.RuneCountInString(folded[:m[0]])
		end := utf8.RuneCountInString(folded[:m[1]+loc[1]])
		out = append(out, postalMatch{start: start, finding: PostFinding{Code: FindingPostalAddress,
			Message: "contains a postal code followed by an address; check that it is not a private address",
			Excerpt: excerpt(text, start, end), Start: start, End: end}})
	}
	return out
}

func onlyDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func digitAfter(folded string, runeIdx int) bool {
	runes := []rune(folded)
	return runeIdx < len(runes) && runes[runeIdx] >= '0' && runes[runeIdx] <= '9'
}

package domain

import (
	"regexp"
	"strings"
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
}

// PublishingRules say what an account may publish.
type PublishingRules struct {
	AllowedCategories []string `json:"allowed_categories" maxItems:"50" doc:"Categories of post the account may publish, e.g. お知らせ, 収集日程, 災害情報." example:"[\"お知らせ\",\"収集日程\"]" validate:"max=50,dive,required,max=100"`
	ProhibitedTerms   []string `json:"prohibited_terms" maxItems:"200" doc:"Terms that must never appear in a post." example:"[\"個人名\",\"未発表\"]" validate:"max=200,dive,required,max=100"`
}

// CheckPost applies every detection rule to a draft and the account's rules.
// A post may be published when it has no findings.
func CheckPost(text, category string, rules PublishingRules) []PostFinding {
	findings := []PostFinding{}
	if !categoryAllowed(category, rules.AllowedCategories) {
		msg := "category " + category + " is not among the account's allowed categories (" + strings.Join(rules.AllowedCategories, ", ") + ")"
		if len(rules.AllowedCategories) == 0 {
			msg = "the account defines no allowed categories, so nothing may be published yet"
		}
		findings = append(findings, PostFinding{Code: FindingCategoryNotAllowed, Message: msg, Excerpt: category})
	}
	findings = append(findings, FindProhibitedTerms(text, rules.ProhibitedTerms)...)
	findings = append(findings, FindEmailAddresses(text)...)
	findings = append(findings, FindPhoneNumbers(text)...)
	findings = append(findings, FindIndividualNumbers(text)...)
	findings = append(findings, FindPostalAddresses(text)...)
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

// foldWidth maps full-width ASCII (Ａ, １, ＠, －) to ASCII and hyphen-like
// marks and the ideographic space to their ASCII forms, one rune for one
// rune, so that positions in the folded text are positions in the original.
func foldWidth(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == 0x3000:
			r = ' '
		case r == '‐' || r == '‑' || r == '‒' || r == '–' || r == '—' || r == '−' || r == 'ー' || r == '―' || r == 'ｰ':
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
			out = append(out, PostFinding{Code: FindingProhibitedTerm, Message: "contains the prohibited term " + term,
				Excerpt: excerpt(text, start, start+utf8.RuneCountInString(t))})
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
			Excerpt: excerpt(text, m[0], m[1])})
	}
	return out
}

// phoneCandidate is a run of digits and separators that may be a phone number.
var phoneCandidate = regexp.MustCompile(`(\+81[\s\-]?|0)[0-9]{1,4}([\s\-()]{0,2}[0-9]{1,4}){1,3}`)

// FindPhoneNumbers reports Japanese phone numbers: 10 or 11 digits starting
// with 0 (or +81 instead of the 0), with or without separators, in half- or
// full-width digits.
func FindPhoneNumbers(text string) []PostFinding {
	folded := foldWidth(text)
	var out []PostFinding
	for _, m := range matchRunes(phoneCandidate, folded) {
		cand := excerpt(folded, m[0], m[1])
		digits := onlyDigits(strings.Replace(cand, "+81", "0", 1))
		if !strings.HasPrefix(digits, "0") || (len(digits) != 10 && len(digits) != 11) {
			continue
		}
		if digitBefore(folded, m[0]) || digitAfter(folded, m[1]) {
			continue // part of a longer number
		}
		out = append(out, PostFinding{Code: FindingPhoneNumber, Message: "contains a phone number; check that it is an official number meant for publication",
			Excerpt: strings.TrimSpace(excerpt(text, m[0], m[1]))})
	}
	return out
}

// twelveDigits is 12 digits, optionally grouped 4-4-4.
var twelveDigits = regexp.MustCompile(`[0-9]{4}[\s\-]?[0-9]{4}[\s\-]?[0-9]{4}`)

// FindIndividualNumbers reports 12-digit numbers whose check digit is that
// of an individual number (マイナンバー).
func FindIndividualNumbers(text string) []PostFinding {
	folded := foldWidth(text)
	var out []PostFinding
	for _, m := range matchRunes(twelveDigits, folded) {
		if digitBefore(folded, m[0]) || digitAfter(folded, m[1]) {
			continue
		}
		if ValidIndividualNumber(onlyDigits(excerpt(folded, m[0], m[1]))) {
			out = append(out, PostFinding{Code: FindingIndividualNumber, Message: "contains what is an individual number (マイナンバー) by its check digit; it must never be published",
				Excerpt: excerpt(text, m[0], m[1])})
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
	folded := foldWidth(text)
	var out []PostFinding
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
		out = append(out, PostFinding{Code: FindingPostalAddress, Message: "contains a postal code followed by an address; check that it is not a private address",
			Excerpt: excerpt(text, start, end)})
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

func digitBefore(folded string, runeIdx int) bool {
	runes := []rune(folded)
	return runeIdx > 0 && runes[runeIdx-1] >= '0' && runes[runeIdx-1] <= '9'
}

func digitAfter(folded string, runeIdx int) bool {
	runes := []rune(folded)
	return runeIdx < len(runes) && runes[runeIdx] >= '0' && runes[runeIdx] <= '9'
}

package domain_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

// saFinding is a finding reduced to what the tables compare.
type saFinding struct {
	Code    string
	Excerpt string
}

func saFindings(fs []domain.PostFinding) []saFinding {
	out := []saFinding{}
	for _, f := range fs {
		out = append(out, saFinding{f.Code, f.Excerpt})
	}
	return out
}

func saPhone(excerpt string) []saFinding {
	return []saFinding{{domain.FindingPhoneNumber, excerpt}}
}

// saHarmless are texts that carry numbers but nothing that may not be
// published; every detection rule must stay silent on them.
var saHarmless = []struct{ name, text string }{
	{"ISO date", "2026-11-25"},
	{"ISO date in full width", "２０２６－１１－２５"},
	{"Japanese era date", "令和8年12月1日"},
	{"time", "10:00"},
	{"time range", "受付時間は9:00～17:00です"},
	{"amount", "1,000円"},
	{"amount in full width", "手数料は１，０００円です"},
	{"12-digit invoice number with an invalid check digit", "請求番号 123456789012"},
	{"postal code alone", "〒100-0001"},
	{"postal code alone in full width", "〒１００－０００１"},
	{"harmless announcement", "12月1日(月)は燃えるごみの収集日です。"},
	{"harmless announcement in full width", "１２月１日（月）は燃えるごみの収集日です。"},
	{"date and time together", "2026年11月25日 10:00から 粗大ごみ受付"},
	{"too few digits", "03-1234-567"},
	{"fourteen digits", "12345678901234"},
}

func TestFindPhoneNumbers(t *testing.T) {
	cases := []struct {
		name string
		text string
		want []saFinding
	}{
		{"mobile with hyphens in a sentence", "お問い合わせは 090-1234-5678 まで", saPhone("090-1234-5678")},
		{"mobile in full width, excerpt as written", "お問い合わせは（０９０－１２３４－５６７８）まで", saPhone("０９０－１２３４－５６７８")},
		{"Tokyo landline", "03-1234-5678", saPhone("03-1234-5678")},
		{"toll free", "フリーダイヤル0120-123-456(無料)", saPhone("0120-123-456")},
		{"area code in parentheses", "03(1234)5678", saPhone("03(1234)5678")},
		{"international form", "+81 90 1234 5678", saPhone("+81 90 1234 5678")},
		{"katakana long mark as hyphen", "090ー1234ー5678", saPhone("090ー1234ー5678")},
		{"no separators", "電話0312345678です", saPhone("0312345678")},
		{"full-width after TEL", "ＴＥＬ：０３－１２３４－５６７８", saPhone("０３－１２３４－５６７８")},
		{"two numbers", "電話 03-1234-5678、FAX 03-1234-5679", []saFinding{
			{domain.FindingPhoneNumber, "03-1234-5678"}, {domain.FindingPhoneNumber, "03-1234-5679"}}},
		// A number right after other figures must still be found: the
		// candidate must not swallow the time or date before it.
		{"after office hours", "受付時間 9:00～17:00 03-1234-5678", saPhone("03-1234-5678")},
		{"after an ISO date", "2026-11-25 090-1234-5678", saPhone("090-1234-5678")},
		{"followed by a count", "090-1234-5678 2名まで", saPhone("090-1234-5678")},
		{"after a time", "受付 10:00 090-1234-5678", saPhone("090-1234-5678")},
		{"followed by office hours, excerpt is the number only", "TEL 03-1234-5678 (9:00-17:00)", saPhone("03-1234-5678")},
		{"part of a longer number", "口座番号 0901234567890", []saFinding{}},
	}
	for _, h := range saHarmless {
		cases = append(cases, struct {
			name string
			text string
			want []saFinding
		}{"no phone: " + h.name, h.text, []saFinding{}})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := domain.FindPhoneNumbers(c.text)
			require.Equal(t, c.want, saFindings(got), "FindPhoneNumbers(%q)", c.text)
		})
	}
}

func TestFindEmailAddresses(t *testing.T) {
	cases := []struct {
		name string
		text string
		want []string
	}{
		{"ascii", "連絡は yamada@example.jp へ", []string{"yamada@example.jp"}},
		{"full width, excerpt as written", "連絡はｙａｍａｄａ＠ｅｘａｍｐｌｅ．ｊｐへ", []string{"ｙａｍａｄａ＠ｅｘａｍｐｌｅ．ｊｐ"}},
		{"sub-domain and plus", "kankyo+sns@city.example.lg.jp まで", []string{"kankyo+sns@city.example.lg.jp"}},
		{"two addresses", "a.b@example.jp と c_d@example.com", []string{"a.b@example.jp", "c_d@example.com"}},
		{"an at sign alone", "＠ごみ収集 のハッシュタグ", nil},
		{"a handle is not an address", "@clean_kumiai をフォロー", nil},
		{"harmless announcement", "12月1日(月)は燃えるごみの収集日です。", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, f := range domain.FindEmailAddresses(c.text) {
				require.Equal(t, domain.FindingEmailAddress, f.Code)
				require.NotEmpty(t, f.Message)
				got = append(got, f.Excerpt)
			}
			require.Equal(t, c.want, got, "FindEmailAddresses(%q)", c.text)
		})
	}
}

func TestValidIndividualNumber(t *testing.T) {
	// Expected values computed by hand with the formula of the doc comment:
	// check = 11 − (Σ Pn×Qn mod 11), 0 when the remainder is 0 or 1, Pn the
	// n-th digit from the right of the first eleven, Qn = n+1 (n ≤ 6) or n−5.
	cases := []struct {
		digits string
		want   bool
		why    string
	}{
		{"123456789018", true, "the known sample: sum 212, remainder 3, check 8"},
		{"123456789012", false, "the known sample with a wrong check digit"},
		{"123456789010", false, "check digit 0 where 8 is due"},
		{"000000000000", true, "sum 0, remainder 0, check 0"},
		{"110000000000", true, "1×6+1×5 = 11, remainder 0, check 0"},
		{"110000000001", false, "remainder 0 needs check 0, not 1"},
		{"310000000000", true, "3×6+1×5 = 23, remainder 1, check 0"},
		{"310000000001", false, "remainder 1 needs check 0, not 1"},
		{"000000000051", true, "5×2 = 10, remainder 10, check 1"},
		{"000000000019", true, "1×2 = 2, remainder 2, check 9"},
		{"100000000005", true, "1×6 = 6, remainder 6, check 5"},
		{"111111111118", true, "sum 47, remainder 3, check 8"},
		{"987654321093", true, "remainder 8, check 3"},
		{"998268080350", true, "remainder 0, check 0"},
		{"291573447900", true, "remainder 1, check 0"},
		{"291573447901", false, "remainder 1 with check 1"},
		{"12345678901", false, "eleven digits"},
		{"1234567890180", false, "thirteen digits"},
		{"1234 5678 9018", false, "separators are not digits"},
		{"１２３４５６７８９０１８", false, "full-width digits are folded by the finder, not here"},
		{"12345678901a", false, "a letter"},
		{"", false, "empty"},
	}
	for _, c := range cases {
		t.Run(c.digits+" "+c.why, func(t *testing.T) {
			require.Equal(t, c.want, domain.ValidIndividualNumber(c.digits), "ValidIndividualNumber(%q): %s", c.digits, c.why)
		})
	}

	t.Run("exactly one check digit fits each body", func(t *testing.T) {
		for _, body := range []string{"12345678901", "00000000000", "11000000000", "31000000000", "99826808035", "29157344790", "75143941396"} {
			valid := 0
			for d := '0'; d <= '9'; d++ {
				if domain.ValidIndividualNumber(body + string(d)) {
					valid++
				}
			}
			require.Equal(t, 1, valid, "body %s", body)
		}
	})
}

func TestFindIndividualNumbers(t *testing.T) {
	cases := []struct {
		name string
		text string
		want []string
	}{
		{"valid sample", "個人番号は123456789018です", []string{"123456789018"}},
		{"grouped with spaces", "個人番号 1234 5678 9018 の方", []string{"1234 5678 9018"}},
		{"grouped with hyphens", "No.1234-5678-9018", []string{"1234-5678-9018"}},
		{"full width, excerpt as written", "番号：１２３４５６７８９０１８", []string{"１２３４５６７８９０１８"}},
		{"full width grouped with ideographic spaces", "番号：１２３４　５６７８　９０１８", []string{"１２３４　５６７８　９０１８"}},
		{"check digit 0 after remainder 1", "番号 291573447900", []string{"291573447900"}},
		{"invalid check digit", "請求番号 123456789012", nil},
		{"thirteen digits contain a valid twelve", "1234567890180", nil},
		{"digit before", "9123456789018", nil},
		{"harmless announcement", "12月1日(月)は燃えるごみの収集日です。", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, f := range domain.FindIndividualNumbers(c.text) {
				require.Equal(t, domain.FindingIndividualNumber, f.Code)
				require.Contains(t, f.Message, "マイナンバー")
				got = append(got, f.Excerpt)
			}
			require.Equal(t, c.want, got, "FindIndividualNumbers(%q)", c.text)
		})
	}
}

func TestFindPostalAddresses(t *testing.T) {
	cases := []struct {
		name string
		text string
		want []string // each excerpt starts with these
	}{
		{"with 〒 and a prefecture", "〒100-0001 東京都千代田区千代田1-1", []string{"〒100-0001 東京都"}},
		{"without 〒, a ward", "100-0001 千代田区千代田1-1", []string{"100-0001 千代田区"}},
		{"full width with ideographic space", "〒１００－０００１　東京都千代田区", []string{"〒１００－０００１　東京都"}},
		{"no space, a prefecture ending in 県", "〒330-9301埼玉県さいたま市浦和区", []string{"〒330-9301埼玉県"}},
		{"a city", "〒420-8601 静岡市葵区追手町", []string{"〒420-8601 静岡市"}},
		{"Hokkaido", "〒060-8588 北海道札幌市", []string{"〒060-8588 北海道"}},
		{"postal code alone", "〒100-0001", nil},
		{"postal code and a sentence", "〒100-0001 までお送りください", nil},
		{"harmless announcement", "12月1日(月)は燃えるごみの収集日です。", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := domain.FindPostalAddresses(c.text)
			require.Len(t, got, len(c.want), "FindPostalAddresses(%q): %+v", c.text, got)
			for i, f := range got {
				require.Equal(t, domain.FindingPostalAddress, f.Code)
				require.True(t, strings.HasPrefix(f.Excerpt, c.want[i]), "excerpt %q should start with %q", f.Excerpt, c.want[i])
			}
		})
	}
}

func TestFindProhibitedTerms(t *testing.T) {
	cases := []struct {
		name  string
		text  string
		terms []string
		want  []string // excerpts, as written in the text
	}{
		{"exact", "未発表の計画について", []string{"未発表"}, []string{"未発表"}},
		{"case insensitive", "This is Secret.", []string{"SECRET"}, []string{"Secret"}},
		{"full-width text, half-width term", "ＳＮＳで拡散", []string{"sns"}, []string{"ＳＮＳ"}},
		{"half-width text, full-width term", "snsで拡散", []string{"ＳＮＳ"}, []string{"sns"}},
		{"two terms", "個人名と未発表の情報", []string{"未発表", "個人名"}, []string{"未発表", "個人名"}},
		{"term padded with spaces", "内部資料です", []string{"  内部資料 "}, []string{"内部資料"}},
		{"empty term ignored", "何でもない文", []string{"", "  "}, nil},
		{"absent", "燃えるごみの収集日です", []string{"未発表"}, nil},
		{"no terms", "燃えるごみの収集日です", nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, f := range domain.FindProhibitedTerms(c.text, c.terms) {
				require.Equal(t, domain.FindingProhibitedTerm, f.Code)
				require.Contains(t, f.Message, "prohibited term")
				got = append(got, f.Excerpt)
			}
			require.Equal(t, c.want, got, "FindProhibitedTerms(%q, %q)", c.text, c.terms)
		})
	}
}

func TestCheckPost(t *testing.T) {
	rules := domain.PublishingRules{AllowedCategories: []string{"お知らせ", "収集日程", "News"}, ProhibitedTerms: []string{"未発表", "SECRET"}}
	cases := []struct {
		name     string
		text     string
		category string
		rules    domain.PublishingRules
		want     []saFinding
	}{
		{"the issue's phone number", "お問い合わせは 090-1234-5678 まで", "お知らせ", rules, saPhone("090-1234-5678")},
		{"the same in full width", "お問い合わせは（０９０－１２３４－５６７８）まで", "お知らせ", rules, saPhone("０９０－１２３４－５６７８")},
		{"harmless announcement passes", "12月1日(月)は燃えるごみの収集日です。", "収集日程", rules, []saFinding{}},
		{"category matched regardless of width and case", "燃えるごみの収集日です。", "ｎｅｗｓ", rules, []saFinding{}},
		{"category with surrounding spaces", "燃えるごみの収集日です。", " お知らせ ", rules, []saFinding{}},
		{"category not allowed", "燃えるごみの収集日です。", "災害情報", rules, []saFinding{{domain.FindingCategoryNotAllowed, "災害情報"}}},
		{"empty allowed list allows nothing", "燃えるごみの収集日です。", "お知らせ", domain.PublishingRules{}, []saFinding{{domain.FindingCategoryNotAllowed, "お知らせ"}}},
		{"prohibited term regardless of case and width", "ｓｅｃｒｅｔな計画", "お知らせ", rules, []saFinding{{domain.FindingProhibitedTerm, "ｓｅｃｒｅｔ"}}},
		{"every finding of one text", "未発表：〒100-0001 東京都千代田区 03-1234-5678 yamada@example.jp 個人番号123456789018", "災害情報", rules, []saFinding{
			{domain.FindingCategoryNotAllowed, "災害情報"},
			{domain.FindingProhibitedTerm, "未発表"},
			{domain.FindingEmailAddress, "yamada@example.jp"},
			{domain.FindingPhoneNumber, "03-1234-5678"},
			{domain.FindingIndividualNumber, "123456789018"},
			{domain.FindingPostalAddress, "〒100-0001 東京都"},
		}},
	}
	for _, h := range saHarmless {
		cases = append(cases, struct {
			name     string
			text     string
			category string
			rules    domain.PublishingRules
			want     []saFinding
		}{"nothing in: " + h.name, h.text, "お知らせ", rules, []saFinding{}})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := domain.CheckPost(c.text, c.category, c.rules)
			require.NotNil(t, got, "no findings is an empty list, not null")
			require.Equal(t, c.want, saFindings(got), "CheckPost(%q, %q)", c.text, c.category)
			for _, f := range got {
				require.NotEmpty(t, f.Message, "finding %s has no message", f.Code)
			}
		})
	}

	t.Run("the not-allowed message names the allowed categories", func(t *testing.T) {
		got := domain.CheckPost("本文", "災害情報", rules)
		require.Len(t, got, 1)
		require.Contains(t, got[0].Message, "災害情報")
		require.Contains(t, got[0].Message, "お知らせ")
	})
	t.Run("the empty-list message says nothing may be published", func(t *testing.T) {
		got := domain.CheckPost("本文", "お知らせ", domain.PublishingRules{AllowedCategories: []string{}})
		require.Len(t, got, 1)
		require.Contains(t, got[0].Message, "no allowed categories")
	})
}

func TestFindIndividualNumbersNextToOtherFigures(t *testing.T) {
	got := domain.FindIndividualNumbers("整理番号 2026 1234 5678 9018")
	require.Len(t, got, 1, "%+v", got)
	require.Equal(t, "1234 5678 9018", got[0].Excerpt)
}

func TestCheckPostPublicContacts(t *testing.T) {
	rules := domain.PublishingRules{AllowedCategories: []string{"お知らせ"}, PublicContacts: domain.PublicContacts{
		PhoneNumbers:    []string{"03-1234-5678", "０１２０（１１１）２２２"},
		EmailAddresses:  []string{"Info@City.Example.lg.jp"},
		PostalAddresses: []string{"〒100-0001 東京都千代田区千代田1-1"},
	}}
	cases := []struct {
		name  string
		text  string
		rules domain.PublishingRules
		want  []saFinding
	}{
		{"the body's phone number", "代表 03-1234-5678 まで", rules, []saFinding{}},
		{"the same in full width", "代表 ０３－１２３４－５６７８ まで", rules, []saFinding{}},
		{"the same with brackets", "代表 03(1234)5678 まで", rules, []saFinding{}},
		{"the same with spaces", "代表 03 1234 5678 まで", rules, []saFinding{}},
		{"the same with a long dash", "代表 03—1234—5678 まで", rules, []saFinding{}},
		{"the same without separators", "代表 0312345678 まで", rules, []saFinding{}},
		{"the same from abroad", "代表 +81 3-1234-5678 まで", rules, []saFinding{}},
		{"the free-dial number listed in full width, written in half width", "フリーダイヤル 0120-111-222", rules, []saFinding{}},
		{"another phone number is still a finding", "担当 090-1234-5678 まで", rules, saPhone("090-1234-5678")},
		{"a number one digit off is still a finding", "代表 03-1234-5679 まで", rules, saPhone("03-1234-5679")},
		{"the listed and another: only the other", "代表 03-1234-5678、担当 090-1234-5678", rules, saPhone("090-1234-5678")},
		{"the body's e-mail regardless of case", "info@city.example.lg.jp へ", rules, []saFinding{}},
		{"the body's e-mail in full width", "ＩＮＦＯ＠ｃｉｔｙ．ｅｘａｍｐｌｅ．ｌｇ．ｊｐ へ", rules, []saFinding{}},
		{"another e-mail is still a finding", "yamada@city.example.lg.jp へ", rules, []saFinding{{domain.FindingEmailAddress, "yamada@city.example.lg.jp"}}},
		{"a longer address that contains the body's is a finding", "info@city.example.lg.jp.evil.example へ", rules,
			[]saFinding{{domain.FindingEmailAddress, "info@city.example.lg.jp.evil.example"}}},
		{"the body's postal address", "所在地：〒100-0001 東京都千代田区千代田1-1", rules, []saFinding{}},
		{"the same in full width without spaces", "所在地：〒１００－０００１東京都千代田区千代田１－１", rules, []saFinding{}},
		{"the same with another hyphen and an ideographic space", "〒100‐0001　東京都千代田区千代田1‐1", rules, []saFinding{}},
		{"another address with the same postal code is a finding", "〒100-0001 東京都千代田区千代田2-3 山田方", rules,
			[]saFinding{{domain.FindingPostalAddress, "〒100-0001 東京都"}}},
		{"part of the body's address is a finding", "〒100-0001 東京都千代田区", rules,
			[]saFinding{{domain.FindingPostalAddress, "〒100-0001 東京都"}}},
		{"no list: every contact is a finding", "代表 03-1234-5678 info@city.example.lg.jp", domain.PublishingRules{AllowedCategories: []string{"お知らせ"}},
			[]saFinding{{domain.FindingEmailAddress, "info@city.example.lg.jp"}, {domain.FindingPhoneNumber, "03-1234-5678"}}},
		{"a listed phone number does not hide an individual number", "03-1234-5678 123456789018", rules,
			[]saFinding{{domain.FindingIndividualNumber, "123456789018"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := domain.CheckPost(c.text, "お知らせ", c.rules)
			require.Equal(t, c.want, saFindings(got), "CheckPost(%q)", c.text)
		})
	}
}

func TestNormalizePhone(t *testing.T) {
	for in, want := range map[string]string{
		"03-1234-5678":       "0312345678",
		"０３－１２３４－５６７８":       "0312345678",
		"03(1234)5678":       "0312345678",
		" 03 1234 5678 ":     "0312345678",
		"+81 3-1234-5678":    "0312345678",
		"+81 (0)3 1234 5678": "0312345678",
		"＋８１９０１２３４５６７８":      "09012345678",
		"090ー1234ー5678":      "09012345678",
	} {
		t.Run(in, func(t *testing.T) {
			require.Equal(t, want, domain.NormalizePhone(in))
		})
	}
}

func TestPublicContactProblems(t *testing.T) {
	cases := []struct {
		name   string
		in     domain.PublicContactsInput
		fields []string
	}{
		{"none", domain.PublicContactsInput{}, nil},
		{"valid entries", domain.PublicContactsInput{
			PhoneNumbers:    []string{"03-1234-5678", "０９０－１２３４－５６７８", "+81 3 1234 5678"},
			EmailAddresses:  []string{"info@city.example.lg.jp", "ＩＮＦＯ＠ｃｉｔｙ．ｊｐ"},
			PostalAddresses: []string{"〒100-0001 東京都千代田区千代田1-1", " 100-0001 千代田区千代田1-1"},
		}, nil},
		{"a phone that is not one", domain.PublicContactsInput{PhoneNumbers: []string{"03-1234-5678", "1234", "03-1234-567"}},
			[]string{"x.phone_numbers[1]", "x.phone_numbers[2]"}},
		{"an e-mail that is not one", domain.PublicContactsInput{EmailAddresses: []string{"info", "info@city", "a@b.jp x"}},
			[]string{"x.email_addresses[0]", "x.email_addresses[1]", "x.email_addresses[2]"}},
		{"an address without its postal code first", domain.PublicContactsInput{PostalAddresses: []string{"東京都千代田区千代田1-1", "本庁舎 〒100-0001 東京都千代田区", "〒100-0001"}},
			[]string{"x.postal_addresses[0]", "x.postal_addresses[1]", "x.postal_addresses[2]"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var fields []string
			for _, f := range domain.PublicContactProblems("x", c.in) {
				require.NotEmpty(t, f.Message)
				fields = append(fields, f.Field)
			}
			require.Equal(t, c.fields, fields)
		})
	}
}

func TestPublicContactListsAreBounded(t *testing.T) {
	many := func(n int, v string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = v
		}
		return out
	}
	ok := domain.PublishingRulesInput{PublicContacts: domain.PublicContactsInput{
		PhoneNumbers: many(domain.MaxPublicPhoneNumbers, "03-1234-5678"), EmailAddresses: many(domain.MaxPublicEmailAddresses, "a@b.jp"),
		PostalAddresses: many(domain.MaxPublicPostalAddresses, "〒100-0001 東京都千代田区"),
	}}
	require.NoError(t, domain.Validate(ok))
	for name, in := range map[string]domain.PublicContactsInput{
		"phone_numbers":    {PhoneNumbers: many(domain.MaxPublicPhoneNumbers+1, "03-1234-5678")},
		"email_addresses":  {EmailAddresses: many(domain.MaxPublicEmailAddresses+1, "a@b.jp")},
		"postal_addresses": {PostalAddresses: many(domain.MaxPublicPostalAddresses+1, "〒100-0001 東京都千代田区")},
	} {
		t.Run(name, func(t *testing.T) {
			err := domain.Validate(domain.PublishingRulesInput{PublicContacts: in})
			require.Error(t, err)
			require.Equal(t, domain.EINVALID, domain.ErrorCodeOf(err))
			require.Contains(t, err.Error(), name)
		})
	}
}

func TestPostFindingSpansAreTheirExcerpts(t *testing.T) {
	text := "〒１００-０００１ 東京都千代田区千代田1-1、TEL ＋81 90 1234 5678、mail: Ａbc@example.jp、未発表の件、番号 2026 1234 5678 9018 と 4983 5610 2382"
	rules := domain.PublishingRules{AllowedCategories: []string{"お知らせ"}, ProhibitedTerms: []string{"未発表"}}
	got := domain.CheckPost(text, "災害", rules)
	runes := []rune(text)
	spans := 0
	for _, f := range got {
		if f.Code == domain.FindingCategoryNotAllowed {
			require.Zero(t, f.End, "a category finding is about no part of the text")
			continue
		}
		require.Equal(t, f.Excerpt, string(runes[f.Start:f.End]), "%s", f.Code)
		spans++
	}
	require.GreaterOrEqual(t, spans, 4, "%+v", got)
}

package domain_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

func TestUnsafeText(t *testing.T) {
	cases := []struct {
		name      string
		in        string
		multiline bool
		refused   bool
	}{
		{"empty is unset", "", false, false},
		{"plain Japanese", "株式会社クリーン環境サービス", false, false},
		{"inner spaces", "山田 太郎　様", false, false},
		{"blank", "   ", false, true},
		{"ideographic blank", "\u3000\u3000", true, true},
		{"newline only", "\n", true, true},
		{"tab in a name", "A\tB", false, true},
		{"newline in a name", "A\nB", false, true},
		{"tab and newline in notes", "一行目\n\t二行目", true, false},
		{"CRLF in notes", "一行目\r\n二行目", true, false},
		{"lone CR in notes", "一行目\r二行目", true, true},
		{"escape", "A\x1bB", true, true},
		{"DEL", "A\x7fB", true, true},
		{"C1 control", "A\u0085B", true, true},
		{"RLO", "invoice\u202Etxt.exe", false, true},
		{"LRE", "\u202Aabc", false, true},
		{"PDF", "abc\u202C", false, true},
		{"LRI", "a\u2066b", false, true},
		{"PDI", "a\u2069b", false, true},
		{"zero-width space", "クリーン\u200B環境", false, true},
		{"ZWNJ", "a\u200Cb", false, true},
		{"ZWJ between letters", "a\u200Db", false, true},
		{"word joiner", "a\u2060b", false, true},
		{"BOM", "\uFEFFabc", false, true},
		{"emoji ZWJ sequence", "ご家族で👨\u200D👩\u200D👧どうぞ", true, false},
		{"emoji with skin tone and ZWJ", "👩🏽\u200D💻", true, false},
		{"LRM is not in the list", "a\u200Eb", false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg := domain.UnsafeText(c.in, c.multiline)
			if c.refused {
				require.NotEmpty(t, msg)
			} else {
				require.Empty(t, msg)
			}
		})
	}
	require.Contains(t, domain.UnsafeText("ab\u202Ec", false), "U+202E")
	require.Contains(t, domain.UnsafeText("ab\u202Ec", false), "character 3")
}

func TestNormalizeIdentifier(t *testing.T) {
	for in, want := range map[string]string{
		"７００００１２０５０００２": "7000012050002",
		"7000012050002": "7000012050002",
		"＠ｃｌｅａｎ＿ｋｕｍｉａｉ":     "@clean_kumiai",
		"０３－１２３４－５６７８":      "03-1234-5678",
		"ｔａｎａｋａ＠ｅｘａｍｐｌｅ．ｊｐ": "tanaka@example.jp",
		"ｸﾘｰﾝ": "クリーン",
	} {
		require.Equal(t, want, domain.NormalizeIdentifier(in), in)
	}
}

func TestPostChecksReadDigitsAsNFKCDoes(t *testing.T) {
	for _, text := range []string{"０９０－１２３４－５６７８", "⓪⑨⓪-①②③④-⑤⑥⑦⑧"} {
		found := domain.FindPhoneNumbers("電話 " + text + " まで")
		require.Len(t, found, 1, text)
		require.Equal(t, text, found[0].Excerpt, "the excerpt is the text as written")
	}
}

func TestFoldSearch(t *testing.T) {
	want := domain.FoldSearch("くりーん")
	for _, s := range []string{"くりーん", "ｸﾘｰﾝ", "クリーン"} {
		require.Equal(t, want, domain.FoldSearch(s), s)
	}
	require.Contains(t, domain.FoldSearch("株式会社クリーン環境サービス"), want)
	require.Contains(t, domain.FoldSearch("カブシキガイシャクリーンカンキョウサービス"), domain.FoldSearch("ｶﾝｷｮｳ"))
	require.Equal(t, "example cloud", domain.FoldSearch("ＥＸＡＭＰＬＥ Cloud"))
	require.Equal(t, "ゔぁ", domain.FoldSearch("ヴァ"))
}

func TestValidateNormalisesIdentifiersAndRefusesUnsafeText(t *testing.T) {
	in := domain.VendorInput{
		Name:            "株式会社クリーン環境サービス",
		CorporateNumber: "７００００１２０５０００２",
		OwnerID:         "0190a0c0-0000-7000-8000-000000000001",
		Contact:         domain.VendorContact{Phone: "０３－１２３４－５６７８", Email: "ｔａｎａｋａ＠ｅｘａｍｐｌｅ．ｊｐ"},
		Notes:           "一行目\n二行目\tタブ",
	}
	require.NoError(t, domain.Validate(&in))
	require.Equal(t, "7000012050002", in.CorporateNumber)
	require.Empty(t, in.Check(), "the check digit is verified on the normalised number")
	require.Equal(t, "03-1234-5678", in.Contact.Phone)
	require.Equal(t, "tanaka@example.jp", in.Contact.Email)
	require.Equal(t, "株式会社クリーン環境サービス", in.Name, "names are not normalised")

	bad := in
	bad.Name = "株式会社\u202Eクリーン"
	bad.Contact.Name = "田中\n三郎"
	bad.Notes = "   "
	bad.Certifications = []domain.Certification{{Kind: domain.CertOther, Name: "認証\u200B", Number: "1"}}
	err := domain.Validate(&bad)
	require.Equal(t, domain.EINVALID, domain.ErrorCodeOf(err))
	require.ElementsMatch(t, []string{"name", "contact.name", "notes", "certifications[0].name"}, errorFields(err))

	contract := domain.ContractInput{VendorID: in.OwnerID, OwnerID: in.OwnerID, Title: "委託",
		Subcontractors: []string{"A社", "B社", "C社\u2067"}}
	require.Equal(t, []string{"subcontractors[2]"}, errorFields(domain.Validate(&contract)))

	// A field that breaks a validate tag is listed once, not again for its text.
	long := domain.DepartmentInput{Name: strings.Repeat("あ", 201) + "\u200B"}
	require.Equal(t, []string{"name"}, errorFields(domain.Validate(long)))
}

func TestCheckText(t *testing.T) {
	require.NoError(t, domain.CheckText("reason", "契約満了\n内製化のため", true))
	err := domain.CheckText("reason", " \t ", true)
	require.Equal(t, []string{"reason"}, errorFields(err))
}

func errorFields(err error) []string {
	var e *domain.Error
	if err == nil {
		return nil
	}
	if !errors.As(err, &e) {
		return []string{"not a domain error: " + err.Error()}
	}
	out := []string{}
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

package domain_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

func TestNormalizeProfileURL(t *testing.T) {
	ok := func(want string) struct{ url, problem string } { return struct{ url, problem string }{want, ""} }
	bad := func(problem string) struct{ url, problem string } { return struct{ url, problem string }{"", problem} }
	cases := []struct {
		name     string
		platform domain.Platform
		handle   string
		raw      string
		want     struct{ url, problem string }
	}{
		// X: every historic host is accepted and written as x.com.
		{"x: x.com", domain.PlatformX, "clean_kumiai", "https://x.com/clean_kumiai", ok("https://x.com/clean_kumiai")},
		{"x: twitter.com", domain.PlatformX, "clean_kumiai", "https://twitter.com/clean_kumiai", ok("https://x.com/clean_kumiai")},
		{"x: www.twitter.com", domain.PlatformX, "clean_kumiai", "https://www.twitter.com/clean_kumiai", ok("https://x.com/clean_kumiai")},
		{"x: mobile.twitter.com with query", domain.PlatformX, "clean_kumiai", "https://mobile.twitter.com/clean_kumiai?lang=ja", ok("https://x.com/clean_kumiai")},
		{"x: fragment and trailing slash dropped", domain.PlatformX, "clean_kumiai", "https://www.x.com/clean_kumiai/#top", ok("https://x.com/clean_kumiai")},
		{"x: handle with @", domain.PlatformX, "@clean_kumiai", "https://x.com/clean_kumiai", ok("https://x.com/clean_kumiai")},
		{"x: path case differs from handle", domain.PlatformX, "clean_kumiai", "https://x.com/Clean_Kumiai", ok("https://x.com/clean_kumiai")},
		{"x: mixed-case handle, canonical in the stored (lower) case", domain.PlatformX, "@Clean_Kumiai", "https://twitter.com/Clean_Kumiai", ok("https://x.com/clean_kumiai")},
		{"x: host in capitals", domain.PlatformX, "clean_kumiai", "https://X.COM/clean_kumiai", ok("https://x.com/clean_kumiai")},
		{"x: http becomes https", domain.PlatformX, "clean_kumiai", "http://twitter.com/clean_kumiai", ok("https://x.com/clean_kumiai")},
		{"x: empty URL built from handle", domain.PlatformX, "@clean_kumiai", "", ok("https://x.com/clean_kumiai")},
		{"x: surrounding spaces", domain.PlatformX, " clean_kumiai ", "  https://x.com/clean_kumiai  ", ok("https://x.com/clean_kumiai")},
		{"x: wrong host", domain.PlatformX, "clean_kumiai", "https://www.facebook.com/clean_kumiai", bad("is not a x address (expected x.com)")},
		{"x: look-alike host", domain.PlatformX, "clean_kumiai", "https://x.com.evil.example/clean_kumiai", bad("is not a x address (expected x.com)")},
		{"x: handle mismatch", domain.PlatformX, "clean_kumiai", "https://x.com/other_one", bad("points at other_one, not at the handle clean_kumiai")},
		{"x: hyphen is not an x handle", domain.PlatformX, "clean-kumiai", "", bad("the handle clean-kumiai is not a valid x handle")},
		{"x: sixteen characters", domain.PlatformX, "abcdefghijklmnop", "", bad("the handle abcdefghijklmnop is not a valid x handle")},
		{"x: no scheme", domain.PlatformX, "clean_kumiai", "x.com/clean_kumiai", bad("must be an https URL of the profile")},
		{"x: ftp", domain.PlatformX, "clean_kumiai", "ftp://x.com/clean_kumiai", bad("must be an https URL of the profile")},

		{"facebook: m. host and query", domain.PlatformFacebook, "clean.kumiai", "https://m.facebook.com/clean.kumiai?ref=bookmarks", ok("https://www.facebook.com/clean.kumiai")},
		{"facebook: bare host", domain.PlatformFacebook, "clean.kumiai", "https://facebook.com/clean.kumiai", ok("https://www.facebook.com/clean.kumiai")},
		{"facebook: built from handle", domain.PlatformFacebook, "clean.kumiai", "", ok("https://www.facebook.com/clean.kumiai")},
		{"facebook: too short", domain.PlatformFacebook, "abc", "", bad("the handle abc is not a valid facebook handle")},
		{"facebook: wrong host", domain.PlatformFacebook, "clean.kumiai", "https://www.instagram.com/clean.kumiai", bad("is not a facebook address (expected www.facebook.com)")},

		{"instagram: trailing slash is canonical", domain.PlatformInstagram, "clean_kumiai", "https://instagram.com/clean_kumiai", ok("https://www.instagram.com/clean_kumiai/")},
		{"instagram: with slash and query", domain.PlatformInstagram, "clean_kumiai", "https://www.instagram.com/clean_kumiai/?hl=ja", ok("https://www.instagram.com/clean_kumiai/")},
		{"instagram: built from handle", domain.PlatformInstagram, "@clean_kumiai", "", ok("https://www.instagram.com/clean_kumiai/")},
		{"instagram: handle mismatch", domain.PlatformInstagram, "clean_kumiai", "https://www.instagram.com/someone_else/", bad("points at someone_else, not at the handle clean_kumiai")},

		{"line: page.line.me", domain.PlatformLine, "@clean-kumiai", "https://page.line.me/clean-kumiai", ok("https://page.line.me/clean-kumiai")},
		{"line: add-friend link with @", domain.PlatformLine, "@clean-kumiai", "https://line.me/R/ti/p/@clean-kumiai", ok("https://page.line.me/clean-kumiai")},
		{"line: add-friend link with %40", domain.PlatformLine, "@clean-kumiai", "https://line.me/R/ti/p/%40clean-kumiai", ok("https://page.line.me/clean-kumiai")},
		{"line: handle without @", domain.PlatformLine, "clean-kumiai", "", ok("https://page.line.me/clean-kumiai")},
		{"line: mixed-case id", domain.PlatformLine, "@Clean-Kumiai", "", ok("https://page.line.me/clean-kumiai")},
		{"line: wrong host", domain.PlatformLine, "@clean-kumiai", "https://line.example.com/clean-kumiai", bad("is not a line address (expected page.line.me)")},
		{"line: handle mismatch", domain.PlatformLine, "@clean-kumiai", "https://line.me/R/ti/p/@other-id", bad("points at @other-id, not at the handle clean-kumiai")},

		{"youtube: @handle, canonical in the stored (lower) case", domain.PlatformYouTube, "CleanKumiai", "https://www.youtube.com/@CleanKumiai", ok("https://www.youtube.com/@cleankumiai")},
		{"youtube: m. host with a tab", domain.PlatformYouTube, "@cleankumiai", "https://m.youtube.com/@cleankumiai/videos", ok("https://www.youtube.com/@cleankumiai")},
		{"youtube: built from handle", domain.PlatformYouTube, "@cleankumiai", "", ok("https://www.youtube.com/@cleankumiai")},
		{"youtube: a channel id path is not the handle", domain.PlatformYouTube, "cleankumiai", "https://www.youtube.com/channel/UC123", bad("points at channel, not at the handle cleankumiai")},
		{"youtube: youtu.be is not a profile host", domain.PlatformYouTube, "cleankumiai", "https://youtu.be/@cleankumiai", bad("is not a youtube address (expected www.youtube.com)")},

		{"tiktok: @handle with query", domain.PlatformTikTok, "clean.kumiai", "https://www.tiktok.com/@clean.kumiai?lang=ja", ok("https://www.tiktok.com/@clean.kumiai")},
		{"tiktok: built from handle", domain.PlatformTikTok, "@clean.kumiai", "", ok("https://www.tiktok.com/@clean.kumiai")},
		{"tiktok: one character", domain.PlatformTikTok, "c", "", bad("the handle c is not a valid tiktok handle")},

		{"other: https kept, host lower-cased, query and fragment dropped", domain.PlatformOther, "kumiai", "https://Mastodon.Example.JP/@kumiai?x=1#y", ok("https://mastodon.example.jp/@kumiai")},
		{"other: http refused", domain.PlatformOther, "kumiai", "http://mastodon.example.jp/@kumiai", bad("must be an https URL")},
		{"other: URL required", domain.PlatformOther, "kumiai", "", bad("is required for platform other")},
		{"other: no host", domain.PlatformOther, "kumiai", "https:///kumiai", bad("must be an https URL")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, problem := domain.NormalizeProfileURL(c.platform, c.handle, c.raw)
			require.Equal(t, c.want.problem, problem, "problem for %s %q %q", c.platform, c.handle, c.raw)
			require.Equal(t, c.want.url, got, "URL for %s %q %q", c.platform, c.handle, c.raw)
		})
	}
}

func TestNormalizeHandle(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"clean_kumiai", "clean_kumiai"},
		{"@clean_kumiai", "clean_kumiai"},
		{"@Clean_Kumiai", "clean_kumiai"},
		{"  @CleanKumiai ", "cleankumiai"},
		{"Clean.Kumiai", "clean.kumiai"},
		{"@@twice", "@twice"},
		{"", ""},
	} {
		t.Run(c.in, func(t *testing.T) {
			require.Equal(t, c.want, domain.NormalizeHandle(c.in))
		})
	}
}

// saAccountInput is a valid input for the Normalize tests.
func saAccountInput() domain.SocialAccountInput {
	return domain.SocialAccountInput{
		Platform: domain.PlatformX, Handle: "@clean_kumiai", Purpose: "ごみ収集日程の発信",
		DepartmentID:        "0190f3a0-0000-7000-8000-000000000001",
		ResponsiblePersonID: "0190f3a0-0000-7000-8000-000000000002",
	}
}

func TestSocialAccountInputNormalize(t *testing.T) {
	settings := domain.DefaultPolicySettings
	cases := []struct {
		name   string
		change func(in *domain.SocialAccountInput)
		fields []string
		check  func(t *testing.T, in domain.SocialAccountInput)
	}{
		{"defaults filled, handle and URL normalised", func(*domain.SocialAccountInput) {}, nil, func(t *testing.T, in domain.SocialAccountInput) {
			require.Equal(t, "clean_kumiai", in.Handle)
			require.Equal(t, "https://x.com/clean_kumiai", in.ProfileURL)
			require.Equal(t, settings.DefaultReviewIntervalMonths, in.ReviewIntervalMonths)
			require.NotNil(t, in.OperatorIDs)
			rules := in.PublishingRules.Rules()
			require.NotNil(t, rules.AllowedCategories, "an omitted list is an empty one")
			require.NotNil(t, rules.ProhibitedTerms, "an omitted list is an empty one")
		}},
		{"review interval kept when set", func(in *domain.SocialAccountInput) { in.ReviewIntervalMonths = 6 }, nil, func(t *testing.T, in domain.SocialAccountInput) {
			require.Equal(t, 6, in.ReviewIntervalMonths)
		}},
		{"twitter URL canonical", func(in *domain.SocialAccountInput) { in.ProfileURL = "http://mobile.twitter.com/clean_kumiai?s=20" }, nil, func(t *testing.T, in domain.SocialAccountInput) {
			require.Equal(t, "https://x.com/clean_kumiai", in.ProfileURL)
		}},
		// The stored handle is lower-cased for uniqueness; the canonical URL
		// must be the one of the stored handle, whatever case was typed.
		{"mixed-case handle: URL is the stored handle's", func(in *domain.SocialAccountInput) { in.Handle = "@Clean_Kumiai" }, nil, func(t *testing.T, in domain.SocialAccountInput) {
			require.Equal(t, "clean_kumiai", in.Handle)
			require.Equal(t, "https://x.com/"+in.Handle, in.ProfileURL)
		}},
		{"wrong host at profile_url", func(in *domain.SocialAccountInput) { in.ProfileURL = "https://www.facebook.com/clean_kumiai" }, []string{"profile_url"}, nil},
		{"handle mismatch at profile_url", func(in *domain.SocialAccountInput) { in.ProfileURL = "https://x.com/someone" }, []string{"profile_url"}, nil},
		{"invalid handle at handle", func(in *domain.SocialAccountInput) { in.Handle = "clean-kumiai" }, []string{"handle"}, nil},
		{"availability 2 without mirror site", func(in *domain.SocialAccountInput) { in.CarriesAvailability2 = true }, []string{"mirror_site_url"}, nil},
		{"availability 2 with blank mirror site", func(in *domain.SocialAccountInput) {
			in.CarriesAvailability2, in.MirrorSiteURL = true, "   "
		}, []string{"mirror_site_url"}, nil},
		{"availability 2 with mirror site", func(in *domain.SocialAccountInput) {
			in.CarriesAvailability2, in.MirrorSiteURL = true, "https://www.city.example.lg.jp/gomi/"
		}, nil, nil},
		{"mirror site alone is fine", func(in *domain.SocialAccountInput) { in.MirrorSiteURL = "https://www.city.example.lg.jp/gomi/" }, nil, nil},
		{"listed on official site without its URL", func(in *domain.SocialAccountInput) { in.ImpersonationMeasures.ListedOnOfficialSite = true },
			[]string{"impersonation_measures.official_site_url"}, nil},
		{"listed on official site with its URL", func(in *domain.SocialAccountInput) {
			in.ImpersonationMeasures.ListedOnOfficialSite = true
			in.ImpersonationMeasures.OfficialSiteURL = "https://www.city.example.lg.jp/sns/"
		}, nil, nil},
		{"public contacts that are not contacts", func(in *domain.SocialAccountInput) {
			in.PublishingRules.PublicContacts = domain.PublicContactsInput{PhoneNumbers: []string{"03-1234-5678", "内線123"},
				EmailAddresses: []string{"info"}, PostalAddresses: []string{"〒100-0001 東京都千代田区千代田1-1", "千代田区千代田1-1"}}
		}, []string{"publishing_rules.public_contacts.phone_numbers[1]", "publishing_rules.public_contacts.email_addresses[0]",
			"publishing_rules.public_contacts.postal_addresses[1]"}, nil},
		{"public contacts are trimmed in the rules", func(in *domain.SocialAccountInput) {
			in.PublishingRules.PublicContacts = domain.PublicContactsInput{PhoneNumbers: []string{" 03-1234-5678 "}}
		}, nil, func(t *testing.T, in domain.SocialAccountInput) {
			rules := in.PublishingRules.Rules()
			require.Equal(t, []string{"03-1234-5678"}, rules.PublicContacts.PhoneNumbers)
			require.NotNil(t, rules.PublicContacts.EmailAddresses, "an omitted list is an empty one")
			require.NotNil(t, rules.PublicContacts.PostalAddresses, "an omitted list is an empty one")
		}},
		{"every problem at once", func(in *domain.SocialAccountInput) {
			in.ProfileURL = "https://example.com/clean_kumiai"
			in.CarriesAvailability2 = true
			in.ImpersonationMeasures.ListedOnOfficialSite = true
		}, []string{"profile_url", "mirror_site_url", "impersonation_measures.official_site_url"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := saAccountInput()
			c.change(&in)
			fe := in.Normalize(settings)
			var fields []string
			for _, f := range fe {
				require.NotEmpty(t, f.Message, "field %s", f.Field)
				fields = append(fields, f.Field)
			}
			require.Equal(t, c.fields, fields, "problems: %+v", fe)
			if c.check != nil {
				c.check(t, in)
			}
		})
	}
}

func TestOperatingProcedureProblems(t *testing.T) {
	today := domain.NewDate(2026, 12, 1)
	full := domain.OperatingProcedure{DocumentRef: "広報-SNS-001", Version: "1.2", ApprovedOn: domain.NewDate(2026, 4, 1)}
	cases := []struct {
		name    string
		change  func(op *domain.OperatingProcedure)
		fields  []string
		missing bool
	}{
		{"document and approval date", func(*domain.OperatingProcedure) {}, nil, false},
		{"approved today", func(op *domain.OperatingProcedure) { op.ApprovedOn = today }, nil, false},
		{"version and URL are optional", func(op *domain.OperatingProcedure) { op.Version, op.URL = "", "" }, nil, false},
		{"none at all", func(op *domain.OperatingProcedure) { *op = domain.OperatingProcedure{} },
			[]string{"operating_procedure.document_ref", "operating_procedure.approved_on"}, true},
		{"no document reference", func(op *domain.OperatingProcedure) { op.DocumentRef = "" }, []string{"operating_procedure.document_ref"}, true},
		{"a blank document reference", func(op *domain.OperatingProcedure) { op.DocumentRef = "   " }, []string{"operating_procedure.document_ref"}, true},
		{"only a URL", func(op *domain.OperatingProcedure) {
			*op = domain.OperatingProcedure{URL: "https://intra.example.lg.jp/sns.pdf"}
		}, []string{"operating_procedure.document_ref", "operating_procedure.approved_on"}, true},
		{"no approval date", func(op *domain.OperatingProcedure) { op.ApprovedOn = domain.Date{} }, []string{"operating_procedure.approved_on"}, true},
		{"approved tomorrow", func(op *domain.OperatingProcedure) { op.ApprovedOn = today.AddDays(1) }, []string{"operating_procedure.approved_on"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			op := full
			c.change(&op)
			var fields []string
			for _, f := range domain.OperatingProcedureProblems(op, today) {
				require.NotEmpty(t, f.Message)
				fields = append(fields, f.Field)
			}
			require.Equal(t, c.fields, fields)
			require.Equal(t, c.missing, domain.OperatingProcedureMissing(op))
		})
	}
}

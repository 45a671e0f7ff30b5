package domain_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

// confidentialityOrder lists the classes from lowest to highest.
var confidentialityOrder = []domain.Confidentiality{
	domain.Confidentiality1,
	domain.Confidentiality2,
	domain.Confidentiality3,
	domain.Confidentiality3C,
	domain.Confidentiality3B,
	domain.Confidentiality3A,
}

func TestConfidentialityOrdering(t *testing.T) {
	for i, a := range confidentialityOrder {
		for j, b := range confidentialityOrder {
			want := 0
			switch {
			case i < j:
				want = -1
			case i > j:
				want = 1
			}
			t.Run(fmt.Sprintf("%s vs %s", a, b), func(t *testing.T) {
				require.Equal(t, want, a.Compare(b), "%s.Compare(%s) with order 1 < 2 < 3 < 3C < 3B < 3A", a, b)
				require.Equal(t, i >= j, a.AtLeast(b), "%s.AtLeast(%s) with order 1 < 2 < 3 < 3C < 3B < 3A", a, b)
			})
		}
	}
}

func TestConfidentialityLevelAndValid(t *testing.T) {
	cases := []struct {
		c     domain.Confidentiality
		valid bool
		level int
	}{
		{domain.Confidentiality1, true, 1},
		{domain.Confidentiality2, true, 2},
		{domain.Confidentiality3, true, 3},
		{domain.Confidentiality3C, true, 3},
		{domain.Confidentiality3B, true, 3},
		{domain.Confidentiality3A, true, 3},
		{"", false, 0},
		{"0", false, 0},
		{"4", false, 0},
		{"3D", false, 0},
		{"3a", false, 0},
		{" 2", false, 0},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%q", c.c), func(t *testing.T) {
			require.Equal(t, c.valid, c.c.Valid(), "Confidentiality(%q).Valid()", c.c)
			if c.valid {
				require.Equal(t, c.level, c.c.Level(), "Confidentiality(%q).Level(): sub-grades count as 3", c.c)
			}
		})
	}
}

func TestClassificationLabel(t *testing.T) {
	cases := []struct {
		name   string
		class  domain.Classification
		locale domain.Locale
		want   string
	}{
		{"ja plain", domain.Classification{Confidentiality: domain.Confidentiality2, Integrity: 1, Availability: 1}, domain.LocaleJa, "機密性2・完全性1・可用性1"},
		{"ja sub-grade", domain.Classification{Confidentiality: domain.Confidentiality3A, Integrity: 2, Availability: 1}, domain.LocaleJa, "機密性3A・完全性2・可用性1"},
		{"en plain", domain.Classification{Confidentiality: domain.Confidentiality2, Integrity: 1, Availability: 1}, domain.LocaleEn, "Confidentiality 2, Integrity 1, Availability 1"},
		{"en sub-grade", domain.Classification{Confidentiality: domain.Confidentiality3C, Integrity: 2, Availability: 2}, domain.LocaleEn, "Confidentiality 3C, Integrity 2, Availability 2"},
		{"unset locale falls back to ja", domain.Classification{Confidentiality: domain.Confidentiality1, Integrity: 1, Availability: 2}, "", "機密性1・完全性1・可用性2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, c.class.Label(c.locale), "Label(%q) of %+v", c.locale, c.class)
		})
	}
}

func asset(c domain.Confidentiality) domain.InformationAsset {
	return domain.InformationAsset{
		Name:           "情報資産 " + string(c),
		Classification: domain.Classification{Confidentiality: c, Integrity: 1, Availability: 1},
	}
}

func assets(cs ...domain.Confidentiality) []domain.InformationAsset {
	out := make([]domain.InformationAsset, len(cs))
	for i, c := range cs {
		out[i] = asset(c)
	}
	return out
}

func TestHighestConfidentiality(t *testing.T) {
	cases := []struct {
		name string
		in   []domain.InformationAsset
		want domain.Confidentiality
	}{
		{"nil", nil, ""},
		{"empty", []domain.InformationAsset{}, ""},
		{"single", assets(domain.Confidentiality2), domain.Confidentiality2},
		{"all the same", assets(domain.Confidentiality1, domain.Confidentiality1), domain.Confidentiality1},
		{"highest last", assets(domain.Confidentiality1, domain.Confidentiality2, domain.Confidentiality3), domain.Confidentiality3},
		{"highest first", assets(domain.Confidentiality3, domain.Confidentiality2, domain.Confidentiality1), domain.Confidentiality3},
		{"sub-grade above plain 3", assets(domain.Confidentiality3, domain.Confidentiality3C), domain.Confidentiality3C},
		{"3A above 3B above 3C", assets(domain.Confidentiality3C, domain.Confidentiality3A, domain.Confidentiality3B), domain.Confidentiality3A},
		{"3B above 3C", assets(domain.Confidentiality3B, domain.Confidentiality3C, domain.Confidentiality2), domain.Confidentiality3B},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, domain.HighestConfidentiality(c.in), "HighestConfidentiality of %d assets", len(c.in))
		})
	}
}

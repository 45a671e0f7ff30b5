package domain

import (
	"fmt"
	"strings"
)

// Confidentiality is a confidentiality class (機密性): 1 < 2 < 3, with the
// optional sub-grades of the current national scheme, 3C < 3B < 3A, all above
// a plain 3.
type Confidentiality string

// Confidentiality classes.
const (
	Confidentiality1  Confidentiality = "1"
	Confidentiality2  Confidentiality = "2"
	Confidentiality3  Confidentiality = "3"
	Confidentiality3C Confidentiality = "3C"
	Confidentiality3B Confidentiality = "3B"
	Confidentiality3A Confidentiality = "3A"
)

var confidentialityRank = map[Confidentiality]int{
	Confidentiality1: 10, Confidentiality2: 20, Confidentiality3: 30,
	Confidentiality3C: 31, Confidentiality3B: 32, Confidentiality3A: 33,
}

// Valid reports whether c is a known class.
func (c Confidentiality) Valid() bool { _, ok := confidentialityRank[c]; return ok }

// Level returns the main class, 1, 2 or 3 (sub-grades count as 3).
func (c Confidentiality) Level() int { return confidentialityRank[c] / 10 }

// Compare returns -1, 0 or 1 as c is below, equal to or above o.
func (c Confidentiality) Compare(o Confidentiality) int {
	a, b := confidentialityRank[c], confidentialityRank[o]
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// AtLeast reports whether c is o or above.
func (c Confidentiality) AtLeast(o Confidentiality) bool { return c.Compare(o) >= 0 }

// Classification is the class of an information asset under the policy's
// 第6 ②: confidentiality, integrity (1 < 2) and availability (1 < 2).
type Classification struct {
	Confidentiality Confidentiality `json:"confidentiality" enum:"1,2,3,3C,3B,3A" doc:"Confidentiality class (機密性): 1 < 2 < 3, sub-grades 3C < 3B < 3A." validate:"required,oneof=1 2 3 3C 3B 3A"`
	Integrity       int             `json:"integrity" minimum:"1" maximum:"2" doc:"Integrity class (完全性): 1 or 2." validate:"required,min=1,max=2"`
	Availability    int             `json:"availability" minimum:"1" maximum:"2" doc:"Availability class (可用性): 1 or 2." validate:"required,min=1,max=2"`
}

// Label renders the classification in the locale: 機密性2・完全性1・可用性1, or
// Confidentiality 2, Integrity 1, Availability 1.
func (c Classification) Label(l Locale) string {
	if l == LocaleEn {
		return fmt.Sprintf("Confidentiality %s, Integrity %d, Availability %d", c.Confidentiality, c.Integrity, c.Availability)
	}
	return fmt.Sprintf("機密性%s・完全性%d・可用性%d", c.Confidentiality, c.Integrity, c.Availability)
}

// InformationAsset is a named kind of information that a contract, service
// or account handles, with its classification.
type InformationAsset struct {
	Name           string         `json:"name" minLength:"1" maxLength:"200" doc:"What the information is." example:"住民からの粗大ごみ収集申込情報" validate:"required,max=200"`
	Classification Classification `json:"classification" doc:"Its classification."`
}

// HighestConfidentiality returns the highest confidentiality among assets,
// or "" when there are none.
func HighestConfidentiality(assets []InformationAsset) Confidentiality {
	var top Confidentiality
	for _, a := range assets {
		if top == "" || a.Classification.Confidentiality.Compare(top) > 0 {
			top = a.Classification.Confidentiality
		}
	}
	return top
}

// assetNames joins asset names for messages.
func assetNames(assets []InformationAsset) string {
	names := make([]string, len(assets))
	for i, a := range assets {
		names[i] = a.Name
	}
	return strings.Join(names, ", ")
}

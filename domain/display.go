package domain

// DisplayName returns the name people know a certification kind by, in the
// locale: ISO/IEC 27001, ISMAP, プライバシーマーク (Privacy Mark), SOC 2. E-mails
// and reminder titles use it; the API's kind field keeps the code.
func (k CertificationKind) DisplayName(l Locale) string {
	switch k {
	case CertISO27001:
		return "ISO/IEC 27001"
	case CertISMAP:
		return "ISMAP"
	case CertPrivacyMark:
		if l == LocaleEn {
			return "Privacy Mark"
		}
		return "プライバシーマーク"
	case CertSOC2:
		return "SOC 2"
	case CertOther:
		if l == LocaleEn {
			return "Other certification"
		}
		return "その他の認証"
	}
	return string(k)
}

// DisplayName returns the platform's own name (X, Facebook, LINE, …), for
// titles that people read.
func (p Platform) DisplayName(l Locale) string {
	switch p {
	case PlatformX:
		return "X"
	case PlatformFacebook:
		return "Facebook"
	case PlatformInstagram:
		return "Instagram"
	case PlatformLine:
		return "LINE"
	case PlatformYouTube:
		return "YouTube"
	case PlatformTikTok:
		return "TikTok"
	case PlatformOther:
		if l == LocaleEn {
			return "Other"
		}
		return "その他"
	}
	return string(p)
}

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

// DisplayName names a subject type as people read it, in the locale: what
// kind of date comes due (委託先の遵守状況確認, 契約更新の見直し, …). Reminder
// e-mails and the staff pages use it.
func (t SubjectType) DisplayName(l Locale) string {
	ja, en := "", ""
	switch t {
	case SubjectConfirmation:
		ja, en = "委託先の遵守状況確認", "Security confirmation of a contractor"
	case SubjectContractRenewal:
		ja, en = "契約更新の見直し", "Contract renewal review"
	case SubjectCloudServiceReview:
		ja, en = "約款による外部サービスの定期見直し", "Periodic review of a service under standard terms"
	case SubjectSocialAccountReview:
		ja, en = "ソーシャルメディアアカウントの定期見直し", "Periodic review of a social-media account"
	case SubjectCertification:
		ja, en = "認証の有効期限", "Certification expiry"
	case SubjectCorrectiveAction:
		ja, en = "是正措置の期限", "Corrective action due"
	case SubjectPolicyReview:
		ja, en = "情報セキュリティポリシーの見直し", "Review of the information security policy"
	case SubjectIncidentStep:
		ja, en = "インシデント対応の期限", "Incident response step due"
	case SubjectInspection:
		ja, en = "自己点検の回答期限", "Self-inspection answers due"
	default:
		return string(t)
	}
	if l == LocaleEn {
		return en
	}
	return ja
}

// DisplayName names a kind of work as people read it, in the locale: the
// subject type of a date coming due, or the approval waiting.
func (k WorkKind) DisplayName(l Locale) string {
	ja, en := "", ""
	switch k {
	case WorkWaiverApproval:
		ja, en = "条項の適用除外の承認", "Approval of a clause waiver"
	case WorkVendorApproval:
		ja, en = "委託事業者の承認", "Approval of a vendor"
	case WorkCloudServiceApproval:
		ja, en = "約款による外部サービスの利用承認", "Approval of a service under standard terms"
	case WorkPolicyReviewApproval:
		ja, en = "情報セキュリティポリシーの見直しの承認", "Approval of a policy review"
	default:
		return SubjectType(k).DisplayName(l)
	}
	if l == LocaleEn {
		return en
	}
	return ja
}

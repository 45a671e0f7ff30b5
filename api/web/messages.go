package web

import (
	"fmt"
	"strings"

	"github.com/vendorwatch/vendorwatch/domain"
)

// msg is one text of the pages in Japanese and English.
type msg struct{ ja, en string }

// messages are the pages' texts by key. Each area of the pages adds its
// own with addMessages, in its own file (messages_<area>.go).
var messages = map[string]msg{}

// addMessages registers texts; a key registered twice is a bug, caught at
// start-up.
func addMessages(m map[string]msg) {
	for k, v := range m {
		if _, dup := messages[k]; dup {
			panic("web: message " + k + " registered twice")
		}
		messages[k] = v
	}
}

// translate returns the text of key in locale l, with args filled in; the
// key itself when it is unknown (a test checks every key the templates
// use exists).
func translate(l domain.Locale, key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	s := m.ja
	if l == domain.LocaleEn && m.en != "" {
		s = m.en
	}
	if len(args) > 0 && strings.Contains(s, "%") {
		return fmt.Sprintf(s, args...)
	}
	return s
}

func init() {
	addMessages(map[string]msg{
		"app.name":           {"vendorwatch", "vendorwatch"},
		"app.tagline":        {"外部委託・外部サービス管理台帳", "Register of outsourcing and external services"},
		"layout.skip":        {"本文へ移動", "Skip to content"},
		"layout.nav":         {"メインメニュー", "Main menu"},
		"layout.signed_in":   {"%s さん（%s）", "%s (%s)"},
		"layout.sign_out":    {"サインアウト", "Sign out"},
		"layout.errors":      {"入力内容を確認してください", "Please check the form"},
		"layout.errors_more": {"次の項目に誤りがあります：", "These fields need attention:"},
		"nav.home":           {"私の対応事項", "My work"},
		"nav.vendors":        {"委託事業者", "Vendors"},
		"nav.contracts":      {"契約", "Contracts"},
		"nav.confirmations":  {"遵守状況の確認", "Confirmations"},
		"nav.corrective":     {"是正措置", "Corrective actions"},
		"nav.cloud":          {"外部サービス", "Cloud services"},
		"nav.social":         {"ソーシャルメディア", "Social media"},
		"nav.reviews":        {"見直し", "Reviews"},
		"nav.reminders":      {"通知履歴", "Reminders"},
		"nav.audit":          {"監査ログ", "Audit log"},
		"nav.settings":       {"設定", "Settings"},
		"nav.people":         {"職員", "People"},

		"role.admin":   {"管理者", "admin"},
		"role.editor":  {"編集者", "editor"},
		"role.auditor": {"監査担当", "auditor"},
		"role.viewer":  {"閲覧者", "viewer"},

		"signin.title":         {"サインイン", "Sign in"},
		"signin.intro":         {"登録されているメールアドレスを入力してください。サインイン用のリンクをお送りします。", "Enter the e-mail address vendorwatch knows you by. We will send you a link to sign in."},
		"signin.email":         {"メールアドレス", "E-mail address"},
		"signin.email_hint":    {"例：yamada@example.lg.jp", "For example: yamada@example.lg.jp"},
		"signin.send":          {"サインイン用のリンクを送る", "Send me a sign-in link"},
		"signin.oidc":          {"組織のアカウントでサインイン", "Sign in with your organisation account"},
		"signin.or":            {"または", "or"},
		"signin.ended":         {"一定時間操作がなかったか、有効期間が過ぎたため、サインアウトしました。もう一度サインインしてください。", "Your session has ended. Please sign in again."},
		"signin.email_invalid": {"メールアドレスを入力してください（例：yamada@example.lg.jp）。", "Enter an e-mail address, such as yamada@example.lg.jp."},
		"signin.sent_title":    {"メールを確認してください", "Check your e-mail"},
		"signin.sent":          {"入力されたアドレスが登録されていれば、サインイン用のリンクをお送りしました。リンクの有効期間は15分で、1回だけ使えます。", "If the address is registered, a sign-in link is on its way. It works once, for 15 minutes."},
		"signin.sent_again":    {"届かない場合は、もう一度お試しください。", "If nothing arrives, try again."},
		"signin.link_title":    {"サインインの確認", "Confirm sign-in"},
		"signin.link_intro":    {"下のボタンを押すとサインインします。", "Press the button to sign in."},
		"signin.link_button":   {"サインインする", "Sign in"},
		"signin.link_invalid":  {"このリンクは使えません（使用済み、15分経過、または無効）。もう一度リンクを送ってください。", "This link cannot be used (already used, older than 15 minutes, or not valid). Ask for a new one."},
		"signin.oidc_failed":   {"組織のアカウントでサインインできませんでした。", "Signing in with your organisation account failed."},
		"signin.oidc_unknown":  {"このアカウントのメールアドレスは vendorwatch に登録されていないか、確認されていません。管理者に連絡してください。", "The account's e-mail address is not registered in vendorwatch, or not verified. Ask an administrator."},
		"flash.signed_out":     {"サインアウトしました。", "You are signed out."},

		"error.title":        {"エラー", "Error"},
		"error.not_found":    {"お探しのページは見つかりません。", "There is no such page."},
		"error.method":       {"この操作はこのページではできません。", "This action is not possible on this page."},
		"error.forbidden":    {"この操作を行う権限がありません。", "You may not do this."},
		"error.conflict":     {"現在の状態ではこの操作はできません。", "This is not possible in the current state."},
		"error.invalid":      {"入力内容に誤りがあります。", "The input is not valid."},
		"error.unauthorized": {"サインインしてください。", "Please sign in."},
		"error.unavailable":  {"データベースが一時的に応答していません。しばらくしてからもう一度お試しください。", "The database is not answering at the moment. Please try again shortly."},
		"error.internal":     {"システムエラーが発生しました。管理者に連絡してください。", "Something went wrong. Please tell an administrator."},
		"error.csrf":         {"フォームの有効期限が切れたか、別のサイトから送信されました。ページを開き直してからもう一度送信してください。", "The form expired or came from another site. Reload the page and send it again."},
		"error.cross_origin": {"別のサイトからの送信は受け付けません。", "Requests from other sites are refused."},
		"error.too_large":    {"送信された内容が大きすぎます。", "The form is too large."},
		"error.back_home":    {"私の対応事項へ戻る", "Back to my work"},

		"form.required":   {"入力してください。", "Required."},
		"form.bad_date":   {"日付を 2027-04-01 の形で入力してください。", "Enter a date as 2027-04-01."},
		"form.bad_number": {"数字で入力してください。", "Enter a number."},
		"form.fix_fields": {"入力内容を確認してください。", "Please check the form."},
		"form.save":       {"保存する", "Save"},
		"form.optional":   {"（任意）", "(optional)"},

		"list.next":        {"次のページ", "Next page"},
		"list.first":       {"最初のページ", "First page"},
		"list.download":    {"ダウンロード", "Download"},
		"list.csv":         {"CSVでダウンロード", "Download CSV"},
		"list.xlsx":        {"Excelでダウンロード", "Download Excel"},
		"list.empty":       {"該当するものはありません。", "Nothing to show."},
		"list.filter":      {"絞り込む", "Filter"},
		"list.search":      {"検索", "Search"},
		"list.fiscal_year": {"年度", "Fiscal year"},
		"list.all_years":   {"すべての年度", "All years"},
		"list.fy":          {"%d年度", "FY%d"},
		"list.all":         {"すべて", "All"},
	})
}

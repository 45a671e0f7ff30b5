package web

func init() {
	addMessages(map[string]msg{
		"home.title": {"私の対応事項", "My work"},
		"home.intro": {"期限を過ぎたもの、%d日以内に期限が来るもの、あなたの承認を待っているものを表示しています。期限を過ぎたものを先に、期限の早い順に並べています。",
			"Everything overdue, due within %d days, or waiting for your approval: overdue first, then by due date."},
		"home.summary":      {"期限超過 %d件・%d日以内 %d件・承認待ち %d件", "%[1]d overdue · %[3]d due within %[2]d days · %[4]d waiting for approval"},
		"home.caption":      {"対応が必要な事項", "What needs doing"},
		"home.col_state":    {"状況", "State"},
		"home.col_kind":     {"種別", "Kind"},
		"home.col_title":    {"件名", "Item"},
		"home.col_due":      {"期限", "Due"},
		"home.col_days":     {"残り日数", "Days left"},
		"home.overdue":      {"期限超過", "Overdue"},
		"home.due":          {"期限間近", "Due soon"},
		"home.waiting":      {"承認待ち", "Waiting for approval"},
		"home.staff":        {"部下の案件", "Your staff's"},
		"home.staff_owner":  {"担当：%s", "Owner: %s"},
		"home.as_ciso":      {"CISOへの通知", "Escalated to you as CISO"},
		"home.since":        {"%sから", "since %s"},
		"home.no_due":       {"なし", "none"},
		"home.empty":        {"現在、対応が必要な事項はありません。", "Nothing needs doing at the moment."},
		"home.empty_detail": {"期限を過ぎたもの、期限が近いもの、承認を待っているものができると、ここに表示されます。", "Items appear here when they are overdue, come due or wait for your approval."},
	})
}

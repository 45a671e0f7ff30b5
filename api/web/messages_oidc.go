package web

func init() {
	addMessages(map[string]msg{
		"signin.oidc_again": {"サインインの手続きが確認できませんでした。10分以上経過したか、別の画面やブラウザーで始められた可能性があります。もう一度お試しください。",
			"The sign-in could not be matched to this browser: it took more than 10 minutes, or was started in another window or browser. Please try again."},
	})
}

package web

func init() {
	addMessages(map[string]msg{
		"evidence.heading":        {"証跡ファイル", "Evidence files"},
		"evidence.none":           {"添付されたファイルはありません。", "No files are attached."},
		"evidence.failed":         {"ファイルの一覧を読み込めませんでした。", "The files could not be read."},
		"evidence.more":           {"ほかにもファイルがあります（最初の200件を表示しています）。", "There are more files (the first 200 are shown)."},
		"evidence.file_name":      {"ファイル名", "File"},
		"evidence.type":           {"種類", "Type"},
		"evidence.size":           {"サイズ", "Size"},
		"evidence.uploader":       {"登録者", "Uploaded by"},
		"evidence.uploaded_at":    {"登録日時", "Uploaded"},
		"evidence.item":           {"対象の項目", "Item"},
		"evidence.item_whole":     {"記録全体", "The whole record"},
		"evidence.download":       {"ダウンロード", "Download"},
		"evidence.delete":         {"削除", "Delete"},
		"evidence.upload_heading": {"ファイルを添付する", "Attach a file"},
		"evidence.file":           {"ファイル", "File"},
		"evidence.hint": {"PDF、画像（PNG・JPEG・GIF・WebP）、Office文書、テキスト又はCSVを、%sまで添付できます。種類はファイルの中身で判定します。",
			"A PDF, an image (PNG, JPEG, GIF, WebP), an office document, text or CSV, up to %s. The type is read from the file's contents."},
		"evidence.upload":         {"添付する", "Attach"},
		"evidence.type_image":     {"%s画像", "%s image"},
		"evidence.type_text":      {"テキスト", "Text"},
		"evidence.refused_title":  {"ファイルを添付できませんでした", "The file was not attached"},
		"evidence.back":           {"記録に戻る", "Back to the record"},
		"evidence.nothing_kept":   {"ファイルは保存されていません。", "Nothing was stored."},
		"flash.evidence_uploaded": {"ファイルを添付しました。", "The file is attached."},
		"flash.evidence_deleted":  {"ファイルを削除しました。削除の記録は監査ログに残ります。", "The file is deleted; the audit trail keeps the record of it."},
	})
}

package jobs_test

import (
	"context"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// TestAChangedEmailIsNoticedAtTheOldAddress: changing a person's e-mail
// sends exactly one notice, to the old address, naming the new one and who
// changed it; the new address receives nothing, and a change that keeps the
// address sends nothing.
func TestAChangedEmailIsNoticedAtTheOldAddress(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			h := newHarness(t, tg, day("2027-04-01"))
			p := h.person("yamada", nil, nil, domain.LocaleJa)
			en := h.person("smith", nil, nil, domain.LocaleEn)
			notices := func(states ...rivertype.JobState) int {
				res, err := h.runner.Client.JobList(context.Background(), river.NewJobListParams().Kinds("email_change_notice").States(states...))
				require.NoError(t, err)
				return len(res.Jobs)
			}
			replace := func(who *domain.Person, email, name string) {
				t.Helper()
				_, err := h.db.ReplacePerson(h.ctx, who.ID, nil, domain.PersonInput{Name: name, Email: email, DepartmentID: who.DepartmentID, Locale: who.Locale})
				require.NoError(t, err)
			}

			replace(p, "yamada@example.lg.jp", "山田 太郎") // the name only
			replace(p, "taken-over@example.com", "山田 太郎")
			replace(en, "smith.new@example.lg.jp", "smith")
			require.Equal(t, 2, notices(rivertype.JobStates()...), "one notice per changed address, none for the unchanged one")
			h.waitUntil("both notices are sent", func() bool { return notices(rivertype.JobStateCompleted) == 2 })

			to := map[string]int{}
			for _, m := range h.smtp.Messages() {
				to[m.To[0]]++
			}
			require.Equal(t, map[string]int{"yamada@example.lg.jp": 1, "smith@example.lg.jp": 1}, to, "the old addresses, once each; the new ones nothing")
			for _, m := range h.smtp.Messages() {
				switch m.To[0] {
				case "yamada@example.lg.jp":
					require.Equal(t, "【vendorwatch】メールアドレス変更のお知らせ", m.Subject)
					require.Contains(t, m.Text, "山田 太郎 様")
					require.Contains(t, m.Text, "変更後：taken-over@example.com")
					require.Contains(t, m.Text, "変更日時：2027年4月1日（木） 09:00")
					require.Contains(t, m.Text, "変更者："+h.admin.Name)
				default:
					require.Equal(t, "[vendorwatch] Your e-mail address was changed", m.Subject)
					require.Contains(t, m.Text, "After: smith.new@example.lg.jp")
					require.Contains(t, m.Text, "When: 1 Apr 2027 (Thu) 09:00")
				}
				require.Regexp(t, `^<[0-9a-f]{32}@example\.lg\.jp>$`, m.MessageID)
			}
		})
	}
}

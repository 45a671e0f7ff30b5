package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// workLines is a person's work as "kind title due flags" lines, in order.
func workLines(t *testing.T, db *store.DB, p *domain.Person, today domain.Date) ([]string, *domain.Work) {
	t.Helper()
	ctx := domain.WithActor(context.Background(), domain.Actor{PersonID: p.ID, Role: domain.RoleEditor, Name: p.Name})
	w, err := db.MyWork(ctx, today)
	require.NoError(t, err)
	lines := []string{}
	for _, it := range w.Items {
		l := string(it.Kind) + " " + it.Title + " " + it.DueDate.String()
		if it.Overdue {
			l += " overdue"
		}
		if it.AsSupervisor {
			l += " staff:" + it.OwnerName
		}
		if it.AsCISO {
			l += " ciso:" + it.OwnerName
		}
		if it.Waiting {
			l += " waiting " + it.Path
		}
		lines = append(lines, l)
	}
	return lines, w
}

// TestMyWorkShowsOwnDueItemsStaffEscalationsAndApprovals: an owner sees
// their overdue and coming items up to the horizon, not others'; their
// supervisor sees only the items overdue past the escalation delay; a
// manager sees the waiver and the vendor waiting for approval, which the
// person who asked does not.
func TestMyWorkShowsOwnDueItemsStaffEscalationsAndApprovals(t *testing.T) {
	clock := &outClock{}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(outTokyo(t, 2027, time.January, 10, 9, 0, 0))
		today := outDate(t, "2027-01-10")
		ctx, admin := outSeed(t, db)
		person := func(name string, roles []domain.SecurityRole, sup *string) *domain.Person {
			p, err := db.CreatePerson(ctx, domain.PersonInput{Name: name, Email: name + "@example.lg.jp", DepartmentID: admin.DepartmentID,
				SecurityRoles: roles, SupervisorID: sup})
			require.NoError(t, err)
			return p
		}
		boss := person("boss", nil, nil)
		owner := person("owner", nil, &boss.ID)
		other := person("other", nil, &boss.ID)
		stranger := person("stranger", nil, nil)
		requester := person("requester", []domain.SecurityRole{domain.SecurityRoleManager}, nil)
		manager := person("manager", []domain.SecurityRole{domain.SecurityRoleManager}, nil)
		supervisor := person("supervisor", []domain.SecurityRole{domain.SecurityRoleSupervisor}, nil)

		cert := func(kind domain.CertificationKind, number, until string) domain.Certification {
			return domain.Certification{Kind: kind, Number: number, ValidUntil: outDate(t, until)}
		}
		v := outApprovedVendor(t, ctx, db, owner, "A社", []domain.Certification{
			cert(domain.CertPrivacyMark, "PM 1", "2026-12-20"), // 21 days overdue: escalated
			cert(domain.CertISO27001, "IS 2", "2027-01-05"),    // 5 days overdue: not yet escalated
			cert(domain.CertISMAP, "C 3", "2027-02-01"),        // within 30 days
			cert(domain.CertSOC2, "S 4", "2027-03-31"),         // beyond the horizon
		})
		outApprovedVendor(t, ctx, db, other, "B社", []domain.Certification{cert(domain.CertISO27001, "IS 9", "2027-01-20")})
		outApprovedVendor(t, ctx, db, stranger, "C社", []domain.Certification{cert(domain.CertISO27001, "IS 8", "2026-11-01")})

		mine, w := workLines(t, db, owner, today)
		require.Equal(t, []string{
			"certification A社 プライバシーマーク PM 1 2026-12-20 overdue",
			"certification A社 ISO/IEC 27001 IS 2 2027-01-05 overdue",
			"certification A社 ISMAP C 3 2027-02-01",
		}, mine, "overdue first, then coming due up to the horizon; nobody else's")
		require.Equal(t, "/vendors/"+v.ID, w.Items[0].Path)
		require.Equal(t, 30, w.HorizonDays)
		require.Equal(t, domain.WorkSummary{Overdue: 2, Due: 1}, w.Summary())

		bosses, _ := workLines(t, db, boss, today)
		require.Equal(t, []string{"certification A社 プライバシーマーク PM 1 2026-12-20 overdue staff:owner"}, bosses,
			"the supervisor sees the staff's items overdue past the escalation delay only")

		// A waiver asked for by the requester on a draft contract, and a
		// candidate vendor whose selection is recorded.
		contract, err := db.CreateContract(ctx, domain.ContractInput{VendorID: v.ID, OwnerID: owner.ID, Title: "窓口業務委託",
			StartDate: outDate(t, "2026-04-01"), EndDate: outDate(t, "2027-03-31")})
		require.NoError(t, err)
		clauses, err := db.ListCatalogueItems(ctx, domain.CatalogueClauses, false)
		require.NoError(t, err)
		reqCtx := domain.WithActor(context.Background(), domain.Actor{PersonID: requester.ID, Role: domain.RoleEditor, Name: requester.Name})
		_, err = db.SetContractClause(reqCtx, contract.ID, clauses[0].Code, domain.ClauseCoverageInput{Status: domain.ClauseWaived, WaiverReason: "業務上不要"})
		require.NoError(t, err)
		cand, err := db.CreateVendor(ctx, domain.VendorInput{Name: "D社", OwnerID: owner.ID})
		require.NoError(t, err)
		_, err = db.RecordSelection(reqCtx, cand.ID, nil, domain.SelectionRecord{SelectedBy: requester.ID, SelectedOn: outDate(t, "2027-01-05")})
		require.NoError(t, err)

		managers, w := workLines(t, db, manager, today)
		require.Equal(t, []string{
			"vendor_approval D社  waiting /vendors/" + cand.ID,
			"waiver_approval 窓口業務委託: " + clauses[0].TitleJa + "  waiting /contracts/" + contract.ID,
		}, managers, "asked for at the same instant: by title")
		require.Equal(t, domain.WorkSummary{Waiting: 2}, w.Summary())
		sups, _ := workLines(t, db, supervisor, today)
		require.Equal(t, []string{
			"certification C社 ISO/IEC 27001 IS 8 2026-11-01 overdue staff:stranger",
			"vendor_approval D社  waiting /vendors/" + cand.ID,
			"waiver_approval 窓口業務委託: " + clauses[0].TitleJa + "  waiting /contracts/" + contract.ID,
		}, sups, "a holder of the supervisor role is told of the overdue items of people without a supervisor, as the reminders do")
		requesters, _ := workLines(t, db, requester, today)
		require.Empty(t, requesters, "whoever asked does not approve")
		mine, _ = workLines(t, db, owner, today)
		require.Len(t, mine, 3, "without a security role, no approvals")

		system, err := db.MyWork(context.Background(), today)
		require.NoError(t, err)
		require.Empty(t, system.Items, "an actor without a person has no work")
	})
}

// TestMyWorkShowsTheCISOWhatTheRemindersEscalatedToThem: a ciso's home
// page lists another person's overdue item once its repeated reminders went
// to them as ciso, and not before; resolving it takes it off.
func TestMyWorkShowsTheCISOWhatTheRemindersEscalatedToThem(t *testing.T) {
	clock := &outClock{}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(outTokyo(t, 2027, time.January, 10, 9, 0, 0))
		ctx, admin := outSeed(t, db)
		settings, err := db.GetSettings(ctx)
		require.NoError(t, err)
		in := settings.PolicySettings
		in.CISOEscalationAfterRepeats = 1 // the first repeat goes to the ciso
		_, err = db.ReplaceSettings(ctx, nil, in)
		require.NoError(t, err)
		ciso, err := db.CreatePerson(ctx, domain.PersonInput{Name: "ciso", Email: "ciso@example.lg.jp", DepartmentID: admin.DepartmentID,
			SecurityRoles: []domain.SecurityRole{domain.SecurityRoleCISO}})
		require.NoError(t, err)
		owner, err := db.CreatePerson(ctx, domain.PersonInput{Name: "owner", Email: "owner@example.lg.jp", DepartmentID: admin.DepartmentID})
		require.NoError(t, err)
		outApprovedVendor(t, ctx, db, owner, "A社", []domain.Certification{
			{Kind: domain.CertISO27001, Number: "IS 1", ValidUntil: outDate(t, "2026-12-20")}})

		_, err = db.ScanDue(ctx, outDate(t, "2027-01-10"), nil) // the first overdue reminder: owner and supervisors
		require.NoError(t, err)
		lines, _ := workLines(t, db, ciso, outDate(t, "2027-01-10"))
		require.Empty(t, lines, "not escalated to the ciso yet")

		clock.Set(outTokyo(t, 2027, time.January, 17, 9, 0, 0))
		_, err = db.ScanDue(ctx, outDate(t, "2027-01-17"), nil) // the first repeat: the ciso too
		require.NoError(t, err)
		lines, _ = workLines(t, db, ciso, outDate(t, "2027-01-17"))
		require.Equal(t, []string{"certification A社 ISO/IEC 27001 IS 1 2026-12-20 overdue ciso:owner"}, lines)
		owners, _ := workLines(t, db, owner, outDate(t, "2027-01-17"))
		require.Equal(t, []string{"certification A社 ISO/IEC 27001 IS 1 2026-12-20 overdue"}, owners, "the owner's own item, not marked")
	})
}

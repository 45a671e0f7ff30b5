package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/vendorwatch/vendorwatch/api"
	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/migrations"
)

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg dbConfig
	var audit auditConfig
	fs := flag.NewFlagSet("vendorwatch migrate", flag.ContinueOnError)
	cfg.register(fs)
	audit.register(fs)
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	if err := audit.useAudit(db, cfg.DatabaseURL, true, func(s string) { fmt.Fprintln(stderr, "vendorwatch:", s) }); err != nil {
		return err
	}
	rep, err := migrations.Apply(ctx, db.MigrationTarget())
	if err != nil {
		return err
	}
	// A new key (or the first one) starts its segment of the audit chain
	// now, before any replica writes.
	rotated, err := db.StartAuditSegment(ctx)
	if err != nil {
		return err
	}
	if rotated {
		fmt.Fprintf(stdout, "the audit chain continues under the key %s\n", db.AuditKeys().ID())
	}
	// Rows from before migration 0010 get their search text now rather
	// than at the next start of serve.
	folded, err := db.FillSearchText(ctx)
	if err != nil {
		return err
	}
	if folded > 0 {
		fmt.Fprintf(stdout, "folded the search text of %d rows\n", folded)
	}
	// Due dates from before migration 0009 move to business days now.
	moved, err := db.FillBusinessDueDates(ctx)
	if err != nil {
		return err
	}
	if moved > 0 {
		fmt.Fprintf(stdout, "moved %d due dates to business days\n", moved)
	}
	if len(rep.RiverApplied) == 0 && len(rep.Applied) == 0 {
		_, err = fmt.Fprintf(stdout, "%s database is up to date; nothing to apply\n", db.Kind())
		return err
	}
	for _, v := range rep.RiverApplied {
		fmt.Fprintf(stdout, "applied River migration %03d\n", v)
	}
	for _, name := range rep.Applied {
		fmt.Fprintf(stdout, "applied vendorwatch migration %s\n", name)
	}
	_, err = fmt.Fprintf(stdout, "%s database is up to date\n", db.Kind())
	return err
}

func runOpenAPI(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("vendorwatch openapi", flag.ContinueOnError)
	v30 := fs.Bool("v3.0", false, "print the OpenAPI 3.0.3 downgrade instead of 3.1")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	doc := api.New(api.Config{}).OpenAPI()
	var (
		out []byte
		err error
	)
	if *v30 {
		out, err = api.DowngradeYAML(doc)
	} else {
		out, err = doc.YAML()
	}
	if err != nil {
		return fmt.Errorf("render OpenAPI: %w", err)
	}
	_, err = stdout.Write(out)
	return err
}

func runTokenCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg dbConfig
	var audit auditConfig
	fs := flag.NewFlagSet("vendorwatch token create", flag.ContinueOnError)
	cfg.register(fs)
	audit.register(fs)
	email := fs.String("email", "", "e-mail of the person the token belongs to (required)")
	role := fs.String("role", "", "admin, editor, viewer or auditor (required)")
	desc := fs.String("description", "created with vendorwatch token create", "what the token is for")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if strings.TrimSpace(*email) == "" {
		return usagef("--email is required")
	}
	if !domain.Role(*role).Valid() {
		return usagef("unknown role %q (use admin, editor, viewer or auditor)", *role)
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	if err := audit.useAudit(db, cfg.DatabaseURL, true, func(s string) { fmt.Fprintln(stderr, "vendorwatch:", s) }); err != nil {
		return err
	}
	if err := db.Ready(ctx); err != nil {
		return fmt.Errorf("%w; run \"vendorwatch migrate\" first", err)
	}
	people, err := db.ListPeople(ctx, domain.PersonFilter{Email: *email}, domain.PageRequest{Limit: 1})
	if err != nil {
		return err
	}
	if len(people.Items) == 0 {
		return fmt.Errorf("no person has the e-mail %s; create the person first (POST /v1/people)", *email)
	}
	p := people.Items[0]
	_, secret, err := db.CreateToken(domain.WithActor(ctx, domain.SystemActor),
		domain.TokenInput{PersonID: p.ID, Role: domain.Role(*role), Description: *desc})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "created a %s token for %s (shown once):\n", *role, p.Email)
	_, err = fmt.Fprintln(stdout, secret)
	return err
}

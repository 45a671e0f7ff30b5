// Command vendorwatch is the vendorwatch service and its administration
// commands: serve (the default), migrate, openapi, token create, verify and version.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…"; otherwise
// it comes from the module's build information.
var version = ""

const usage = `vendorwatch — vendor and external-service risk register

Usage:
  vendorwatch [serve] [flags]       serve the API (default)
  vendorwatch migrate [flags]       apply River's and vendorwatch's migrations
  vendorwatch openapi [--v3.0]      print the OpenAPI document (3.1 YAML, or 3.0.3)
  vendorwatch token create --email E --role R [--description D]
                                    create an API token and print it once
  vendorwatch verify [flags]        verify the audit chain and re-hash every evidence file
  vendorwatch version               print the version

Every flag can also be set as VENDORWATCH_<FLAG> (e.g. VENDORWATCH_DATABASE_URL).
Run "vendorwatch <command> -h" for the flags of a command.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, errHelpShown) {
		return
	}
	if err != nil {
		if !errors.Is(err, errUsageShown) {
			fmt.Fprintln(os.Stderr, "vendorwatch:", err)
		}
		os.Exit(1)
	}
}

// errUsageShown reports that the flag package already explained the error.
var errUsageShown = errors.New("usage shown")

// errHelpShown reports that -h printed the flags: not a failure.
var errHelpShown = errors.New("help shown")

// run dispatches to a subcommand; tests call it directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return runServe(ctx, args, stderr)
	case "migrate":
		return runMigrate(ctx, args, stdout, stderr)
	case "openapi":
		return runOpenAPI(args, stdout, stderr)
	case "token":
		if len(args) == 0 || args[0] != "create" {
			return errors.New(`unknown token command; use "vendorwatch token create --email E --role R"`)
		}
		return runTokenCreate(ctx, args[1:], stdout, stderr)
	case "verify":
		return runVerify(ctx, args, stdout, stderr)
	case "version":
		_, err := fmt.Fprintln(stdout, buildVersion())
		return err
	case "help":
		_, err := fmt.Fprint(stdout, usage)
		return err
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

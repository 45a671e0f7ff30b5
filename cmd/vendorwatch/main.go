// Command vendorwatch is the vendorwatch service and its administration
// commands: serve (the default), migrate, openapi, token create, verify,
// healthcheck, version and help.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// command is one subcommand of the binary.
type command struct {
	name    string
	args    string // what follows the name in the usage line
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands lists the subcommands in the order help shows them.
var commands []command

func init() {
	commands = []command{
		{"serve", "[flags]", "Serve the API, the staff pages and the jobs (the default command). Stops on SIGTERM or SIGINT: " +
			"/readyz turns 503 at once, requests are served for --shutdown-drain, then requests and jobs in flight finish within --shutdown-timeout.", runServe},
		{"migrate", "[flags]", "Apply River's and vendorwatch's pending migrations, then exit.", runMigrate},
		{"openapi", "[--v3.0]", "Print the OpenAPI document (3.1 YAML, or the 3.0.3 downgrade).", func(_ context.Context, args []string, stdout, stderr io.Writer) error {
			return runOpenAPI(args, stdout, stderr)
		}},
		{"token create", "--email E --role R [--description D]", "Create an API token for a person and print it once on stdout.", runTokenCreate},
		{"verify", "[flags]", "Verify the audit chain and re-hash every evidence file; exit 1 when anything is broken.", runVerify},
		{"healthcheck", "[--addr A] [--ready]", "Ask the local server's /healthz (or /readyz) and exit 0 when it answers 200, else 1: " +
			"a container HEALTHCHECK without curl.", runHealthcheck},
		{"version", "", "Print the version, the VCS revision and time of the build, and whether the tree had local changes.", runVersion},
		{"help", "[command]", "List the commands, or show a command's flags.", runHelp},
	}
}

// commandByName finds a command by its name ("token create" too).
func commandByName(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// printCommands prints the list of commands.
func printCommands(w io.Writer) {
	fmt.Fprint(w, "vendorwatch — vendor and external-service risk register\n\nUsage:\n  vendorwatch <command> [flags]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-14s %s\n", c.name, c.args)
		fmt.Fprintf(w, "  %-14s %s\n", "", c.summary)
	}
	fmt.Fprint(w, `
Without a command, vendorwatch serves. Run "vendorwatch help <command>" (or "vendorwatch <command> -h")
for a command's flags, each with the environment variable that sets it (e.g. VENDORWATCH_DATABASE_URL);
VENDORWATCH_<FLAG>_FILE names a file holding the value instead (for secrets).

Exit status: 0 success, 1 failure at run time, 2 usage error (unknown command or flag, unexpected
argument, bad flag value).
`)
}

func main() {
	ctx, stop := signalContext()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	code := exitCode(err)
	if code != 0 && !errors.Is(err, errUsageShown) {
		fmt.Fprintln(os.Stderr, "vendorwatch:", err)
		if code == 2 {
			fmt.Fprintln(os.Stderr, `Run "vendorwatch help" for the commands, "vendorwatch help <command>" for a command's flags.`)
		}
	}
	os.Exit(code)
}

// signalContext is cancelled by the first SIGINT or SIGTERM; a second one
// closes the hurry channel (carried in the context), which cuts the
// shutdown drain short.
func signalContext() (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	hurry := make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			cancel(fmt.Errorf("received %s", s))
		case <-done:
			return
		}
		select {
		case <-sigs:
			close(hurry)
		case <-done:
		}
	}()
	return withHurry(ctx, hurry), func() {
		signal.Stop(sigs)
		close(done)
		cancel(nil)
	}
}

// exitCode is the process's exit status for what run returned: 0 for
// success and help asked for, 2 for a usage error, 1 for any other failure.
func exitCode(err error) int {
	var ue usageError
	switch {
	case err == nil, errors.Is(err, errHelpShown):
		return 0
	case errors.Is(err, errUsageShown), errors.As(err, &ue):
		return 2
	}
	return 1
}

// errUsageShown reports that the flag package already explained the error.
var errUsageShown = errors.New("usage shown")

// errHelpShown reports that -h printed the flags: not a failure.
var errHelpShown = errors.New("help shown")

// run dispatches to a subcommand; tests call it directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "-h", "-help", "--help":
			printCommands(stdout)
			return nil
		}
	}
	name := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	if name == "token" {
		if len(args) == 0 || args[0] != "create" {
			return usagef(`unknown token command; use "vendorwatch token create --email E --role R"`)
		}
		name, args = "token create", args[1:]
	}
	c, ok := commandByName(name)
	if !ok {
		return usagef("unknown command %q", name)
	}
	return c.run(ctx, args, stdout, stderr)
}

// runHelp lists the commands, or prints one command's usage and flags on
// stdout.
func runHelp(ctx context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) == 0 {
		printCommands(stdout)
		return nil
	}
	name := strings.Join(args, " ")
	if name == "token" {
		name = "token create"
	}
	c, ok := commandByName(name)
	if !ok {
		return usagef("unknown command %q", name)
	}
	switch c.name {
	case "help", "version":
		fmt.Fprintf(stdout, "Usage: vendorwatch %s %s\n\n%s\n", c.name, c.args, c.summary)
		return nil
	}
	if err := c.run(ctx, []string{"-h"}, stdout, stdout); !errors.Is(err, errHelpShown) {
		return err
	}
	return nil
}

// Command wiretalk presents a talk about WebSockets over its own
// from-scratch WebSocket implementation: the speaker drives from a laptop,
// the audience follows on their phones, and a frame inspector shows the
// very frames that carry the talk.
//
// Run "wiretalk help" for the subcommands.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// Exit statuses, as the usual Unix tools use them.
const (
	exitOK    = 0 // success
	exitFail  = 1 // the command ran and failed (or found problems)
	exitUsage = 2 // the command line was wrong
)

// env is what a subcommand may touch of the outside world, so that tests
// can run subcommands in-process with their own streams.
type env struct {
	ctx    context.Context // cancelled on SIGINT/SIGTERM
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// A command is one subcommand of wiretalk.
type command struct {
	name    string
	summary string // one line for "wiretalk help"
	run     func(e *env, args []string) int
}

// commands lists the subcommands in the order "wiretalk help" shows them.
// A subcommand appears here only once it is implemented.
func commands() []command {
	return []command{
		{"serve", "present a talk live: the presenter drives, phones follow (the default)", runServe},
		{"edge", "serve the audience of a talk presented elsewhere, following it through NATS", runEdge},
		{"decode", "print WebSocket frames given in hex, field by field", runDecode},
		{"check", "check a Markdown deck for problems, or print it as JSON", runCheck},
		{"export", "write a talk as a static site or one HTML file to read offline", runExport},
		{"echo", "run an RFC 6455 echo server, to try clients against", runEcho},
	}
}

// defaultCommand is what "wiretalk" with no arguments runs.
const defaultCommand = "serve"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(&env{ctx: ctx, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:])
	stop()
	os.Exit(code)
}

// run dispatches args to a subcommand and returns the exit status.
func run(e *env, args []string) int {
	if len(args) == 0 {
		args = []string{defaultCommand}
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 {
			// "wiretalk help CMD" is "wiretalk CMD -h".
			if c, ok := lookup(rest[0]); ok {
				return c.run(e, []string{"-h"})
			}
			fmt.Fprintf(e.stderr, "wiretalk: unknown command %q\n\n", rest[0])
			usage(e.stderr)
			return exitUsage
		}
		usage(e.stdout)
		return exitOK
	}
	c, ok := lookup(name)
	if !ok {
		fmt.Fprintf(e.stderr, "wiretalk: unknown command %q\n\n", name)
		usage(e.stderr)
		return exitUsage
	}
	return c.run(e, rest)
}

func lookup(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// usage prints the top-level usage text.
func usage(w io.Writer) {
	var b strings.Builder
	b.WriteString("wiretalk teaches WebSockets live, over its own WebSocket implementation.\n\n")
	b.WriteString("Usage:\n\n\twiretalk <command> [flags] [arguments]\n\n")
	b.WriteString("With no command, wiretalk runs \"" + defaultCommand + "\" and presents its own talk.\n\n")
	b.WriteString("Commands:\n\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "\t%-8s %s\n", c.name, c.summary)
	}
	b.WriteString("\nRun \"wiretalk help <command>\" or \"wiretalk <command> -h\" for a command's flags.\n")
	io.WriteString(w, b.String())
}

// parseFlags parses a subcommand's flags. It returns done=true with the
// exit status when the command should stop: after printing help (status
// 0, to stdout) or after a bad flag (status 2, usage to stderr).
func parseFlags(e *env, fs *flag.FlagSet, args []string) (done bool, code int) {
	var out bytes.Buffer
	fs.SetOutput(&out)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		e.stdout.Write(out.Bytes())
		return true, exitOK
	case err != nil:
		e.stderr.Write(out.Bytes())
		return true, exitUsage
	}
	fs.SetOutput(e.stderr)
	return false, exitOK
}

// newFlagSet makes a subcommand's flag set whose usage starts with the
// synopsis line, e.g. "wiretalk echo [flags]", and a short description.
func newFlagSet(name, synopsis, description string) *flag.FlagSet {
	fs := flag.NewFlagSet("wiretalk "+name, flag.ContinueOnError)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: %s\n\n%s\n", synopsis, description)
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(w, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// usageError reports a bad command line for fs: the message, then the
// usage, on stderr; it returns the usage exit status.
func usageError(e *env, fs *flag.FlagSet, format string, args ...any) int {
	fmt.Fprintf(e.stderr, "%s: %s\n", fs.Name(), fmt.Sprintf(format, args...))
	fs.SetOutput(e.stderr)
	fs.Usage()
	return exitUsage
}

// failer returns the function with which command name reports a failure
// on stderr and returns exitFail.
func failer(e *env, name string) func(format string, args ...any) int {
	return func(format string, args ...any) int {
		fmt.Fprintf(e.stderr, "wiretalk "+name+": "+format+"\n", args...)
		return exitFail
	}
}

// logger returns the function with which a serving command logs, each
// line on stderr behind the time of day.
func logger(e *env) func(format string, args ...any) {
	return func(format string, args ...any) {
		fmt.Fprintf(e.stderr, "%s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
}

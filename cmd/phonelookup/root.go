package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

const rootLong = `phonelookup is the ops CLI of the phone lookup service: it creates the table
and the queues, runs events through the pipeline, finds and unlinks
customers, and looks at and replays the dead-letter queues.

Configuration comes from the environment: LOOKUP_TABLE, LOOKUP_INDEX,
PHONE_DEFAULT_REGION, CONSUMER_CONCURRENCY, CONSUMER_MAX_CLOCK_SKEW,
IGNORE_PHONES, LINK_RETENTION, LINK_TTL_ATTRIBUTE, API_SEARCH_MAX_READ,
LOG_LEVEL and the AWS SDK's own variables; flags override it.

Exit status: 0 all done; 1 something failed and was left for a retry (a
message not deleted, a link not written); 2 a usage error; 3 the
configuration, the table or a queue is not there.`

// newRoot returns the command tree of the CLI, writing to e's streams.
func newRoot(e proc) *cobra.Command {
	root := &cobra.Command{
		Use:           "phonelookup",
		Short:         "the ops CLI of the phone lookup service",
		Long:          rootLong,
		Version:       version,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetVersionTemplate("phonelookup {{.Version}}\n")
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err: err} })
	root.AddCommand(
		newSetupCmd(e), newProcessCmd(e), newValidateCmd(e), newFindCmd(e), newPhonesCmd(e), newUnlinkCmd(e),
		newPublishCmd(e), newConsumeCmd(e), newDLQCmd(e), newForgetCmd(e), newImportLegacyCmd(e),
		newReportCmd(e), newServeCmd(e), newVersionCmd(e),
	)
	root.SetHelpCommand(newHelpCmd())
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	walk(root, func(c *cobra.Command) {
		c.Flags().SortFlags = false
		c.SuggestionsMinimumDistance = 2
		if c.HasSubCommands() && c.Run == nil && c.RunE == nil {
			c.Args, c.RunE = cobra.ArbitraryArgs, groupRun
		}
		c.Args = usageArgs(c.Args)
	})
	return root
}

// walk calls fn on c and every command under it.
func walk(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, s := range c.Commands() {
		walk(s, fn)
	}
}

// usageArgs makes the errors of an argument check usage errors.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if check == nil {
			return nil
		}
		if err := check(c, args); err != nil {
			if _, ok := err.(*usageError); ok {
				return err
			}
			return &usageError{err: err}
		}
		return nil
	}
}

// groupRun is a command of commands (the root, dlq, report, completion) run
// without one of its commands: a usage error naming what it takes.
func groupRun(c *cobra.Command, args []string) error {
	var names []string
	for _, s := range c.Commands() {
		if s.IsAvailableCommand() && s.Name() != "help" {
			names = append(names, s.Name())
		}
	}
	switch {
	case len(args) == 0:
		return usagef("missing command (one of %s)", strings.Join(names, ", "))
	case args[0] == "help":
		return c.Help()
	}
	if s := c.SuggestionsFor(args[0]); len(s) > 0 {
		return usagef("unknown command %q (did you mean %q?)", args[0], s[0])
	}
	return usagef("unknown command %q (one of %s)", args[0], strings.Join(names, ", "))
}

// noArgs is the argument check of a command that takes none.
func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("unexpected argument %q: %s takes none", args[0], c.CommandPath())
	}
	return nil
}

// newHelpCmd is `help [COMMAND]`: the help of the CLI or of a command, on
// standard output.
func newHelpCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "help [COMMAND]...",
		Short: "the help of the CLI or of a command (the same as -h)",
		RunE: func(c *cobra.Command, args []string) error {
			target, rest, err := c.Root().Find(args)
			if err != nil || len(rest) > 0 {
				return usagef("unknown command %q", strings.Join(args, " "))
			}
			return target.Help()
		},
	}
}

func newVersionCmd(e proc) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print the build version",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(e.stdout, "phonelookup", version)
			return err
		},
	}
}

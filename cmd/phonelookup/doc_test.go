package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// cliDoc is docs/CLI.md: every command's help, from the same definitions as
// -h.
func cliDoc() string {
	var b strings.Builder
	b.WriteString("# The phonelookup command line\n\n")
	b.WriteString("Generated from the commands' definitions (`cmd/phonelookup`) by\n" +
		"`go test ./cmd/phonelookup -run TestCLIDoc -update`: do not edit it by hand;\n" +
		"a test fails when it differs from what `phonelookup COMMAND -h` prints.\n" +
		"Shell completion: `phonelookup completion bash|zsh|fish|powershell`.\n\n")
	cmds := allCommands()
	for _, c := range cmds {
		fmt.Fprintf(&b, "- [%s](#%s): %s\n", c.CommandPath(), anchor(c.CommandPath()), c.Short)
	}
	for _, c := range cmds {
		writeCommandDoc(&b, c)
	}
	return b.String()
}

func anchor(path string) string { return strings.ReplaceAll(path, " ", "-") }

func writeCommandDoc(b *strings.Builder, c *cobra.Command) {
	fmt.Fprintf(b, "\n## %s\n\n", c.CommandPath())
	text := c.Long
	if text == "" {
		text = c.Short
	}
	b.WriteString(strings.TrimSpace(text) + "\n\n```\n" + c.UseLine() + "\n```\n")
	if c.HasAvailableSubCommands() {
		b.WriteString("\nCommands:\n\n")
		for _, s := range c.Commands() {
			if s.IsAvailableCommand() {
				fmt.Fprintf(b, "- [%s](#%s): %s\n", s.Name(), anchor(s.CommandPath()), s.Short)
			}
		}
	}
	flags := pflag.NewFlagSet(c.Name(), pflag.ContinueOnError)
	flags.SortFlags = false
	c.NonInheritedFlags().VisitAll(func(f *pflag.Flag) {
		if f.Name != "help" && f.Name != "version" {
			flags.AddFlag(f)
		}
	})
	if flags.HasFlags() {
		b.WriteString("\nFlags:\n\n```\n" + flags.FlagUsages() + "```\n")
	}
}

// TestCLIDoc: docs/CLI.md is what the definitions say.
func TestCLIDoc(t *testing.T) {
	t.Parallel()
	golden(t, "../../docs/CLI.md", cliDoc())
}

package main

import (
	"fmt"
	"os/user"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/phonelookup/phonelookup/lookup"
)

func newForgetCmd(e proc) *cobra.Command {
	var p personFlags
	var user string
	cmd := &cobra.Command{
		Use:   "forget --user ID",
		Short: "erase a customer: delete every link, keep a tombstone (no phone) so that no later event links them again",
		Args:  userArgs(&user),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			a, who, err := p.open(ctx, e)
			if err != nil {
				return err
			}
			removed, err := a.Store.Forget(ctx, user)
			audit(e).Str("command", "forget").Str("caller", who).Str("customer", lookup.ForgottenRef(user)).
				Int("removed", removed).Bool("done", err == nil).Msg(doneOr(err, "customer forgotten", "customer not forgotten"))
			if err != nil {
				return fmt.Errorf("%w (safe to run again)", err)
			}
			fmt.Fprintf(e.stdout, "forgot %s: removed %d link(s); later events for this customer are skipped\n", user, removed)
			return nil
		},
	}
	p.add(cmd, "")
	cmd.Flags().StringVar(&user, "user", "", "the Cognito id of the customer to erase")
	return cmd
}

// callerName is who runs a command that reads or erases personal data:
// --caller, else the OS user. Audit lines name them.
func callerName(e proc, flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username, nil
	}
	if u := e.getenv("USER"); u != "" {
		return u, nil
	}
	return "", usagef("cannot tell who you are: give --caller NAME")
}

// audit starts an audit line on stderr: JSON with the time, written
// whatever LOG_LEVEL says.
func audit(e proc) *zerolog.Event {
	log := zerolog.New(e.stderr).With().Timestamp().Logger()
	return log.Info().Bool("audit", true)
}

// scanProgress shows a parallel scan's progress on stderr: a bar on a
// terminal, else a line every few seconds.
func scanProgress(e proc, label string) (progress, func(int)) {
	p := newProgress(e.stderr, label, "items scanned", 0)
	return p, func(n int) { p.Update(n, "") }
}

// scanTimeout bounds a whole-table scan.
const scanTimeout = 6 * time.Hour

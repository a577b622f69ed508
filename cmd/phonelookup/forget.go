package main

import (
	"context"
	"fmt"
	"os/user"
	"time"

	"github.com/rs/zerolog"

	"github.com/phonelookup/phonelookup/lookup"
)

func cmdForget(ctx context.Context, e proc, args []string) error {
	var c tableFlags
	fs := newFlags("forget", e, &c)
	userID := fs.String("user", "", "the Cognito id of the customer to erase")
	caller := fs.String("caller", "", "who asks, for the audit line (default: the OS user)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *userID == "" {
		return usagef("forget needs --user ID")
	}
	if err := lookup.ValidateCognitoID(*userID); err != nil {
		return &usageError{err: err}
	}
	who, err := callerName(e, *caller)
	if err != nil {
		return err
	}
	a, err := build(ctx, e, c)
	if err != nil {
		return err
	}
	removed, err := a.Store.Forget(ctx, *userID)
	audit(e).Str("command", "forget").Str("caller", who).Str("customer", lookup.ForgottenRef(*userID)).
		Int("removed", removed).Bool("done", err == nil).Msg("customer forgotten")
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "forgot %s: removed %d link(s); later events for this customer are skipped\n", *userID, removed)
	return nil
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
	p := newProgress(e.stderr, label, 0)
	return p, func(n int) { p.Update(n, "items scanned") }
}

// scanTimeout bounds a whole-table scan.
const scanTimeout = 6 * time.Hour

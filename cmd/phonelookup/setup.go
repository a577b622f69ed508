package main

import (
	"context"
	"fmt"

	"github.com/phonelookup/phonelookup/cmd/internal/app"
)

func cmdSetup(ctx context.Context, e env, args []string) error {
	var c common
	fs := newFlags("setup", e, &c)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError("setup takes no arguments")
	}
	a, err := build(ctx, e, c)
	if err != nil {
		return err
	}
	created, err := a.Store.CreateTable(ctx, app.SetupTimeout)
	if err != nil {
		return err
	}
	state := "exists"
	if created {
		state = "created"
	}
	fmt.Fprintf(e.stdout, "table %s (index %s): %s\n", a.Config.Table, a.Config.Index, state)
	return nil
}

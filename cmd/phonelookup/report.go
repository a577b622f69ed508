package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/phonelookup/phonelookup/dynamo"
	"github.com/phonelookup/phonelookup/lookup"
)

// reportCommands is the table of `phonelookup report`.
func reportCommands() []command {
	return []command{
		{name: "shared", args: "[--min N] [--top N] [--segments N] [--reveal] [--caller NAME] [--json]",
			summary: "the numbers linked to the most customers (masked unless --reveal, which is audited)", run: reportShared},
	}
}

func reportShared(ctx context.Context, e proc, args []string) error {
	var c tableFlags
	fs := newFlags("report shared", e, &c)
	minN := intFlag(fs, "min", 2, 1, 1<<30, "list numbers linked to at least N customers")
	top := intFlag(fs, "top", 50, 0, 1<<30, "list at most N numbers (0: all)")
	reveal := fs.Bool("reveal", false, "print the numbers in full (audited), not masked")
	segments := intFlag(fs, "segments", 4, 1, dynamo.MaxSegments, "parallel Scan segments")
	asJSON := fs.Bool("json", false, "print JSON")
	caller := fs.String("caller", "", "who asks, for the audit line of --reveal (default: the OS user)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usagef("report shared takes no arguments")
	}
	who := ""
	if *reveal {
		if who, err = callerName(e, *caller); err != nil {
			return err
		}
	}
	a, err := build(ctx, e, c)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, scanTimeout)
	defer cancel()
	p, progress := scanProgress(e, "report shared")
	r, err := a.Store.SharedNumbers(ctx, *segments, *minN, progress)
	p.Finish(r.Read, "items scanned")
	if err != nil {
		return err
	}
	if *top > 0 && len(r.Numbers) > *top {
		r.Numbers = r.Numbers[:*top]
	}
	if *reveal {
		audit(e).Str("command", "report shared").Str("caller", who).Int("numbers", len(r.Numbers)).
			Msg("phone numbers revealed")
	}
	show := lookup.MaskPhone
	if *reveal {
		show = func(p string) string { return p }
	}
	return printShared(e, r, show, *asJSON)
}

// printShared prints the report as JSON or as a table.
func printShared(e proc, r dynamo.SharedReport, show func(string) string, asJSON bool) error {
	type row struct {
		Phone     string `json:"phone"`
		Customers int    `json:"customers"`
	}
	rows := make([]row, 0, len(r.Numbers))
	for _, n := range r.Numbers {
		rows = append(rows, row{show(n.Phone), n.Customers})
	}
	if asJSON {
		return json.NewEncoder(e.stdout).Encode(struct {
			Numbers []row `json:"numbers"`
			Links   int   `json:"links"`
			Phones  int   `json:"phones"`
			Read    int   `json:"read"`
			Foreign int   `json:"foreign"`
			Expired int   `json:"expired"`
		}{rows, r.Links, r.Phones, r.Read, r.Foreign, r.Expired})
	}
	fmt.Fprintf(e.stdout, "%d link(s) over %d number(s); %d index item(s) read, %d not links, %d expired\n",
		r.Links, r.Phones, r.Read, r.Foreign, r.Expired)
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PHONE\tCUSTOMERS")
	for _, x := range rows {
		fmt.Fprintf(tw, "%s\t%d\n", x.Phone, x.Customers)
	}
	return tw.Flush()
}

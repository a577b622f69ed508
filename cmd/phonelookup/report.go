package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/phonelookup/phonelookup/dynamo"
	"github.com/phonelookup/phonelookup/lookup"
)

func cmdReport(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "shared" {
		return usageError("report takes a report name: report shared [--min N]")
	}
	var c common
	fs := newFlags("report shared", e, &c)
	minN := fs.Int("min", 2, "list numbers linked to at least N customers")
	top := fs.Int("top", 50, "list at most N numbers (0: all)")
	reveal := fs.Bool("reveal", false, "print the numbers in full (audited), not masked")
	segments := fs.Int("segments", 4, "parallel Scan segments (1-64)")
	asJSON := fs.Bool("json", false, "print JSON")
	caller := fs.String("caller", "", "who asks, for the audit line of --reveal (default: the OS user)")
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usageError("report shared takes no arguments")
	case *minN < 1:
		return usageError("--min must be at least 1")
	case *top < 0:
		return usageError("--top must be 0 or more")
	case *segments < 1 || *segments > dynamo.MaxSegments:
		return usageError("--segments must be from 1 to %d", dynamo.MaxSegments)
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
func printShared(e env, r dynamo.SharedReport, show func(string) string, asJSON bool) error {
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

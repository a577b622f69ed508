package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/phonelookup/phonelookup/dynamo"
	"github.com/phonelookup/phonelookup/lookup"
)

// sharedOptions are the flags of report shared.
type sharedOptions struct {
	person   personFlags
	min, top *int
	segments *int
	reveal   bool
	asJSON   bool
}

func newReportCmd(e proc) *cobra.Command {
	var o sharedOptions
	shared := &cobra.Command{
		Use:   "shared",
		Short: "the numbers linked to the most customers (masked unless --reveal, which is audited)",
		Long: `report shared scans the index (parallel Scan, progress on stderr) and lists
the phone numbers linked to the most customers, masked unless --reveal
(audited). It counts the index items read, the links, and the items that are
not links ("foreign") or have expired.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return reportShared(cmd.Context(), e, o) },
	}
	fs := shared.Flags()
	o.person.add(shared, " of --reveal")
	o.min = intFlag(fs, "min", 2, 1, 1<<30, "list numbers linked to at least N customers")
	o.top = intFlag(fs, "top", 50, 0, 1<<30, "list at most N numbers (0: all)")
	o.segments = intFlag(fs, "segments", 4, 1, dynamo.MaxSegments, "parallel Scan segments")
	fs.BoolVar(&o.reveal, "reveal", false, "print the numbers in full (audited), not masked")
	fs.BoolVar(&o.asJSON, "json", false, "print JSON")
	report := &cobra.Command{Use: "report COMMAND", Short: "reports for ops"}
	report.AddCommand(shared)
	return report
}

func reportShared(ctx context.Context, e proc, o sharedOptions) error {
	who := ""
	if o.reveal {
		var err error
		if who, err = callerName(e, o.person.caller); err != nil {
			return err
		}
	}
	a, err := buildTable(ctx, e, o.person.table)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, scanTimeout)
	defer cancel()
	p, progress := scanProgress(e, "report shared")
	r, err := a.Store.SharedNumbers(ctx, *o.segments, *o.min, progress)
	p.Finish(r.Read, "")
	if err != nil {
		return err
	}
	if *o.top > 0 && len(r.Numbers) > *o.top {
		r.Numbers = r.Numbers[:*o.top]
	}
	show := lookup.MaskPhone
	if o.reveal {
		audit(e).Str("command", "report shared").Str("caller", who).Int("numbers", len(r.Numbers)).
			Msg("phone numbers revealed")
		show = func(p string) string { return p }
	}
	return printShared(e, r, show, o.asJSON)
}

// printShared prints the report, its numbers shown by show, as JSON or as
// a table.
func printShared(e proc, r dynamo.SharedReport, show func(string) string, asJSON bool) error {
	for i := range r.Numbers {
		r.Numbers[i].Phone = show(r.Numbers[i].Phone)
	}
	if asJSON {
		return json.NewEncoder(e.stdout).Encode(r)
	}
	fmt.Fprintf(e.stdout, "%d link(s) over %d number(s); %d index item(s) read, %d foreign (not links), %d expired\n",
		r.Links, r.Phones, r.Read, r.Foreign, r.Expired)
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PHONE\tCUSTOMERS")
	for _, x := range r.Numbers {
		fmt.Fprintf(tw, "%s\t%d\n", x.Phone, x.Customers)
	}
	return tw.Flush()
}

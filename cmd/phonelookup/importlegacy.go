package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/spf13/cobra"

	"github.com/phonelookup/phonelookup/cmd/internal/app"
	"github.com/phonelookup/phonelookup/dynamo"
	"github.com/phonelookup/phonelookup/lookup"
)

// importSummary is what import-legacy prints on stdout.
type importSummary struct {
	DryRun        bool `json:"dryRun,omitempty"`
	Scanned       int  `json:"scanned"`       // items the Scan examined
	Records       int  `json:"records"`       // legacy lookup records found
	Imported      int  `json:"imported"`      // new legacy links (with --dry-run: would be)
	AlreadyLinked int  `json:"alreadyLinked"` // the link existed (from orders or an earlier import)
	Unparseable   int  `json:"unparseable"`   // numbers that do not normalise (each on stderr, masked)
	Ignored       int  `json:"ignored"`       // numbers in IGNORE_PHONES
	Forgotten     int  `json:"forgotten"`     // records of forgotten customers (not imported)
	Foreign       int  `json:"foreign"`       // items with the legacy sort key that are not well-formed records
}

// importOptions are the flags of import-legacy.
type importOptions struct {
	table    tableFlags
	dryRun   bool
	segments *int
	region   string
}

func newImportLegacyCmd(e proc) *cobra.Command {
	var o importOptions
	cmd := &cobra.Command{
		Use:   "import-legacy",
		Short: "link the legacy lookup records (phone#.../v0_UserPhone) as via legacy; safe to run again",
		Long: `import-legacy scans the table (parallel Scan, progress on stderr) for the
legacy lookup records and links each as via legacy; a JSON summary on
stdout. Safe to run again: a second run changes nothing. A failed run exits 1
and is run again.`,
		Args: func(c *cobra.Command, args []string) error {
			if err := noArgs(c, args); err != nil {
				return err
			}
			return checkRegion(o.region)
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return importLegacy(cmd.Context(), e, o) },
	}
	fs := cmd.Flags()
	addTableFlags(fs, &o.table)
	fs.BoolVar(&o.dryRun, "dry-run", false, "count what would be imported, write nothing")
	o.segments = intFlag(fs, "segments", 4, 1, dynamo.MaxSegments, "parallel Scan segments")
	fs.StringVar(&o.region, "region", "", "region of numbers typed without + (default $PHONE_DEFAULT_REGION)")
	return cmd
}

func importLegacy(ctx context.Context, e proc, o importOptions) error {
	a, err := buildTable(ctx, e, o.table)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, scanTimeout)
	defer cancel()
	var mu sync.Mutex
	sum := importSummary{DryRun: o.dryRun}
	count := func(f *int) { mu.Lock(); *f++; mu.Unlock() }
	one := func(ctx context.Context, r dynamo.LegacyRecord) error {
		phone, err := a.Phones.Normalize(r.Phone, o.region)
		switch {
		case err != nil:
			count(&sum.Unparseable)
			mu.Lock()
			fmt.Fprintf(e.stderr, "import-legacy: unparseable number %s (%v)\n", lookup.MaskPhone(r.Phone), errors.Unwrap(err))
			mu.Unlock()
			return nil
		case a.Processor.Ignore[phone]:
			count(&sum.Ignored)
			return nil
		case o.dryRun:
			return importDry(ctx, a, r.CognitoID, phone, &sum, count)
		}
		return importOne(ctx, a, r.CognitoID, phone, &sum, count)
	}
	p, progress := scanProgress(e, "import-legacy")
	scan, err := a.Store.ScanLegacy(ctx, *o.segments, one, progress)
	sum.Scanned, sum.Records, sum.Foreign = scan.Scanned, scan.Records, scan.Foreign
	p.Finish(sum.Scanned, "")
	if jerr := json.NewEncoder(e.stdout).Encode(sum); jerr != nil && err == nil {
		err = jerr
	}
	if err != nil {
		return fmt.Errorf("stopped (safe to run again): %w", err)
	}
	return nil
}

// importDry counts what importing one record would do.
func importDry(ctx context.Context, a *app.App, id, phone string, sum *importSummary, count func(*int)) error {
	_, err := a.Store.Get(ctx, id, phone)
	if errors.Is(err, lookup.ErrNotFound) {
		count(&sum.Imported)
		return nil
	}
	if err == nil {
		count(&sum.AlreadyLinked)
	}
	return err
}

// importOne imports one record and counts what it did.
func importOne(ctx context.Context, a *app.App, id, phone string, sum *importSummary, count func(*int)) error {
	out, err := a.Store.ImportLegacy(ctx, id, phone)
	switch {
	case errors.Is(err, lookup.ErrForgotten):
		count(&sum.Forgotten)
	case err != nil:
		return err
	case out == dynamo.Imported:
		count(&sum.Imported)
	default:
		count(&sum.AlreadyLinked)
	}
	return nil
}

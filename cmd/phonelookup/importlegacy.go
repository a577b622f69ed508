package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	li := &legacyImport{a: a, stderr: e.stderr, region: o.region}
	li.sum.DryRun = o.dryRun
	p, progress := scanProgress(e, "import-legacy")
	scan, err := a.Store.ScanLegacy(ctx, *o.segments, li.one, progress)
	sum := li.sum
	sum.Scanned, sum.Records, sum.Foreign = scan.Scanned, scan.Records, scan.Foreign
	p.Finish(sum.Scanned, "")
	reportThrottled(e, "import-legacy", a.ThrottledRetries(), "")
	if jerr := json.NewEncoder(e.stdout).Encode(sum); jerr != nil && err == nil {
		err = jerr
	}
	if err != nil {
		return fmt.Errorf("stopped (safe to run again): %w", err)
	}
	return nil
}

// legacyImport imports the legacy records the scan hands it, from
// concurrent segments, and counts what it did.
type legacyImport struct {
	a      *app.App
	stderr io.Writer
	region string
	mu     sync.Mutex // guards sum and stderr
	sum    importSummary
}

func (li *legacyImport) count(f *int) { li.mu.Lock(); *f++; li.mu.Unlock() }

// one imports one record (with DryRun, looks whether it would).
func (li *legacyImport) one(ctx context.Context, r dynamo.LegacyRecord) error {
	phone, err := li.a.Phones.Normalize(r.Phone, li.region)
	switch {
	case err != nil:
		li.mu.Lock()
		li.sum.Unparseable++
		fmt.Fprintf(li.stderr, "import-legacy: unparseable number %s (%v)\n", lookup.MaskPhone(r.Phone), errors.Unwrap(err))
		li.mu.Unlock()
		return nil
	case li.a.Processor.Ignore[phone]:
		li.count(&li.sum.Ignored)
		return nil
	case li.sum.DryRun:
		_, err := li.a.Store.Get(ctx, r.CognitoID, phone)
		if errors.Is(err, lookup.ErrNotFound) {
			li.count(&li.sum.Imported)
			return nil
		}
		if err == nil {
			li.count(&li.sum.AlreadyLinked)
		}
		return err
	}
	out, err := li.a.Store.ImportLegacy(ctx, r.CognitoID, phone)
	switch {
	case errors.Is(err, lookup.ErrForgotten):
		li.count(&li.sum.Forgotten)
	case err != nil:
		return err
	case out == dynamo.Imported:
		li.count(&li.sum.Imported)
	default:
		li.count(&li.sum.AlreadyLinked)
	}
	return nil
}

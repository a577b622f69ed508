package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/phonelookup/phonelookup/dynamo"
)

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
	p, progress := scanProgress(e, "import-legacy")
	sum, err := a.Store.ImportLegacyRecords(ctx, dynamo.LegacyImportOptions{
		Segments: *o.segments, Ignore: a.Processor.Ignore, DryRun: o.dryRun, Progress: progress,
		Normalize: func(raw string) (string, error) { return a.Phones.Normalize(raw, o.region) },
		Unparseable: func(masked string, err error) {
			fmt.Fprintf(e.stderr, "import-legacy: unparseable number %s (%v)\n", masked, errors.Unwrap(err))
		},
	})
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

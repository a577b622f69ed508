package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

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

func cmdImportLegacy(ctx context.Context, e proc, args []string) error {
	var c tableFlags
	fs := newFlags("import-legacy", e, &c)
	dryRun := fs.Bool("dry-run", false, "count what would be imported, write nothing")
	segments := intFlag(fs, "segments", 4, 1, dynamo.MaxSegments, "parallel Scan segments")
	region := fs.String("region", "", "region of numbers typed without + (default $PHONE_DEFAULT_REGION)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("import-legacy takes no arguments")
	}
	a, err := build(ctx, e, c)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, scanTimeout)
	defer cancel()
	var mu sync.Mutex
	var sum importSummary
	sum.DryRun = *dryRun
	count := func(f *int) { mu.Lock(); *f++; mu.Unlock() }
	one := func(ctx context.Context, r dynamo.LegacyRecord) error {
		phone, err := a.Phones.Normalize(r.Phone, *region)
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
		case *dryRun:
			_, err := a.Store.Get(ctx, r.CognitoID, phone)
			if errors.Is(err, lookup.ErrNotFound) {
				count(&sum.Imported)
				return nil
			}
			if err == nil {
				count(&sum.AlreadyLinked)
			}
			return err
		}
		out, err := a.Store.ImportLegacy(ctx, r.CognitoID, phone)
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
	p, progress := scanProgress(e, "import-legacy")
	scan, err := a.Store.ScanLegacy(ctx, *segments, one, progress)
	sum.Scanned, sum.Records, sum.Foreign = scan.Scanned, scan.Records, scan.Foreign
	p.Finish(sum.Scanned, "items scanned")
	reportThrottled(e, "import-legacy", a.ThrottledRetries(), "")
	if jerr := json.NewEncoder(e.stdout).Encode(sum); jerr != nil && err == nil {
		err = jerr
	}
	if err != nil {
		return fmt.Errorf("import-legacy stopped (safe to run again): %w", err)
	}
	return nil
}

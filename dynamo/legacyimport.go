package dynamo

import (
	"context"
	"errors"
	"sync"

	"github.com/phonelookup/phonelookup/lookup"
)

// LegacyImportOptions are the choices of a run of ImportLegacyRecords.
type LegacyImportOptions struct {
	Segments int // parallel Scan segments, 1 to MaxSegments
	// Normalize turns a record's number as typed into E.164 (a
	// lookup.Normalizer's, with the default region of numbers typed
	// without +).
	Normalize func(raw string) (string, error)
	Ignore    map[string]bool // E.164 numbers never linked (IGNORE_PHONES): counted, not imported
	DryRun    bool            // count what would be imported; write nothing
	// Unparseable, if not nil, is told each number that does not normalise,
	// masked, and why; the calls are serialised.
	Unparseable func(masked string, err error)
	Progress    func(scanned int) // see ScanLegacy
}

// LegacyImportSummary counts what ImportLegacyRecords did; its JSON is the
// summary `phonelookup import-legacy` prints.
type LegacyImportSummary struct {
	DryRun        bool `json:"dryRun,omitempty"`
	Scanned       int  `json:"scanned"`       // items the Scan examined
	Records       int  `json:"records"`       // legacy lookup records found
	Imported      int  `json:"imported"`      // new legacy links (with DryRun: would be)
	AlreadyLinked int  `json:"alreadyLinked"` // the link existed (from orders or an earlier import)
	Unparseable   int  `json:"unparseable"`   // numbers that do not normalise
	Ignored       int  `json:"ignored"`       // numbers in Ignore
	Forgotten     int  `json:"forgotten"`     // records of forgotten customers (not imported)
	Foreign       int  `json:"foreign"`       // items with the legacy sort key that are not well-formed records
}

// ImportLegacyRecords links every legacy lookup record of the table
// (ScanLegacy) as via legacy (ImportLegacy), its number normalised; a
// number that does not normalise or is ignored is counted, not linked.
// Safe to run again: a second run changes nothing. On an error it returns
// what it counted so far.
func (s *Store) ImportLegacyRecords(ctx context.Context, o LegacyImportOptions) (LegacyImportSummary, error) {
	li := &legacyImport{s: s, o: o, sum: LegacyImportSummary{DryRun: o.DryRun}}
	scan, err := s.ScanLegacy(ctx, o.Segments, li.one, o.Progress)
	sum := li.sum
	sum.Scanned, sum.Records, sum.Foreign = scan.Scanned, scan.Records, scan.Foreign
	return sum, err
}

// legacyImport imports the legacy records the scan hands it, from
// concurrent segments, and counts what it did.
type legacyImport struct {
	s   *Store
	o   LegacyImportOptions
	mu  sync.Mutex // guards sum and the Unparseable calls
	sum LegacyImportSummary
}

func (li *legacyImport) count(f *int) { li.mu.Lock(); *f++; li.mu.Unlock() }

// one imports one record (with DryRun, looks whether it would).
func (li *legacyImport) one(ctx context.Context, r LegacyRecord) error {
	phone, err := li.o.Normalize(r.Phone)
	switch {
	case err != nil:
		li.mu.Lock()
		defer li.mu.Unlock()
		li.sum.Unparseable++
		if li.o.Unparseable != nil {
			li.o.Unparseable(lookup.MaskPhone(r.Phone), err)
		}
		return nil
	case li.o.Ignore[phone]:
		li.count(&li.sum.Ignored)
		return nil
	case li.o.DryRun:
		_, err := li.s.Get(ctx, r.CognitoID, phone)
		if errors.Is(err, lookup.ErrNotFound) {
			li.count(&li.sum.Imported)
			return nil
		}
		if err == nil {
			li.count(&li.sum.AlreadyLinked)
		}
		return err
	}
	out, err := li.s.ImportLegacy(ctx, r.CognitoID, phone)
	switch {
	case errors.Is(err, lookup.ErrForgotten):
		li.count(&li.sum.Forgotten)
	case err != nil:
		return err
	case out == Imported:
		li.count(&li.sum.Imported)
	default:
		li.count(&li.sum.AlreadyLinked)
	}
	return nil
}

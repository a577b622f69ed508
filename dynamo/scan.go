package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"golang.org/x/sync/errgroup"
)

// MaxSegments bounds the parallel scans' segments.
const MaxSegments = 64

// parallelScan runs in as segments parallel Scan segments (1 to
// MaxSegments), one goroutine each, calling page for every page of every
// segment (page must be safe for concurrent use). The first error, of a Scan
// or of page, cancels the other segments and is the one returned. The legacy
// import (ScanLegacy) and the shared-number report (SharedNumbers) read the
// table with it.
func (s *Store) parallelScan(ctx context.Context, in *dynamodb.ScanInput, segments int, page func(context.Context, *dynamodb.ScanOutput) error) error {
	if segments < 1 || segments > MaxSegments {
		return fmt.Errorf("segments %d: want 1 to %d", segments, MaxSegments)
	}
	g, ctx := errgroup.WithContext(ctx)
	for seg := range int32(segments) {
		g.Go(func() error {
			sin := *in
			if segments > 1 {
				sin.Segment, sin.TotalSegments = aws.Int32(seg), aws.Int32(int32(segments))
			}
			pages := dynamodb.NewScanPaginator(s.db, &sin)
			for pages.HasMorePages() {
				out, err := pages.NextPage(ctx)
				if err == nil {
					err = page(ctx, out)
				}
				if err != nil {
					return fmt.Errorf("scan segment %d: %w", seg, err)
				}
			}
			return nil
		})
	}
	return g.Wait()
}

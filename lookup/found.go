package lookup

// Found is the answer of Search.
type Found struct {
	Links []Link // active links, most recently seen first
	// Truncated is true when the read stopped at its cap while DynamoDB still
	// had items for the number: Links are then the most recent of the items
	// read, not necessarily of all of them.
	Truncated bool
	Read      int // items read from the index
	Foreign   int // items read that are not links (skipped, logged)
	Expired   int // links read whose TTL has passed (hidden: DynamoDB deletes them late)
	Pages     int // Query pages
}

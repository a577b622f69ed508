package dlq

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"
)

// Audit actions: what a run did with one message.
const (
	ActionMoved     = "moved"          // sent to the destination, then deleted from the dead-letter queue
	ActionFailed    = "failed"         // not moved (still in the dead-letter queue), or sent but not deleted (in both)
	ActionFiltered  = "filtered"       // did not match the filter: released, untouched
	ActionAgain     = "received-again" // received again after it was handled in this run (its lease lapsed): not handled twice
	ActionWouldMove = "would-move"     // --dry-run: matched, released
	ActionDeleted   = "deleted"        // reprocess: processed successfully, deleted
	ActionKept      = "kept"           // reprocess: still invalid or failed, released
)

// AuditRecord is one line of an audit file: identifiers and the decision,
// never the body or a phone number.
type AuditRecord struct {
	Time        time.Time `json:"time"`
	Command     string    `json:"command"`
	Action      string    `json:"action"`
	Info                  // messageId, eventId, orderId, source, eventType, envelope, reason, error
	Destination string    `json:"destination,omitempty"`
	Outcome     string    `json:"outcome,omitempty"` // reprocess: the pipeline's outcome
	Detail      string    `json:"detail,omitempty"`  // why a move or a delete failed
}

// Audit writes one JSON line per message handled. A nil *Audit writes
// nothing. It is safe for concurrent use.
type Audit struct {
	mu  sync.Mutex
	enc *json.Encoder
	err error
}

// NewAudit writes audit lines to w.
func NewAudit(w io.Writer) *Audit {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &Audit{enc: enc}
}

// Write writes r, stamping its time if unset. The first write error is kept
// (Err) and later writes are dropped.
func (a *Audit) Write(r AuditRecord) {
	if a == nil {
		return
	}
	if r.Time.IsZero() {
		r.Time = time.Now().UTC()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err != nil {
		return
	}
	if err := a.enc.Encode(r); err != nil {
		a.err = fmt.Errorf("write audit line: %w", err)
	}
}

// Err returns the first write error.
func (a *Audit) Err() error {
	if a == nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

package lookup

// LinkView is the one JSON view of a link, shared by every reader: the CLI's
// `find --json` and the find-by-phone API print exactly this.
type LinkView struct {
	CognitoID    string   `json:"cognitoId"`
	Phone        string   `json:"phone"`
	FirstSeenAt  string   `json:"firstSeenAt,omitempty"` // absent only on a legacy link
	LastSeenAt   string   `json:"lastSeenAt,omitempty"`
	FirstOrderID string   `json:"firstOrderId,omitempty"`
	LastOrderID  string   `json:"lastOrderId,omitempty"`
	Sources      []string `json:"sources"`
	Via          []string `json:"via"`
	Brand        string   `json:"brand,omitempty"`
	UnlinkedAt   string   `json:"unlinkedAt,omitempty"` // only on an unlinked link
	// Legacy is true for a link imported from a legacy lookup record, which
	// no order backs (no times, no order ids): it ranks after the others.
	Legacy bool `json:"legacy,omitempty"`
}

// View returns the JSON view of l. Times are formatted as stored.
func View(l Link) LinkView {
	v := LinkView{
		CognitoID: l.CognitoID, Phone: l.Phone,
		FirstOrderID: l.FirstOrderID, LastOrderID: l.LastOrderID,
		Sources: nonNil(l.Sources), Via: nonNil(l.Via), Brand: l.Brand,
		Legacy: l.Legacy(),
	}
	if !v.Legacy {
		v.FirstSeenAt, v.LastSeenAt = FormatTime(l.FirstSeenAt), FormatTime(l.LastSeenAt)
	}
	if l.UnlinkedAt != nil && !l.Active {
		v.UnlinkedAt = FormatTime(*l.UnlinkedAt)
	}
	return v
}

// Views returns the views of links, in order (an empty list, never nil).
func Views(links []Link) []LinkView {
	out := make([]LinkView, 0, len(links))
	for _, l := range links {
		out = append(out, View(l))
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

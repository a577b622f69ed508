package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/phonelookup/phonelookup/lookup"
)

// Problem is an RFC 9457 problem detail, the body of every error response
// (application/problem+json). RequestID is an extension member: the id to
// quote when asking about the request.
type Problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail,omitempty"`
	RequestID string `json:"requestId,omitempty"`
}

// problemBase is the prefix of the problem types of this API: tag URIs (RFC
// 4151), names rather than pages, as RFC 9457 allows. Problems that say no
// more than their status use about:blank.
const problemBase = "tag:phonelookup,2026:problem/"

// The problem types (openapi.yaml lists them).
const (
	TypeInvalidPhone     = problemBase + "invalid-phone"
	TypeInvalidCognitoID = problemBase + "invalid-cognito-id"
	TypeInvalidParameter = problemBase + "invalid-parameter"
	TypeLinkNotFound     = problemBase + "link-not-found"
	TypeURITooLong       = problemBase + "uri-too-long"
	TypeThrottled        = problemBase + "throttled"
	TypeUnavailable      = problemBase + "unavailable"
)

func problem(status int, typ, detail string) Problem {
	title := http.StatusText(status)
	switch typ {
	case TypeInvalidPhone:
		title = "Invalid phone number"
	case TypeInvalidCognitoID:
		title = "Invalid Cognito id"
	case TypeInvalidParameter:
		title = "Invalid query parameter"
	case TypeLinkNotFound:
		title = "No such link"
	case TypeThrottled:
		title = "The table is throttling requests"
	case TypeUnavailable:
		title = "The table failed or did not answer in time"
	}
	if typ == "" {
		typ = "about:blank"
	}
	return Problem{Type: typ, Title: title, Status: status, Detail: detail}
}

// The problems the routes answer. Details never quote the input.
var (
	errInvalidPhone = problem(http.StatusBadRequest, TypeInvalidPhone,
		"the phone number cannot be normalised: write it with + and the country calling code, or give region=CC")
	errInvalidCognitoID = problem(http.StatusBadRequest, TypeInvalidCognitoID,
		"a Cognito id is 1-128 of letters, digits and -_.:@+")
	errNoRoute = problem(http.StatusNotFound, "", "no such route: see the API document (openapi.yaml)")
	errNoLink  = problem(http.StatusNotFound, TypeLinkNotFound, "this customer is not linked to this phone number")
	errURI     = problem(http.StatusRequestURITooLong, TypeURITooLong,
		"the path and query string are longer than "+strconv.Itoa(MaxURILength)+" bytes")
	errThrottled = problem(http.StatusServiceUnavailable, TypeThrottled,
		"DynamoDB is throttling reads or writes: retry after the number of seconds in Retry-After")
	errUnavailable = problem(http.StatusServiceUnavailable, TypeUnavailable,
		"DynamoDB failed or did not answer within the request's time: retry after the number of seconds in Retry-After")
	errInternal = problem(http.StatusInternalServerError, "",
		"the request failed on the server: quote the requestId when reporting it")
)

func errParameter(detail string) Problem {
	return problem(http.StatusBadRequest, TypeInvalidParameter, detail)
}

func errMethod() Problem {
	return problem(http.StatusMethodNotAllowed, "", "the route does not take this method: see the Allow header")
}

// storeProblem is the problem to answer for a store failure, classified
// once (lookup.Classify), and the Retry-After to send with it (0: none):
// 503 when DynamoDB throttles, fails or does not answer in time, else 500.
func storeProblem(f lookup.Failure, retryAfter time.Duration) (Problem, time.Duration) {
	switch f {
	case lookup.Throttled:
		return errThrottled, retryAfter
	case lookup.Unavailable:
		return errUnavailable, retryAfter
	}
	return errInternal, 0
}

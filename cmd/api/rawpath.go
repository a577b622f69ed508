package main

import (
	"context"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// proxy answers one API Gateway HTTP API request (payload format 2.0).
type proxy func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// escapingRawPath returns next behind escapeRawPath: API Gateway HTTP APIs
// deliver rawPath URL-decoded, and the adapter builds the request's URL from
// it, so a decoded '#', '?', space or '%' would otherwise be read as URL
// syntax (a '#' cutting a Cognito id short, '100%' failing the request). An
// empty rawPath is the adapter's cue to use requestContext.http.path, which
// gets the same treatment.
func escapingRawPath(next proxy) proxy {
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		if ev.RawPath == "" {
			ev.RawPath = ev.RequestContext.HTTP.Path
		}
		ev.RawPath = escapeRawPath(ev.RawPath)
		return next(ctx, ev)
	}
}

// escapeRawPath percent-encodes the bytes of p that can never appear
// literally in an encoded path (RFC 3986's path characters are the
// unreserved ones, the sub-delimiters, ':', '@', '/' and percent-encodings):
// '?', '#', space, '"', '<', '>', '[', '\', ']', '^', '`', '{', '|', '}',
// control characters, every byte of a non-ASCII character, and a '%' not
// followed by two hex digits. An encoded path is returned unchanged, byte
// for byte; a decoded one becomes an encoding of the same characters, except
// where decoding lost the difference: a decoded "%2F" is a '/', and a
// decoded "%2541" is the encoding "%41".
func escapeRawPath(p string) string {
	i := 0
	for i < len(p) && literal(p, i) {
		i++
	}
	if i == len(p) {
		return p
	}
	var b strings.Builder
	b.Grow(len(p) + 16)
	b.WriteString(p[:i])
	for ; i < len(p); i++ {
		if literal(p, i) {
			b.WriteByte(p[i])
			continue
		}
		const hex = "0123456789ABCDEF"
		b.WriteByte('%')
		b.WriteByte(hex[p[i]>>4])
		b.WriteByte(hex[p[i]&15])
	}
	return b.String()
}

// literal reports whether p[i] may stand as it is in an encoded path.
func literal(p string, i int) bool {
	c := p[i]
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	case c == '%':
		return i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2])
	}
	return strings.IndexByte("-._~!$&'()*+,;=:@/", c) >= 0
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

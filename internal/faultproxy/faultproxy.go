// Package faultproxy is a DynamoDB endpoint that misbehaves on purpose, for
// tests only: a reverse proxy in front of dynalite that answers a share of
// the requests as DynamoDB does when it throttles (HTTP 400,
// ProvisionedThroughputExceededException or ThrottlingException) or fails
// (HTTP 500 InternalServerError), adds latency, or applies a write and loses
// its answer. Faults are drawn from a seeded generator, per operation
// (X-Amz-Target) if asked, and optionally only in bursts.
package faultproxy

import (
	"context"
	"hash/crc32"
	"io"
	"log"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault is what the proxy does to one request.
type Fault string

// The faults.
const (
	None Fault = "none"
	// Throughput answers 400 ProvisionedThroughputExceededException (a
	// provisioned table or index over its capacity), without forwarding.
	Throughput Fault = "throughput"
	// Throttling answers 400 ThrottlingException (an on-demand table past
	// what it has scaled to), without forwarding.
	Throttling Fault = "throttling"
	// Internal answers 500 InternalServerError, without forwarding.
	Internal Fault = "internal"
	// Latency waits Rule.Latency, then forwards even if the client has
	// given up (a late write lands all the same).
	Latency Fault = "latency"
	// Lost forwards (the write is applied), then resets the connection
	// instead of answering.
	Lost Fault = "lost"
)

// The bodies DynamoDB sends (JSON 1.0 protocol, __type and message).
const (
	ThroughputBody = `{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",` +
		`"message":"The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API."}`
	ThrottlingBody = `{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException",` +
		`"message":"Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly. If exceptions persist, check if you have a hot key: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html"}`
	InternalBody = `{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}`
)

// Rule gives a Fault to a Share (0-1) of the requests of its operations.
type Rule struct {
	Fault Fault
	Share float64
	// Ops are operation names (UpdateItem, Query, ...); none: every one.
	Ops []string
	// Latency is the wait of a Latency fault.
	Latency time.Duration
	// Max, if positive, is how many faults the rule gives at most.
	Max int
}

// Bursts confine the rules to the first On of every Period since the
// proxy started; outside them every request is forwarded.
type Bursts struct{ Period, On time.Duration }

// Proxy is a running fault proxy. URL is its endpoint.
type Proxy struct {
	*httptest.Server
	forward *httputil.ReverseProxy
	start   time.Time

	mu     sync.Mutex
	rng    *rand.Rand
	rules  []Rule
	given  []int // faults given by each rule
	bursts Bursts
	faults map[Fault]int
	ops    map[string]int
}

// New starts a proxy to the DynamoDB endpoint target with the given seed and
// rules. Close waits for the requests in progress (late writes included), so
// after it the target has seen every write it will ever see.
func New(target string, seed uint64, rules ...Rule) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorLog = log.New(io.Discard, "", 0) // clients that gave up are expected
	p := &Proxy{forward: rp, start: time.Now(), rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		rules: rules, given: make([]int, len(rules)), faults: map[Fault]int{}, ops: map[string]int{}}
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	return p, nil
}

// SetRules replaces the rules (and the bursts: zero for none).
func (p *Proxy) SetRules(b Bursts, rules ...Rule) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules, p.bursts, p.given = rules, b, make([]int, len(rules))
}

// Operation returns the DynamoDB operation of r, from X-Amz-Target
// (DynamoDB_20120810.UpdateItem).
func Operation(r *http.Request) string {
	t := r.Header.Get("X-Amz-Target")
	return t[strings.LastIndexByte(t, '.')+1:]
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	rule := p.pick(Operation(r))
	switch rule.Fault {
	case Throughput:
		WriteError(w, http.StatusBadRequest, ThroughputBody)
	case Throttling:
		WriteError(w, http.StatusBadRequest, ThrottlingBody)
	case Internal:
		WriteError(w, http.StatusInternalServerError, InternalBody)
	case Latency:
		time.Sleep(rule.Latency)
		p.forward.ServeHTTP(w, r.WithContext(context.WithoutCancel(r.Context())))
	case Lost:
		p.forward.ServeHTTP(httptest.NewRecorder(), r.WithContext(context.WithoutCancel(r.Context())))
		reset(w)
	default:
		p.forward.ServeHTTP(w, r)
	}
}

// reset drops the connection with a TCP RST: the client reads "connection
// reset by peer", as when an answer is lost on the way.
func reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		WriteError(w, http.StatusInternalServerError, InternalBody)
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// pick draws the rule of one request of operation op (None if no rule hits)
// and counts it.
func (p *Proxy) pick(op string) Rule {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ops[op]++
	got := Rule{Fault: None}
	u := p.rng.Float64()
	if b := p.bursts; b.Period <= 0 || time.Since(p.start)%b.Period < b.On {
		for i, r := range p.rules {
			if len(r.Ops) > 0 && !slices.Contains(r.Ops, op) || r.Max > 0 && p.given[i] >= r.Max {
				continue
			}
			if u < r.Share {
				got = r
				p.given[i]++
				break
			}
			u -= r.Share
		}
	}
	p.faults[got.Fault]++
	return got
}

// Faults returns how many requests got each fault (None included).
func (p *Proxy) Faults() map[Fault]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.faults)
}

// Requests returns how many requests the proxy got for each operation.
func (p *Proxy) Requests() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.ops)
}

// WriteError answers status with a DynamoDB error body, with the
// X-Amz-Crc32 the SDK checks.
func WriteError(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(body))), 10))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

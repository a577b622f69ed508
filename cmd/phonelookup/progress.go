package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progressEvery is how often a progress line is written when the output is
// not a terminal.
const progressEvery = 5 * time.Second

// progress shows how a long run goes (dlq.Progress). Update may be called
// often: the implementations throttle.
type progress interface {
	Update(done int, detail string)
	Finish(done int, detail string)
}

// newProgress returns a progress bar on w when w is a terminal, else a
// writer of a line every progressEvery. unit is what is counted ("messages",
// "items scanned"); total is the expected number (the queue's count), 0 if
// unknown.
func newProgress(w io.Writer, label, unit string, total int) progress {
	if f, ok := w.(*os.File); !ok || !term.IsTerminal(int(f.Fd())) {
		return &lineProgress{w: w, label: label, unit: unit, total: total, every: progressEvery, start: time.Now(), last: time.Now()}
	}
	max := int64(total)
	if max <= 0 {
		max = -1
	}
	bar := progressbar.NewOptions64(max,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(label),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString(strings.Fields(unit)[0]),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionShowDescriptionAtLineEnd(),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	)
	return &barProgress{bar: bar, label: label}
}

type barProgress struct {
	mu    sync.Mutex
	bar   *progressbar.ProgressBar
	label string
}

func (p *barProgress) Update(done int, detail string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if m := p.bar.GetMax(); m > 0 && done > m {
		p.bar.ChangeMax(done)
	}
	p.bar.Describe(p.label + " " + detail)
	_ = p.bar.Set(done)
}

func (p *barProgress) Finish(done int, detail string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if m := p.bar.GetMax(); m > 0 {
		p.bar.ChangeMax(done)
	}
	p.bar.Describe(p.label + " " + detail)
	_ = p.bar.Set(done)
	_ = p.bar.Finish()
}

type lineProgress struct {
	mu          sync.Mutex
	w           io.Writer
	label, unit string
	total       int
	every       time.Duration
	start, last time.Time
}

func (p *lineProgress) Update(done int, detail string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.last) < p.every {
		return
	}
	p.last = time.Now()
	p.line(done, detail)
}

func (p *lineProgress) Finish(done int, detail string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.line(done, detail)
}

func (p *lineProgress) line(done int, detail string) {
	of := ""
	if p.total > 0 {
		of = fmt.Sprintf(" of ~%d", p.total)
	}
	if detail != "" {
		detail = ", " + detail
	}
	el := time.Since(p.start)
	fmt.Fprintf(p.w, "%s: %d%s %s%s, %.1f/s, %s\n", p.label, done, of, p.unit, detail, float64(done)/max(el.Seconds(), 0.001), el.Round(time.Second))
}

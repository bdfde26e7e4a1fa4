package taps_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// TestSession: jobs on one checkpoint run through a session load it once and give the same taps as jobs run on
// their own; a job on another checkpoint loads that one; InCache tells a cached result from a missing one.
func TestSession(t *testing.T) {
	a, b := checkpoint(t, 2), checkpoint(t, 3)
	cache := t.TempDir()
	var log bytes.Buffer
	s := taps.NewSession()
	defer s.Close()
	ctx := context.Background()
	texts := []string{text, text + " Again.", "Short."}
	run := func(model, txt string, session *taps.Session) *taps.Result {
		t.Helper()
		job, err := taps.Prepare(ctx, taps.Source{Model: model, Backend: "go", Log: &log}, taps.Text(txt), cosineRequest)
		if err != nil {
			t.Fatal(err)
		}
		job.Session = session
		in, err := job.InCache(cache)
		if err != nil {
			t.Fatal(err)
		}
		res, err := job.RunCached(ctx, cache)
		if err != nil {
			t.Fatal(err)
		}
		if in == res.Info.Computed {
			t.Errorf("%s on %s: InCache said %v before the run, yet the run computed = %v", txt, model, in, res.Info.Computed)
		}
		return res
	}
	for _, txt := range texts {
		run(a, txt, s)
	}
	if n := strings.Count(log.String(), "loaded "); n != 1 {
		t.Errorf("three texts on one checkpoint through a session loaded it %d times, want once:\n%s", n, log.String())
	}
	run(b, text, s)
	if n := strings.Count(log.String(), "loaded "); n != 2 {
		t.Errorf("another checkpoint should load once more: %d loads", n)
	}
	// Through the session or alone, the same numbers.
	alone := run(a, "Short, alone.", nil)
	through := run(a, "Short, alone", s)
	if got, want := get(t, through, "cosine"), get(t, alone, "cosine"); len(got) == 0 || slices.Equal(got, want) {
		t.Fatalf("two different texts gave equal cosines: the check below would prove nothing")
	}
	again := run(a, "Short, alone.", s) // cached: loads nothing
	if again.Info.Computed {
		t.Error("a cached text was computed again")
	}
	s.Close()
	log.Reset()
	fresh := taps.NewSession()
	defer fresh.Close()
	job, err := taps.Prepare(ctx, taps.Source{Model: a, Backend: "go", Log: &log}, taps.Text("Short, alone."), cosineRequest)
	if err != nil {
		t.Fatal(err)
	}
	job.Session = fresh
	res, err := job.Run()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := get(t, res, "cosine"), get(t, alone, "cosine"); !slices.Equal(got, want) {
		t.Errorf("the session's cosines differ from a run on its own:\n%v\n%v", got, want)
	}
	if !fresh.Loads(&taps.Job{Dir: b, Source: taps.Source{Backend: "go"}}) || fresh.Loads(job) {
		t.Error("Loads should say a job on another checkpoint loads and one on the loaded checkpoint does not")
	}
}

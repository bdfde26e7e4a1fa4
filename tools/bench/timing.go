package bench

import (
	"context"
	"fmt"
	"io"
	"time"
)

// timed is one thing timed repeatedly by timeRuns.
type timed struct {
	name   string
	before func() error // if set, runs untimed before every run (e.g. choosing the matmul kernel)
	run    func() error
	first  float64   // the first run (it builds and compiles the graph), s
	wall   []float64 // the timed runs, s
	cpu    []float64 // the process's CPU time (user + system) during each timed run, s
}

// timeRuns runs every item warmup times, then repeat rounds in which every
// item runs once, timed. The order alternates from round to round, so that a
// change in the machine's load affects all items alike. prof runs during the
// rounds.
func timeRuns(ctx context.Context, warmup, repeat int, prof *profiler, log io.Writer, items ...*timed) error {
	once := func(it *timed, round int) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if it.before != nil {
			if err := it.before(); err != nil {
				return fmt.Errorf("%s: %w", it.name, err)
			}
		}
		start, cpu0 := time.Now(), cpuTime()
		if err := it.run(); err != nil {
			return err
		}
		d, c := seconds(time.Since(start)), seconds(cpuTime()-cpu0)
		if it.first == 0 {
			it.first = d
		}
		label := "warm-up"
		if round >= 0 {
			it.wall, it.cpu = append(it.wall, d), append(it.cpu, c)
			label = fmt.Sprintf("run %d/%d", round+1, repeat)
		}
		fmt.Fprintf(log, "bench: %s %s: %.2fs (CPU %.2fs; peak RSS so far %s)\n", it.name, label, d, c, formatBytes(PeakRSS()))
		return nil
	}
	for range warmup {
		for _, it := range items {
			if err := once(it, -1); err != nil {
				return err
			}
		}
	}
	if err := prof.start(); err != nil {
		return err
	}
	for round := range repeat {
		for i := range items {
			it := items[i]
			if round%2 == 1 {
				it = items[len(items)-1-i]
			}
			if err := once(it, round); err != nil {
				return err
			}
		}
	}
	prof.stop()
	return nil
}

// record stores the timings in res.
func (it *timed) record(res *JobResult) {
	res.FirstSeconds = it.first
	res.Timing = NewTiming(it.wall)
	res.CPU = NewTiming(it.cpu)
}

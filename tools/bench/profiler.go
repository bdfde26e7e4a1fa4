package bench

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// profiler writes a CPU profile of the timed part of a job to path, if set.
type profiler struct {
	path string
	f    *os.File
}

// start begins profiling; a no-op without a path or when already started.
func (p *profiler) start() error {
	if p.path == "" || p.f != nil {
		return nil
	}
	f, err := os.Create(p.path)
	if err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("cpu profile: %w", err)
	}
	p.f = f
	return nil
}

// stop ends profiling and closes the file.
func (p *profiler) stop() {
	if p.f == nil {
		return
	}
	pprof.StopCPUProfile()
	p.f.Close()
	p.f = nil
}

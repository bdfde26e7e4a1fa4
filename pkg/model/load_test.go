package model_test

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/backend"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/model"
	"github.com/gpt2taps/gpt2taps/tools/testckpt"
)

// loadDir is the checkpoint BenchmarkLoad loads; "" writes a small random one. For the real thing:
//
//	go test -run '^$' -bench BenchmarkLoad -benchtime 5x ./pkg/model -args -load.dir /tmp/ck-large
var loadDir = flag.String("load.dir", "", "checkpoint directory for BenchmarkLoad (default: a small random one)")

// TestLoadPlacesEveryWeight: Load puts each weight of the checkpoint, bit for bit, in the variable of its name,
// whatever order or parallelism it decodes them in.
func TestLoadPlacesEveryWeight(t *testing.T) {
	dir := testckpt.Write(t, 3, 64, 4, 5)
	cfg, err := gpt2.LoadConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	host, err := gpt2.LoadWeights(dir, cfg, gpt2.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	choice, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	defer choice.Backend.Finalize()
	m, err := model.Load(dir, choice.Backend)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, w := range cfg.Weights() {
		v, err := m.Weight(w.Name)
		if err != nil {
			t.Fatal(err)
		}
		want := host.Tensors[w.Name]
		got := v.MustValue()
		if !slices.Equal(got.Shape().Dimensions, want.Dims) {
			t.Fatalf("%s: shape %v, want %v", w.Name, got.Shape().Dimensions, want.Dims)
		}
		var data []float32
		got.ConstFlatData(func(flat any) { data = slices.Clone(flat.([]float32)) })
		if !slices.Equal(data, want.Data) {
			t.Fatalf("%s: the loaded values differ from the checkpoint's", w.Name)
		}
	}
}

// BenchmarkLoad loads a checkpoint with model.Load on the pure-Go backend, alternating each load with a read of
// the same weights files from the page cache (the floor: what `cat > /dev/null` costs), and reports the median
// ratio load / read, the median times, and the process's peak RSS as a multiple of the F32 weights. It asserts
// nothing about time: the machine may be shared.
func BenchmarkLoad(b *testing.B) {
	dir := *loadDir
	if dir == "" {
		dir = testckpt.Write(b, 4, 256, 4, 3)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.safetensors"))
	if err != nil || len(files) == 0 {
		b.Fatalf("no safetensors files in %s (%v)", dir, err)
	}
	cfg, err := gpt2.LoadConfig(dir)
	if err != nil {
		b.Fatal(err)
	}
	var f32Bytes int64
	for _, w := range cfg.Weights() {
		n := int64(4)
		for _, d := range w.Shape {
			n *= int64(d)
		}
		f32Bytes += n
	}
	buf := make([]byte, 1<<20)
	read := func() time.Duration {
		start := time.Now()
		for _, path := range files {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.CopyBuffer(io.Discard, onlyReader{f}, buf); err != nil && !errors.Is(err, io.EOF) {
				b.Fatal(err)
			}
			f.Close()
		}
		return time.Since(start)
	}
	// Each load gets a new backend and memory fresh from the OS, as in a capture process that loads once: the
	// first touch of the weights' memory is much of the cost, and a backend's buffer pool would hide it.
	load := func() time.Duration {
		choice, err := backend.New("go")
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		m, err := model.Load(dir, choice.Backend)
		if err != nil {
			b.Fatal(err)
		}
		d := time.Since(start)
		m.Close()
		choice.Backend.Finalize()
		runtime.GC()
		debug.FreeOSMemory()
		return d
	}
	read() // warm the page cache
	var reads, loads, ratios []float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var r, l time.Duration
		if i%2 == 0 {
			r, l = read(), load()
		} else {
			l, r = load(), read()
		}
		reads, loads = append(reads, r.Seconds()), append(loads, l.Seconds())
		ratios = append(ratios, l.Seconds()/r.Seconds())
	}
	b.StopTimer()
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	peak := float64(ru.Maxrss) * 1024 // kilobytes on Linux
	b.ReportMetric(median(ratios), "load/read")
	b.ReportMetric(median(loads), "load-s")
	b.ReportMetric(median(reads), "read-s")
	b.ReportMetric(peak/float64(f32Bytes), "peakRSS/F32")
	b.Logf("%s: F32 weights %.0f MB; ratios %s; loads %s s; reads %s s; peak RSS %.0f MB",
		dir, float64(f32Bytes)/1e6, fmts(ratios), fmts(loads), fmts(reads), peak/1e6)
}

// onlyReader hides *os.File's WriterTo, so that the read goes through buf as cat's does, not sendfile/splice.
type onlyReader struct{ io.Reader }

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func fmts(xs []float64) string {
	out := ""
	for i, x := range xs {
		if i > 0 {
			out += " "
		}
		out += fmt.Sprintf("%.2f", x)
	}
	return out
}

package course

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestNoModelDependency: the package (tests aside) links nothing of GoMLX and
// imports of the project only what reads, analyses and draws taps, so
// notebooks and the CLI can use it without building the model.
func TestNoModelDependency(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	allowed := []string{"pkg/course", "pkg/gpt2", "pkg/taps", "pkg/analysis", "pkg/viz", "pkg/checkpoints", "internal/atomicfile", "internal/stfile", "internal/hfcache", "internal/env"}
	for _, dep := range strings.Fields(string(out)) {
		rest, ours := strings.CutPrefix(dep, "github.com/gpt2taps/gpt2taps/")
		if strings.HasPrefix(dep, "github.com/gomlx/gomlx") || strings.HasPrefix(dep, "github.com/gomlx/gopjrt") || ours && !slices.Contains(allowed, rest) {
			t.Errorf("pkg/course depends on %s", dep)
		}
	}
}

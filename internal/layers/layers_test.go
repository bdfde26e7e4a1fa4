package layers

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/gpt2taps/gpt2taps/"

// allowed lists, for every package of the module, the module's packages it
// may import (docs/architecture.md draws the same). A package missing here
// fails the test: place it on the map first.
var allowed = map[string][]string{
	// Foundations: no project imports but their own.
	"internal/stfile":          nil,
	"internal/atomicfile":      nil,
	"internal/hfcache":         {"internal/stfile"},
	"internal/hfcache/hubtest": nil,
	"pkg/backend":              {"internal/gemm", "internal/vecmath"},
	"internal/gemm":            nil,
	"internal/vecmath":         nil,
	"pkg/analysis":             nil,
	// The data path.
	"pkg/gpt2":      {"internal/stfile", "internal/hfcache"},
	"pkg/taps":      {"pkg/gpt2", "pkg/backend", "internal/stfile"},
	"pkg/viz":       {"pkg/analysis", "internal/atomicfile"},
	"pkg/lesson":    {"pkg/gpt2", "pkg/taps", "pkg/analysis", "pkg/viz", "internal/atomicfile"},
	"pkg/compare":   {"pkg/gpt2", "pkg/taps", "pkg/viz", "pkg/lesson", "pkg/backend", "internal/atomicfile"},
	"pkg/nb":        {"pkg/gpt2", "pkg/taps", "pkg/analysis", "pkg/viz", "pkg/lesson", "pkg/backend"},
	"pkg/nbcompare": {"pkg/compare", "pkg/nb"},
	// Tools around it.
	"internal/nbtest":      nil,
	"internal/browsertest": {"internal/nbtest", "pkg/viz"},
	"internal/testckpt":    {"pkg/gpt2"},
	"internal/bench":       {"pkg/gpt2", "pkg/taps", "pkg/lesson", "pkg/analysis", "pkg/backend"},
	"internal/gpucheck":    {"pkg/gpt2", "pkg/taps", "pkg/lesson", "pkg/analysis", "pkg/backend"},
	"internal/layers":      nil,
	"internal/matmulbench": {"pkg/backend"},
	"cmd/gpt2taps":         {"*"},
	"notebooks":            nil,
	"docker":               nil,
}

// TestImportsFollowTheDataPath lists every package's imports with `go list`
// (tests excluded: they may use anything) and checks them against allowed.
func TestImportsFollowTheDataPath(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", module+"...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module)
		ok, known := allowed[pkg]
		if !known {
			t.Errorf("package %s is not on the map: add it to allowed here and to docs/architecture.md", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			dep, ours := strings.CutPrefix(imp, module)
			if !ours || slices.Contains(ok, "*") || slices.Contains(ok, dep) {
				continue
			}
			t.Errorf("%s imports %s, which is not on its list %v: keep the data path (docs/architecture.md) or change the map on purpose", pkg, dep, ok)
		}
	}
}

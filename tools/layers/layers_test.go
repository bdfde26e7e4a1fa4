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
	// Foundations the product imports: no project imports but their own.
	"internal/stfile":          nil,
	"internal/atomicfile":      nil,
	"internal/env":             nil,
	"internal/goexp":           nil,
	"internal/hfcache":         {"internal/stfile"},
	"internal/hfcache/hubtest": nil,
	"internal/gemm":            nil,
	"internal/vecmath":         nil,
	"pkg/backend":              {"internal/gemm", "internal/vecmath"},
	"pkg/analysis":             nil,
	// The data path.
	"pkg/gpt2":                 {"internal/stfile"},
	"pkg/gpt2/tokenizer":       {"pkg/gpt2"},
	"pkg/checkpoints":          {"pkg/gpt2", "pkg/gpt2/tokenizer", "pkg/taps", "internal/hfcache", "internal/stfile"},
	"pkg/taps":                 {"pkg/gpt2", "internal/stfile", "internal/env", "internal/atomicfile"},
	"pkg/model":                {"pkg/gpt2", "pkg/gpt2/tokenizer", "pkg/checkpoints", "pkg/taps", "pkg/backend"},
	"pkg/viz":                  {"pkg/analysis", "internal/atomicfile"},
	"pkg/viz/viztest":          {"pkg/analysis"},
	"pkg/viz/explorer":         {"pkg/analysis", "pkg/viz", "internal/atomicfile"},
	"pkg/lesson":               {"pkg/gpt2", "pkg/taps", "pkg/analysis", "pkg/viz", "pkg/viz/explorer", "internal/atomicfile"},
	"pkg/course":               {"pkg/gpt2", "pkg/taps", "pkg/analysis", "pkg/viz", "internal/atomicfile"},
	"pkg/compare":              {"pkg/gpt2", "pkg/gpt2/tokenizer", "pkg/checkpoints", "pkg/taps", "pkg/viz", "pkg/lesson", "internal/atomicfile", "internal/env"},
	"pkg/compare/inprocess":    {"pkg/gpt2", "pkg/taps", "pkg/model", "pkg/backend", "pkg/compare"},
	"pkg/modelclient":          {"pkg/gpt2", "pkg/taps", "internal/env", "internal/goexp"},
	"pkg/modelserver":          {"pkg/gpt2", "pkg/taps", "pkg/model", "pkg/modelclient", "internal/atomicfile"},
	"pkg/nb":                   {"pkg/gpt2", "pkg/taps", "pkg/analysis", "pkg/viz", "pkg/viz/explorer", "pkg/lesson", "pkg/course", "pkg/nb/internal/cell", "internal/env"},
	"pkg/nb/internal/cell":     {"internal/env"},
	"pkg/nb/internal/celltest": {"pkg/nb/internal/cell"},
	"pkg/nb/nbrun":             {"pkg/gpt2", "pkg/gpt2/tokenizer", "pkg/checkpoints", "pkg/taps", "pkg/lesson", "pkg/course", "pkg/compare", "pkg/modelclient", "pkg/nb", "pkg/nb/internal/cell", "internal/env"},
	"pkg/nb/nbmodel":           {"pkg/gpt2", "pkg/checkpoints", "pkg/taps", "pkg/model", "pkg/lesson", "pkg/course", "pkg/nb", "pkg/nb/nbrun", "internal/env"},
	// Harnesses around it: tests, measurements, the browser.
	"tools/nbtest":      {"internal/goexp"},
	"tools/browsertest": {"tools/nbtest", "pkg/viz/explorer"},
	"tools/testckpt":    {"pkg/gpt2", "pkg/checkpoints"},
	"tools/coursecheck": {"pkg/course", "pkg/taps"},
	"tools/bench":       {"pkg/gpt2", "pkg/gpt2/tokenizer", "pkg/checkpoints", "pkg/taps", "pkg/model", "pkg/lesson", "pkg/analysis", "pkg/backend", "tools/nbtest"},
	"tools/gpucheck":    {"pkg/gpt2", "pkg/gpt2/tokenizer", "pkg/checkpoints", "pkg/taps", "pkg/model", "pkg/lesson", "pkg/analysis", "pkg/backend"},
	"tools/layers":      nil,
	"tools/matmulbench": {"pkg/backend"},
	"cmd/gpt2taps":      {"*"},
	"notebooks":         nil,
	"docker":            nil,
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

// readers are the packages a program that only reads, analyses and draws taps
// imports (a notebook's analysis cells): they must link no GoMLX, so that such
// a program builds and starts in a fraction of the time a capture does.
var readers = []string{"pkg/gpt2", "pkg/gpt2/tokenizer", "pkg/taps", "pkg/analysis", "pkg/viz", "pkg/viz/explorer", "pkg/lesson", "pkg/compare", "pkg/modelclient", "pkg/nb", "pkg/nb/nbrun"}

// TestReadersLinkNoGoMLX lists the readers' dependencies with `go list -deps`
// and fails on any GoMLX or gopjrt package among them.
func TestReadersLinkNoGoMLX(t *testing.T) {
	args := []string{"list", "-deps"}
	for _, p := range readers {
		args = append(args, module+p)
	}
	out, err := exec.Command("go", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/gomlx/gomlx") || strings.HasPrefix(dep, "github.com/gomlx/gopjrt") {
			t.Errorf("a reader of taps (%s) links %s: keep GoMLX behind pkg/model", strings.Join(readers, ", "), dep)
		}
	}
}

// cacheReaders are the packages a notebook's analysis cells import: they read
// the tap cache by what the run cell asked for (taps.Cache.Recall), so they
// need neither the tokenizer, whose vocabulary tables are tens of megabytes
// of objects to link, nor the Hugging Face Hub client (net/http, TLS). Each
// of those adds about 0.2 s to every such cell's build (issue 17).
var cacheReaders = []string{"pkg/gpt2", "pkg/taps", "pkg/analysis", "pkg/viz", "pkg/viz/explorer", "pkg/lesson", "pkg/course", "pkg/nb"}

// heavyForReaders are what cacheReaders must not link, and why.
var heavyForReaders = map[string]string{
	"github.com/tiktoken-go/tokenizer":         "the tokenizer's tables: keep tokenizing in pkg/gpt2/tokenizer and its callers",
	"github.com/gomlx/go-huggingface/hub":      "the Hugging Face Hub client: keep model look-ups in pkg/checkpoints (nbrun in the notebooks)",
	"net/http":                                 "an HTTP client: keep the Hub behind pkg/checkpoints",
	module + "pkg/checkpoints":                 "model look-ups: readers find taps by what was asked (taps.Cache.Recall)",
	module + "pkg/modelclient":                 "the model server's client: only the run cell (nbrun.Run) needs it",
	"github.com/gomlx/gomlx/backends/simplego": "GoMLX",
}

// TestCacheReadersLinkLittle lists the cache readers' dependencies and fails
// on any of heavyForReaders among them.
func TestCacheReadersLinkLittle(t *testing.T) {
	args := []string{"list", "-deps"}
	for _, p := range cacheReaders {
		args = append(args, module+p)
	}
	out, err := exec.Command("go", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	for dep, why := range heavyForReaders {
		if slices.Contains(deps, dep) {
			t.Errorf("the tap-cache readers (%s) link %s — %s", strings.Join(cacheReaders, ", "), dep, why)
		}
	}
}

package viz

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"github.com/gpt2taps/gpt2taps/pkg/viz/viztest"
)

// The synthetic results of package viztest, by their short names here.
const (
	testLayers = viztest.Layers
	testTokens = viztest.Tokens
	testDim    = viztest.Dim
)

func testCosines() analysis.Matrix                    { return viztest.Cosines() }
func testStats(m analysis.Matrix) analysis.LayerStats { return viztest.Stats(m) }
func testHistogram(values []float64, n int) analysis.Histogram {
	return viztest.Histogram(values, n)
}
func testStepLengths() analysis.StepLengths { return viztest.StepLengths() }
func testCorrelationSet(method string, firstToken int) analysis.CorrelationSet {
	return viztest.CorrelationSet(method, firstToken)
}
func testTokenLabels(n int) []string { return viztest.TokenLabels(n) }

// saveForInspection writes f as name.png into $VIZ_CHECK_DIR when that is
// set, so the figures can be looked at (e.g. VIZ_CHECK_DIR=/tmp/vizcheck).
func saveForInspection(t *testing.T, name string, f *Figure) {
	t.Helper()
	dir := os.Getenv("VIZ_CHECK_DIR")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(filepath.Join(dir, name+".png")); err != nil {
		t.Fatal(err)
	}
}

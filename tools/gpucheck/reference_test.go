package gpucheck_test

import (
	_ "embed"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"github.com/gpt2taps/gpt2taps/pkg/backend"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2/tokenizer"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/pkg/model"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
	"github.com/gpt2taps/gpt2taps/tools/gpucheck"
)

// The stored test case and the taps the PyTorch reference computed for it;
// embedded, so that the test binary runs anywhere.
var (
	//go:embed testdata/case.json
	caseJSON []byte
	//go:embed testdata/reference_taps.safetensors
	referenceTaps []byte
)

var (
	update      = flag.Bool("update", false, "regenerate testdata/ (case.json, reference_taps.safetensors) with the PyTorch reference")
	backendName = flag.String("gpucheck.backend", "", "GoMLX backend: go, xla:cpu, xla:cuda (default $GOMLX_BACKEND, else auto)")
)

// referenceCase is the shape of the stored case: small enough to keep its
// taps in the repository (3 layers × 48 tokens × width 128), with several
// heads, and a 48-token slice of the lesson's text.
var referenceCase = gpucheck.Case{Layers: 3, Embd: 128, Heads: 4, Positions: 128, Seed: 7}

// referencePython runs the PyTorch reference: Debian's python3 with
// python3-torch, or $GPT2TAPS_PYTHON.
func referencePython() string {
	if p := os.Getenv("GPT2TAPS_PYTHON"); p != "" {
		return p
	}
	return "/usr/bin/python3"
}

// TestReferenceTaps captures the lesson's taps of the stored case, and their
// cosine computed in the graph (gpucheck.Request), on the chosen backend and
// compares them with the taps the PyTorch reference computed for the same
// checkpoint and tokens, and with analysis.CosineMatrix of those.
func TestReferenceTaps(t *testing.T) {
	data, refFile := caseJSON, writeTemp(t, "reference_taps.safetensors", referenceTaps)
	if *update {
		data, refFile = regenerate(t)
	}
	c, err := gpucheck.ParseCase(data)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "checkpoint")
	if err := c.WriteCheckpoint(dir); err != nil {
		t.Fatal(err)
	}
	choice, err := backend.New(*backendName)
	if err != nil {
		t.Fatal(err)
	}
	defer choice.Backend.Finalize()
	m, err := model.Load(dir, choice.Backend)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	t.Logf("backend %s", choice)
	res, err := m.Run(gpt2.IDs(c.IDs), gpucheck.Request())
	if err != nil {
		t.Fatal(err)
	}
	ref, err := taps.ReadFile(refFile)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ref.Result.IDs, c.IDs) {
		t.Fatalf("the reference taps are of tokens %v, the case's are %v: regenerate with -update", ref.Result.IDs, c.IDs)
	}
	want := gpucheck.Tensors(ref.Result)
	cos, err := analysis.CosineMatrix(want["attn.c_proj"], want["mlp.c_proj"], c.Layers, len(c.IDs), c.Embd)
	if err != nil {
		t.Fatal(err)
	}
	want[gpucheck.CosineName] = make([]float32, len(cos.Data))
	for i, v := range cos.Data {
		want[gpucheck.CosineName][i] = float32(v)
	}
	diffs, err := gpucheck.Compare(gpucheck.Tensors(res), want)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) != 4 {
		t.Errorf("compared %d tensors, want 4 (attn.c_proj, mlp.c_proj, hidden_states, cosine): %v", len(diffs), diffs)
	}
	for _, d := range diffs {
		t.Log(d)
	}
	tol := gpucheck.ToleranceFor(choice.Name)
	if err := tol.Check(diffs); err != nil {
		t.Error(err)
	}
}

// regenerate writes testdata/case.json and testdata/reference_taps.safetensors
// anew: the case's checkpoint is generated, hashed, and run through the
// PyTorch reference. It returns the new case and taps file.
func regenerate(t *testing.T) ([]byte, string) {
	t.Helper()
	c := referenceCase
	tok, err := tokenizer.New()
	if err != nil {
		t.Fatal(err)
	}
	enc, err := tok.Encode(lesson.NietzscheText)
	if err != nil {
		t.Fatal(err)
	}
	c.IDs = enc.IDs[:48]
	dir := filepath.Join(t.TempDir(), "checkpoint")
	if err := c.WriteCheckpoint(dir); err != nil {
		t.Fatal(err)
	}
	if c.SHA256, err = gpucheck.HashFiles(dir, "config.json", "model.safetensors"); err != nil {
		t.Fatal(err)
	}
	strs := make([]string, len(c.IDs))
	for i, id := range c.IDs {
		strs[i] = strconv.Itoa(id)
	}
	out, err := filepath.Abs(filepath.Join("testdata", "reference_taps.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(referencePython(), "../../reference/gpt2_reference.py",
		"--model", dir, "--ids", strings.Join(strs, ","), "--out", out, "--threads", "1")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("PyTorch reference failed (install Debian's python3-torch, or run scripts/install.sh): %v\n%s", err, msg)
	}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, '\n')
	if err := os.WriteFile(filepath.Join("testdata", "case.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("regenerated testdata/case.json and %s", out)
	return data, out
}

// writeTemp writes data to a file in a temporary directory.
func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

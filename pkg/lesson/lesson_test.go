package lesson_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/internal/stfile"
	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/pkg/model"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
	"github.com/gpt2taps/gpt2taps/tools/testckpt"
)

// checkpoint writes a small random checkpoint and returns its directory.
func checkpoint(t *testing.T, layers int) string { return testckpt.Write(t, layers, 32, 4, 11) }

const text = "Nietzsche wrote that one must still have chaos in oneself to give birth to a dancing star."

// capture gets the lesson's taps of text on the checkpoint ckpt, on the pure-Go
// backend, through cache.
func capture(ckpt, text string, cache taps.Cache) (*taps.Result, error) {
	return model.RunCached(context.Background(), model.Source{Model: ckpt, Backend: "go"}, gpt2.Text(text), lesson.Request(), cache)
}

// analyze is capture followed by lesson.Analyze.
func analyze(t *testing.T, ckpt, text string, cache taps.Cache) (*taps.Result, *lesson.Analysis) {
	t.Helper()
	res, err := capture(ckpt, text, cache)
	if err != nil {
		t.Fatal(err)
	}
	a, err := lesson.Analyze(res)
	if err != nil {
		t.Fatal(err)
	}
	return res, a
}

func TestCaptureCachesAndReloads(t *testing.T) {
	ckpt := checkpoint(t, 4)
	var log bytes.Buffer
	cache := taps.Cache{Dir: t.TempDir(), Log: &log}
	first, a1 := analyze(t, ckpt, text, cache)
	if !first.Info.Computed || first.Info.CachePath == "" {
		t.Fatalf("first capture: %+v; want computed and cached", first.Info)
	}
	second, a2 := analyze(t, ckpt, text, cache)
	if second.Info.Computed {
		t.Fatal("second capture of the same text recomputed instead of loading the cache")
	}
	get := func(res *taps.Result, name string) []float32 {
		a, err := res.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		return a.Data
	}
	f32 := func(m analysis.Matrix) []float32 {
		out := make([]float32, len(m.Data))
		for i, v := range m.Data {
			out[i] = float32(v)
		}
		return out
	}
	for name, pair := range map[string][2][]float32{
		"attn":   {get(first, "h.*.attn.c_proj"), get(second, "h.*.attn.c_proj")},
		"mlp":    {get(first, "h.*.mlp.c_proj"), get(second, "h.*.mlp.c_proj")},
		"hidden": {get(first, "hidden_states"), get(second, "hidden_states")},
		"cosine": {f32(a1.Cosine), f32(a2.Cosine)},
	} {
		if len(pair[0]) == 0 || len(pair[0]) != len(pair[1]) {
			t.Fatalf("%s: %d vs %d values", name, len(pair[0]), len(pair[1]))
		}
		for i := range pair[0] {
			if pair[0][i] != pair[1][i] {
				t.Fatalf("%s differs after reloading at %d", name, i)
			}
		}
	}
	if strings.Join(second.Tokens, "") != text {
		t.Errorf("tokens %q do not rejoin into the text", second.Tokens)
	}
	// Another text is another key.
	third, err := capture(ckpt, text+" Again.", cache)
	if err != nil {
		t.Fatal(err)
	}
	if !third.Info.Computed {
		t.Error("a different text was served from the cache")
	}
}

func TestCaptureErrors(t *testing.T) {
	ckpt := checkpoint(t, 1)
	cache := taps.Cache{Dir: t.TempDir()}
	cases := []struct{ name, text, want string }{
		{"empty", "", "no tokens"},
		{"invalid UTF-8", "caf\xe9", "UTF-8"},
		{"too long", strings.Repeat(" word", 1025), "1025 tokens but"},
	}
	for _, tc := range cases {
		_, err := capture(ckpt, tc.text, cache)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	if _, err := capture(filepath.Join(t.TempDir(), "missing"), text, cache); err == nil {
		t.Error("a missing model directory should fail")
	}
}

// TestCosinesAgainstReference: the cosines lesson.Analyze computes on the host
// from the cached taps equal the cosines of the PyTorch reference's taps within
// 1e-5.
func TestCosinesAgainstReference(t *testing.T) {
	ckpt := checkpoint(t, 3)
	res, an := analyze(t, ckpt, lesson.NietzscheText, taps.Cache{Dir: t.TempDir()})
	ids := make([]string, len(res.IDs))
	for i, id := range res.IDs {
		ids[i] = strconv.Itoa(id)
	}
	out := filepath.Join(t.TempDir(), "ref.safetensors")
	python := os.Getenv("GPT2TAPS_PYTHON")
	if python == "" {
		python = "/usr/bin/python3"
	}
	script, _ := filepath.Abs("../../reference/gpt2_reference.py")
	if msg, err := exec.Command(python, script, "--model", ckpt, "--ids", strings.Join(ids, ","), "--out", out).CombinedOutput(); err != nil {
		t.Fatalf("PyTorch reference failed (install python3-torch: scripts/install.sh): %v\n%s", err, msg)
	}
	f, err := stfile.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	L, T, D := res.Config.NLayer, len(res.IDs), res.Config.NEmbd
	a, m := make([]float32, L*T*D), make([]float32, L*T*D)
	if err := f.Float32s("attn.c_proj", a); err != nil {
		t.Fatal(err)
	}
	if err := f.Float32s("mlp.c_proj", m); err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for i := range L * T {
		var dot, na, nm float64
		for d := range D {
			x, y := float64(a[i*D+d]), float64(m[i*D+d])
			dot, na, nm = dot+x*y, na+x*x, nm+y*y
		}
		worst = math.Max(worst, math.Abs(dot/math.Sqrt(na*nm)-an.Cosine.Data[i]))
	}
	t.Logf("%d tokens × %d layers: max |cosine − reference cosine| = %.3g", T, L, worst)
	if worst > 1e-5 {
		t.Errorf("cosines differ from the reference's by %.3g > 1e-5", worst)
	}
}

func TestAnalyzeSummary(t *testing.T) {
	ckpt := checkpoint(t, 4)
	res, a := analyze(t, ckpt, lesson.NietzscheText, taps.Cache{Dir: t.TempDir()})
	dir := t.TempDir()
	written, notes, err := a.WriteReport(dir, []string{"png", "svg"})
	if err != nil {
		t.Fatal(err)
	}
	if len(written) != 2*len(lesson.FigureNames())+2 || len(notes) != 0 { // + summary.json and explorer.html
		t.Errorf("wrote %d files: %v; notes %q", len(written), written, notes)
	}
	data, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("summary.json is not JSON: %v", err)
	}
	for _, key := range []string{"model", "n_layer", "n_tokens", "tokens", "cosine", "step_lengths", "correlations", "claims"} {
		if _, ok := raw[key]; !ok {
			t.Errorf("summary.json lacks %q", key)
		}
	}
	s, err := lesson.ReadSummary(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	L, T := res.Config.NLayer, len(res.IDs)
	if s.NLayer != L || s.NTokens != T || len(s.Tokens) != T {
		t.Errorf("n_layer %d, n_tokens %d, %d tokens; want %d, %d", s.NLayer, s.NTokens, len(s.Tokens), L, T)
	}
	h := s.Cosine.Histogram
	if len(h.Edges) != 81 || len(h.Counts) != 80 {
		t.Fatalf("histogram has %d edges and %d counts, want 81 and 80", len(h.Edges), len(h.Counts))
	}
	total := 0
	for _, c := range h.Counts {
		total += c
	}
	if total != L*T {
		t.Errorf("histogram counts sum to %d, want L·T = %d", total, L*T)
	}
	// Per-layer means and population stds recomputed here from the cosines of
	// the taps.
	attn, err := res.Get("h.*.attn.c_proj")
	if err != nil {
		t.Fatal(err)
	}
	mlp, err := res.Get("h.*.mlp.c_proj")
	if err != nil {
		t.Fatal(err)
	}
	for l := range L {
		cos := make([]float64, T)
		sum := 0.0
		for tok := range T {
			cos[tok] = analysis.Cosine(attn.Vec(l, tok), mlp.Vec(l, tok))
			sum += cos[tok]
		}
		mean := sum / float64(T)
		ss := 0.0
		for tok := range T {
			d := cos[tok] - mean
			ss += d * d
		}
		if math.Abs(float64(s.Cosine.PerLayerMean[l])-mean) > 1e-9 || math.Abs(float64(s.Cosine.PerLayerStd[l])-math.Sqrt(ss/float64(T))) > 1e-9 {
			t.Errorf("layer %d: mean/std %v/%v, want %v/%v", l, s.Cosine.PerLayerMean[l], s.Cosine.PerLayerStd[l], mean, math.Sqrt(ss/float64(T)))
		}
	}
	if !math.IsNaN(float64(s.StepLengths.AttnMean[0])) || math.IsNaN(float64(s.StepLengths.AttnMean[1])) {
		t.Errorf("attention step length means %v: layer 0 must be null, later layers defined", s.StepLengths.AttnMean)
	}
	if len(s.Correlations) != 4 || s.Correlations[0].Method != "pearson" || s.Correlations[0].FirstToken != 1 {
		t.Errorf("correlations: %d sets, first %+v", len(s.Correlations), s.Correlations[0])
	}
	if math.Abs(float64(s.Cosine.NullStd)-1/math.Sqrt(32)) > 1e-12 {
		t.Errorf("null std %v, want 1/√32", s.Cosine.NullStd)
	}
}

// TestShortTexts: a text of 1, 2 or 3 tokens gets every number and figure
// that is defined for it; what needs more tokens is left out with a note
// saying how many it needs.
func TestShortTexts(t *testing.T) {
	ckpt := checkpoint(t, 3)
	cache := taps.Cache{Dir: t.TempDir()}
	for _, tc := range []struct {
		text    string
		skipped []string
	}{
		{"Hi", []string{lesson.FigCorrelations, lesson.FigScatter}},
		{"Hi there", []string{lesson.FigCorrelations}},
		{"Hi there you", []string{lesson.FigCorrelations}},
		{"Hi there, you", nil},
	} {
		t.Run(tc.text, func(t *testing.T) {
			tp, a := analyze(t, ckpt, tc.text, cache)
			written, notes, err := a.WriteReport(t.TempDir(), []string{"png"})
			if err != nil {
				t.Fatalf("%d tokens: %v", len(tp.IDs), err)
			}
			if len(written) != len(lesson.FigureNames())-len(tc.skipped)+2 || len(notes) != len(tc.skipped) { // + summary.json and explorer.html
				t.Fatalf("%d tokens: wrote %v, notes %q; want all but %v", len(tp.IDs), written, notes, tc.skipped)
			}
			for i, name := range tc.skipped {
				if !strings.Contains(notes[i], name) || !strings.Contains(notes[i], "at least") ||
					!strings.Contains(notes[i], fmt.Sprintf("this text has %d", len(tp.IDs))) {
					t.Errorf("note %q should name %s, how many tokens it needs and how many there are", notes[i], name)
				}
				if _, err := a.Figure(name); err == nil || err.Error() != notes[i] {
					t.Errorf("Figure(%s) = %v, want the note's error", name, err)
				}
			}
		})
	}
}

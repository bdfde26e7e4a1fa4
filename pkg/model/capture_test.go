package model_test

import (
	"math"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"github.com/gpt2taps/gpt2taps/pkg/backend"
	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/model"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

var (
	smallOnce  sync.Once
	smallModel *model.Model
	smallErr   error
)

// small loads a random 3-layer model shared by the tests in this file.
func small(t *testing.T) *model.Model {
	t.Helper()
	smallOnce.Do(func() {
		cfg, err := gpt2.Preset("gpt2")
		if err != nil {
			smallErr = err
			return
		}
		cfg.NLayer, cfg.NEmbd, cfg.NHead, cfg.NInner, cfg.NPositions = 3, 32, 4, 128, 16
		dir := filepath.Join(t.TempDir(), "ckpt")
		if smallErr = checkpoints.WriteRandom(dir, cfg, checkpoints.RandomOptions{Seed: 7}); smallErr != nil {
			return
		}
		b, err := backend.New("go")
		if err != nil {
			smallErr = err
			return
		}
		smallModel, smallErr = model.Load(dir, b.Backend)
	})
	if smallErr != nil {
		t.Fatal(smallErr)
	}
	return smallModel
}

var ids = []int{15496, 995, 11, 262, 4252, 318, 3621, 13}

// TestResidualIdentities checks the taps against each other: each block adds
// exactly its attention and MLP adjustments to the stream.
func TestResidualIdentities(t *testing.T) {
	m := small(t)
	L, T, D := m.Config.NLayer, len(ids), m.Config.NEmbd
	res, err := m.Run(gpt2.IDs(ids), taps.Request{Points: []string{
		"attn.c_proj", "mlp.c_proj", "hidden_states", "resid_mid", "resid_post"}})
	if err != nil {
		t.Fatal(err)
	}
	a := res.Stacks[gpt2.AttnOut].Data
	f := res.Stacks[gpt2.MLPOut].Data
	h := res.Stacks[gpt2.HiddenState].Data
	mid := res.Stacks[gpt2.ResidMid].Data
	post := res.Stacks[gpt2.ResidPost].Data
	n := T * D
	for l := range L {
		for i := range n {
			if d := math.Abs(float64(h[l*n+i] + a[l*n+i] - mid[l*n+i])); d > 1e-5 {
				t.Fatalf("layer %d: hidden + attn != resid_mid (diff %g)", l, d)
			}
			if d := math.Abs(float64(mid[l*n+i] + f[l*n+i] - post[l*n+i])); d > 1e-5 {
				t.Fatalf("layer %d: resid_mid + mlp != resid_post (diff %g)", l, d)
			}
			if l+1 < L {
				if d := math.Abs(float64(post[l*n+i] - h[(l+1)*n+i])); d > 1e-6 {
					t.Fatalf("layer %d: resid_post != hidden_states[%d]", l, l+1)
				}
			}
		}
	}
	// The last hidden state is ln_f's output: zero mean over the model dimension
	// before gain and bias are applied is not observable, but it must differ
	// from the raw block output.
	same := true
	for i := range n {
		if h[L*n+i] != post[(L-1)*n+i] {
			same = false
			break
		}
	}
	if same {
		t.Error("hidden_states[L] equals the last block's raw output; it must be ln_f's output")
	}
}

func TestAttentionPatternIsCausalAndNormalized(t *testing.T) {
	m := small(t)
	res, err := m.Run(gpt2.IDs(ids), taps.Request{Points: []string{"blocks.1.attn.hook_pattern"}})
	if err != nil {
		t.Fatal(err)
	}
	st := res.Stacks[gpt2.AttnPattern]
	if got := st.Dims; len(got) != 4 || got[0] != 1 || got[1] != m.Config.NHead || got[2] != len(ids) || got[3] != len(ids) {
		t.Fatalf("pattern dims %v, want [1 %d %d %d]", got, m.Config.NHead, len(ids), len(ids))
	}
	if st.Indices[0] != 1 {
		t.Errorf("pattern indices %v, want [1]", st.Indices)
	}
	p := st.Data
	T := len(ids)
	for h := range m.Config.NHead {
		for q := range T {
			sum := 0.0
			for k := range T {
				v := float64(p[(h*T+q)*T+k])
				if k > q && v != 0 {
					t.Fatalf("head %d query %d attends to future key %d (%g)", h, q, k, v)
				}
				sum += v
			}
			if math.Abs(sum-1) > 1e-5 {
				t.Fatalf("head %d query %d: probabilities sum to %g", h, q, sum)
			}
		}
	}
}

// TestCausality: a later token must not change earlier positions' taps.
func TestCausality(t *testing.T) {
	m := small(t)
	req := taps.Request{Points: []string{"attn.c_proj"}}
	r1, err := m.Run(gpt2.IDs(ids), req)
	if err != nil {
		t.Fatal(err)
	}
	changed := append([]int(nil), ids...)
	changed[len(changed)-1] = 42
	r2, err := m.Run(gpt2.IDs(changed), req)
	if err != nil {
		t.Fatal(err)
	}
	a, b := r1.Stacks[gpt2.AttnOut].Data, r2.Stacks[gpt2.AttnOut].Data
	T, D := len(ids), m.Config.NEmbd
	lastDiffers := false
	for l := range m.Config.NLayer {
		for tok := range T {
			for d := range D {
				i := (l*T+tok)*D + d
				if tok < T-1 && a[i] != b[i] {
					t.Fatalf("layer %d token %d changed when only the last token changed", l, tok)
				}
				if tok == T-1 && a[i] != b[i] {
					lastDiffers = true
				}
			}
		}
	}
	if !lastDiffers {
		t.Error("changing the last token did not change its taps")
	}
}

func TestReductions(t *testing.T) {
	m := small(t)
	L, T, D := m.Config.NLayer, len(ids), m.Config.NEmbd
	res, err := m.Run(gpt2.IDs(ids), taps.Request{
		Points: []string{"attn.c_proj", "hidden_states"},
		Reductions: []taps.Reduction{
			taps.NormReduction("attn_norm", gpt2.AttnOut),
			taps.StepLengthReduction("hidden_steps", gpt2.HiddenState),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	a := res.Stacks[gpt2.AttnOut].Data
	h := res.Stacks[gpt2.HiddenState].Data
	norms := res.Reduced["attn_norm"].Data
	steps := res.Reduced["hidden_steps"].Data
	if got := res.Reduced["hidden_steps"].Dims; got[0] != L || got[1] != T {
		t.Fatalf("hidden_steps dims %v, want [%d %d]", got, L, T)
	}
	for l := range L {
		for tok := range T {
			var n2, s2 float64
			for d := range D {
				x := float64(a[(l*T+tok)*D+d])
				n2 += x * x
				dh := float64(h[((l+1)*T+tok)*D+d] - h[(l*T+tok)*D+d])
				s2 += dh * dh
			}
			if diff := math.Abs(math.Sqrt(n2) - float64(norms[l*T+tok])); diff > 1e-4*math.Max(1, math.Sqrt(n2)) {
				t.Fatalf("norm layer %d token %d: %g vs %g", l, tok, norms[l*T+tok], math.Sqrt(n2))
			}
			if diff := math.Abs(math.Sqrt(s2) - float64(steps[l*T+tok])); diff > 1e-4*math.Max(1, math.Sqrt(s2)) {
				t.Fatalf("step layer %d token %d: %g vs %g", l, tok, steps[l*T+tok], math.Sqrt(s2))
			}
		}
	}
}

// TestCosineReductionIsTheOneCosine: the in-graph cosine (a library feature
// that saves memory on large models) equals analysis.CosineMatrix — the cosine
// the lesson and the notebooks compute — of the same stacks.
func TestCosineReductionIsTheOneCosine(t *testing.T) {
	m := small(t)
	L, T, D := m.Config.NLayer, len(ids), m.Config.NEmbd
	res, err := m.Run(gpt2.IDs(ids), taps.Request{
		Points:     []string{"attn.c_proj", "mlp.c_proj"},
		Reductions: []taps.Reduction{taps.CosineReduction("cosine", gpt2.AttnOut, gpt2.MLPOut)},
	})
	if err != nil {
		t.Fatal(err)
	}
	host, err := analysis.CosineMatrix(res.Stacks[gpt2.AttnOut].Data, res.Stacks[gpt2.MLPOut].Data, L, T, D)
	if err != nil {
		t.Fatal(err)
	}
	graph := res.Reduced["cosine"]
	if !slices.Equal(graph.Dims, []int{L, T}) {
		t.Fatalf("cosine dims %v, want [%d %d]", graph.Dims, L, T)
	}
	worst := 0.0
	for i, v := range host.Data {
		worst = math.Max(worst, math.Abs(v-float64(graph.Data[i])))
	}
	if worst > 1e-6 {
		t.Errorf("in-graph cosine differs from analysis.CosineMatrix by %.3g > 1e-6", worst)
	}
}

func TestCaptureErrors(t *testing.T) {
	m := small(t)
	sel := []string{"attn.c_proj"}
	long := make([]int, m.Config.NPositions+1)
	cases := []struct {
		name    string
		ids     []int
		req     taps.Request
		wantErr string
	}{
		{"empty text", nil, taps.Request{Points: sel}, "no tokens"},
		{"too long", long, taps.Request{Points: sel}, "17 tokens but the model takes at most 16"},
		{"id out of range", []int{1, 50257}, taps.Request{Points: sel}, "outside the model's vocabulary"},
		{"negative id", []int{-1}, taps.Request{Points: sel}, "outside the model's vocabulary"},
		{"nothing requested", ids, taps.Request{}, "nothing requested"},
		{"tap out of range", ids, taps.Request{Points: []string{"h.3.attn.c_proj"}}, "out of range"},
		{"unknown tap", ids, taps.Request{Points: []string{"h.1.attn.c_attn"}}, "unknown tap"},
		{"reduction named like a tap", ids, taps.Request{Reductions: []taps.Reduction{
			taps.NormReduction("attn.c_proj", gpt2.AttnOut)}}, "is a tap name"},
		{"reduction named logits", ids, taps.Request{Reductions: []taps.Reduction{
			taps.NormReduction("logits", gpt2.AttnOut)}}, "is taken"},
		{"duplicate reductions", ids, taps.Request{Reductions: []taps.Reduction{
			taps.NormReduction("n", gpt2.AttnOut), taps.NormReduction("n", gpt2.MLPOut)}}, "two reductions"},
		{"unknown reduction kind", ids, taps.Request{Reductions: []taps.Reduction{
			taps.NormReduction("n", gpt2.Kind(99))}}, "unknown tap kind"},
		{"unknown reduction op", ids, taps.Request{Reductions: []taps.Reduction{
			{Name: "n", Op: "mean", Inputs: []gpt2.Kind{gpt2.AttnOut}}}}, `unknown operation "mean"`},
		{"cosine of one input", ids, taps.Request{Reductions: []taps.Reduction{
			{Name: "c", Op: taps.OpCosine, Inputs: []gpt2.Kind{gpt2.AttnOut}}}}, "cosine takes 2 inputs, got 1"},
		{"cosine of stacks of other lengths", ids, taps.Request{Reductions: []taps.Reduction{
			taps.CosineReduction("c", gpt2.AttnOut, gpt2.HiddenState)}}, "different numbers of points"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := m.Run(gpt2.IDs(tc.ids), tc.req)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestFileRoundTrip(t *testing.T) {
	m := small(t)
	L := m.Config.NLayer
	res, err := m.Run(gpt2.IDs(ids), taps.Request{
		Points:     []string{"attn.c_proj", "h.1.mlp.c_proj", "hidden_states"},
		Reductions: []taps.Reduction{taps.CosineReduction("cosine", gpt2.AttnOut, gpt2.MLPOut)},
		Logits:     true,
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "taps.safetensors")
	if err := taps.WriteFile(path, res, map[string]string{"model": "test"}); err != nil {
		t.Fatal(err)
	}
	f, err := taps.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	back := f.Result
	if f.Metadata["model"] != "test" || f.Metadata["format"] != taps.FileFormat || back.NLayer != L {
		t.Errorf("metadata %v, NLayer %d", f.Metadata, back.NLayer)
	}
	if len(back.IDs) != len(ids) || back.IDs[3] != ids[3] {
		t.Errorf("ids %v, want %v", back.IDs, ids)
	}
	if !slices.Equal(back.Tokens, res.Tokens) || res.Tokens[0] != "Hello" {
		t.Errorf("tokens %q, read back %q", res.Tokens, back.Tokens)
	}
	for _, k := range []gpt2.Kind{gpt2.AttnOut, gpt2.MLPOut, gpt2.HiddenState} {
		a, b := res.Stacks[k], back.Stacks[k]
		if b == nil {
			t.Fatalf("%s missing after reading back", k)
		}
		if len(a.Indices) != len(b.Indices) || a.Indices[0] != b.Indices[0] {
			t.Errorf("%s indices %v, read back %v", k, a.Indices, b.Indices)
		}
		if d := maxAbsDiff(a.Data, b.Data); d != 0 {
			t.Errorf("%s differs after the round trip by %g", k, d)
		}
	}
	if d := maxAbsDiff(res.Reduced["cosine"].Data, back.Reduced["cosine"].Data); d != 0 {
		t.Errorf("cosine differs by %g", d)
	}
	if d := maxAbsDiff(res.Logits.Data, back.Logits.Data); d != 0 {
		t.Errorf("logits differ by %g", d)
	}
	if _, err := taps.ReadFile(filepath.Join(t.TempDir(), "missing.safetensors")); err == nil {
		t.Error("reading a missing file should fail")
	}
}

package model_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"github.com/gpt2taps/gpt2taps/pkg/backend"
	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2/tokenizer"
	"github.com/gpt2taps/gpt2taps/pkg/model"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

func maxAbsDiff(a, b []float32) float64 {
	m := 0.0
	for i := range a {
		d := math.Abs(float64(a[i]) - float64(b[i]))
		if d > m || math.IsNaN(d) {
			m = d
		}
	}
	return m
}

// TestAgainstPyTorchReference compares every tap with the independent PyTorch
// implementation on generated checkpoints of several shapes and formats.
func TestAgainstPyTorchReference(t *testing.T) {
	tok, err := tokenizer.New()
	if err != nil {
		t.Fatal(err)
	}
	enc, err := tok.Encode("Friedrich Nietzsche was a German philosopher, cultural critic and philologist.")
	if err != nil {
		t.Fatal(err)
	}
	ids := enc.IDs
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name                string
		layers, embd, heads int
		opts                checkpoints.RandomOptions
	}{
		{"f32-4heads", 2, 64, 4, checkpoints.RandomOptions{Seed: 1}},
		{"f32-6heads-3layers", 3, 48, 6, checkpoints.RandomOptions{Seed: 2}},
		{"f32-5heads-1layer", 1, 40, 5, checkpoints.RandomOptions{Seed: 3}},
		{"f16-prefix-buffers", 2, 32, 2, checkpoints.RandomOptions{Seed: 4, DType: "F16", Prefix: true, Buffers: true}},
		{"bf16-sharded", 2, 32, 8, checkpoints.RandomOptions{Seed: 5, DType: "BF16", Shards: 3}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := gpt2.Preset("gpt2")
			if err != nil {
				t.Fatal(err)
			}
			cfg.NLayer, cfg.NEmbd, cfg.NHead, cfg.NInner, cfg.NPositions = tc.layers, tc.embd, tc.heads, 4*tc.embd, 64
			dir := filepath.Join(t.TempDir(), "ckpt")
			if err := checkpoints.WriteRandom(dir, cfg, tc.opts); err != nil {
				t.Fatal(err)
			}
			m, err := model.Load(dir, b.Backend)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			req := taps.Request{
				Points:     []string{"attn.c_proj", "mlp.c_proj", "hidden_states"},
				Reductions: []taps.Reduction{taps.CosineReduction("cosine", gpt2.AttnOut, gpt2.MLPOut)},
				Logits:     true,
			}
			res, err := m.Run(gpt2.IDs(ids), req)
			if err != nil {
				t.Fatal(err)
			}
			ref := model.PyTorchReference(t, dir, ids, true)
			got := map[string][]float32{
				"attn.c_proj":   res.Stacks[gpt2.AttnOut].Data,
				"mlp.c_proj":    res.Stacks[gpt2.MLPOut].Data,
				"hidden_states": res.Stacks[gpt2.HiddenState].Data,
				"logits":        res.Logits.Data,
			}
			for name, g := range got {
				r, ok := ref[name]
				if !ok {
					t.Fatalf("reference has no %s", name)
				}
				if len(r) != len(g) {
					t.Fatalf("%s: %d values, reference %d", name, len(g), len(r))
				}
				d := maxAbsDiff(g, r)
				t.Logf("%s: max abs diff %.3g", name, d)
				if d > 1e-4 {
					t.Errorf("%s: max abs difference %.3g from the PyTorch reference exceeds 1e-4", name, d)
				}
			}
			// The in-graph cosine against the one cosine of the reference's taps.
			L, T, D := cfg.NLayer, len(ids), cfg.NEmbd
			cos := res.Reduced["cosine"].Data
			refCos, err := analysis.CosineMatrix(ref["attn.c_proj"], ref["mlp.c_proj"], L, T, D)
			if err != nil {
				t.Fatal(err)
			}
			if d := maxAbsDiff64(cos, refCos.Data); d > 1e-5 {
				t.Errorf("cosine: max abs difference %.3g from the reference exceeds 1e-5", d)
			}
		})
	}
}

// maxAbsDiff64 is the largest |a_i − b_i| of float32 values against float64 ones.
func maxAbsDiff64(a []float32, b []float64) float64 {
	worst := 0.0
	for i := range a {
		worst = math.Max(worst, math.Abs(float64(a[i])-b[i]))
	}
	return worst
}

func ExampleModel_Run() {
	b, _ := backend.New("go")
	cfg, _ := gpt2.Preset("gpt2")
	cfg.NLayer, cfg.NEmbd, cfg.NHead, cfg.NInner = 2, 32, 4, 128
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	ckpt := filepath.Join(dir, "ckpt")
	if err := checkpoints.WriteRandom(ckpt, cfg, checkpoints.RandomOptions{Seed: 1}); err != nil {
		fmt.Println(err)
		return
	}
	m, err := model.Load(ckpt, b.Backend)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	res, err := m.Run(gpt2.Text("Hello world"), taps.Request{
		Points:     []string{"blocks.*.hook_attn_out", "hidden_states"},
		Reductions: []taps.Reduction{taps.CosineReduction("cosine", gpt2.AttnOut, gpt2.MLPOut)},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, name := range []string{"h.*.attn.c_proj", "blocks.1.hook_attn_out", "hidden_states", "ln_final.hook_normalized", "cosine"} {
		a, err := res.Get(name)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(name, a.Dims)
	}
	fmt.Printf("tokens %q\n", res.Tokens)
	// Output:
	// h.*.attn.c_proj [2 2 32]
	// blocks.1.hook_attn_out [2 32]
	// hidden_states [3 2 32]
	// ln_final.hook_normalized [2 32]
	// cosine [2 2]
	// tokens ["Hello" " world"]
}

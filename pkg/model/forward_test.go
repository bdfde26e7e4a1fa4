package model

import (
	"fmt"
	"slices"
	"sort"
	"testing"

	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gopjrt/dtypes"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// oddConfig is a small GPT-2 whose attention is not square (heads ≠ head
// width) and whose MLP is not 4·D, so that operand shapes are told apart.
func oddConfig() gpt2.Config {
	return gpt2.Config{NLayer: 2, NEmbd: 48, NHead: 3, NPositions: 32, NInner: 80, VocabSize: 97,
		LayerNormEpsilon: 1e-5, Activation: "gelu_new"}
}

// forwardProducts builds the forward pass of a model with random weights on
// T tokens and returns the operand shapes of its matrix products, sorted.
func forwardProducts(t *testing.T, cfg gpt2.Config, T int, logits bool) []string {
	t.Helper()
	b, err := simplego.New("")
	if err != nil {
		t.Fatal(err)
	}
	m := &Model{Config: cfg, Backend: b, Context: context.New()}
	for _, w := range cfg.Weights() {
		m.setVariable(w.Name, tensors.FromShape(shapes.Make(dtypes.Float32, w.Shape...)))
	}
	exec, err := context.NewExec(b, m.Context, func(ctx *context.Context, ids *graph.Node) *graph.Node {
		hidden, lg := m.Forward(ctx, ids, ForwardOptions{Logits: logits})
		if lg != nil {
			return lg
		}
		return hidden
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	_, g, err := exec.ExecWithGraph(tensors.FromFlatDataAndDimensions(make([]int32, T), T))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range g.Nodes() {
		if n.Type() == graph.NodeTypeDotGeneral || n.Type() == graph.NodeTypeDot {
			in := n.Inputs()
			got = append(got, fmt.Sprint(in[0].Shape().Dimensions, in[1].Shape().Dimensions))
		}
	}
	sort.Strings(got)
	return got
}

// TestForwardMultipliesWhatTheTableSays: the forward pass's matrix products
// are exactly BlockMatmuls in every block (what the benchmark's floor times),
// and the LM head is built only when logits are asked for.
func TestForwardMultipliesWhatTheTableSays(t *testing.T) {
	cfg := oddConfig()
	const T = 7
	var want []string
	for range cfg.NLayer {
		for _, mm := range gpt2.BlockMatmuls(cfg, T) {
			want = append(want, fmt.Sprint(mm.LHS, mm.RHS))
		}
	}
	sort.Strings(want)
	if got := forwardProducts(t, cfg, T, false); !slices.Equal(got, want) {
		t.Errorf("the forward pass multiplies\n%v\nthe table lists\n%v", got, want)
	}
	withHead := append(slices.Clone(want), fmt.Sprint([]int{T, cfg.NEmbd}, []int{cfg.VocabSize, cfg.NEmbd}))
	sort.Strings(withHead)
	if got := forwardProducts(t, cfg, T, true); !slices.Equal(got, withHead) {
		t.Errorf("with logits the forward pass multiplies\n%v\nwant the table's and the LM head\n%v", got, withHead)
	}
}

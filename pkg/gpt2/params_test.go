package gpt2

import (
	"slices"
	"testing"
)

// oddConfig is a small GPT-2 whose attention is not square (heads ≠ head
// width) and whose MLP is not 4·D, so that operand shapes are told apart.
func oddConfig() Config {
	return Config{NLayer: 2, NEmbd: 48, NHead: 3, NPositions: 32, NInner: 80, VocabSize: 97,
		LayerNormEpsilon: 1e-5, Activation: "gelu_new"}
}

// TestWeightTable: the table lists each weight once, the shapes add up to
// NumParams, and every Conv1D weight is the right operand of exactly one
// product of BlockMatmuls, with the table's shape.
func TestWeightTable(t *testing.T) {
	cfg := oddConfig()
	seen := map[string]bool{}
	var params int64
	for _, w := range cfg.Weights() {
		if seen[w.Name] {
			t.Errorf("weight %s listed twice", w.Name)
		}
		seen[w.Name] = true
		n := int64(1)
		for _, d := range w.Shape {
			n *= int64(d)
		}
		params += n
	}
	if params != cfg.NumParams() {
		t.Errorf("the table's shapes add up to %d parameters, NumParams() = %d", params, cfg.NumParams())
	}
	shapes := ExpectedShapes(cfg)
	dense := 0
	for _, mm := range BlockMatmuls(cfg, 5) {
		if mm.Weight == "" {
			continue
		}
		dense++
		want, ok := shapes[mm.WeightName(1)]
		if !ok || !slices.Equal(mm.RHS, want) || mm.LHS[1] != want[0] || !mm.Dense() {
			t.Errorf("%s multiplies by %s %v, the table has %v (found %v)", mm.Name, mm.WeightName(1), mm.RHS, want, ok)
		}
	}
	conv := 0
	for _, p := range blockParams {
		if p.conv1D {
			conv++
		}
	}
	if dense != conv || conv != 4 {
		t.Errorf("%d dense products for %d Conv1D weights; GPT-2 has 4", dense, conv)
	}
}

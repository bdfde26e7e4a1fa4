package gpt2_test

import (
	"fmt"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// The matrix products of one gpt2-large block on the lesson's 341 tokens: what
// the benchmark's matmul floor times, 36 times per forward pass.
func ExampleBlockMatmuls() {
	cfg, _ := gpt2.Preset("gpt2-large")
	for _, mm := range gpt2.BlockMatmuls(cfg, 341) {
		fmt.Printf("%-12s %-13s %v·%v", mm.Name, mm.Equation, mm.LHS, mm.RHS)
		if w := mm.WeightName(0); w != "" {
			fmt.Print(" ", w)
		}
		fmt.Println()
	}
	fmt.Printf("%.0f GFLOP per forward pass\n", gpt2.MatmulFLOPs(cfg, 341)/1e9)
	// Output:
	// attn.c_attn  ti,io->to     [341 1280]·[1280 3840] h.0.attn.c_attn.weight
	// attn.scores  qhd,khd->hqk  [341 20 64]·[341 20 64]
	// attn.context hqk,khd->qhd  [20 341 341]·[341 20 64]
	// attn.c_proj  ti,io->to     [341 1280]·[1280 1280] h.0.attn.c_proj.weight
	// mlp.c_fc     ti,io->to     [341 1280]·[1280 5120] h.0.mlp.c_fc.weight
	// mlp.c_proj   ti,io->to     [341 5120]·[5120 1280] h.0.mlp.c_proj.weight
	// 504 GFLOP per forward pass
}

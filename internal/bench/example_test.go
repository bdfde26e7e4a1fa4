package bench

import (
	"fmt"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// The matrix multiplications of one gpt2-large block on the lesson's 341
// tokens: what the matmul floor times, 36 times per forward pass.
func ExampleMatmuls() {
	cfg, _ := gpt2.Preset("gpt2-large")
	for _, mm := range Matmuls(cfg, 341) {
		fmt.Printf("%-12s %-13s %v·%v\n", mm.Name, mm.Equation, mm.LHS, mm.RHS)
	}
	fmt.Printf("%.0f GFLOP per forward pass\n", MatmulFLOPs(cfg, 341)/1e9)
	// Output:
	// attn.c_attn  td,dn->tn     [341 1280]·[1280 3840]
	// attn.scores  qhd,khd->hqk  [341 20 64]·[341 20 64]
	// attn.context hqk,khd->hqd  [20 341 341]·[341 20 64]
	// attn.c_proj  td,dn->tn     [341 1280]·[1280 1280]
	// mlp.c_fc     td,dn->tn     [341 1280]·[1280 5120]
	// mlp.c_proj   td,dn->tn     [341 5120]·[5120 1280]
	// 504 GFLOP per forward pass
}

package nb

import (
	"fmt"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"github.com/gpt2taps/gpt2taps/pkg/nb/internal/cell"
)

// PrintCorrelations prints one set of per-layer correlations as a table:
// layer, r and p of the attention and the MLP step lengths against the
// hidden-state step lengths, and "*" where the Benjamini–Hochberg procedure
// keeps the layer significant at the set's level.
func PrintCorrelations(set analysis.CorrelationSet) {
	fmt.Fprintf(cell.Stdout, "%s, first token %d, BH q = %.2f\n", set.Method, set.FirstToken, set.Q)
	fmt.Fprintln(cell.Stdout, "layer    r_attn     p_attn  sig     r_mlp      p_mlp  sig")
	for l := range set.Attn {
		at, ml := set.Attn[l], set.MLP[l]
		fmt.Fprintf(cell.Stdout, "%5d %9.4f %10.3g %4s %9.4f %10.3g %4s\n", l, at.R, at.P, star(at.Significant), ml.R, ml.P, star(ml.Significant))
	}
}

func star(b bool) string {
	if b {
		return "*"
	}
	return ""
}

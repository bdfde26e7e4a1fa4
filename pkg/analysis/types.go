package analysis

// Matrix is a dense row-major matrix: rows are layers, columns are tokens.
// Element (r, c) lives at Data[r*Cols+c].
type Matrix struct {
	Rows, Cols int
	Data       []float64
}

// LayerStats are per-layer summaries of a [layers, tokens] Matrix across tokens.
//
// Mean[l] is the arithmetic mean of the finite (non-NaN) entries of row l.
// Std[l] is their population standard deviation (divisor N, ddof=0, numpy's
// default for np.std). SEM[l] is the standard error of the mean computed from
// the sample standard deviation (divisor N−1): SEM = s/√N with
// s = Std·√(N/(N−1)), i.e. scipy.stats.sem's default (ddof=1).
// Count[l] is the number of finite entries used for row l; N is the number of
// columns of the input matrix (the count when no entry is NaN).
type LayerStats struct {
	Mean, Std, SEM []float64
	Count          []int
	N              int
}

// Histogram follows numpy.histogram: len(Edges) == len(Counts)+1, the bins are
// equal-width over [min, max] of the values, every bin is half-open [e_i, e_{i+1})
// except the last, which is closed [e_{n-1}, e_n]; Counts sum to the number of values.
type Histogram struct {
	Edges  []float64
	Counts []int
}

// StepLengths holds the per-layer, per-token step lengths of part 2; each
// Matrix is [layers, tokens].
//
// Attn row l is ‖a_l − a_{l−1}‖ per token, where a_l is the output of
// h.l.attn.c_proj; row 0 is undefined and holds NaN. MLP row l is
// ‖m_l − m_{l−1}‖ likewise for h.l.mlp.c_proj (row 0 NaN). Hidden row l is
// ‖h_{l+1} − h_l‖, with h the hidden states as returned by Hugging Face's
// output_hidden_states (layers+1 entries, h_0 = embeddings), so every row is defined.
type StepLengths struct {
	Attn, MLP, Hidden Matrix
}

// Correlation is the correlation, over tokens, between one sub-block's step
// lengths and the hidden-state step lengths in one layer. R and P are NaN
// where undefined (layer 0, fewer than 3 tokens, or a constant series);
// Significant is the Benjamini–Hochberg decision at the set's level Q.
type Correlation struct {
	Layer       int
	R, P        float64
	N           int
	Significant bool
}

// CorrelationSet is the per-layer correlation of the attention and MLP step
// lengths with the hidden-state step lengths.
type CorrelationSet struct {
	Method     string        // "pearson" or "spearman"
	FirstToken int           // 0 = token 0 kept, 1 = tokens 1..T-1
	Q          float64       // FDR level used (e.g. 0.05)
	Attn, MLP  []Correlation // one per layer
}

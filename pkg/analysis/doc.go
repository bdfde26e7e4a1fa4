// Package analysis holds the statistics of the lesson on how attention and MLP
// blocks adjust GPT-2's residual stream. It is pure Go (gonum only, no GoMLX):
// it works on the numbers that package taps captured.
//
// Part 1 takes the [layers, tokens] matrix of cosine similarities between the
// attention adjustment (output of h.{l}.attn.c_proj) and the MLP adjustment
// (output of h.{l}.mlp.c_proj) and summarises it: per-layer mean ± standard
// deviation across tokens (PerLayer), a numpy-compatible histogram of all
// values (NewHistogram), and the band expected for unrelated directions
// (NullCosineStd: 1/√d, 0.02795 for GPT-2 Large's d = 1280).
//
// Part 2 measures step lengths: how far each block's output moves from one
// layer to the next, and how far the hidden state itself moves
// (ComputeStepLengths), then correlates them per layer over tokens with
// Pearson's or Spearman's coefficient and controls the false discovery rate
// across layers with the Benjamini–Hochberg procedure (Correlate, Pearson,
// Spearman, BenjaminiHochberg).
//
// The course's other lessons add angles, Welch's t-test, path lengths, PCA and random pairs (one file each).
//
// Conventions follow numpy and scipy so that numbers can be checked against
// the PyTorch reference: population standard deviation (ddof=0) for spreads,
// numpy.histogram's bin edges and closed last bin, and scipy.stats' t-based
// two-sided p-values for both correlation coefficients. Arithmetic is float64
// throughout, even where the inputs are float32.
package analysis

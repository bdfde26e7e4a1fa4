package analysis

import (
	"fmt"
	"math"
)

// PathLengths is how far each token's hidden state moves in each block, the
// path length of one transition:
//
//	P[l, t] = ‖h_{l+1}[t] − h_l[t]‖   for l = 0…layers−1,
//
// Euclidean over dim, accumulated in float64 (the Hidden matrix of
// ComputeStepLengths, without needing the sub-block outputs). hidden is flat
// row-major float32 of shape [layers+1, tokens, dim], embeddings first, as
// Hugging Face's output_hidden_states returns it; the result is [layers,
// tokens]. Hugging Face's last hidden state comes after the final layer norm
// ln_f, which rescales it: its last transition measures the block and ln_f
// together. Pass the last block's output before ln_f as the last state to
// measure the block alone.
func PathLengths(hidden []float32, layers, tokens, dim int) (Matrix, error) {
	if layers < 1 {
		return Matrix{}, fmt.Errorf("path lengths of %d layers: pass the model's layer count (at least 1)", layers)
	}
	if err := checkHidden(hidden, layers+1, tokens, dim); err != nil {
		return Matrix{}, fmt.Errorf("path lengths: %w", err)
	}
	return perTransition(hidden, layers, tokens, dim, distance), nil
}

// CumulativeOverLayers sums each column (token) of m down its rows (layers):
//
//	C[l, t] = m[0, t] + m[1, t] + … + m[l, t],
//
// so C of PathLengths is the distance a token's hidden state has travelled
// after block l+1, and the last row is its total path length. A NaN entry
// makes every later entry of its column NaN, as numpy.cumsum does (a path
// with an unknown step has an unknown length). m is not changed.
func CumulativeOverLayers(m Matrix) (Matrix, error) {
	if len(m.Data) != m.Rows*m.Cols {
		return Matrix{}, fmt.Errorf("cumulative sum of a %d×%d matrix with %d values: build it with NewMatrix", m.Rows, m.Cols, len(m.Data))
	}
	c := NewMatrix(m.Rows, m.Cols)
	copy(c.Data, m.Data)
	for l := 1; l < m.Rows; l++ {
		prev, row := c.Row(l-1), c.Row(l)
		for t := range row {
			row[t] += prev[t]
		}
	}
	return c, nil
}

// MeanTrajectory averages trajectories over their samples (e.g. sentences):
// each trajectory is a Matrix with one row per layer and one column per
// coordinate (hidden dimensions, or principal components after PCA.Project),
// and all must have the same shape. Row l of the result is the mean of the
// trajectories' rows l. A NaN coordinate makes that mean coordinate NaN.
func MeanTrajectory(trajectories []Matrix) (Matrix, error) {
	if len(trajectories) == 0 {
		return Matrix{}, fmt.Errorf("mean of no trajectories: pass at least one")
	}
	first := trajectories[0]
	for i, t := range trajectories {
		if t.Rows != first.Rows || t.Cols != first.Cols || len(t.Data) != t.Rows*t.Cols {
			return Matrix{}, fmt.Errorf("trajectory %d is %d×%d with %d values, trajectory 0 is %d×%d: give every trajectory one row per layer and the same coordinates", i, t.Rows, t.Cols, len(t.Data), first.Rows, first.Cols)
		}
	}
	mean := NewMatrix(first.Rows, first.Cols)
	for _, t := range trajectories {
		for i, v := range t.Data {
			mean.Data[i] += v
		}
	}
	n := float64(len(trajectories))
	for i := range mean.Data {
		mean.Data[i] /= n
	}
	return mean, nil
}

// TrajectoryDistance is the Euclidean distance between two trajectories at
// every layer, ‖a[l] − b[l]‖ over the coordinates of row l, in float64; a
// and b must have the same shape (rows = layers). With the mean trajectories
// of two words (MeanTrajectory) it says at which depth the words separate.
// Measured on full hidden states it is the true distance; on a projection
// (PCA.Project) only the part inside the kept components. NaN propagates.
func TrajectoryDistance(a, b Matrix) ([]float64, error) {
	if a.Rows != b.Rows || a.Cols != b.Cols || len(a.Data) != a.Rows*a.Cols || len(b.Data) != b.Rows*b.Cols {
		return nil, fmt.Errorf("distance between trajectories of %d×%d and %d×%d: give both one row per layer and the same coordinates", a.Rows, a.Cols, b.Rows, b.Cols)
	}
	d := make([]float64, a.Rows)
	for l := range d {
		ra, rb := a.Row(l), b.Row(l)
		var sum float64
		for i, v := range ra {
			e := v - rb[i]
			sum += e * e
		}
		d[l] = math.Sqrt(sum)
	}
	return d, nil
}

package analysis

import (
	"math"
	"testing"
)

func TestPathLengths(t *testing.T) {
	// The hidden states of TestComputeStepLengths: same hidden steps.
	hidden := []float32{
		0, 0, 0, 0,
		1, 0, 0, 2,
		4, 4, 0, -1,
	}
	p, err := PathLengths(hidden, 2, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ComputeStepLengths(make([]float32, 8), make([]float32, 8), hidden, 2, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{1, 2, 5, 3}
	for i, w := range want {
		if p.Data[i] != w || s.Hidden.Data[i] != w {
			t.Errorf("entry %d: PathLengths %v, ComputeStepLengths %v, want %v", i, p.Data[i], s.Hidden.Data[i], w)
		}
	}
	if _, err := PathLengths(hidden[:8], 2, 2, 2); err == nil {
		t.Error("hidden without embeddings: want an error")
	}
	if _, err := PathLengths(hidden[:4], 0, 2, 2); err == nil {
		t.Error("zero layers: want an error")
	}
}

func TestCumulativeOverLayers(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name       string
		rows, cols int
		in, want   []float64
	}{
		// numpy.cumsum(x, axis=0) of [[1, 2], [3, 4], [5, 6]] = [[1, 2], [4, 6], [9, 12]].
		{"3×2", 3, 2, []float64{1, 2, 3, 4, 5, 6}, []float64{1, 2, 4, 6, 9, 12}},
		{"one layer", 1, 3, []float64{1, 2, 3}, []float64{1, 2, 3}},
		{"NaN propagates down its column", 3, 2, []float64{1, 1, nan, 1, 1, 1}, []float64{1, 1, nan, 2, nan, 3}},
		{"empty", 0, 0, nil, []float64{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := Matrix{Rows: tc.rows, Cols: tc.cols, Data: append([]float64(nil), tc.in...)}
			c, err := CumulativeOverLayers(in)
			if err != nil {
				t.Fatal(err)
			}
			if c.Rows != tc.rows || c.Cols != tc.cols || len(c.Data) != len(tc.want) {
				t.Fatalf("shape %d×%d with %d values", c.Rows, c.Cols, len(c.Data))
			}
			for i, w := range tc.want {
				if !near(c.Data[i], w, 0) {
					t.Errorf("entry %d = %v, want %v", i, c.Data[i], w)
				}
			}
			for i := range tc.in {
				if !near(in.Data[i], tc.in[i], 0) {
					t.Fatalf("input changed at %d", i)
				}
			}
		})
	}
	if _, err := CumulativeOverLayers(Matrix{Rows: 2, Cols: 2, Data: []float64{1}}); err == nil {
		t.Error("malformed matrix: want an error")
	}
}

func TestMeanTrajectoryAndDistance(t *testing.T) {
	a1 := Matrix{Rows: 2, Cols: 2, Data: []float64{0, 0, 1, 1}}
	a2 := Matrix{Rows: 2, Cols: 2, Data: []float64{2, 0, 3, 5}}
	mean, err := MeanTrajectory([]Matrix{a1, a2})
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range []float64{1, 0, 2, 3} {
		if mean.Data[i] != w {
			t.Errorf("mean entry %d = %v, want %v", i, mean.Data[i], w)
		}
	}
	b := Matrix{Rows: 2, Cols: 2, Data: []float64{1, 0, -1, 7}}
	d, err := TrajectoryDistance(mean, b)
	if err != nil {
		t.Fatal(err)
	}
	// Layer 0: identical; layer 1: (3, −4) → 5.
	if len(d) != 2 || d[0] != 0 || d[1] != 5 {
		t.Errorf("distance = %v, want [0 5]", d)
	}
	// D = 1: the distance is |a − b|.
	d1, err := TrajectoryDistance(Matrix{Rows: 3, Cols: 1, Data: []float64{1, -2, 3}}, Matrix{Rows: 3, Cols: 1, Data: []float64{4, 2, 3}})
	if err != nil || d1[0] != 3 || d1[1] != 4 || d1[2] != 0 {
		t.Errorf("D=1 distance = %v (err %v), want [3 4 0]", d1, err)
	}
	if _, err := MeanTrajectory(nil); err == nil {
		t.Error("no trajectories: want an error")
	}
	if _, err := MeanTrajectory([]Matrix{a1, {Rows: 3, Cols: 2, Data: make([]float64, 6)}}); err == nil {
		t.Error("shape mismatch: want an error")
	}
	if _, err := TrajectoryDistance(a1, Matrix{Rows: 2, Cols: 3, Data: make([]float64, 6)}); err == nil {
		t.Error("shape mismatch: want an error")
	}
}

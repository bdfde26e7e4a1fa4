package analysis

import (
	"math"

	"gonum.org/v1/gonum/stat"
)

// PerLayer summarises each row (layer) of m across its columns (tokens).
//
// NaN entries are skipped, so the number of values behind each row's
// statistics, Count[l], may be smaller than N = m.Cols and may differ between
// layers. Infinite entries are not skipped and propagate.
//
// For a row with Count values x_1…x_n:
//
//	Mean = Σx/n
//	Std  = √(Σ(x−Mean)²/n)             population std, ddof=0 (numpy.std)
//	SEM  = √(Σ(x−Mean)²/(n−1)) / √n    standard error of the mean, ddof=1 (scipy.stats.sem)
//
// A row with no finite values has Mean, Std and SEM NaN; a row with one value
// has Std 0 and SEM NaN.
func PerLayer(m Matrix) LayerStats {
	s := LayerStats{
		Mean:  make([]float64, m.Rows),
		Std:   make([]float64, m.Rows),
		SEM:   make([]float64, m.Rows),
		Count: make([]int, m.Rows),
		N:     m.Cols,
	}
	vals := make([]float64, 0, m.Cols)
	for l := range m.Rows {
		vals = vals[:0]
		for _, v := range m.Row(l) {
			if !math.IsNaN(v) {
				vals = append(vals, v)
			}
		}
		n := len(vals)
		s.Count[l] = n
		switch n {
		case 0:
			s.Mean[l], s.Std[l], s.SEM[l] = math.NaN(), math.NaN(), math.NaN()
			continue
		case 1:
			s.Mean[l], s.Std[l], s.SEM[l] = vals[0], 0, math.NaN()
			continue
		}
		mean, std := stat.PopMeanStdDev(vals, nil)
		s.Mean[l], s.Std[l] = mean, std
		sampleStd := std * math.Sqrt(float64(n)/float64(n-1))
		s.SEM[l] = stat.StdErr(sampleStd, float64(n))
	}
	return s
}

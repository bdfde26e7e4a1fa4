// Package viztest makes synthetic analysis results shaped like GPT-2 Large's
// on a short prompt, for the tests of the figures and of the token explorer.
package viztest

import (
	"math"
	"math/rand/v2"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
)

// Synthetic sizes like GPT-2 Large on a short prompt.
const (
	Layers = 36
	Tokens = 60
	Dim    = 1280
)

// Cosines returns a [Layers, Tokens] matrix of cosines whose
// per-layer mean is negative early, near zero in the middle and positive
// late, with token noise.
func Cosines() analysis.Matrix {
	rng := rand.New(rand.NewPCG(1, 2))
	m := analysis.Matrix{Rows: Layers, Cols: Tokens, Data: make([]float64, Layers*Tokens)}
	for l := range Layers {
		u := (float64(l) - 17.5) / 17.5
		mean := 0.35 * u * u * u
		for t := range Tokens {
			m.Data[l*Tokens+t] = math.Max(-1, math.Min(1, mean+0.08*rng.NormFloat64()))
		}
	}
	return m
}

// Stats computes per-layer mean, population std and SEM of m.
func Stats(m analysis.Matrix) analysis.LayerStats {
	s := analysis.LayerStats{N: m.Cols}
	for l := range m.Rows {
		row := m.Data[l*m.Cols : (l+1)*m.Cols]
		var sum float64
		for _, v := range row {
			sum += v
		}
		mean := sum / float64(len(row))
		var ss float64
		for _, v := range row {
			ss += (v - mean) * (v - mean)
		}
		std := math.Sqrt(ss / float64(len(row)))
		s.Mean = append(s.Mean, mean)
		s.Std = append(s.Std, std)
		s.SEM = append(s.SEM, std*math.Sqrt(float64(len(row))/float64(len(row)-1))/math.Sqrt(float64(len(row))))
		s.Count = append(s.Count, len(row))
	}
	return s
}

// Histogram bins values into n equal-width bins over [min, max].
func Histogram(values []float64, n int) analysis.Histogram {
	lo, hi := values[0], values[0]
	for _, v := range values {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	h := analysis.Histogram{Edges: make([]float64, n+1), Counts: make([]int, n)}
	for i := range h.Edges {
		h.Edges[i] = lo + (hi-lo)*float64(i)/float64(n)
	}
	for _, v := range values {
		i := int((v - lo) / (hi - lo) * float64(n))
		h.Counts[min(i, n-1)]++
	}
	return h
}

// StepLengths returns step lengths with NaN in row 0 of attention and
// MLP, token 0 much larger than the rest (as in GPT-2), attention tracking
// the hidden-state steps exactly in layer 4 and MLP against them.
func StepLengths() analysis.StepLengths {
	rng := rand.New(rand.NewPCG(3, 4))
	newM := func() analysis.Matrix {
		return analysis.Matrix{Rows: Layers, Cols: Tokens, Data: make([]float64, Layers*Tokens)}
	}
	s := analysis.StepLengths{Attn: newM(), MLP: newM(), Hidden: newM()}
	for l := range Layers {
		for t := range Tokens {
			i := l*Tokens + t
			scale := 1 + float64(l)/6
			if t == 0 {
				scale *= 8
			}
			s.Attn.Data[i] = scale * (1 + 0.3*rng.Float64())
			s.MLP.Data[i] = scale * (1.5 + 0.5*rng.Float64())
			s.Hidden.Data[i] = 0.6*s.Attn.Data[i] + 0.5*s.MLP.Data[i] + 0.3*rng.NormFloat64()
			if l == 4 {
				s.Hidden.Data[i] = 2*s.Attn.Data[i] + 1
				s.MLP.Data[i] = 50 - s.Hidden.Data[i]
			}
			if l == 0 {
				s.Attn.Data[i], s.MLP.Data[i] = math.NaN(), math.NaN()
			}
		}
	}
	return s
}

// CorrelationSet returns a correlation set with NaN at layer 0 and
// significance on the layers divisible by 3.
func CorrelationSet(method string, firstToken int) analysis.CorrelationSet {
	set := analysis.CorrelationSet{Method: method, FirstToken: firstToken, Q: 0.05}
	n := Tokens - firstToken
	for l := range Layers {
		a := analysis.Correlation{Layer: l, R: 0.8 * math.Sin(float64(l)/6), P: 0.01, N: n, Significant: l%3 == 0}
		m := analysis.Correlation{Layer: l, R: 0.5 - float64(l)/40, P: 0.2, N: n, Significant: l%3 == 0 && l > 12}
		if l == 0 {
			a.R, a.P, a.Significant = math.NaN(), math.NaN(), false
			m.R, m.P, m.Significant = math.NaN(), math.NaN(), false
		}
		set.Attn = append(set.Attn, a)
		set.MLP = append(set.MLP, m)
	}
	return set
}

// TokenLabels returns GPT-2-like token strings, including a newline
// token and a whitespace-only one.
func TokenLabels(n int) []string {
	words := []string{"<|endoftext|>", "The", " cat", " sat", " on", " the", " mat", ".", "\n", " It", " was", " very", "  ", " happy", " indeed"}
	out := make([]string, n)
	for i := range out {
		out[i] = words[i%len(words)]
	}
	return out
}

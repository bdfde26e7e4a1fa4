package lesson

import (
	"encoding/json"
	"fmt"
	"math"
	"os"

	"github.com/gpt2taps/gpt2taps/internal/atomicfile"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
)

// Summary is the content of summary.json: every number the lesson reports,
// in plain JSON (undefined values are null).
type Summary struct {
	Model    string   `json:"model"`
	ModelDir string   `json:"model_dir"`
	Backend  string   `json:"backend"`
	NLayer   int      `json:"n_layer"`
	NEmbd    int      `json:"n_embd"`
	NHead    int      `json:"n_head"`
	NTokens  int      `json:"n_tokens"`
	IDs      []int    `json:"ids"`
	Tokens   []string `json:"tokens"`

	Cosine       CosineSummary        `json:"cosine"`
	StepLengths  StepSummary          `json:"step_lengths"`
	Correlations []CorrelationSummary `json:"correlations"`
	Claims       Claims               `json:"claims"`
}

// CosineSummary is part 1's numbers.
type CosineSummary struct {
	PerLayerMean []Num            `json:"per_layer_mean"`
	PerLayerStd  []Num            `json:"per_layer_std"` // population std across tokens (numpy's default)
	PerLayerSEM  []Num            `json:"per_layer_sem"` // standard error of the mean (sample std / √T)
	NullStd      Num              `json:"null_std"`      // 1/√d: spread of the cosine of random directions
	Histogram    HistogramSummary `json:"histogram"`
}

// HistogramSummary is numpy.histogram's output: 81 edges, 80 counts.
type HistogramSummary struct {
	Edges  []Num `json:"edges"`
	Counts []int `json:"counts"`
}

// StepSummary holds the per-layer means over tokens of the step lengths
// (attention and MLP: layer 0 is null, undefined).
type StepSummary struct {
	AttnMean   []Num `json:"attn_mean"`
	MLPMean    []Num `json:"mlp_mean"`
	HiddenMean []Num `json:"hidden_mean"`
}

// CorrelationSummary is one analysis.CorrelationSet.
type CorrelationSummary struct {
	Method     string         `json:"method"`
	FirstToken int            `json:"first_token"`
	Q          float64        `json:"q"`
	Attn       []CorrelationJ `json:"attn"`
	MLP        []CorrelationJ `json:"mlp"`
}

// CorrelationJ is one layer's correlation.
type CorrelationJ struct {
	Layer       int  `json:"layer"`
	R           Num  `json:"r"`
	P           Num  `json:"p"`
	N           int  `json:"n"`
	Significant bool `json:"significant"`
}

// Summary gathers a's numbers for summary.json.
func (a *Analysis) Summary() Summary {
	r := a.Result
	s := Summary{
		Model: r.Info.Model, ModelDir: r.Info.Dir, Backend: r.Info.Backend,
		NLayer: r.Config.NLayer, NEmbd: r.Config.NEmbd, NHead: r.Config.NHead, NTokens: len(r.IDs), IDs: r.IDs, Tokens: r.Tokens,
		Cosine: CosineSummary{
			PerLayerMean: nums(a.CosStats.Mean),
			PerLayerStd:  nums(a.CosStats.Std),
			PerLayerSEM:  nums(a.CosStats.SEM),
			NullStd:      Num(a.NullStd),
			Histogram:    HistogramSummary{Edges: nums(a.Histogram.Edges), Counts: a.Histogram.Counts},
		},
		StepLengths: StepSummary{
			AttnMean:   nums(rowMeans(a.Steps.Attn)),
			MLPMean:    nums(rowMeans(a.Steps.MLP)),
			HiddenMean: nums(rowMeans(a.Steps.Hidden)),
		},
		Claims: a.Claims,
	}
	for _, set := range a.Correlations {
		s.Correlations = append(s.Correlations, CorrelationSummary{
			Method: set.Method, FirstToken: set.FirstToken, Q: set.Q,
			Attn: correlationsJ(set.Attn), MLP: correlationsJ(set.MLP),
		})
	}
	return s
}

// WriteJSON writes the summary to path, indented, atomically.
func (s Summary) WriteJSON(path string) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("summary: %w", err)
	}
	return atomicfile.WriteFile(path, append(data, '\n'), 0o644)
}

// ReadSummary reads a summary.json.
func ReadSummary(path string) (Summary, error) {
	var s Summary
	data, err := os.ReadFile(path)
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return s, fmt.Errorf("read summary %s: %w", path, err)
	}
	return s, nil
}

func correlationsJ(cs []analysis.Correlation) []CorrelationJ {
	out := make([]CorrelationJ, len(cs))
	for i, c := range cs {
		out[i] = CorrelationJ{Layer: c.Layer, R: Num(c.R), P: Num(c.P), N: c.N, Significant: c.Significant}
	}
	return out
}

// rowMeans is the mean of each row (NaN rows stay NaN).
func rowMeans(m analysis.Matrix) []float64 {
	out := make([]float64, m.Rows)
	for r := range m.Rows {
		sum := 0.0
		for _, v := range m.Row(r) {
			sum += v
		}
		out[r] = sum / float64(m.Cols)
		if m.Cols == 0 {
			out[r] = math.NaN()
		}
	}
	return out
}

package gpucheck_test

import (
	"math"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/tools/gpucheck"
)

func TestCompare(t *testing.T) {
	nan := float32(math.NaN())
	cases := []struct {
		name      string
		got, want map[string][]float32
		wantDiffs []gpucheck.Diff
		wantErr   string
	}{
		{"equal", map[string][]float32{"a": {1, -2}}, map[string][]float32{"a": {1, -2}},
			[]gpucheck.Diff{{Name: "a", MaxAbs: 0, MaxRef: 2, Rel: 0}}, ""},
		{"relative to the largest reference value", map[string][]float32{"a": {1.5, -4}, "b": {0}}, map[string][]float32{"b": {0.25}, "a": {1, -4}},
			[]gpucheck.Diff{{Name: "a", MaxAbs: 0.5, MaxRef: 4, Rel: 0.125}, {Name: "b", MaxAbs: 0.25, MaxRef: 0.25, Rel: 1}}, ""},
		{"zero reference: absolute", map[string][]float32{"a": {0.5}}, map[string][]float32{"a": {0}},
			[]gpucheck.Diff{{Name: "a", MaxAbs: 0.5, MaxRef: 0, Rel: 0.5}}, ""},
		{"extra captured tensors ignored", map[string][]float32{"a": {1}, "logits": {3}}, map[string][]float32{"a": {1}},
			[]gpucheck.Diff{{Name: "a", MaxRef: 1}}, ""},
		{"missing", map[string][]float32{}, map[string][]float32{"a": {1}}, nil, `compare: no "a" captured`},
		{"length", map[string][]float32{"a": {1}}, map[string][]float32{"a": {1, 2}}, nil, "compare a: 1 values captured, the reference has 2"},
		{"NaN captured", map[string][]float32{"a": {1, nan}}, map[string][]float32{"a": {1, 2}}, nil, "compare a: value 1 is NaN"},
		{"Inf in reference", map[string][]float32{"a": {1}}, map[string][]float32{"a": {float32(math.Inf(1))}}, nil, "not finite"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			diffs, err := gpucheck.Compare(tc.got, tc.want)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(diffs) != len(tc.wantDiffs) {
				t.Fatalf("diffs = %v, want %v", diffs, tc.wantDiffs)
			}
			for i := range diffs {
				if diffs[i] != tc.wantDiffs[i] {
					t.Errorf("diff %d = %+v, want %+v", i, diffs[i], tc.wantDiffs[i])
				}
			}
		})
	}
}

func TestTolerance(t *testing.T) {
	small := []gpucheck.Diff{{Name: "a", Rel: 5e-5}}
	medium := []gpucheck.Diff{{Name: "a", Rel: 5e-5}, {Name: "b", MaxAbs: 0.01, MaxRef: 1, Rel: 0.01}}
	large := []gpucheck.Diff{{Name: "a", Rel: 0.5}}
	nan := []gpucheck.Diff{{Name: "a", Rel: math.NaN()}}
	cases := []struct {
		backend string
		diffs   []gpucheck.Diff
		wantErr string
	}{
		{"go", small, ""},
		{"xla:cpu", medium, "by more than 0.0001 relative (CPU float32): b: max |diff| 0.01"},
		{"xla:cuda", medium, ""},
		{"xla:/site-packages/jax_plugins/xla_cuda12/xla_cuda_plugin.so", medium, ""},
		{"xla:cuda", large, "by more than 0.02 relative (CUDA"},
		{"go", nan, "a: max |diff|"},
	}
	for _, tc := range cases {
		err := gpucheck.ToleranceFor(tc.backend).Check(tc.diffs)
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s %v: error %v, want %q", tc.backend, tc.diffs, err, tc.wantErr)
		}
	}
}

// TestMedianS: no runs give 0 (the timing line prints it), otherwise the median.
func TestMedianS(t *testing.T) {
	cases := []struct {
		xs   []float64
		want float64
	}{
		{nil, 0}, {[]float64{3}, 3}, {[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5},
	}
	for _, tc := range cases {
		if got := (gpucheck.Timing{RunsS: tc.xs}).MedianS(); got != tc.want {
			t.Errorf("MedianS(%v) = %g, want %g", tc.xs, got, tc.want)
		}
	}
}

func TestParseCase(t *testing.T) {
	cases := []struct {
		json, wantErr string
	}{
		{`{"n_layer":1,"n_embd":8,"n_head":2,"n_positions":8,"seed":1,"input_ids":[1,2]}`, ""},
		{`{"n_layer":1,"n_embd":8,"n_head":3,"n_positions":8,"seed":1,"input_ids":[1,2]}`, "test case:"},
		{`{"n_layer":1}`, "no input_ids or n_layer"},
		{`[`, "test case:"},
	}
	for _, tc := range cases {
		_, err := gpucheck.ParseCase([]byte(tc.json))
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("ParseCase(%s): error %v, want %q", tc.json, err, tc.wantErr)
		}
	}
}

// TestCaseChecksum: a case whose stored SHA-256 does not match the generated
// checkpoint is refused, with the way to regenerate the reference.
func TestCaseChecksum(t *testing.T) {
	c, err := gpucheck.ParseCase(caseJSON)
	if err != nil {
		t.Fatal(err)
	}
	c.SHA256 = map[string]string{"model.safetensors": "00"}
	err = c.WriteCheckpoint(t.TempDir() + "/ckpt")
	if err == nil || !strings.Contains(err.Error(), "-run TestReferenceTaps -update") {
		t.Errorf("error = %v, want one that says how to regenerate", err)
	}
}

package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/backend"
)

func TestRun(t *testing.T) {
	var out, errs bytes.Buffer
	if code := run([]string{"-tokens", "9", "-width", "32", "-heads", "4", "-rounds", "2", "-reps", "1"}, &out, &errs); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	got := out.String()
	t.Log("\n" + got)
	for _, want := range []string{
		"attn.c_attn [9×32]·[32×96]", "attn.scores [9×4×8] qhd,khd->hqk [9×4×8]", "attn.context [4×9×9] hqk,khd->qhd [9×4×8]",
		"mlp.c_proj [9×128]·[128×32]", "one block (all of the above)", "stock GFLOP/s", "kernel stock = GoMLX stock kernel",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	simd := len(backend.MatmulKernels()) == 2
	if strings.Contains(got, "simd/stock") != simd || strings.Contains(got, "kernel simd  = gpt2taps SIMD GEMM") != simd {
		t.Errorf("output and the available kernels %v disagree", backend.MatmulKernels())
	}
}

func TestRunBadFlags(t *testing.T) {
	var out, errs bytes.Buffer
	if code := run([]string{"-width", "30", "-heads", "4"}, &out, &errs); code != 2 || !strings.Contains(errs.String(), "multiple of -heads") {
		t.Errorf("exit %d, stderr %q", code, errs.String())
	}
}

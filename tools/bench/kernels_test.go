package bench

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/backend"
)

func TestKernels(t *testing.T) {
	available := backend.MatmulKernels()
	hasSIMD := slices.Contains(available, simd)

	got, why, err := Kernels(nil)
	if err != nil || !slices.Equal(got, available) {
		t.Errorf("Kernels(nil) = %v, %v; want every available kernel %v", got, err, available)
	}
	if hasSIMD == (why != "") {
		t.Errorf("note %q with the kernels %v: want one exactly when the SIMD kernel is missing", why, available)
	}

	got, note, err := Kernels([]string{stock, stock})
	if err != nil || !slices.Equal(got, []string{stock}) || note != "" {
		t.Errorf("Kernels(stock, stock) = %v, %q, %v; want [stock] without a note", got, note, err)
	}

	if _, _, err := Kernels([]string{"fast"}); err == nil || !strings.Contains(err.Error(), `unknown matmul kernel "fast"`) {
		t.Errorf("an unknown kernel: error %v", err)
	}

	got, _, err = Kernels([]string{simd, stock})
	if hasSIMD {
		if err != nil || !slices.Equal(got, []string{stock, simd}) {
			t.Errorf("Kernels(simd, stock) = %v, %v; want [stock simd], stock first", got, err)
		}
		return
	}
	// A binary without the SIMD kernel (e.g. GOEXPERIMENT=nosimd): one error,
	// and a note for the report, that say why.
	reason, ok := strings.CutPrefix(why, "the SIMD kernel is not measured: ")
	if !ok || reason == "" || strings.Contains(reason, "use \"stock\"") {
		t.Errorf("note %q: want the reason alone", why)
	}
	if err == nil || !strings.Contains(err.Error(), `"simd" is not available`) || !strings.Contains(err.Error(), reason) {
		t.Errorf("asking for the SIMD kernel in a binary without it: error %v, want one saying why (%s)", err, reason)
	}
	t.Logf("without the SIMD kernel: %s; asking for it: %v", why, err)
}

func TestKernelChecks(t *testing.T) {
	if !pureGo("go") || !pureGo("go:parallelism=2") || !pureGo("go: pure Go (GoMLX simplego)") || pureGo("xla:cpu") || pureGo("gomlx") {
		t.Error("pureGo misjudges a backend name")
	}
	if _, _, err := checkKernel("xla:cpu", stock); err == nil || !strings.Contains(err.Error(), "pure-Go backend") {
		t.Errorf("a kernel on XLA: error %v", err)
	}
	if k, d, err := checkKernel("xla:cpu", ""); k != "" || d != "" || err != nil {
		t.Errorf("no kernel on XLA: %q %q %v", k, d, err)
	}
	if k, d, err := checkKernel("go", ""); k != backend.Matmul() || d == "" || err != nil {
		t.Errorf("the pure-Go backend's kernel: %q %q %v", k, d, err)
	}
	if _, err := floorKernels("xla:cuda", []string{stock}); err == nil || !strings.Contains(err.Error(), "pure-Go backend") {
		t.Errorf("floor kernels on XLA: error %v", err)
	}
	if ks, err := floorKernels("xla:cuda", nil); err != nil || len(ks) != 1 || ks[0].Kernel != "" {
		t.Errorf("floor on XLA by default: %+v, %v; want one entry without a kernel", ks, err)
	}
}

func TestUseMatmul(t *testing.T) {
	prev := backend.Matmul()
	t.Cleanup(func() { _ = backend.SetMatmul(prev) })
	t.Setenv(backend.MatmulEnvVar, "")
	os.Unsetenv(backend.MatmulEnvVar)
	restore, err := useMatmul(stock)
	if err != nil {
		t.Fatal(err)
	}
	if backend.Matmul() != stock || os.Getenv(backend.MatmulEnvVar) != stock {
		t.Errorf("kernel %s, %s=%q; want the stock kernel and the variable set", backend.Matmul(), backend.MatmulEnvVar, os.Getenv(backend.MatmulEnvVar))
	}
	restore()
	if _, set := os.LookupEnv(backend.MatmulEnvVar); set {
		t.Errorf("%s still set after restore", backend.MatmulEnvVar)
	}
	if _, err := useMatmul("fast"); err == nil {
		t.Error("an unknown kernel was accepted")
	}
}

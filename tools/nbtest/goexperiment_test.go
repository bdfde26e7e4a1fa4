package nbtest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestWithSIMD(t *testing.T) {
	cases := []struct {
		env  []string
		want string // the GOEXPERIMENT entry added, "" for none
	}{
		{[]string{"PATH=/bin"}, "GOEXPERIMENT=simd"},
		{[]string{"GOEXPERIMENT="}, "GOEXPERIMENT=simd"},
		{[]string{"GOEXPERIMENT=greenteagc"}, "GOEXPERIMENT=greenteagc,simd"},
		{[]string{"GOEXPERIMENT=simd"}, ""},
		{[]string{"GOEXPERIMENT=greenteagc,nosimd"}, ""},
		{[]string{"GOEXPERIMENT=nosimd", "GOEXPERIMENT=greenteagc"}, "GOEXPERIMENT=greenteagc,simd"}, // the last one counts
		{[]string{"XGOEXPERIMENT=simd"}, "GOEXPERIMENT=simd"},
	}
	for _, tc := range cases {
		env := slices.Clone(tc.env)
		got := WithSIMD(env)
		want := tc.env
		if tc.want != "" {
			want = append(slices.Clone(tc.env), tc.want)
		}
		if !slices.Equal(got, want) {
			t.Errorf("WithSIMD(%q) = %q, want %q", tc.env, got, want)
		}
		if !slices.Equal(env, tc.env) {
			t.Errorf("WithSIMD(%q) changed its argument", tc.env)
		}
	}
}

// TestExecuteBuildsWithSIMD checks that GoNB builds the cells with the
// GOEXPERIMENT that Execute gives the kernel: simd added to this process's.
func TestExecuteBuildsWithSIMD(t *testing.T) {
	r, err := Execute(t.Context(), filepath.Join("testdata", "goexperiment.ipynb"), Options{WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	want := ""
	for _, kv := range WithSIMD(os.Environ()) {
		if v, ok := strings.CutPrefix(kv, "GOEXPERIMENT="); ok {
			want = v
		}
	}
	if p := r.Problems(); len(p) > 0 {
		t.Fatalf("problems: %q", p)
	}
	if got := r.Cells[1].Text(); got != "GOEXPERIMENT = "+want+"\n" {
		t.Errorf("the cell printed %q, want %q", got, "GOEXPERIMENT = "+want+"\n")
	}
}

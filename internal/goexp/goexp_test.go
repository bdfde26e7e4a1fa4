package goexp

import (
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

func TestValue(t *testing.T) {
	for env, want := range map[string]string{"": "", "GOEXPERIMENT=a": "a", "GOEXPERIMENT=a\x00GOEXPERIMENT=b,simd": "b,simd", "XGOEXPERIMENT=a": ""} {
		if got := Value(strings.Split(env, "\x00")); got != want {
			t.Errorf("Value(%q) = %q, want %q", env, got, want)
		}
	}
}

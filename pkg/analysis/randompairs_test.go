package analysis

import (
	"slices"
	"strings"
	"testing"
)

func TestRandomPairs(t *testing.T) {
	a, err := RandomPairs(1000, 50, 42, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := RandomPairs(1000, 50, 42, nil)
	c, _ := RandomPairs(1000, 50, 43, nil)
	if !slices.Equal(a, b) {
		t.Error("the same seed gave different pairs")
	}
	if slices.Equal(a, c) {
		t.Error("different seeds gave the same pairs")
	}
	seen := map[int]bool{}
	for _, p := range a {
		if p.A == p.B || p.A < 0 || p.A >= 50 || p.B < 0 || p.B >= 50 {
			t.Fatalf("pair %v: want distinct indices in [0, 50)", p)
		}
		seen[p.A], seen[p.B] = true, true
	}
	if len(seen) != 50 {
		t.Errorf("1000 pairs touched %d of 50 indices, want all", len(seen))
	}
	// Pinned: a change of generator, stream or draw order changes every control.
	if got, want := a[:4], []Pair{{16, 43}, {4, 3}, {35, 48}, {8, 44}}; !slices.Equal(got, want) {
		t.Errorf("first pairs for seed 42 = %v, want %v", got, want)
	}
	// A filter: pairs not involving index 0, earlier index first.
	f, err := RandomPairs(500, 10, 1, func(a, b int) bool { return a != 0 && b != 0 && a < b })
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f {
		if p.A == 0 || p.B == 0 || p.A >= p.B {
			t.Fatalf("pair %v passed the filter", p)
		}
	}
	if z, err := RandomPairs(0, 2, 1, nil); err != nil || len(z) != 0 {
		t.Errorf("n=0: %v, %v; want no pairs and no error", z, err)
	}
	// Two vectors: only (0,1) and (1,0) exist.
	two, err := RandomPairs(20, 2, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range two {
		if p != (Pair{0, 1}) && p != (Pair{1, 0}) {
			t.Fatalf("pair %v from 2 vectors", p)
		}
	}
}

func TestRandomPairsErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		n, count int
		keep     func(a, b int) bool
		want     string
	}{
		{"negative n", -1, 10, nil, "count ≥ 0"},
		{"one vector", 5, 1, nil, "at least 2"},
		{"filter rejects all", 5, 10, func(a, b int) bool { return false }, "rejected nearly every pair"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := RandomPairs(tc.n, tc.count, 7, tc.keep); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

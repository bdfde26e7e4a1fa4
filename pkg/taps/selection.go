package taps

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// Selection is a set of tap points of one model: for each kind, the sorted
// indices to keep.
type Selection struct {
	nLayer int
	points map[gpt2.Kind][]int
}

// Select builds a Selection for a model of nLayer blocks from tap names and
// patterns (see gpt2.ParsePoint): "h.*.attn.c_proj", "attn.c_proj" and
// "blocks.*.hook_attn_out" select every layer, "blocks.5.hook_mlp_out" one
// point.
func Select(nLayer int, names ...string) (Selection, error) {
	s := Selection{nLayer: nLayer, points: map[gpt2.Kind][]int{}}
	if nLayer < 1 {
		return s, fmt.Errorf("select taps: the model has %d layers", nLayer)
	}
	for _, name := range names {
		p, err := gpt2.ParsePoint(name, nLayer)
		if err != nil {
			return s, err
		}
		s.add(p)
	}
	return s, nil
}

func (s *Selection) add(p gpt2.Point) {
	if p.Layer == gpt2.AllLayers {
		s.points[p.Kind] = upTo(p.Kind.Count(s.nLayer))
		return
	}
	if idx := s.points[p.Kind]; !slices.Contains(idx, p.Layer) {
		idx = append(idx, p.Layer)
		slices.Sort(idx)
		s.points[p.Kind] = idx
	}
}

// Kinds lists the kinds with at least one selected point, in forward order.
func (s Selection) Kinds() []gpt2.Kind {
	var out []gpt2.Kind
	for _, k := range gpt2.Kinds() {
		if len(s.points[k]) > 0 {
			out = append(out, k)
		}
	}
	return out
}

// Indices returns the selected indices of kind k, sorted (nil if none).
func (s Selection) Indices(k gpt2.Kind) []int {
	return slices.Clone(s.points[k])
}

// Empty reports whether nothing is selected.
func (s Selection) Empty() bool {
	return len(s.Kinds()) == 0
}

// String lists the selection canonically, as names ParsePoint takes: a kind
// with all its points as "h.*.<kind>" (or "hidden_states.*"), other points by
// name, in forward order. Two selections of one model are equal exactly when
// their strings are.
func (s Selection) String() string {
	var names []string
	for _, k := range s.Kinds() {
		idx := s.points[k]
		if slices.Equal(idx, upTo(k.Count(s.nLayer))) {
			names = append(names, strings.Replace(k.At(0).Name(), ".0", ".*", 1))
			continue
		}
		for _, i := range idx {
			names = append(names, k.At(i).Name())
		}
	}
	return strings.Join(names, ",")
}

// upTo is 0 … n−1.
func upTo(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

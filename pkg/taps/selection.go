package taps

import (
	"fmt"
	"slices"
)

// Selection is a set of tap points of one model: for each kind, the sorted
// indices to keep.
type Selection struct {
	nLayer int
	points map[Kind][]int
}

// Select builds a Selection for a model of nLayer blocks from tap names and
// patterns (see ParsePoint): "h.*.attn.c_proj" or "attn.c_proj" select every
// layer; "blocks.5.hook_mlp_out" one point.
func Select(nLayer int, names ...string) (Selection, error) {
	s := Selection{nLayer: nLayer, points: map[Kind][]int{}}
	if nLayer < 1 {
		return s, fmt.Errorf("select taps: the model has %d layers", nLayer)
	}
	for _, name := range names {
		p, err := ParsePoint(name, nLayer)
		if err != nil {
			return s, err
		}
		s.add(p)
	}
	return s, nil
}

// MustSelect is Select for names known to be valid (constants in code); it
// panics on error.
func MustSelect(nLayer int, names ...string) Selection {
	s, err := Select(nLayer, names...)
	if err != nil {
		panic(err)
	}
	return s
}

func (s *Selection) add(p Point) {
	if p.Index < 0 {
		all := make([]int, p.Kind.Count(s.nLayer))
		for i := range all {
			all[i] = i
		}
		s.points[p.Kind] = all
		return
	}
	idx := s.points[p.Kind]
	if !slices.Contains(idx, p.Index) {
		idx = append(idx, p.Index)
		slices.Sort(idx)
	}
	s.points[p.Kind] = idx
}

// Kinds lists the kinds with at least one selected point, in Kinds() order.
func (s Selection) Kinds() []Kind {
	var out []Kind
	for _, k := range Kinds() {
		if len(s.points[k]) > 0 {
			out = append(out, k)
		}
	}
	return out
}

// Indices returns the selected indices of kind k, sorted (nil if none).
func (s Selection) Indices(k Kind) []int {
	return slices.Clone(s.points[k])
}

// Has reports whether point p is selected.
func (s Selection) Has(p Point) bool {
	return slices.Contains(s.points[p.Kind], p.Index)
}

// Empty reports whether nothing is selected.
func (s Selection) Empty() bool {
	return len(s.Kinds()) == 0
}

// NumLayers is the depth of the model the selection was made for.
func (s Selection) NumLayers() int { return s.nLayer }

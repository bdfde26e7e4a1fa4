package model

import (
	stdctx "context"
	"fmt"
	"slices"
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2/tokenizer"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// BucketMultiple is the granularity of RunBatch's padded length: every
// sequence of a batch is padded to the smallest multiple of it that holds the
// batch's longest sequence (at most n_positions), so that batches whose
// longest sentence differs by a few tokens share one compiled graph.
const BucketMultiple = 32

// PadID is the token id the padding is made of: GPT-2's <|endoftext|>. Its
// value never matters (see RunBatch); it only has to be in the vocabulary.
const PadID = 50256

// BucketLength is the length RunBatch pads a batch to when its longest
// sequence has longest tokens: the next multiple of BucketMultiple, at most
// nPositions (which longest never exceeds after Input.Encode's checks).
func BucketLength(longest, nPositions int) int {
	n := (longest + BucketMultiple - 1) / BucketMultiple * BucketMultiple
	return max(min(n, nPositions), longest)
}

// RunBatch runs many short texts (sentences) with one compiled graph and
// returns one Result per input, in order, each equal within float32 noise
// to m.Run of that input alone.
//
// Every input is tokenized and checked once (Input.Encode); an error names
// the sentence by its index ("sentence 3: the text has no tokens: …"). Every
// sequence is then padded on the right with PadID to BucketLength of the
// longest and run through the compiled capture of req for that length (the
// graph is compiled on the first run of a request and length, as in Run), so a
// batch of sentences of many lengths compiles once. The outputs are cut back
// to the real tokens: stacks [N,T,…] (attention patterns [N,H,T,T] on both
// token axes), reductions [N,T] and logits [T,V].
//
// No attention mask is needed: GPT-2's attention is causal and its positions
// absolute, so token t attends only to tokens 0…t and its position embedding
// is wpe[t] whatever follows; padding on the right is never seen by a real
// token. The causal mask gives the padded keys a probability of exactly 0,
// so the real tokens' numbers differ from an unpadded run only by the
// rounding of different matrix sizes.
func (m *Model) RunBatch(ins []gpt2.Input, req taps.Request) ([]*taps.Result, error) {
	encs, err := encodeBatch(ins, m.Config)
	if err != nil {
		return nil, err
	}
	c, err := m.capture(req)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	n := BucketLength(longest(encs), m.Config.NPositions)
	out := make([]*taps.Result, len(encs))
	for i, enc := range encs {
		if out[i], err = m.runPadded(c, enc, n); err != nil {
			return nil, fmt.Errorf("sentence %d: %w", i, err)
		}
	}
	return out, nil
}

// RunBatchCached is RunBatch through the tap cache, one taps.Key per
// sentence: a batch in which one sentence changed computes only that one. It
// tokenizes and checks every input first (errors name the sentence), resolves
// the model and reads its config once, and opens the model only on the first
// miss, keeping it open for the rest of the batch and closing it at the end.
// Misses are padded as in RunBatch, to the bucket of the whole batch's
// longest sentence.
func RunBatchCached(ctx stdctx.Context, src Source, ins []gpt2.Input, req taps.Request, cache taps.Cache) ([]*taps.Result, error) {
	encs, err := encodeBatch(ins, gpt2.Config{})
	if err != nil {
		return nil, err
	}
	// The model and the request are checked with a one-token stand-in, so
	// that their errors are not blamed on a sentence; each sentence is
	// checked against the model's config below.
	probe := gpt2.Encoding{IDs: encs[0].IDs[:1], Tokens: encs[0].Tokens[:1]}
	first, err := checkpoints.NewKey(ctx, src.Model, src.resolveOptions(), gpt2.Tokens(probe), req)
	if err != nil {
		return nil, err
	}
	keys := make([]taps.Key, len(encs))
	for i, enc := range encs {
		if err := gpt2.CheckTokens(enc, first.Config); err != nil {
			return nil, fmt.Errorf("sentence %d: %w", i, err)
		}
		keys[i] = first
		keys[i].Tokens = enc
	}
	n := BucketLength(longest(encs), first.Config.NPositions)
	var m *Model
	var c *capture
	defer func() {
		if m != nil {
			m.Close()
		}
	}()
	out := make([]*taps.Result, len(keys))
	for i, key := range keys {
		out[i], err = cache.Do(ctx, key, func() (*taps.Result, error) {
			if m == nil {
				var err error
				if m, err = OpenKey(src, key); err != nil {
					return nil, err
				}
				if c, err = m.capture(key.Request); err != nil {
					return nil, fmt.Errorf("capture: %w", err)
				}
			}
			return m.runPadded(c, key.Tokens, n)
		})
		if err != nil {
			return nil, fmt.Errorf("sentence %d: %w", i, err)
		}
	}
	return out, nil
}

// encodeBatch tokenizes and checks every input against cfg, naming the first
// bad sentence by its index.
func encodeBatch(ins []gpt2.Input, cfg gpt2.Config) ([]gpt2.Encoding, error) {
	if len(ins) == 0 {
		return nil, fmt.Errorf("no sentences: pass at least one text")
	}
	encs := make([]gpt2.Encoding, len(ins))
	for i, in := range ins {
		enc, err := tokenizer.Encode(in, cfg)
		if err != nil {
			return nil, fmt.Errorf("sentence %d: %w", i, err)
		}
		encs[i] = enc
	}
	return encs, nil
}

// longest is the largest token count of encs.
func longest(encs []gpt2.Encoding) int {
	n := 0
	for _, e := range encs {
		n = max(n, len(e.IDs))
	}
	return n
}

// runCapture runs a compiled capture on token ids: c.run, a seam for the test
// that counts the lengths a batch runs.
var runCapture = (*capture).run

// runPadded runs enc padded with PadID to n tokens and cuts the result back
// to its len(enc.IDs) real tokens.
func (m *Model) runPadded(c *capture, enc gpt2.Encoding, n int) (*taps.Result, error) {
	start := time.Now()
	T := len(enc.IDs)
	ids := append(slices.Clone(enc.IDs), make([]int, n-T)...)
	for i := T; i < n; i++ {
		ids[i] = PadID
	}
	res, err := runCapture(c, ids)
	if err != nil {
		return nil, err
	}
	for k, s := range res.Stacks {
		if k == gpt2.AttnPattern {
			s.Array = cutTokens(s.Array, T, 2, 3) // [N,H,T,T]
		} else {
			s.Array = cutTokens(s.Array, T, 1) // [N,T,…]
		}
	}
	for name, a := range res.Reduced {
		res.Reduced[name] = cutTokens(a, T, 1) // [N,T]
	}
	if res.Logits != nil {
		a := cutTokens(*res.Logits, T, 0) // [T,V]
		res.Logits = &a
	}
	res.IDs, res.Tokens = slices.Clone(enc.IDs), slices.Clone(enc.Tokens)
	res.Info = taps.Info{Model: m.Name, Dir: m.Dir, Computed: true, Elapsed: time.Since(start), Backend: m.BackendReport()}
	return res, nil
}

// cutTokens keeps the first T entries along each of the given axes of a
// row-major array (the token axes of a padded run) and copies the rest of
// the array as it is.
func cutTokens(a taps.Array, T int, axes ...int) taps.Array {
	dims := slices.Clone(a.Dims)
	for _, ax := range axes {
		dims[ax] = T
	}
	if slices.Equal(dims, a.Dims) {
		return a
	}
	// Strides of the source and the destination.
	rank := len(dims)
	src, dst := make([]int, rank), make([]int, rank)
	src[rank-1], dst[rank-1] = 1, 1
	for i := rank - 2; i >= 0; i-- {
		src[i], dst[i] = src[i+1]*a.Dims[i+1], dst[i+1]*dims[i+1]
	}
	out := make([]float32, dst[0]*dims[0])
	var walk func(axis, from, to int)
	walk = func(axis, from, to int) {
		if axis == rank-1 {
			copy(out[to:to+dims[axis]], a.Data[from:from+dims[axis]])
			return
		}
		for i := range dims[axis] {
			walk(axis+1, from+i*src[axis], to+i*dst[axis])
		}
	}
	walk(0, 0, 0)
	return taps.Array{Dims: dims, Data: out}
}

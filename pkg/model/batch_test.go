package model

import (
	"bytes"
	stdctx "context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/backend"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2/tokenizer"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
	"github.com/gpt2taps/gpt2taps/tools/testckpt"
)

// batchSentences are of several lengths (2 to 17 tokens), all in one bucket.
var batchSentences = []string{
	"The old sailor turned her slowly towards the harbour lights.",
	"Hi.",
	"At the party a stranger passed her a glass of cold lemonade, and then she left quietly.",
	"My brother drove her to the station.",
}

// everything asks for every kind of output a capture can return.
var everything = taps.Request{
	Points: []string{"hidden_states", "attn.pattern", "attn.c_proj", "resid_mid", "mlp.act", "mlp.c_proj", "resid_post"},
	Reductions: []taps.Reduction{
		taps.CosineReduction("cosine", gpt2.AttnOut, gpt2.MLPOut),
		taps.NormReduction("norm", gpt2.HiddenState),
		taps.StepLengthReduction("steps", gpt2.HiddenState),
	},
	Logits: true,
}

func loadBatchModel(t *testing.T) (*Model, string) {
	t.Helper()
	dir := testckpt.Write(t, 2, 32, 4, 23)
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Load(dir, b.Backend)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); b.Backend.Finalize() })
	return m, dir
}

func texts(ss []string) []gpt2.Input {
	ins := make([]gpt2.Input, len(ss))
	for i, s := range ss {
		ins[i] = gpt2.Text(s)
	}
	return ins
}

// arrays lists every array of a result by name.
func arrays(res *taps.Result) map[string]taps.Array {
	out := map[string]taps.Array{}
	for k, s := range res.Stacks {
		out[k.String()] = s.Array
	}
	for name, a := range res.Reduced {
		out[name] = a
	}
	if res.Logits != nil {
		out["logits"] = *res.Logits
	}
	return out
}

func maxDiff(a, b []float32) float64 {
	worst := 0.0
	for i := range a {
		d := math.Abs(float64(a[i]) - float64(b[i]))
		if d > worst || math.IsNaN(d) {
			worst = d
		}
	}
	return worst
}

// TestRunBatchEqualsAlone: every Result of a padded batch equals the
// sentence run alone (m.Run, unpadded) within 1e-5, for every kind of output,
// with the same shapes, ids and tokens.
func TestRunBatchEqualsAlone(t *testing.T) {
	m, _ := loadBatchModel(t)
	got, err := m.RunBatch(texts(batchSentences), everything)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(batchSentences) {
		t.Fatalf("%d results for %d sentences", len(got), len(batchSentences))
	}
	for i, s := range batchSentences {
		alone, err := m.Run(gpt2.Text(s), everything)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got[i].IDs, alone.IDs) || !slices.Equal(got[i].Tokens, alone.Tokens) || strings.Join(got[i].Tokens, "") != s {
			t.Errorf("sentence %d: ids %v tokens %q, alone %v %q", i, got[i].IDs, got[i].Tokens, alone.IDs, alone.Tokens)
		}
		if !got[i].Info.Computed || got[i].Info.Backend == "" || got[i].NLayer != 2 || got[i].Config != m.Config {
			t.Errorf("sentence %d: info %+v, nlayer %d", i, got[i].Info, got[i].NLayer)
		}
		want := arrays(alone)
		have := arrays(got[i])
		if len(have) != len(want) || len(want) != len(everything.Points)+len(everything.Reductions)+1 {
			t.Fatalf("sentence %d: %d arrays, alone %d", i, len(have), len(want))
		}
		for name, w := range want {
			g := have[name]
			if !slices.Equal(g.Dims, w.Dims) || len(g.Data) != len(w.Data) {
				t.Errorf("sentence %d, %s: shape %v (%d values), alone %v (%d)", i, name, g.Dims, len(g.Data), w.Dims, len(w.Data))
				continue
			}
			if d := maxDiff(g.Data, w.Data); d > 1e-5 {
				t.Errorf("sentence %d, %s: max abs difference %.3g from the sentence alone exceeds 1e-5", i, name, d)
			}
		}
		if st := got[i].Stacks[gpt2.AttnPattern]; st.Indices == nil || !slices.Equal(st.Indices, alone.Stacks[gpt2.AttnPattern].Indices) {
			t.Errorf("sentence %d: pattern indices %v", i, st.Indices)
		}
	}
}

// TestPaddingIsNeverSeen proves the claim of RunBatch's doc: with the same
// padded length, what the padding holds changes no real token's number at
// all (bit for bit), because causal attention never looks to the right.
func TestPaddingIsNeverSeen(t *testing.T) {
	m, _ := loadBatchModel(t)
	c, err := m.capture(everything)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := tokenizer.Encode(gpt2.Text(batchSentences[0]), m.Config)
	if err != nil {
		t.Fatal(err)
	}
	T := len(enc.IDs)
	a, err := m.runPadded(c, enc, 32)
	if err != nil {
		t.Fatal(err)
	}
	other := slices.Clone(enc.IDs)
	for i := T; i < 32; i++ {
		other = append(other, 1000+37*i) // arbitrary tokens instead of PadID
	}
	res, err := c.run(other)
	if err != nil {
		t.Fatal(err)
	}
	b := arrays(res)
	for name, x := range arrays(a) {
		y := b[name]
		switch {
		case name == gpt2.AttnPattern.String():
			y = cutTokens(y, T, 2, 3)
		case name == "logits":
			y = cutTokens(y, T, 0)
		default:
			y = cutTokens(y, T, 1)
		}
		if !slices.Equal(x.Data, y.Data) {
			t.Errorf("%s: the real tokens' values depend on what the padding holds (max diff %.3g)", name, maxDiff(x.Data, y.Data))
		}
	}
	// And a pattern row never gives weight to a padded key.
	full, err := c.run(other)
	if err != nil {
		t.Fatal(err)
	}
	p := full.Stacks[gpt2.AttnPattern]
	for l := range p.Dims[0] {
		for h := range p.Dims[1] {
			for q := range T {
				for k := T; k < 32; k++ {
					if v := p.Vec(l, h, q)[k]; v != 0 {
						t.Fatalf("layer %d head %d: query %d gives weight %g to padded key %d", l, h, q, v, k)
					}
				}
			}
		}
	}
}

// TestBucketLength pins the padding rule.
func TestBucketLength(t *testing.T) {
	for _, tc := range []struct{ longest, nPos, want int }{
		{1, 1024, 32}, {31, 1024, 32}, {32, 1024, 32}, {33, 1024, 64}, {1000, 1024, 1024}, {1024, 1024, 1024}, {10, 16, 16}, {16, 16, 16},
	} {
		if got := BucketLength(tc.longest, tc.nPos); got != tc.want {
			t.Errorf("BucketLength(%d, %d) = %d, want %d", tc.longest, tc.nPos, got, tc.want)
		}
	}
}

// TestRunBatchCompilesOncePerBucket: sentences of several lengths within a
// bucket run at one length, so the request's one compiled capture compiles
// one graph; a batch with a longer sentence uses the next bucket.
func TestRunBatchCompilesOncePerBucket(t *testing.T) {
	m, _ := loadBatchModel(t)
	var lengths []int
	runCapture = func(c *capture, ids []int) (*taps.Result, error) {
		lengths = append(lengths, len(ids))
		return c.run(ids)
	}
	defer func() { runCapture = (*capture).run }()
	req := taps.Request{Points: []string{"hidden_states"}}
	if _, err := m.RunBatch(texts(batchSentences), req); err != nil {
		t.Fatal(err)
	}
	if want := []int{32, 32, 32, 32}; !slices.Equal(lengths, want) {
		t.Errorf("the batch ran lengths %v, want %v (one graph)", lengths, want)
	}
	lengths = nil
	long := strings.Repeat("word ", 40) + "end."
	if _, err := m.RunBatch(texts([]string{"Short.", long}), req); err != nil {
		t.Fatal(err)
	}
	if want := []int{64, 64}; !slices.Equal(lengths, want) {
		t.Errorf("a batch with a 41-token sentence ran lengths %v, want %v", lengths, want)
	}
	if n := len(m.execs); n != 1 {
		t.Errorf("%d compiled captures for one request, want 1", n)
	}
}

// TestRunBatchErrors: an empty list, an empty sentence and a sentence too
// long are one line each, naming the sentence, before anything runs.
func TestRunBatchErrors(t *testing.T) {
	m, dir := loadBatchModel(t)
	long := strings.TrimSpace(strings.Repeat("a ", 1100))
	cases := []struct {
		name string
		ins  []gpt2.Input
		want string
	}{
		{"none", nil, "no sentences: pass at least one text"},
		{"empty", texts([]string{"One.", "Two.", ""}), "sentence 2: the text has no tokens"},
		{"too long", texts([]string{"One.", long}), "sentence 1: the text has 1100 tokens but the model takes at most 1024 (n_positions)"},
		{"bad id", []gpt2.Input{gpt2.Text("One."), gpt2.IDs([]int{1, 99999})}, "sentence 1: token id 99999 at position 1 is outside"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := m.RunBatch(tc.ins, everything)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("RunBatch: %v, want one line containing %q", err, tc.want)
			}
			var log bytes.Buffer
			_, err = RunBatchCached(stdctx.Background(), Source{Model: dir, Backend: "go", Log: &log}, tc.ins, everything, taps.Cache{Dir: t.TempDir()})
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") || strings.Contains(log.String(), "loaded") {
				t.Errorf("RunBatchCached: %v (log %q), want one line containing %q and no model loaded", err, log.String(), tc.want)
			}
		})
	}
	if _, err := m.RunBatch(texts([]string{"One."}), taps.Request{}); err == nil || !strings.Contains(err.Error(), "nothing requested") {
		t.Errorf("empty request: %v", err)
	}
}

// TestRunBatchCached: the first batch computes every sentence with the
// model loaded once; a second batch with one sentence changed computes only
// that one; a third, identical, loads nothing. Cached and computed results
// equal RunBatch's.
func TestRunBatchCached(t *testing.T) {
	m, dir := loadBatchModel(t)
	ctx := stdctx.Background()
	var log bytes.Buffer
	src := Source{Model: dir, Backend: "go", Log: &log}
	cache := taps.Cache{Dir: t.TempDir(), Log: &log}
	req := taps.Request{Points: []string{"hidden_states", "attn.pattern"}, Logits: true}
	run := func(ss []string, wantComputed []bool) {
		t.Helper()
		log.Reset()
		got, err := RunBatchCached(ctx, src, texts(ss), req, cache)
		if err != nil {
			t.Fatal(err)
		}
		want, err := m.RunBatch(texts(ss), req)
		if err != nil {
			t.Fatal(err)
		}
		computed := make([]bool, len(got))
		for i := range got {
			computed[i] = got[i].Info.Computed
			for name, w := range arrays(want[i]) {
				g := arrays(got[i])[name]
				if !slices.Equal(g.Dims, w.Dims) || maxDiff(g.Data, w.Data) > 1e-6 {
					t.Errorf("sentence %d, %s: cached batch differs from RunBatch", i, name)
				}
			}
			if !slices.Equal(got[i].Tokens, want[i].Tokens) {
				t.Errorf("sentence %d: tokens %q, want %q", i, got[i].Tokens, want[i].Tokens)
			}
		}
		if !slices.Equal(computed, wantComputed) {
			t.Errorf("computed %v, want %v", computed, wantComputed)
		}
		loads := 0
		for _, c := range wantComputed {
			if c {
				loads = 1
			}
		}
		if n := strings.Count(log.String(), "loaded "); n != loads {
			t.Errorf("the model was loaded %d times, want %d:\n%s", n, loads, log.String())
		}
	}
	ss := slices.Clone(batchSentences)
	run(ss, []bool{true, true, true, true})
	ss[2] = "The guide showed her the narrow stairs behind the chapel."
	run(ss, []bool{false, false, true, false})
	run(ss, []bool{false, false, false, false})
}

// TestRunBatchAgainstPyTorch: padded (RunBatch) and unpadded (Run) hidden
// states, attention and MLP outputs and logits both match the independent
// PyTorch reference within 1e-4.
func TestRunBatchAgainstPyTorch(t *testing.T) {
	m, dir := loadBatchModel(t)
	req := taps.Request{Points: []string{"attn.c_proj", "mlp.c_proj", "hidden_states"}, Logits: true}
	ss := batchSentences[:3]
	batch, err := m.RunBatch(texts(ss), req)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range ss {
		alone, err := m.Run(gpt2.Text(s), req)
		if err != nil {
			t.Fatal(err)
		}
		ref := PyTorchReference(t, dir, alone.IDs, true)
		for _, run := range []struct {
			name string
			res  *taps.Result
		}{{"padded", batch[i]}, {"unpadded", alone}} {
			for name, a := range arrays(run.res) {
				r, ok := ref[name]
				if !ok || len(r) != len(a.Data) {
					t.Fatalf("sentence %d, %s: reference has %d values, we %d", i, name, len(r), len(a.Data))
				}
				if d := maxDiff(a.Data, r); d > 1e-4 {
					t.Errorf("sentence %d (%s), %s: max abs difference %.3g from PyTorch exceeds 1e-4", i, run.name, name, d)
				}
			}
		}
	}
}

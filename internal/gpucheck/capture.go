package gpucheck

import (
	"fmt"
	"time"

	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// CosineName names the in-graph cosine reduction of LessonRequest.
const CosineName = "cosine"

// LessonRequest is what the lesson captures (pkg/lesson): the attention and
// MLP writes into the residual stream and the hidden states of every layer,
// and the cosine between the two writes per layer and token.
func LessonRequest(nLayer int) (taps.Request, error) {
	sel, err := taps.Select(nLayer, string(taps.AttnOut), string(taps.MLPOut), string(taps.HiddenStates))
	if err != nil {
		return taps.Request{}, err
	}
	return taps.Request{
		Taps:       sel,
		Reductions: []taps.Reduction{taps.CosineReduction(CosineName, taps.AttnOut, taps.MLPOut)},
	}, nil
}

// Tensors returns every tensor of a capture result by its taps-file name
// ("attn.c_proj", "mlp.c_proj", "hidden_states", reductions by name, "logits"),
// as float32 values copied to the host.
func Tensors(res *taps.Result) map[string][]float32 {
	out := map[string][]float32{}
	for k, s := range res.Stacks {
		out[string(k)] = s.Float32()
	}
	for name, t := range res.Reduced {
		out[name] = tensors.MustCopyFlatData[float32](t)
	}
	if res.Logits != nil {
		out["logits"] = tensors.MustCopyFlatData[float32](res.Logits)
	}
	return out
}

// TimedCapture runs c on ids and waits until every output is on the host,
// as a caller of the capture would; it then frees the outputs (device memory
// included) and returns how long that took.
func TimedCapture(c *taps.Capturer, ids []int) (time.Duration, error) {
	start := time.Now()
	res, err := c.Run(ids)
	if err != nil {
		return 0, err
	}
	outputs := make([]*tensors.Tensor, 0, len(res.Stacks)+len(res.Reduced)+1)
	for _, s := range res.Stacks {
		outputs = append(outputs, s.Tensor)
	}
	for _, t := range res.Reduced {
		outputs = append(outputs, t)
	}
	if res.Logits != nil {
		outputs = append(outputs, res.Logits)
	}
	for _, t := range outputs {
		if err := t.ConstBytes(func([]byte) {}); err != nil {
			return 0, fmt.Errorf("capture: copy to host: %w", err)
		}
	}
	elapsed := time.Since(start)
	for _, t := range outputs {
		if err := t.FinalizeAll(); err != nil {
			return 0, fmt.Errorf("capture: free outputs: %w", err)
		}
	}
	return elapsed, nil
}

// Tokens returns the GPT-2 token ids of text.
func Tokens(text string) ([]int, error) {
	tok, err := gpt2.NewTokenizer()
	if err != nil {
		return nil, err
	}
	enc, err := tok.Encode(text)
	if err != nil {
		return nil, err
	}
	return enc.IDs, nil
}

package gpucheck

import (
	"fmt"
	"time"

	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// Tensors returns every tensor of a capture result by its taps-file name
// ("attn.c_proj", "mlp.c_proj", "hidden_states", reductions by name, "logits"),
// as float32 values copied to the host.
func Tensors(res *taps.Result) map[string][]float32 {
	out := map[string][]float32{}
	for k, s := range res.Stacks {
		out[k.String()] = s.Float32()
	}
	for name, t := range res.Reduced {
		out[name] = tensors.MustCopyFlatData[float32](t)
	}
	if res.Logits != nil {
		out["logits"] = tensors.MustCopyFlatData[float32](res.Logits)
	}
	return out
}

// TimedCapture runs c on in and waits until every output is on the host, as a
// caller of the capture would; it then frees the outputs (device memory
// included) and returns how long that took.
func TimedCapture(c *taps.Capturer, in taps.Input) (time.Duration, error) {
	start := time.Now()
	res, err := c.Run(in)
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
	res.Finalize()
	return elapsed, nil
}

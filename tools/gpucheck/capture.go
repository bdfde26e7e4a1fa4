package gpucheck

import (
	"time"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/pkg/model"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// CosineName names the cosine reduction of Request.
const CosineName = "cosine"

// Request is what the GPU check captures: the lesson's taps (lesson.Request)
// and, computed inside the graph, the per-(layer, token) cosine of the
// attention and MLP adjustments (taps.CosineReduction), so that the check
// covers a reduction on the device too and the timed capture is the one
// torch_bench.py times (stacks and cosine, on the host).
func Request() taps.Request {
	req := lesson.Request()
	req.Reductions = append(req.Reductions, taps.CosineReduction(CosineName, gpt2.AttnOut, gpt2.MLPOut))
	return req
}

// Tensors returns every tensor of a capture result by its taps-file name
// ("attn.c_proj", "mlp.c_proj", "hidden_states", reductions by name,
// "logits"). The slices share the result's memory.
func Tensors(res *taps.Result) map[string][]float32 {
	out := map[string][]float32{}
	for k, s := range res.Stacks {
		out[k.String()] = s.Data
	}
	for name, a := range res.Reduced {
		out[name] = a.Data
	}
	if res.Logits != nil {
		out["logits"] = res.Logits.Data
	}
	return out
}

// TimedCapture runs req on in with m, as a caller of the capture would, and
// returns how long it took until every output was on the host (Model.Run
// returns host arrays; the device's outputs are freed by then).
func TimedCapture(m *model.Model, in gpt2.Input, req taps.Request) (time.Duration, error) {
	start := time.Now()
	if _, err := m.Run(in, req); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

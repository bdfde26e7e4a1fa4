package compare

// captureOverhead is a capture's time ÷ the time of its matrix products alone: 1.08–1.10 on the pure-Go backend
// (docs/performance.md). GPT-2's forward pass is almost all matrix products, so FLOPs ÷ a measured product rate ×
// captureOverhead is a rough forecast of a capture's time.
const captureOverhead = 1.1

// Rate is a measured matrix-product rate: inprocess.ProbeRate times one product of about the size of GPT-2's on
// the backend that will run the forward passes (nbrun measures it in a one-shot gpt2taps process). On a GPU, a
// product this small is dominated by launch and copy costs: the forecast is then pessimistic.
type Rate struct {
	Backend string  `json:"backend"` // the backend, as backend.Choice.String reports it
	FLOPS   float64 `json:"flops"`   // floating-point operations per second: the median of the timed runs
	Probe   string  `json:"probe"`   // what was timed
}

// Seconds is the forecast time of a forward pass of flop matrix-product operations at this rate.
func (r Rate) Seconds(flop float64) float64 {
	if r.FLOPS <= 0 {
		return 0
	}
	return flop / r.FLOPS * captureOverhead
}

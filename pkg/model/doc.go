// Package model runs GPT-2 on GoMLX and captures its taps: the one way from a
// text to what every block writes into the residual stream, like
// TransformerLens's run_with_cache.
//
//	m, err := model.Open(ctx, model.Source{Model: "gpt2-large"}) // resolve, load, start the backend
//	defer m.Close()                                              // frees the weights and the backend
//	res, err := m.Run(gpt2.Text(text), taps.Request{Points: []string{"h.*.attn.c_proj", "blocks.*.hook_mlp_out"}})
//	attn, err := res.Get("h.*.attn.c_proj") // [L,T,D]
//
// RunCached is the same through the tap cache (taps.Cache): it finds a result
// computed before without loading any weight, and otherwise opens the model,
// runs it once and stores the result.
//
// One file each:
//
//   - model.go: Open and Load — the weights on a backend, as context variables
//     scoped by their Hugging Face module paths (/h/3/attn/c_proj/weight);
//   - forward.go: the forward pass, x = x + attn(ln_1(x)); x = x + mlp(ln_2(x)),
//     calling a TapFn at every tap point;
//   - rowsplit.go: how token-wise work is cut into pieces for the pure-Go
//     backend, the only backend-specific code of the model;
//   - run.go: Run, the capture — the tap points a request names, stacked per
//     kind, copied to the host; graphs compiled once per request and length;
//   - reduce.go: the in-graph reductions of taps.Reduction (cosine, norm, step
//     length), for large models where only the small result should leave the
//     device;
//   - cached.go: RunCached and OpenKey, the capture through the tap cache.
package model

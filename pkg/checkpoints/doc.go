// Package checkpoints is where a GPT-2 checkpoint directory in Hugging Face
// layout (config.json and safetensors weights) comes from, apart from the
// model that reads it, as gemma keeps downloading apart from modelling:
//
//   - resolve.go: Resolve turns a model argument — a local directory or a Hub
//     id such as gpt2-large — into a local directory, through the Hugging Face
//     cache that Python's huggingface_hub also uses (downloading into it when
//     allowed; the cache client itself is internal/hfcache); its errors are
//     neutral, and WithRemedy lets each caller add its own hint;
//   - locate.go: Locate says where a model is without downloading anything
//     (for plans printed before a run);
//   - randomcheckpoint.go: WriteRandom writes deterministic random checkpoints
//     in the exact Hugging Face layout, for tests, benchmarks, smoke runs and
//     the untrained control of a comparison.
package checkpoints

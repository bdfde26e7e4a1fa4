// Package compare asks whether the lesson's finding — the attention and MLP adjustments are near orthogonal in the
// middle layers, slightly aligned at the first and last — is a property of GPT-2 or of the lesson's text, and how
// it changes with model size and with training.
//
// It runs the lesson's analysis (pkg/lesson: the same tap request, the same tap cache, the same Analyze and
// Claims) on every pair of a list of models and a list of texts, and — as a training control — on a randomly
// initialised checkpoint of each model's shape, generated once and cached. Each pair gives a Row of the lesson's
// numbers; the rows give compare.json, a text table and one figure of the per-layer mean cosine ± std on a
// relative-depth axis, one panel per text (viz.DepthFigure).
//
// The flow: texts (DefaultTexts, TextFromFile) and models (DefaultModels, ModelsFromEnv) → NewPlan, which checks
// every input and says, before anything slow runs, what will be downloaded, generated and computed, and roughly
// how long it takes (Plan.Write, after Plan.Forecast with a measured Rate) → Plan.Run, whose forward passes
// Options.Capture computes → Comparison (Rows, WriteJSON, WriteTable, Figure).
//
// The package itself runs no model and links no GoMLX, so that a notebook cell that only plans, reads or draws a
// comparison builds quickly: the forward passes and the rate probe come from the caller — in this process with
// pkg/compare/inprocess (the command line), or through the model server with pkg/nb/nbrun (notebook 03).
package compare

// Package lesson runs the interpretability lesson end to end on top of the
// other packages: it captures the taps of one (model, text) pair — once, into a
// cache that later notebook cells and runs reload in well under a second —,
// computes every number the lesson reports (Analyze → Summary, the content of
// summary.json), checks the lesson's claims on them, and draws its figures.
//
// GoNB runs every notebook cell as a new process, so nothing survives between
// cells but files: Capture is the one expensive step, and its result is keyed by
// a fingerprint of the model files and the token ids.
package lesson

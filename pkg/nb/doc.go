// Package nb is the plumbing the lesson's GoNB notebooks share, so that their
// visible cells hold the lesson's steps and nothing else.
//
// GoNB compiles and runs every cell as a new program: nothing computed in one
// cell survives to the next. One cell of each notebook runs GPT-2 (Run): it
// asks a model server (package modelclient) that keeps the model loaded
// between cells, so a new text costs only its forward pass, and the taps land
// in the tap cache; every other cell gets them back from disk with Taps, in
// well under a second. No cell of notebooks 01 and 02 links GoMLX (this
// package does not; tools/layers checks it), so each builds in about a second
// with the set-up cell's settings (no automatic go get, no cgo, no symbol
// tables: see notebooks/structure_test.go). When the cache lacks the taps,
// Taps stops the cell with one line saying to run that cell ("Run GPT-2
// once") first. Notebooks 03–07 run their models in-process through
// package nbmodel, which links GoMLX; their other cells read the cache with
// this package (Taps, and for the course's batches Batch, VersionRuns and
// Paths).
//
// The environment overrides a notebook's settings (internal/env), and the
// output says so when it does:
//
//	GPT2TAPS_MODEL      replaces the notebook's modelName (Hub id or checkpoint directory)
//	GPT2TAPS_TEXT_FILE  a file whose text replaces the notebook's text
//	GPT2TAPS_CACHE      the tap cache directory
//	GOMLX_BACKEND       the GoMLX backend: go, xla:cpu, xla:cuda (default: XLA when a PJRT plugin is found)
//	GPT2TAPS_SERVER     off: Run computes in a one-shot process, not in a model server
//	GPT2TAPS_SERVER_IDLE the model server's idle time-out (default ServerIdle)
//	GPT2TAPS_SENTENCES_FILE  notebooks 04, 05, 07: sentences, one per line
//	GPT2TAPS_OUT_DIR    notebooks 04–07: where the lesson's JSON and figures are saved
//
// Errors stop the cell: Check, Must and every helper print one line
// "error: …" (with a hint in the notebook's terms where one helps) and exit
// with status 1, which GoNB shows under the cell.
package nb

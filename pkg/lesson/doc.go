// Package lesson is the interpretability lesson end to end on top of the
// other packages: what it taps (Request, defined once for the notebooks, the
// command line, the benchmark and the GPU check), every number it reports
// (Analyze → Summary, the content of summary.json), its claims checked on
// those numbers, and its figures and token explorers.
//
// It works on a taps.Result — from model.Run, model.RunCached or the tap
// cache alone — and does not import GoMLX: a notebook cell that analyses or
// draws cached taps links none of it.
package lesson

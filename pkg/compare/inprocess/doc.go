// Package inprocess runs a comparison's forward passes and its rate probe in this process, on a GoMLX backend:
// what pkg/compare leaves to its caller so that it links no GoMLX itself. The command line (gpt2taps compare and
// gpt2taps rate) uses it; notebook 03 goes through the model server instead (pkg/nb/nbrun).
//
//	c := &inprocess.Capturer{Source: model.Source{Backend: "go"}}
//	defer c.Close()
//	plan.Options.Capture = c.Capture
//	plan.Forecast(inprocess.ProbeRate("go"))
//	comparison, err := plan.Run(ctx)
package inprocess

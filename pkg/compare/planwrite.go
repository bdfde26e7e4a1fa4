package compare

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
)

// Write prints the plan: the texts with their token counts, each model with its shape and what it needs (in the
// cache, a local directory, or a download and its size), the training control's checkpoints, how many forward
// passes are already in the tap cache, and, after Forecast, roughly how long the rest will take on this backend.
func (p *Plan) Write(w io.Writer) {
	control := ""
	if p.Options.Random {
		control = ", each also with random weights (the training control)"
	}
	fmt.Fprintf(w, "Plan: %d model(s) × %d text(s)%s: %d forward passes.\n", len(p.Models), len(p.Texts), control, len(p.Models)*p.passes())
	fmt.Fprintln(w, "Texts (GPT-2 tokens):")
	for i, t := range p.Texts {
		fmt.Fprintf(w, "  %-20s %4d  %s\n", t.Name, p.Tokens[i], t.About)
	}
	fmt.Fprintln(w, "Models:")
	var total float64
	allKnown := true
	for _, mp := range p.Models {
		shape := "shape unknown until its config.json is downloaded"
		if mp.ConfigKnown {
			c := mp.Config
			shape = fmt.Sprintf("%d layers × %d, %s parameters", c.NLayer, c.NEmbd, humanCount(c.NumParams()))
		}
		fmt.Fprintf(w, "  %-20s %s; %s\n", mp.Label, shape, p.where(mp))
		if mp.RandomDir != "" {
			state := fmt.Sprintf("to generate once (%s on disk)", humanBytes(4*mp.Config.NumParams()))
			if mp.RandomHere {
				state = "generated already"
			}
			fmt.Fprintf(w, "  %-20s random weights of the same shape (seed %d): %s, %s\n", "", RandomSeed, state, mp.RandomDir)
		}
		time := ""
		switch {
		case !p.forecasted:
		case mp.ConfigKnown && p.RateErr == nil:
			time = "; the rest ≈ " + humanDuration(mp.Seconds)
		default:
			time = "; time not forecast (shape unknown)"
		}
		allKnown = allKnown && mp.ConfigKnown
		total += mp.Seconds
		fmt.Fprintf(w, "  %-20s forward passes: %d of %d in the tap cache%s\n", "", mp.Cached, p.passes(), time)
	}
	if !p.forecasted {
		return
	}
	if p.RateErr != nil {
		fmt.Fprintf(w, "Time: not forecast: the backend's rate could not be measured (%v).\n", p.RateErr)
		return
	}
	fmt.Fprintf(w, "Backend: %s\n", p.Rate.Backend)
	more := ""
	if !allKnown {
		more = " for the models of known shape"
	}
	fmt.Fprintf(w, "Time, roughly: %s of forward passes%s, plus loading each model and any download or generation.\n", humanDuration(total), more)
	fmt.Fprintf(w, "  (matrix-product FLOPs of each pass ÷ %.3g GFLOP/s measured just now on this backend (%s) × %.2f, "+
		"the measured ratio of a capture to its matrix products; passes in the tap cache take well under a second)\n",
		p.Rate.FLOPS/1e9, p.Rate.Probe, captureOverhead)
}

// where says where a model's checkpoint is, or what its download will take.
func (p *Plan) where(mp ModelPlan) string {
	loc := mp.Location
	switch {
	case loc.Local:
		return "local directory " + loc.Dir
	case loc.Cached:
		return "in the Hugging Face cache"
	}
	if n, ok := loc.DownloadBytes(); ok {
		return fmt.Sprintf("to download: %s (%d files, sizes from the Hub)", humanBytes(n), len(loc.Files))
	}
	if loc.HubErr != nil {
		why := "the Hub can't be reached"
		if errors.Is(loc.HubErr, checkpoints.ErrOffline) {
			why = "offline mode is on"
		}
		if mp.KnownBytes > 0 {
			return fmt.Sprintf("not in the Hugging Face cache and %s: it needs a download of about %s "+
				"(the size the Hub lists for its model.safetensors, recorded in this package), which can't start until "+
				"the Hub can be reached", why, humanBytes(mp.KnownBytes))
		}
		return fmt.Sprintf("not in the Hugging Face cache and %s: it needs a download of unknown size, which can't start "+
			"until the Hub can be reached", why)
	}
	return "to download (the Hub lists no sizes)"
}

// humanCount formats a parameter count: "124 M", "1.56 B".
func humanCount(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.3g B", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.3g M", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.3g k", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}

// humanDuration formats seconds roughly: "0.4 s", "12 s", "3 min 20 s", "1 h 5 min".
func humanDuration(s float64) string {
	switch {
	case s < 10:
		return fmt.Sprintf("%.1f s", s)
	case s < 60:
		return fmt.Sprintf("%.0f s", s)
	case s < 3600:
		m := math.Floor(s / 60)
		return strings.TrimSuffix(fmt.Sprintf("%.0f min %.0f s", m, math.Round(s-60*m)), " 0 s")
	}
	h := math.Floor(s / 3600)
	return fmt.Sprintf("%.0f h %.0f min", h, math.Round((s-3600*h)/60))
}

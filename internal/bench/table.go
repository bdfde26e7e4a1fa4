package bench

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Markdown writes r as a short header and one Markdown table with a column per
// model: the table docs/performance.md records.
func Markdown(w io.Writer, r *Report) error {
	m := r.Machine
	s := r.Settings
	var b strings.Builder
	fmt.Fprintf(&b, "Machine: %s, %d cores, %s RAM; %s/%s, %s, GoMLX %s; load average %s → %s.\n",
		m.CPU, m.Cores, formatBytes(m.MemoryBytes), m.OS, m.Arch, m.Go, orDash(m.GoMLX), orDash(m.LoadStart), orDash(m.LoadEnd))
	torch := ""
	for _, mr := range r.Models {
		if mr.PyTorch != nil && mr.PyTorch.Version != "" {
			torch = "; PyTorch " + mr.PyTorch.Version
		}
	}
	fmt.Fprintf(&b, "Run: %d tokens, %d threads, %d warm-up + %d timed runs (median [min–max]); GoMLX backend %s%s; %.0f s in all.\n\n",
		s.Tokens, s.Threads, s.Warmup, s.Repeat, backendOf(r), torch, r.Seconds)

	row := func(label string, cell func(mr ModelReport) string) {
		b.WriteString("| " + label + " |")
		for _, mr := range r.Models {
			b.WriteString(" " + cell(mr) + " |")
		}
		b.WriteString("\n")
	}
	b.WriteString("| |")
	for _, mr := range r.Models {
		b.WriteString(" " + mr.Name + " |")
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(r.Models)) + "\n")
	row("model", func(mr ModelReport) string {
		return fmt.Sprintf("%d layers × %d, %.0f M params, F32 %s", mr.Layers, mr.Width, float64(mr.Params)/1e6, formatBytes(mr.F32Bytes))
	})
	row("Go capture (forward pass + taps + cosine)", func(mr ModelReport) string { return formatTiming(mr.Capture.Timing) })
	row("Go first capture (builds and compiles the graph)", func(mr ModelReport) string { return formatSeconds(mr.Capture.FirstSeconds) })
	row("Go model load", func(mr ModelReport) string { return formatSeconds(mr.Capture.LoadSeconds) })
	row("PyTorch reference forward pass", func(mr ModelReport) string {
		if mr.PyTorch == nil {
			return "—"
		}
		return formatTiming(mr.PyTorch.Timing)
	})
	row("**Go / PyTorch**", func(mr ModelReport) string { return targetCell(mr, TargetGoPyTorch, "%.2f×") })
	row("matmul floor (the same matmuls alone, same backend)", func(mr ModelReport) string {
		if mr.Floor.Timing.Median == 0 {
			return "—"
		}
		return fmt.Sprintf("%s, %.1f GFLOP/s", formatTiming(mr.Floor.Timing), mr.GFLOP/mr.Floor.Timing.Median)
	})
	row("**capture / floor**, runs side by side", func(mr ModelReport) string { return targetCell(mr, TargetFloor, "%.3f") })
	row("capture / floor in CPU time; separate processes' medians", func(mr ModelReport) string {
		return fmt.Sprintf("%.3f; %.3f", mr.Ratios.CaptureOverFloorCPU, mr.Ratios.CaptureOverFloorSeparate)
	})
	row("peak RSS, Go capture process", func(mr ModelReport) string {
		return fmt.Sprintf("%s (after load: %s)", formatBytes(mr.Capture.PeakRSS), formatBytes(mr.Capture.LoadPeakRSS))
	})
	row("**peak RSS / F32 weights, Go**", func(mr ModelReport) string { return targetCell(mr, TargetPeakRSS, "%.2f×") })
	row("peak RSS, PyTorch process", func(mr ModelReport) string {
		if mr.PyTorch == nil {
			return "—"
		}
		return fmt.Sprintf("%s (%.2f× F32)", formatBytes(mr.PyTorch.PeakRSS), mr.Ratios.PyTorchRSSOverF32)
	})
	row("notebook capture cell, cold tap cache (in cell; process; peak RSS)", func(mr ModelReport) string {
		c := mr.NotebookCold
		return fmt.Sprintf("%s; %s; %s", formatSeconds(c.Timing.Median), formatSeconds(c.Process.Median), formatBytes(c.PeakRSS))
	})
	row("notebook analysis cell, warm tap cache (in cell; process)", func(mr ModelReport) string {
		c := mr.NotebookWarm
		return fmt.Sprintf("%s; %s", formatTiming(c.Timing), formatSeconds(c.Process.Median))
	})
	row("**analysis cell, warm cache**", func(mr ModelReport) string { return targetCell(mr, TargetWarmCell, "%.2f s") })
	_, err := io.WriteString(w, b.String())
	return err
}

// targetCell formats a target's value and whether it is met.
func targetCell(mr ModelReport, name, format string) string {
	for _, t := range mr.Targets {
		if t.Name != name {
			continue
		}
		v := fmt.Sprintf(format, t.Value)
		lim := strconv.FormatFloat(t.Limit, 'g', -1, 64)
		switch {
		case !t.Applies && t.Note != "":
			return v + " (no target here)"
		case !t.Applies:
			return v
		case t.Met:
			return fmt.Sprintf("%s (target ≤ %s: met)", v, lim)
		default:
			return fmt.Sprintf("%s (target ≤ %s: **not met**)", v, lim)
		}
	}
	return "—"
}

// backendOf names the backend the Go side ran on.
func backendOf(r *Report) string {
	for _, mr := range r.Models {
		if mr.Capture.Backend != "" {
			return mr.Capture.Backend
		}
	}
	return orDash(r.Settings.Backend)
}

func formatTiming(t Timing) string {
	if t.Median == 0 {
		return "—"
	}
	if t.Min == t.Max {
		return formatSeconds(t.Median)
	}
	return fmt.Sprintf("%s [%s–%s]", formatSeconds(t.Median), trimUnit(formatSeconds(t.Min)), formatSeconds(t.Max))
}

// formatSeconds shows 3 significant digits: 45.2 s, 5.51 s, 0.412 s.
func formatSeconds(s float64) string {
	switch {
	case s == 0:
		return "—"
	case s >= 100:
		return fmt.Sprintf("%.0f s", s)
	case s >= 10:
		return fmt.Sprintf("%.1f s", s)
	case s >= 1:
		return fmt.Sprintf("%.2f s", s)
	default:
		return fmt.Sprintf("%.3f s", s)
	}
}

func trimUnit(s string) string { return strings.TrimSuffix(s, " s") }

// formatBytes shows decimal units: 3.10 GB, 512 MB.
func formatBytes(n int64) string {
	switch {
	case n <= 0:
		return "—"
	case n >= 1e9:
		return fmt.Sprintf("%.2f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.0f MB", float64(n)/1e6)
	default:
		return fmt.Sprintf("%.0f kB", float64(n)/1e3)
	}
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

package bench

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/gpt2taps/gpt2taps/pkg/backend"
)

// Markdown writes r as a short header and one Markdown table with a column per
// model and a group of rows per matmul kernel: the table docs/performance.md
// records.
func Markdown(w io.Writer, r *Report) error {
	m := r.Machine
	s := r.Settings
	var b strings.Builder
	flags := ""
	if len(m.SIMDFlags) > 0 {
		flags = " (" + strings.Join(m.SIMDFlags, ", ") + ")"
	}
	fmt.Fprintf(&b, "Machine: %s%s, %d cores, %s RAM; %s/%s, %s, GoMLX %s; load average %s → %s.\n",
		m.CPU, flags, m.Cores, formatBytes(m.MemoryBytes), m.OS, m.Arch, m.Go, orDash(m.GoMLX), orDash(m.LoadStart), orDash(m.LoadEnd))
	torch := ""
	for _, mr := range r.Models {
		if mr.PyTorch != nil && mr.PyTorch.Version != "" {
			torch = "; PyTorch " + mr.PyTorch.Version
		}
	}
	kernels := ""
	if len(s.Kernels) > 0 {
		kernels = "; matmul kernels " + strings.Join(s.Kernels, ", ")
		if len(s.Kernels) > 1 {
			kernels += " (side by side: alternating round by round in one process per model, and a capture process of each)"
		}
	}
	if s.KernelNote != "" {
		kernels += "; " + s.KernelNote
	}
	fmt.Fprintf(&b, "Run: %d tokens, %d threads, %d warm-up + %d timed runs (median [min–max]); GoMLX backend %s%s%s; %.0f s in all.\n\n",
		s.Tokens, s.Threads, s.Warmup, s.Repeat, backendOf(r), kernels, torch, r.Seconds)
	if len(kernelsOf(r)) == 0 && hasNotebookLoop(r) { // the notebook loop alone
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
		return notebookLoopMarkdown(w, r)
	}

	row := func(label string, cell func(mr ModelReport) string) {
		b.WriteString("| " + label + " |")
		for _, mr := range r.Models {
			if c := cell(mr); c != "" {
				b.WriteString(" " + c + " |")
			} else {
				b.WriteString(" |")
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("| |")
	for _, mr := range r.Models {
		b.WriteString(" " + mr.Name + " |")
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(r.Models)) + "\n")
	row("model", func(mr ModelReport) string {
		return fmt.Sprintf("%d layers × %d, %.0f M params, F32 %s, %.3g GFLOP of matmuls", mr.Layers, mr.Width, float64(mr.Params)/1e6, formatBytes(mr.F32Bytes), mr.GFLOP)
	})
	row("PyTorch reference forward pass", func(mr ModelReport) string {
		if mr.PyTorch == nil {
			return "—"
		}
		return formatTiming(mr.PyTorch.Timing)
	})
	row("peak RSS, PyTorch process", func(mr ModelReport) string {
		if mr.PyTorch == nil {
			return "—"
		}
		return fmt.Sprintf("%s (%.2f× F32)", formatBytes(mr.PyTorch.PeakRSS), mr.Ratios.PyTorchRSSOverF32)
	})
	for _, kernel := range kernelsOf(r) {
		k := func(mr ModelReport) *KernelReport { return mr.Kernel(kernel) }
		kr := func(cell func(mr ModelReport, k *KernelReport) string) func(mr ModelReport) string {
			return func(mr ModelReport) string {
				if k := k(mr); k != nil {
					return cell(mr, k)
				}
				return "—"
			}
		}
		row("**"+kernelTitle(r, kernel)+"**", func(ModelReport) string { return "" })
		row("Go capture (forward pass + taps), own process", kr(func(_ ModelReport, k *KernelReport) string { return formatTiming(k.Capture.Timing) }))
		row("Go first capture (builds and compiles the graph); model load", kr(func(_ ModelReport, k *KernelReport) string {
			return formatSeconds(k.Capture.FirstSeconds) + "; " + formatSeconds(k.Capture.LoadSeconds)
		}))
		row("**Go / PyTorch**", func(mr ModelReport) string { return targetCell(mr, TargetGoPyTorch, kernel, "%.2f×") })
		row("matmul floor (the same matmuls alone, same backend)", kr(func(_ ModelReport, k *KernelReport) string {
			if k.Floor.Timing.Median == 0 {
				return "—"
			}
			return fmt.Sprintf("%s, **%.1f GFLOP/s**", formatTiming(k.Floor.Timing), k.FloorGFLOPS)
		}))
		row("Go capture beside the floor (same rounds)", kr(func(_ ModelReport, k *KernelReport) string {
			if k.Floor.Beside == nil {
				return "—"
			}
			return formatTiming(*k.Floor.Beside)
		}))
		if hasStockElementwise(r, kernel) {
			row("Go capture beside the floor, GoMLX's stock elementwise code (same rounds)", kr(func(_ ModelReport, k *KernelReport) string {
				if k.Floor.BesideStockElementwise == nil {
					return "—"
				}
				return formatTiming(*k.Floor.BesideStockElementwise)
			}))
			row("**capture time, stock / SIMD elementwise** (median of the rounds)", kr(func(_ ModelReport, k *KernelReport) string {
				if k.Ratios.ElementwiseStockOverSIMD == 0 {
					return "—"
				}
				return fmt.Sprintf("%.2f× (elementwise: %s)", k.Ratios.ElementwiseStockOverSIMD, k.Floor.Elementwise)
			}))
		}
		row("**capture / floor**, runs side by side", func(mr ModelReport) string { return targetCell(mr, TargetFloor, kernel, "%.3f") })
		row("capture / floor in CPU time; separate processes' medians", kr(func(_ ModelReport, k *KernelReport) string {
			return fmt.Sprintf("%.3f; %.3f", k.Ratios.CaptureOverFloorCPU, k.Ratios.CaptureOverFloorSeparate)
		}))
		row("peak RSS, Go capture process", kr(func(_ ModelReport, k *KernelReport) string {
			return fmt.Sprintf("%s (after load: %s)", formatBytes(k.Capture.PeakRSS), formatBytes(k.Capture.LoadPeakRSS))
		}))
		row("**peak RSS / F32 weights, Go**", func(mr ModelReport) string { return targetCell(mr, TargetPeakRSS, kernel, "%.2f×") })
	}
	if len(s.Kernels) > 1 {
		row("**SIMD kernel / stock kernel**", func(ModelReport) string { return "" })
		row("**matmul floor GFLOP/s, SIMD / stock** (median of the rounds)", func(mr ModelReport) string {
			return targetCell(mr, TargetFloorSpeedup, backend.MatmulSIMD, "%.2f×")
		})
		row("**capture time, stock / SIMD** (median of the rounds)", func(mr ModelReport) string {
			return targetCell(mr, TargetCaptureSpeedup, backend.MatmulSIMD, "%.2f×")
		})
	}
	row("**notebook path**"+notebookKernel(r), func(ModelReport) string { return "" })
	row("notebook capture cell, cold tap cache (in cell; process; peak RSS)", func(mr ModelReport) string {
		c := mr.NotebookCold
		return fmt.Sprintf("%s; %s; %s", formatSeconds(c.Timing.Median), formatSeconds(c.Process.Median), formatBytes(c.PeakRSS))
	})
	row("notebook analysis cell, warm tap cache (in cell; process)", func(mr ModelReport) string {
		c := mr.NotebookWarm
		return fmt.Sprintf("%s; %s", formatTiming(c.Timing), formatSeconds(c.Process.Median))
	})
	row("**analysis cell, warm cache**", func(mr ModelReport) string { return targetCell(mr, TargetWarmCell, mr.NotebookKernel, "%.2f s") })
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	return notebookLoopMarkdown(w, r)
}

// kernelsOf lists the kernels of r's models in order of appearance (one ""
// on a backend other than the pure-Go one).
func kernelsOf(r *Report) []string {
	var out []string
	for _, mr := range r.Models {
		for _, k := range mr.Kernels {
			if !slices.Contains(out, k.Kernel) {
				out = append(out, k.Kernel)
			}
		}
	}
	return out
}

// kernelTitle names a kernel's group of rows: "stock kernel: GoMLX
// simplego's own", "SIMD kernel: gpt2taps SIMD GEMM (AVX2+FMA)", or the
// backend for no kernel.
func kernelTitle(r *Report, kernel string) string {
	switch kernel {
	case backend.MatmulStock:
		return "stock kernel: GoMLX simplego's own"
	case "":
		return "Go on " + backendOf(r)
	}
	title := kernel + " kernel"
	if kernel == backend.MatmulSIMD {
		title = "SIMD kernel"
	}
	for _, mr := range r.Models {
		if k := mr.Kernel(kernel); k != nil && k.Description != "" {
			return title + ": " + k.Description
		}
	}
	return title
}

// hasStockElementwise reports whether a model measured kernel's captures
// with the stock elementwise code too.
func hasStockElementwise(r *Report, kernel string) bool {
	for _, mr := range r.Models {
		if k := mr.Kernel(kernel); k != nil && k.Floor.BesideStockElementwise != nil {
			return true
		}
	}
	return false
}

// notebookKernel says which kernel the notebook rows ran with.
func notebookKernel(r *Report) string {
	for _, mr := range r.Models {
		if mr.NotebookKernel != "" {
			return " (" + mr.NotebookKernel + " kernel)"
		}
	}
	return ""
}

// targetCell formats a target's value and whether it is met.
func targetCell(mr ModelReport, name, kernel, format string) string {
	for _, t := range mr.Targets {
		if t.Name != name || t.Kernel != kernel {
			continue
		}
		v := fmt.Sprintf(format, t.Value)
		op := "≤"
		if t.AtLeast {
			op = "≥"
		}
		verdict := func(limit float64, met bool) string {
			lim := strconv.FormatFloat(limit, 'g', -1, 64)
			if met {
				return fmt.Sprintf("%s %s: met", op, lim)
			}
			return fmt.Sprintf("%s %s: **not met**", op, lim)
		}
		switch {
		case !t.Applies && t.Note != "":
			return v + " (no target here)"
		case !t.Applies:
			return v
		case t.Stretch != 0:
			return fmt.Sprintf("%s (target %s; stretch %s)", v, verdict(t.Limit, t.Met), verdict(t.Stretch, t.StretchMet))
		default:
			return fmt.Sprintf("%s (target %s)", v, verdict(t.Limit, t.Met))
		}
	}
	return "—"
}

// backendOf names the backend the Go side ran on.
func backendOf(r *Report) string {
	for _, mr := range r.Models {
		for _, k := range mr.Kernels {
			if k.Capture.Backend != "" {
				return k.Capture.Backend
			}
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

package explorer

import (
	"encoding/json"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
)

// How the explorer stores its numbers in the page. Every value is written
// rounded to the precision the view prints it with, so the page stays small
// (gpt2-xl × 1024 tokens, both parts, is well under 2 MB) and what the
// reader sees is exactly what is stored.
const (
	// CosineDecimals is the number of decimal places of the cosines (and of
	// their per-layer mean and std) in the explorer: they are stored as
	// integers in units of 10^−CosineDecimals.
	CosineDecimals = 4
	// StepDigits is the number of significant digits of the step lengths
	// (and of their per-layer mean and std) in the explorer.
	StepDigits = 4
)

// explorerSeries is one [layers, tokens] matrix of the explorer with its
// per-layer statistics, as the view shows it.
type explorerSeries struct {
	Key   string // short name used by the page ("cos", "attn", "mlp", "hidden")
	Name  string // what a value is, e.g. "cosine" or "attention step"
	Title string // the quantity as a formula, for the toggle and the legend
	// Undefined explains a NaN of this series to the reader.
	Undefined string
	Values    analysis.Matrix
	Mean, Std []float64 // per layer, over the tokens with a defined value
	Count     []int     // tokens with a defined value, per layer
	// Decimals > 0: values are stored as integers in units of 10^−Decimals;
	// otherwise they are stored with Digits significant digits.
	Decimals, Digits int
}

// format returns v as the view prints it: Decimals places, or Digits
// significant digits; "NaN", "+Inf" and "-Inf" for non-finite values. The
// page's script prints the stored numbers the same way (fmtValue in
// explorer.js), so format(v) is also what the reader sees.
func (s *explorerSeries) format(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	if v = s.storedValue(v); v == 0 {
		v = 0 // +0: no "-0.0000"
	}
	if s.Decimals > 0 {
		return strconv.FormatFloat(v, 'f', s.Decimals, 64)
	}
	return formatSignificant(v, s.Digits)
}

// formatSignificant prints v rounded to digits significant digits: in plain
// decimal notation when the rounded value's decimal exponent is in
// [−4, 15), else as d.ddde±XX.
func formatSignificant(v float64, digits int) string {
	e := strconv.FormatFloat(v, 'e', digits-1, 64) // e.g. "1.234e+02"
	i := strings.LastIndexByte(e, 'e')
	exp, err := strconv.Atoi(e[i+1:])
	if err != nil || exp < -4 || exp >= 15 {
		return e
	}
	r, err := strconv.ParseFloat(e, 64)
	if err != nil {
		return e
	}
	return strconv.FormatFloat(r, 'f', max(0, digits-1-exp), 64)
}

// storedValue is the number the page holds for v: v rounded to the printed
// precision (NaN and ±Inf as they are).
func (s *explorerSeries) storedValue(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	if s.Decimals > 0 {
		r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', s.Decimals, 64), 64)
		return r
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'e', s.Digits-1, 64), 64)
	return r
}

// appendStored appends v to the page's data: null for NaN, the number
// 1e999 (which JavaScript reads as Infinity) for ±Inf, else storedValue(v)
// as an integer in units of 10^−Decimals, or with Digits significant digits.
func (s *explorerSeries) appendStored(b []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(b, "null"...)
	case math.IsInf(v, 1):
		return append(b, "1e999"...)
	case math.IsInf(v, -1):
		return append(b, "-1e999"...)
	case s.Decimals > 0:
		return strconv.AppendInt(b, int64(math.Round(s.storedValue(v)*math.Pow10(s.Decimals))), 10)
	}
	return strconv.AppendFloat(b, v, 'g', s.Digits, 64)
}

// explorerData is everything the page's script needs, written as one
// JavaScript object literal (JSON, plus 1e999 for infinities).
type explorerData struct {
	Kind    string // "cosine" or "steps"
	Title   string
	Layers  int
	IDs     []int
	Texts   []string // the exact tokens, Go-quoted, shown on hover
	Series  []*explorerSeries
	Palette []color.Color
	// Diverging: the palette is centred at 0 on a symmetric range.
	Diverging bool
	// Outlier is the token left out of the colour scale and flagged (-1: none).
	Outlier int
	// Layer is the layer selected at first; Series0 the series shown first.
	Layer, Series0 int
	// PerLayerScale: the colour scale spans the selected layer's values
	// (true) or all layers' (false) at first.
	PerLayerScale bool
}

// appendJSON appends data as a JavaScript object literal. Strings go
// through encoding/json, which escapes <, > and & (and U+2028/U+2029), so
// the literal is safe inside a <script> element whatever the token texts.
func (d *explorerData) appendJSON(b []byte) ([]byte, error) {
	str := func(s string) error {
		q, err := json.Marshal(s)
		b = append(b, q...)
		return err
	}
	ints := func(xs []int) {
		b = append(b, '[')
		for i, x := range xs {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(x), 10)
		}
		b = append(b, ']')
	}
	b = append(b, `{"kind":`...)
	if err := str(d.Kind); err != nil {
		return nil, err
	}
	b = append(b, `,"title":`...)
	if err := str(d.Title); err != nil {
		return nil, err
	}
	b = fmt.Appendf(b, `,"L":%d,"T":%d,"layer":%d,"series0":%d,"outlier":%d,"diverging":%t,"perLayer":%t,"ids":`,
		d.Layers, len(d.IDs), d.Layer, d.Series0, d.Outlier, d.Diverging, d.PerLayerScale)
	ints(d.IDs)
	b = append(b, `,"texts":[`...)
	for i, t := range d.Texts {
		if i > 0 {
			b = append(b, ',')
		}
		if err := str(t); err != nil {
			return nil, err
		}
	}
	b = append(b, `],"palette":[`...)
	for i, c := range d.Palette {
		if i > 0 {
			b = append(b, ',')
		}
		r, g, bl, _ := c.RGBA()
		b = fmt.Appendf(b, `"#%02x%02x%02x"`, r>>8, g>>8, bl>>8)
	}
	b = append(b, `],"series":[`...)
	for i, s := range d.Series {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"key":`...)
		for _, f := range []struct {
			key, value string
		}{{"", s.Key}, {"name", s.Name}, {"title", s.Title}, {"undefined", s.Undefined}} {
			if f.key != "" {
				b = append(b, `,"`+f.key+`":`...)
			}
			if err := str(f.value); err != nil {
				return nil, err
			}
		}
		b = fmt.Appendf(b, `,"decimals":%d,"digits":%d,"count":`, s.Decimals, s.Digits)
		ints(s.Count)
		for _, f := range []struct {
			key    string
			values []float64
		}{{"mean", s.Mean}, {"std", s.Std}, {"v", s.Values.Data}} {
			b = append(b, `,"`+f.key+`":[`...)
			for j, v := range f.values {
				if j > 0 {
					b = append(b, ',')
				}
				b = s.appendStored(b, v)
			}
			b = append(b, ']')
		}
		b = append(b, '}')
	}
	b = append(b, "]}"...)
	return b, nil
}

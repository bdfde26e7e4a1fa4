package viz

import (
	"math"
	"strconv"
	"strings"
	"unicode"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// maxLabelRunes is the longest token label drawn; longer ones are cut
// and end in "…".
const maxLabelRunes = 14

// tokenLabel makes a token printable on an axis: surrounding whitespace is
// dropped (GPT-2 tokens usually start with a space), control characters are
// escaped Go-style, a whitespace-only token is shown quoted, and long
// tokens are shortened.
func tokenLabel(tok string) string {
	s := strings.TrimSpace(tok)
	if s == "" {
		return strconv.Quote(tok)
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	s = b.String()
	if r := []rune(s); len(r) > maxLabelRunes {
		s = string(r[:maxLabelRunes-1]) + "…"
	}
	return s
}

// tokenTicks returns the tick marks of a token axis with n tokens drawn
// over width: every token gets a tick, and every k-th token a label, with k
// the smallest step that keeps the rotated labels (about one line of tick
// text apart) from overlapping. Labels are the token texts, or the token
// indices when labels is nil.
func tokenTicks(labels []string, n int, width vg.Length) plot.Ticker {
	pitch := vg.Length(tickLabelSize) * 1.3
	k := 1
	if n > 0 && width > 0 {
		k = int(math.Ceil(float64(pitch) / float64(width/vg.Length(n))))
	}
	if labels == nil {
		// Index labels are short and horizontal: leave room for about 4 digits.
		k = int(roundStep(float64(k) * 2.5))
	}
	ticks := make([]plot.Tick, 0, n)
	for i := range n {
		t := plot.Tick{Value: float64(i)}
		if i%k == 0 {
			if labels != nil {
				t.Label = tokenLabel(labels[i])
			} else {
				t.Label = strconv.Itoa(i)
			}
		}
		ticks = append(ticks, t)
	}
	return plot.ConstantTicks(ticks)
}

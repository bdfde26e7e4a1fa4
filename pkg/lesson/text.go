package lesson

import _ "embed"

// NietzscheText is the lesson's text: a passage of about 340 GPT-2 tokens about
// Friedrich Nietzsche, written for this project. The original lesson used the
// lead section of the English Wikipedia article on Friedrich Nietzsche
// (342 GPT-2 tokens); paste it instead to reproduce the lesson exactly.
//
//go:embed nietzsche.txt
var NietzscheText string

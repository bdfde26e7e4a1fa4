package gemm

// Naive computes the same product as Product with a direct triple loop,
// accumulating in float64, and returns it as float64: the reference the tests
// compare with. It does not validate its operands (Product does).
func Naive(a, b Operand) []float64 {
	batch, m, n := len(a.Batch), len(a.Cross), len(b.Cross)
	out := make([]float64, batch*m*n)
	for bi := range batch {
		for i := range m {
			ra := a.Batch[bi] + a.Cross[i]
			for j := range n {
				rb := b.Batch[bi] + b.Cross[j]
				var s float64
				for k := range a.Contract {
					s += float64(a.Data[ra+a.Contract[k]]) * float64(b.Data[rb+b.Contract[k]])
				}
				out[(bi*m+i)*n+j] = s
			}
		}
	}
	return out
}

package analysis

import "fmt"

// NewMatrix returns a zero-filled Matrix with the given shape. Negative sizes
// are treated as zero.
func NewMatrix(rows, cols int) Matrix {
	rows, cols = max(rows, 0), max(cols, 0)
	return Matrix{Rows: rows, Cols: cols, Data: make([]float64, rows*cols)}
}

// At returns element (r, c). Like slice indexing, it panics when r or c is
// out of range.
func (m Matrix) At(r, c int) float64 {
	if r < 0 || r >= m.Rows {
		panic(fmt.Sprintf("analysis: row %d out of range [0, %d)", r, m.Rows))
	}
	if c < 0 || c >= m.Cols {
		panic(fmt.Sprintf("analysis: column %d out of range [0, %d)", c, m.Cols))
	}
	return m.Data[r*m.Cols+c]
}

// Row returns row r as a view into m.Data, not a copy: writes through it
// change the matrix. Its capacity ends at the row, so appending to it never
// overwrites the next row. Like slice indexing, it panics when r is out of range.
func (m Matrix) Row(r int) []float64 {
	if r < 0 || r >= m.Rows {
		panic(fmt.Sprintf("analysis: row %d out of range [0, %d)", r, m.Rows))
	}
	start, end := r*m.Cols, (r+1)*m.Cols
	return m.Data[start:end:end]
}

// MatrixFromFloat32 converts row-major float32 data (for instance a [layers,
// tokens] reduction read from a taps file) into a float64 Matrix. It copies
// the data.
func MatrixFromFloat32(data []float32, rows, cols int) (Matrix, error) {
	if rows < 0 || cols < 0 {
		return Matrix{}, fmt.Errorf("matrix shape %d×%d is negative: pass the layer and token counts", rows, cols)
	}
	if len(data) != rows*cols {
		return Matrix{}, fmt.Errorf("matrix data has %d values but shape %d×%d needs %d: check the layer and token counts against the data", len(data), rows, cols, rows*cols)
	}
	m := NewMatrix(rows, cols)
	for i, v := range data {
		m.Data[i] = float64(v)
	}
	return m, nil
}

package analysis

import "testing"

func TestMatrixFromFloat32(t *testing.T) {
	tests := []struct {
		name       string
		data       []float32
		rows, cols int
		wantErr    bool
	}{
		{"2x3", []float32{1, 2, 3, 4, 5, 6}, 2, 3, false},
		{"empty", nil, 0, 0, false},
		{"too few values", []float32{1, 2, 3}, 2, 2, true},
		{"too many values", []float32{1, 2, 3, 4, 5}, 2, 2, true},
		{"negative rows", nil, -1, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := MatrixFromFloat32(tc.data, tc.rows, tc.cols)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if m.Rows != tc.rows || m.Cols != tc.cols || len(m.Data) != len(tc.data) {
				t.Fatalf("shape %d×%d with %d values, want %d×%d with %d", m.Rows, m.Cols, len(m.Data), tc.rows, tc.cols, len(tc.data))
			}
			for r := range m.Rows {
				for c := range m.Cols {
					if got, want := m.At(r, c), float64(tc.data[r*tc.cols+c]); got != want {
						t.Errorf("At(%d, %d) = %v, want %v", r, c, got, want)
					}
				}
			}
		})
	}
}

func TestMatrixRowIsView(t *testing.T) {
	m := NewMatrix(2, 3)
	if len(m.Data) != 6 {
		t.Fatalf("NewMatrix(2, 3) has %d values, want 6", len(m.Data))
	}
	row := m.Row(0)
	row[1] = 7
	if m.At(0, 1) != 7 {
		t.Errorf("write through Row(0) not seen by At(0, 1): got %v", m.At(0, 1))
	}
	if cap(row) != 3 {
		t.Errorf("cap(Row(0)) = %d, want 3 so appends cannot overwrite row 1", cap(row))
	}
	_ = append(row, 9)
	if m.At(1, 0) != 0 {
		t.Errorf("append to Row(0) overwrote row 1: At(1, 0) = %v", m.At(1, 0))
	}
	if got := m.Row(1); len(got) != 3 {
		t.Errorf("len(Row(1)) = %d, want 3", len(got))
	}
}

func TestNewMatrixNegative(t *testing.T) {
	m := NewMatrix(-2, 3)
	if m.Rows != 0 || m.Cols != 3 || len(m.Data) != 0 {
		t.Errorf("NewMatrix(-2, 3) = %d×%d with %d values, want 0×3 with 0", m.Rows, m.Cols, len(m.Data))
	}
}

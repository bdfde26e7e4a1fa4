package analysis

import "fmt"

// Check reports a matrix that holds no layer or token, or whose data does not
// match its shape; name says what it is in the message ("the cosine").
func (m Matrix) Check(name string) error {
	if m.Rows <= 0 || m.Cols <= 0 {
		return fmt.Errorf("%s is empty (%d layers × %d tokens): compute it from at least one layer and token", name, m.Rows, m.Cols)
	}
	if len(m.Data) != m.Rows*m.Cols {
		return fmt.Errorf("%s has %d values for %d layers × %d tokens: build it with analysis.NewMatrix", name, len(m.Data), m.Rows, m.Cols)
	}
	return nil
}

// Check reports step lengths whose three matrices are not valid and of one
// shape (as ComputeStepLengths makes them).
func (s StepLengths) Check() error {
	for _, m := range []struct {
		name string
		m    Matrix
	}{{"attention step lengths", s.Attn}, {"MLP step lengths", s.MLP}, {"hidden-state step lengths", s.Hidden}} {
		if err := m.m.Check(m.name); err != nil {
			return err
		}
	}
	if s.Attn.Rows != s.MLP.Rows || s.Attn.Cols != s.MLP.Cols || s.Attn.Rows != s.Hidden.Rows || s.Attn.Cols != s.Hidden.Cols {
		return fmt.Errorf("step-length matrices differ in shape (attention %d×%d, MLP %d×%d, hidden %d×%d): build them with analysis.ComputeStepLengths",
			s.Attn.Rows, s.Attn.Cols, s.MLP.Rows, s.MLP.Cols, s.Hidden.Rows, s.Hidden.Cols)
	}
	return nil
}

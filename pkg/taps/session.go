package taps

import (
	"github.com/gpt2taps/gpt2taps/pkg/backend"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// Session keeps the model of the jobs run through it loaded from one job to the next, so that a series of jobs on
// the same checkpoint and backend (several texts on one model) loads it once and reuses its compiled graphs for
// texts of equal length. A job runs through a session when its Session field is set; a job on another checkpoint
// or backend replaces the loaded model. Close frees it. A Session is not safe for concurrent use.
type Session struct {
	dir, backend string
	model        *gpt2.Model
	choice       backend.Choice
	capturers    map[string]*Capturer // by request key
}

// NewSession returns an empty session: the first job run through it loads its model.
func NewSession() *Session { return &Session{} }

// Loads reports whether running j through the session would load a model (none is loaded, or another one).
func (s *Session) Loads(j *Job) bool {
	return s.model == nil || s.dir != j.Dir || s.backend != j.Source.Backend
}

// run runs j's forward pass on the session's model, loading it first if needed.
func (s *Session) run(j *Job) (*Result, backend.Choice, error) {
	if s.Loads(j) {
		s.Close()
		m, choice, err := j.Load()
		if err != nil {
			return nil, choice, err
		}
		s.dir, s.backend, s.model, s.choice = j.Dir, j.Source.Backend, m, choice
		s.capturers = map[string]*Capturer{}
	}
	key, ok := j.Request.key(s.model.Config.NLayer)
	c := s.capturers[key]
	if !ok || c == nil {
		var err error
		if c, err = NewCapturer(s.model, j.Request); err != nil {
			return nil, s.choice, err
		}
		if ok {
			s.capturers[key] = c
		}
	}
	res, err := c.Run(j.Input())
	return res, s.choice, err
}

// Close frees the loaded model, if any. The session can be used again.
func (s *Session) Close() {
	if s.model != nil {
		s.model.Finalize()
	}
	*s = Session{}
}

package download

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// stateFile is the name, in Downloader.Dir, of the JSON file that keeps the
// HTTP validators and the newest copy of every URL fetched.
const stateFile = "state.json"

// urlState is what is remembered of one URL.
type urlState struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	// SHA256 and Size describe the newest copy, kept at Path (relative to
	// Dir).
	SHA256  string    `json:"sha256"`
	Size    int64     `json:"size"`
	Path    string    `json:"path"`
	Fetched time.Time `json:"fetched"`
}

// state is the whole state file.
type state struct {
	URLs map[string]urlState `json:"urls"`
}

// loadState reads the state file; a missing file is an empty state.
func loadState(dir string) (*state, error) {
	st := &state{URLs: map[string]urlState{}}
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("download state %s: %w", filepath.Join(dir, stateFile), err)
	}
	if st.URLs == nil {
		st.URLs = map[string]urlState{}
	}
	return st, nil
}

// save writes the state file atomically (temporary file, then rename).
func (st *state) save(dir string) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, stateFile+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, stateFile))
}

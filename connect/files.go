package connect

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"switchyard/atomicfile"
	"switchyard/connect/doc"
)

// writeAtomic replaces path through the program's one atomic writer.
func writeAtomic(path string, data []byte, mode fs.FileMode) error {
	return atomicfile.Write(path, data, mode)
}

// backup copies data (a file's content before connect changed it) next
// to it as NAME.switchyard-YYYYMMDD-HHMMSS.bak, with the file's mode; a
// name already taken gets -2, -3, ...
func backup(path string, data []byte, mode fs.FileMode, now time.Time) (string, error) {
	base := path + ".switchyard-" + now.Format("20060102-150405")
	for n := 1; n < 100; n++ {
		name := base + ".bak"
		if n > 1 {
			name = fmt.Sprintf("%s-%d.bak", base, n)
		}
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode.Perm())
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		if _, err := f.Write(data); err != nil {
			f.Close()
			os.Remove(name)
			return "", err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			os.Remove(name)
			return "", err
		}
		return name, f.Close()
	}
	return "", fmt.Errorf("too many backups of %s this second", path)
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// readFile returns a file's content and mode; exists is false when there
// is no such file.
func readFile(path string) (data []byte, mode fs.FileMode, exists bool, err error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, false, nil
	}
	if err != nil {
		return nil, 0, false, err
	}
	if st.IsDir() {
		return nil, 0, false, fmt.Errorf("%s is a folder, not a file", path)
	}
	data, err = os.ReadFile(path)
	return data, st.Mode(), err == nil, err
}

// The record of what connect changed, so that undo can put it back:
// $XDG_STATE_HOME/switchyard/connect.json, one entry per file.

const manifestName = "connect.json"

type manifest struct {
	Version int                    `json:"version"`
	Files   map[string]*fileRecord `json:"files"`
}

// fileRecord is what connect did to one file.
type fileRecord struct {
	Tool string `json:"tool"`
	// Created: the file did not exist before connect; undo removes it.
	Created bool `json:"created"`
	// Backup is the copy of the file before the first connect, and
	// OriginalSHA256 its checksum.
	Backup         string `json:"backup,omitempty"`
	OriginalSHA256 string `json:"original_sha256,omitempty"`
	// WrittenSHA256 is the checksum of what connect last wrote. While the
	// file still has it (and Exact holds: nobody else changed the file
	// between two connects) undo restores the backup byte for byte.
	WrittenSHA256 string `json:"written_sha256"`
	Exact         bool   `json:"exact"`
	// Changes are the settings connect wrote, with the value each had
	// before; Containers the objects or tables it created for them.
	Changes    []change   `json:"changes"`
	Containers [][]string `json:"containers,omitempty"`
	Time       time.Time  `json:"time"`
}

// change is one setting connect wrote.
type change = doc.Change

func loadManifest(dir string) (*manifest, error) {
	m := &manifest{Version: 1, Files: map[string]*fileRecord{}}
	if dir == "" {
		return m, nil
	}
	b, err := os.ReadFile(filepath.Join(dir, manifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("%s: %v (delete it to start over; the .bak files next to each config file are the originals)", filepath.Join(dir, manifestName), err)
	}
	if m.Files == nil {
		m.Files = map[string]*fileRecord{}
	}
	return m, nil
}

func (m *manifest) save(dir string) error {
	if dir == "" {
		return nil
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, manifestName), append(b, '\n'), 0o600)
}

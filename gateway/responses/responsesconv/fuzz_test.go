package responsesconv

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"switchyard/gateway/protocol"
	"switchyard/gateway/responses"
)

// FuzzRequestToHub: any request either converts into a hub request that
// marshals, or is refused with a *protocol.Error naming a field.
func FuzzRequestToHub(f *testing.F) {
	files, _ := filepath.Glob("testdata/request/*.in.json")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var req responses.Request
		if json.Unmarshal(in, &req) != nil {
			return
		}
		hub, _, err := RequestToHub(&req)
		if err != nil {
			pe, ok := err.(*protocol.Error)
			if !ok || pe.Param == "" {
				t.Fatalf("error without a field: %v", err)
			}
			return
		}
		if _, err := json.Marshal(hub); err != nil {
			t.Fatal(err)
		}
		if len(hub.Messages) == 0 {
			t.Fatal("no messages and no error")
		}
	})
}

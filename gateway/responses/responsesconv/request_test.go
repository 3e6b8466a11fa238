package responsesconv

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"switchyard/gateway/protocol"
	"switchyard/gateway/responses"
)

var update = flag.Bool("update", false, "rewrite golden files (go test ./gateway/responses/responsesconv -update)")

// Request golden files: testdata/request/NN-name.in.json is what a client
// sent, NN-name.want.json the hub request plus notes, or the error.
func TestRequestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/request/*.in.json")
	if len(files) == 0 {
		t.Fatal("no request vectors")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var req responses.Request
			if err := json.Unmarshal(in, &req); err != nil {
				t.Fatal(err)
			}
			got := map[string]any{}
			hub, notes, err := RequestToHub(&req)
			var pe *protocol.Error
			switch {
			case errors.As(err, &pe):
				got["error"] = map[string]string{"param": pe.Param, "message": pe.Message}
			case err != nil:
				t.Fatalf("untyped error %v", err)
			default:
				got["hub"], got["notes"] = hub, notes
			}
			gj, _ := json.MarshalIndent(got, "", "  ")
			want := strings.TrimSuffix(f, ".in.json") + ".want.json"
			if *update {
				if err := os.WriteFile(want, append(gj, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			wb, err := os.ReadFile(want)
			if err != nil {
				t.Fatalf("%v (run with -update and review)", err)
			}
			if !jsonEqual(wb, gj) {
				t.Fatalf("got\n%s\nwant\n%s", gj, wb)
			}
		})
	}
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xj, _ := json.Marshal(x)
	yj, _ := json.Marshal(y)
	return bytes.Equal(xj, yj)
}

package gateway

import (
	"testing"

	"switchyard/gateway/config"
)

// Every format a backend may declare has an adapter, and every client
// protocol that proxies names a native format: prepare relies on it.
func TestProtocolRegistryComplete(t *testing.T) {
	for _, f := range config.Formats {
		bf := backendFormats[f]
		if bf == nil || bf.path == nil || bf.fromHub == nil || bf.toHub == nil {
			t.Errorf("format %q has no complete backend adapter", f)
		}
	}
	for p, cp := range clientProtocols {
		if len(cp.routes) == 0 {
			continue // names an error shape only; serves nothing
		}
		if cp.toHub == nil || cp.fromHub == nil || cp.pass == nil || backendFormats[cp.native] == nil {
			t.Errorf("client protocol %v is incomplete", p)
		}
	}
}

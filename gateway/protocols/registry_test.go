package protocols

import (
	"testing"

	"switchyard/gateway/config"
)

// Every format a backend may declare has an adapter, and every client
// protocol that proxies names a native format: prepare relies on it.
func TestProtocolRegistryComplete(t *testing.T) {
	for _, f := range config.Formats {
		bf := Backends[f]
		if bf == nil || bf.Path == nil || bf.FromHub == nil || bf.ToHub == nil {
			t.Errorf("format %q has no complete backend adapter", f)
		}
	}
	for p, cp := range Clients {
		if len(cp.Routes) == 0 {
			continue // names an error shape only; serves nothing
		}
		if cp.ToHub == nil || cp.FromHub == nil || cp.Pass == nil || Backends[cp.Native] == nil {
			t.Errorf("client protocol %v is incomplete", p)
		}
	}
}

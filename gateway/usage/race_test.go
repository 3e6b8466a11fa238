//go:build race

package usage

// raceEnabled: the race detector slows SQLite's transpiled Go code about
// 100 times, so timing bounds do not apply.
const raceEnabled = true

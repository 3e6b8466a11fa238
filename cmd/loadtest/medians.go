package main

// `loadtest medians [FILE…]` summarizes `go test -bench` output (stdin when
// no file is named): for every benchmark, the number of runs and the
// median of each metric, as a markdown table. On a noisy machine run the
// benchmarks several times, alternating, and read medians, e.g.
//
//	go test -c -o /tmp/gw.test ./gateway
//	for i in 1 2 3 4 5 6; do (cd gateway && /tmp/gw.test -test.run XXX -test.bench 'Passthrough' -test.benchmem); done | go run ./cmd/loadtest medians
//
// With "-prefix NAME=FILE" arguments, each file's rows are prefixed (to
// compare two builds run alternately).

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
)

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+(\d+)\s+(.*)$`)

func runMedians(args []string) {
	type series struct {
		n      int
		units  []string
		values map[string][]float64
	}
	all := map[string]*series{}
	var order []string
	read := func(prefix string, r io.Reader) {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			m := benchLine.FindStringSubmatch(strings.TrimSpace(sc.Text()))
			if m == nil {
				continue
			}
			name := prefix + m[1]
			s := all[name]
			if s == nil {
				s = &series{values: map[string][]float64{}}
				all[name] = s
				order = append(order, name)
			}
			s.n++
			f := strings.Fields(m[4])
			for i := 0; i+1 < len(f); i += 2 {
				v, err := strconv.ParseFloat(f[i], 64)
				if err != nil {
					continue
				}
				u := f[i+1]
				if _, ok := s.values[u]; !ok {
					s.units = append(s.units, u)
				}
				s.values[u] = append(s.values[u], v)
			}
		}
	}
	if len(args) == 0 {
		read("", os.Stdin)
	}
	for _, a := range args {
		prefix, file := "", a
		if p, f, ok := strings.Cut(a, "="); ok {
			prefix, file = p+" ", f
		}
		f, err := os.Open(file)
		if err != nil {
			fatal(err)
		}
		read(prefix, f)
		f.Close()
	}
	var units []string
	seen := map[string]bool{}
	for _, name := range order {
		for _, u := range all[name].units {
			if !seen[u] && u != "MB/s" {
				seen[u] = true
				units = append(units, u)
			}
		}
	}
	fmt.Printf("| benchmark | runs | %s |\n|---|---|%s\n", strings.Join(units, " | "), strings.Repeat("---|", len(units)))
	for _, name := range order {
		s := all[name]
		row := []string{strings.TrimPrefix(name, "Benchmark"), strconv.Itoa(s.n)}
		for _, u := range units {
			if v, ok := s.values[u]; ok {
				row = append(row, strconv.FormatFloat(median(v), 'f', -1, 64))
			} else {
				row = append(row, "")
			}
		}
		fmt.Printf("| %s |\n", strings.Join(row, " | "))
	}
}

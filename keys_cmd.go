package main

// The `switchyard keys` command: manage backends' API keys in the OS keychain.
// It depends on nothing else in package main; main.go builds a keysDeps and
// calls runKeys with the arguments after "keys".

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"switchyard/gateway/config"
	"switchyard/keystore"
)

// keyStore is the part of *keystore.Store that the keys command uses.
type keyStore interface {
	Keys(ctx context.Context, id string) ([]string, error)
	Add(ctx context.Context, id, key string) (int, error)
	Replace(ctx context.Context, id string, keys []string) error
	Delete(ctx context.Context, id string, index int) error
}

var _ keyStore = (*keystore.Store)(nil)

// keysDeps is what the keys command needs; main.go fills it.
type keysDeps struct {
	Store          keyStore            // *keystore.Store satisfies it
	BackendIDs     []string            // known backend ids, priority order
	EnvKeys        map[string][]string // keys from ID_API_KEYS (never persisted)
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	IsTerminal     func() bool            // stdin is a terminal -> prompt without echo
	ReadPassword   func() ([]byte, error) // golang.org/x/term ReadPassword on stdin; injectable for tests
}

// stdioKeysDeps returns keysDeps wired to this process's standard streams and
// terminal. main.go may use it, or fill keysDeps itself.
func stdioKeysDeps(store keyStore, backendIDs []string, envKeys map[string][]string) keysDeps {
	fd := int(os.Stdin.Fd())
	return keysDeps{
		Store:        store,
		BackendIDs:   backendIDs,
		EnvKeys:      envKeys,
		Stdin:        os.Stdin,
		Stdout:       os.Stdout,
		Stderr:       os.Stderr,
		IsTerminal:   func() bool { return term.IsTerminal(fd) },
		ReadPassword: func() ([]byte, error) { return term.ReadPassword(fd) },
	}
}

// Exit codes of runKeys.
const (
	keysOK      = 0
	keysFailed  = 1
	keysBadArgs = 2
)

// maxStdinLine bounds one line of keys read from stdin.
const maxStdinLine = 64 << 10

// runKeys runs `switchyard keys ARGS…` (args excludes "keys") and returns the
// process exit code: 0 ok, 1 failure, 2 usage error. It never prints a key,
// only keystore.Mask of one, and never echoes an argument that might be one.
func runKeys(ctx context.Context, args []string, d keysDeps) int {
	c := &keysCmd{ctx: ctx, d: d}
	if c.d.Stdin == nil {
		c.d.Stdin = strings.NewReader("")
	}
	if c.d.Stdout == nil {
		c.d.Stdout = io.Discard
	}
	if c.d.Stderr == nil {
		c.d.Stderr = io.Discard
	}
	if len(args) == 0 {
		fmt.Fprint(c.d.Stderr, c.usage())
		return keysBadArgs
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(c.d.Stdout, c.usage())
		return keysOK
	case "set":
		return c.store(args[1:], true)
	case "add":
		return c.store(args[1:], false)
	case "list", "ls":
		return c.list(args[1:])
	case "rm", "remove":
		return c.rm(args[1:])
	}
	return c.badArgs("unknown keys command %s", shown(args[0]))
}

type keysCmd struct {
	ctx context.Context
	d   keysDeps
}

func (c *keysCmd) usage() string {
	ids := "(none configured)"
	if len(c.d.BackendIDs) > 0 {
		ids = strings.Join(c.d.BackendIDs, ", ")
	}
	return `usage: switchyard keys COMMAND [ARGS]

Manage the backends' API keys in the OS keychain (service "switchyard").

commands:
  set ID          REPLACE all of ID's keys with the keys read from stdin, one per
                  line (blank lines are ignored), e.g. switchyard keys set ID < keyfile;
                  in a terminal it asks for one key without echoing it
  add ID          append the keys read from stdin (or typed at the prompt) to ID's keys
  list [ID]       show the keys of every backend, or of ID, as …last4, with their
                  source: keychain, or env (ID_API_KEYS)
  rm ID [INDEX]   remove key INDEX (as list shows it; later keys move up), or all of ID's keys
  help            show this help

A key is never taken from the command line: other processes can read it there
(ps) and it stays in the shell history.
Keys in the environment variable ID_API_KEYS (upper-case ID, comma list, e.g.
ANYROUTER_API_KEYS) win over the keychain while it is set; they are never stored.

backends: ` + ids + `
exit status: 0 ok, 1 failure, 2 usage error
`
}

// store implements `keys set ID` (replace) and `keys add ID`.
func (c *keysCmd) store(args []string, replace bool) int {
	verb := "add"
	if replace {
		verb = "set"
	}
	switch {
	case len(args) == 0:
		return c.badArgs("keys %s needs a backend id: switchyard keys %s ID", verb, verb)
	case len(args) > 1:
		return c.badArgs("keys %s takes only the backend id, never the key: a key on the command line "+
			"is visible to other processes (ps) and stays in the shell history; pipe it on stdin "+
			"(switchyard keys %s ID < keyfile) or run the command in a terminal to be prompted", verb, verb)
	}
	id, ok := c.backend(args[0])
	if !ok {
		return keysBadArgs
	}
	keys, err := c.readKeys(id)
	if err != nil {
		return c.fail(err)
	}

	if replace {
		old, err := c.d.Store.Keys(c.ctx, id)
		if err != nil {
			return c.fail(err)
		}
		if err := c.d.Store.Replace(c.ctx, id, keys); err != nil {
			return c.fail(err)
		}
		msg := fmt.Sprintf("stored %s for %s in the OS keychain (%s)", plural(len(keys), "key"), id, masks(keys))
		if len(old) > 0 {
			msg += fmt.Sprintf("; it replaced the %s stored before", plural(len(old), "key"))
		}
		fmt.Fprintln(c.d.Stdout, msg)
	} else {
		var indices []string
		for i, k := range keys {
			idx, err := c.d.Store.Add(c.ctx, id, k)
			if err != nil {
				if i > 0 {
					fmt.Fprintf(c.d.Stdout, "added %s for %s to the OS keychain (%s) before the error\n",
						plural(i, "key"), id, masks(keys[:i]))
				}
				return c.fail(err)
			}
			indices = append(indices, strconv.Itoa(idx))
		}
		word := "index"
		if len(indices) > 1 {
			word = "indices"
		}
		fmt.Fprintf(c.d.Stdout, "added %s for %s to the OS keychain at %s %s (%s)\n",
			plural(len(keys), "key"), id, word, strings.Join(indices, ", "), masks(keys))
	}
	c.envNote(id)
	return keysOK
}

// readKeys reads the keys to store: one hidden line at a terminal prompt, or
// one key per line from stdin otherwise.
func (c *keysCmd) readKeys(id string) ([]string, error) {
	if c.d.IsTerminal != nil && c.d.IsTerminal() {
		if c.d.ReadPassword == nil {
			return nil, errors.New("cannot read a hidden key from this terminal; pipe the key on stdin instead")
		}
		fmt.Fprintf(c.d.Stderr, "API key for %s (input hidden): ", id)
		b, err := c.d.ReadPassword()
		fmt.Fprintln(c.d.Stderr) // the user's Enter was not echoed
		if err != nil {
			return nil, fmt.Errorf("reading the key: %w", err)
		}
		key := strings.TrimSpace(string(b))
		clear(b)
		if key == "" {
			return nil, errors.New("no key entered; nothing was changed")
		}
		key, err = keystore.CheckKey(key)
		if err != nil {
			return nil, err
		}
		return []string{key}, nil
	}

	sc := bufio.NewScanner(c.d.Stdin)
	sc.Buffer(make([]byte, 0, 4096), maxStdinLine)
	var keys []string
	seen := map[string]bool{}
	repeated := 0
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		if strings.Contains(text, ",") {
			return nil, fmt.Errorf("stdin line %d holds a comma: give one key per line; nothing was changed", line)
		}
		key, err := keystore.CheckKey(text)
		if err != nil {
			return nil, fmt.Errorf("stdin line %d: %w; nothing was changed", line, err)
		}
		if seen[key] {
			repeated++
			continue
		}
		seen[key] = true
		keys = append(keys, key)
		if len(keys) > keystore.MaxKeys {
			return nil, fmt.Errorf("more than %d keys on stdin; nothing was changed", keystore.MaxKeys)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("stdin line %d is longer than %d KiB (a key has at most %d bytes); nothing was changed",
				line+1, maxStdinLine>>10, keystore.MaxKeyBytes)
		}
		return nil, fmt.Errorf("reading stdin: %w", err)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("no keys on stdin: give one key per line (switchyard keys set %s < keyfile), "+
			"or run the command in a terminal to be prompted; nothing was changed", id)
	}
	if repeated > 0 {
		fmt.Fprintf(c.d.Stderr, "note: skipped %s repeated on stdin\n", plural(repeated, "key"))
	}
	return keys, nil
}

// list implements `keys list [ID]`.
func (c *keysCmd) list(args []string) int {
	ids := c.d.BackendIDs
	switch len(args) {
	case 0:
	case 1:
		id, ok := c.backend(args[0])
		if !ok {
			return keysBadArgs
		}
		ids = []string{id}
	default:
		return c.badArgs("keys list takes at most one backend id")
	}

	tw := tabwriter.NewWriter(c.d.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "BACKEND\tINDEX\tKEY\tSOURCE")
	var keychainErr error
	var envIDs []string
	for _, id := range ids {
		env := c.d.EnvKeys[id]
		for i, k := range env {
			fmt.Fprintf(tw, "%s\t%d\t%s\tenv\n", id, i, keystore.Mask(k))
		}
		if len(env) > 0 {
			envIDs = append(envIDs, envName(id))
		}
		if keychainErr != nil {
			fmt.Fprintf(tw, "%s\t?\t?\tkeychain unavailable\n", id)
			continue
		}
		stored, err := c.d.Store.Keys(c.ctx, id)
		if err != nil {
			keychainErr = err
			fmt.Fprintf(tw, "%s\t?\t?\tkeychain unavailable\n", id)
			continue
		}
		for i, k := range stored {
			fmt.Fprintf(tw, "%s\t%d\t%s\tkeychain\n", id, i, keystore.Mask(k))
		}
		if len(stored) == 0 && len(env) == 0 {
			fmt.Fprintf(tw, "%s\t-\t(no keys)\t-\n", id)
		}
	}
	tw.Flush()
	if len(envIDs) > 0 {
		fmt.Fprintf(c.d.Stdout, "env: keys from %s win over the keychain while set; they are never stored\n",
			strings.Join(envIDs, ", "))
	}
	if keychainErr != nil {
		return c.fail(keychainErr)
	}
	return keysOK
}

// rm implements `keys rm ID [INDEX]`.
func (c *keysCmd) rm(args []string) int {
	switch {
	case len(args) == 0:
		return c.badArgs("keys rm needs a backend id: switchyard keys rm ID [INDEX]")
	case len(args) > 2:
		return c.badArgs("keys rm takes a backend id and at most one INDEX: switchyard keys rm ID [INDEX]")
	}
	id, ok := c.backend(args[0])
	if !ok {
		return keysBadArgs
	}
	index := -1
	if len(args) == 2 {
		n, err := strconv.Atoi(args[1])
		if err != nil || n < 0 {
			return c.badArgs("INDEX must be a key's number as `switchyard keys list %s` shows it (0, 1, …)", id)
		}
		index = n
	}
	stored, err := c.d.Store.Keys(c.ctx, id)
	if err != nil {
		return c.fail(err)
	}

	if index < 0 {
		if len(stored) == 0 {
			fmt.Fprintf(c.d.Stdout, "%s has no keys in the OS keychain; nothing to remove\n", id)
			c.envNote(id)
			return keysOK
		}
		if err := c.d.Store.Replace(c.ctx, id, nil); err != nil {
			return c.fail(err)
		}
		fmt.Fprintf(c.d.Stdout, "removed %s of %s from the OS keychain (%s)\n",
			plural(len(stored), "key"), id, masks(stored))
		c.envNote(id)
		return keysOK
	}

	if index >= len(stored) {
		return c.noKey(id, index, len(stored))
	}
	if err := c.d.Store.Delete(c.ctx, id, index); err != nil {
		if errors.Is(err, keystore.ErrNotFound) {
			return c.noKey(id, index, len(stored)-1)
		}
		return c.fail(err)
	}
	msg := fmt.Sprintf("removed key %d (%s) of %s from the OS keychain; %s left",
		index, keystore.Mask(stored[index]), id, plural(len(stored)-1, "key"))
	if index < len(stored)-1 {
		msg += "; the keys after it moved up one index"
	}
	fmt.Fprintln(c.d.Stdout, msg)
	c.envNote(id)
	return keysOK
}

func (c *keysCmd) noKey(id string, index, n int) int {
	if n <= 0 {
		fmt.Fprintf(c.d.Stderr, "switchyard keys: %s has no keys in the OS keychain\n", id)
	} else {
		fmt.Fprintf(c.d.Stderr, "switchyard keys: %s has no key %d in the OS keychain; its keys are 0…%d (see switchyard keys list %s)\n",
			id, index, n-1, id)
	}
	c.envNote(id)
	return keysFailed
}

// backend resolves a backend id argument (exact, else case-insensitive) or
// reports the known ones.
func (c *keysCmd) backend(arg string) (string, bool) {
	for _, id := range c.d.BackendIDs {
		if id == arg {
			return id, true
		}
	}
	var match []string
	for _, id := range c.d.BackendIDs {
		if strings.EqualFold(id, arg) {
			match = append(match, id)
		}
	}
	if len(match) == 1 {
		return match[0], true
	}
	known := "no backends are configured"
	if len(c.d.BackendIDs) > 0 {
		known = "known backends: " + strings.Join(c.d.BackendIDs, ", ")
	}
	fmt.Fprintf(c.d.Stderr, "switchyard keys: unknown backend %s; %s\n", shown(arg), known)
	return "", false
}

// envNote tells the user when ID_API_KEYS overrides what is in the keychain.
func (c *keysCmd) envNote(id string) {
	if len(c.d.EnvKeys[id]) > 0 {
		fmt.Fprintf(c.d.Stderr, "note: %s is set in this environment (%s); it wins over the keychain while it is set\n",
			envName(id), plural(len(c.d.EnvKeys[id]), "key"))
	}
}

func (c *keysCmd) badArgs(format string, a ...any) int {
	fmt.Fprintf(c.d.Stderr, "switchyard keys: "+format+"\n", a...)
	fmt.Fprintln(c.d.Stderr, "run 'switchyard keys help' for usage")
	return keysBadArgs
}

// fail prints err; a keychain that is not available gets its hint on a line
// of its own.
func (c *keysCmd) fail(err error) int {
	var ue *keystore.UnavailableError
	if errors.As(err, &ue) {
		fmt.Fprintf(c.d.Stderr, "switchyard keys: keychain unavailable: %v\n", ue.Err)
		if ue.Hint != "" {
			fmt.Fprintf(c.d.Stderr, "hint: %s\n", ue.Hint)
		}
		return keysFailed
	}
	fmt.Fprintf(c.d.Stderr, "switchyard keys: %v\n", err)
	return keysFailed
}

// envName is the environment variable whose keys override id's keychain keys.
func envName(id string) string { return config.EnvPrefix(id) + "_API_KEYS" }

// shown quotes an argument for an error message if it looks like something
// typed as a name; anything else might be a key pasted in the wrong place, and
// is not echoed.
func shown(arg string) string {
	if arg != "" && len(arg) <= 24 && strings.IndexFunc(arg, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
	}) < 0 {
		return strconv.Quote(arg)
	}
	return "(argument not shown: it may be a key)"
}

func masks(keys []string) string {
	m := make([]string, len(keys))
	for i, k := range keys {
		m[i] = keystore.Mask(k)
	}
	return strings.Join(m, ", ")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

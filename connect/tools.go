package connect

import (
	"os"
	"path/filepath"
)

// The tools and the settings connect writes for each. Sources are the
// tools' own documentation and, where the docs are silent, their code
// (and for Codex and Gemini CLI the pinned versions the e2e tests run).

var tools = []*toolDef{claudeCode, codex, geminiCLI, opencode, qwenCode, continueDev}

// claudeCode: Claude Code reads ~/.claude/settings.json (the folder moves
// with CLAUDE_CONFIG_DIR) and applies its "env" object to its own
// environment, over the shell's. ANTHROPIC_BASE_URL is the server root
// (it appends /v1/messages); ANTHROPIC_AUTH_TOKEN is sent as
// Authorization: Bearer and spares the login. Sources: Claude Code docs,
// "Settings" (settings.json, env) and "Environment variables"
// (ANTHROPIC_BASE_URL, ANTHROPIC_AUTH_TOKEN), code.claude.com/docs.
var claudeCode = &toolDef{
	Tool: Tool{ID: "claude-code", Name: "Claude Code", Description: "Anthropic's coding agent CLI: env.ANTHROPIC_BASE_URL in ~/.claude/settings.json"},
	files: func(s *Setup) []fileSpec {
		dir := s.env("CLAUDE_CONFIG_DIR")
		if dir == "" {
			dir = filepath.Join(s.Home, ".claude")
		}
		ops := []op{{path: []string{"env", "ANTHROPIC_BASE_URL"}, value: s.base(), key: true}}
		if !s.Token {
			// A key keeps Claude Code from asking for a login; the
			// gateway ignores it. A key the user set stays.
			ops = append(ops, op{path: []string{"env", "ANTHROPIC_AUTH_TOKEN"}, value: Placeholder,
				unless: [][]string{{"env", "ANTHROPIC_AUTH_TOKEN"}, {"env", "ANTHROPIC_API_KEY"}}})
		}
		return []fileSpec{{path: filepath.Join(dir, "settings.json"), format: formatJSON, ops: ops}}
	},
	notes: func(s *Setup) []string {
		n := []string{"settings.json's env wins over variables exported in your shell; a project's .claude/settings.json can override it."}
		if s.Token {
			n = append(n, "The gateway needs its client token: export ANTHROPIC_AUTH_TOKEN=\"$"+TokenEnv+"\" where you start claude (connect never writes the token into a file).")
		}
		return n
	},
}

// codex: Codex CLI reads $CODEX_HOME/config.toml (~/.codex). A custom
// provider is a [model_providers.ID] table: base_url (Codex appends
// /responses), wire_api = "responses" (the only value Codex 0.16x
// accepts), env_key (the variable whose value goes out as Authorization:
// Bearer; without it no Authorization is sent, which the gateway accepts
// when it has no client token); model_provider selects it. Sources:
// developers.openai.com/codex/config-reference and config-sample
// (model_provider, model_providers.*), e2e/CLIENTS.md (Codex 0.169.0,
// --strict-config accepts all these keys).
var codex = &toolDef{
	Tool: Tool{ID: "codex", Name: "Codex CLI", Description: "OpenAI's coding agent CLI: a [model_providers.switchyard] table in ~/.codex/config.toml (Responses API)"},
	files: func(s *Setup) []fileSpec {
		dir := s.env("CODEX_HOME")
		if dir == "" {
			dir = filepath.Join(s.Home, ".codex")
		}
		p := []string{"model_providers", "switchyard"}
		at := func(k string) []string { return append(append([]string(nil), p...), k) }
		ops := []op{
			{path: []string{"model_provider"}, value: "switchyard", key: true},
			{path: []string{"model"}, value: s.model(), ifAbsent: true},
			{path: at("name"), value: "Switchyard"},
			{path: at("base_url"), value: s.v1(), key: true},
			{path: at("wire_api"), value: "responses"},
		}
		if s.Token {
			ops = append(ops, op{path: at("env_key"), value: TokenEnv})
		}
		return []fileSpec{{path: filepath.Join(dir, "config.toml"), format: formatTOML, ops: ops}}
	},
	notes: func(s *Setup) []string {
		if s.Token {
			return []string{"Codex sends the value of " + TokenEnv + " as its key (env_key): export it where you run codex."}
		}
		return nil
	},
}

// geminiCLI: Gemini CLI 0.61 needs security.auth.selectedType =
// "gemini-api-key" in ~/.gemini/settings.json (it refuses an env-only
// setup in -p mode) and takes the server root from GOOGLE_GEMINI_BASE_URL,
// an environment variable that it also loads from ~/.gemini/.env, with
// GEMINI_API_KEY (sent as x-goog-api-key; the gateway drops it). The home
// folder moves with GEMINI_CLI_HOME. Sources: geminicli.com docs
// "Configuration" (settings.json, .env files) and "Authentication";
// the 0.61.0 bundle (findEnvFile, loadEnvironment: the first .env found
// from the working folder up wins, ~/.gemini/.env only in a trusted
// folder; variables already set win); e2e/CLIENTS.md.
var geminiCLI = &toolDef{
	Tool: Tool{ID: "gemini", Name: "Gemini CLI", Description: "Google's coding agent CLI: GOOGLE_GEMINI_BASE_URL in ~/.gemini/.env, API-key auth in ~/.gemini/settings.json"},
	files: func(s *Setup) []fileSpec {
		home := s.env("GEMINI_CLI_HOME")
		if home == "" {
			home = s.Home
		}
		dir := filepath.Join(home, ".gemini")
		return []fileSpec{
			{path: filepath.Join(dir, "settings.json"), format: formatJSON, ops: []op{
				{path: []string{"security", "auth", "selectedType"}, value: "gemini-api-key", key: true},
			}},
			{path: filepath.Join(dir, ".env"), format: formatEnv, ops: []op{
				{path: []string{"GOOGLE_GEMINI_BASE_URL"}, value: s.base(), key: true},
				{path: []string{"GEMINI_API_KEY"}, value: Placeholder, ifAbsent: true},
			}},
		}
	},
	notes: func(s *Setup) []string {
		n := []string{
			"Gemini CLI reads ~/.gemini/.env only in folders it trusts (it asks once per folder; scripts pass --skip-trust or set GEMINI_CLI_TRUST_WORKSPACE=true), and only when the project has no .env or .gemini/.env of its own; GOOGLE_GEMINI_BASE_URL or GEMINI_API_KEY exported in your shell win over the file.",
		}
		if s.Token {
			n = append(n, "This gateway requires its client token: set GEMINI_API_KEY to the value of SWITCHYARD_TOKEN (Gemini CLI sends it as x-goog-api-key, which the gateway accepts as the token).")
		}
		return n
	},
}

// opencode: opencode merges ~/.config/opencode/opencode.json (or .jsonc;
// $XDG_CONFIG_HOME moves it), JSON with comments. A custom provider is
// provider.ID with npm "@ai-sdk/openai-compatible" (Chat Completions),
// options.baseURL (with /v1), models it offers, and "{env:VAR}" for a key
// from the environment; "model" is "provider/model". Sources:
// opencode.ai/docs/providers ("Custom provider") and opencode.ai/docs/config
// (locations, JSONC, variable substitution).
var opencode = &toolDef{
	Tool: Tool{ID: "opencode", Name: "opencode", Description: "the opencode coding agent: a provider.switchyard entry in ~/.config/opencode/opencode.json"},
	files: func(s *Setup) []fileSpec {
		dir := s.env("XDG_CONFIG_HOME")
		if dir == "" {
			dir = filepath.Join(s.Home, ".config")
		}
		dir = filepath.Join(dir, "opencode")
		path := filepath.Join(dir, "opencode.json")
		if _, err := os.Stat(path); err != nil {
			if _, err := os.Stat(filepath.Join(dir, "opencode.jsonc")); err == nil {
				path = filepath.Join(dir, "opencode.jsonc")
			}
		}
		p := []string{"provider", "switchyard"}
		at := func(k ...string) []string { return append(append([]string(nil), p...), k...) }
		ops := []op{
			{path: at("npm"), value: "@ai-sdk/openai-compatible"},
			{path: at("name"), value: "Switchyard"},
			{path: at("options", "baseURL"), value: s.v1(), key: true},
		}
		if s.Token {
			ops = append(ops, op{path: at("options", "apiKey"), value: "{env:" + TokenEnv + "}"})
		}
		ops = append(ops,
			op{path: at("models", s.model()), value: obj{{"name", s.model() + " (Switchyard)"}}},
			op{path: []string{"model"}, value: "switchyard/" + s.model(), key: true},
		)
		return []fileSpec{{path: path, format: formatJSON, ops: ops}}
	},
	notes: func(s *Setup) []string {
		return []string{"A project's opencode.json, or OPENCODE_CONFIG, can choose another model; pick Switchyard's with /models."}
	},
}

// qwenCode: qwen-code reads ~/.qwen/settings.json (JSON with comments).
// An OpenAI-compatible model is an element of modelProviders.openai: id
// (the model name sent), name, baseUrl, envKey (the variable holding the
// key; the "env" object of the same file is the lowest-priority source of
// variables); security.auth.selectedType "openai" and model.name select
// it at startup without the /auth dialog. Sources: qwen-code docs,
// "Authentication" (one-file setup via settings.json) and "Model
// Providers" (docs/users/configuration/auth.md, model-providers.md in
// QwenLM/qwen-code).
var qwenCode = &toolDef{
	Tool: Tool{ID: "qwen", Name: "qwen-code", Description: "Qwen's coding agent CLI: an OpenAI-compatible modelProviders entry in ~/.qwen/settings.json"},
	files: func(s *Setup) []fileSpec {
		envKey := "SWITCHYARD_API_KEY"
		if s.Token {
			envKey = TokenEnv
		}
		ops := []op{
			{path: []string{"modelProviders", "openai"}, key: true,
				// Matched by id and name, not by address: connecting
				// again for another address replaces the entry.
				match: obj{{"id", s.model()}, {"name", s.model() + " (Switchyard)"}},
				value: obj{{"id", s.model()}, {"name", s.model() + " (Switchyard)"}, {"baseUrl", s.v1()},
					{"description", "through the Switchyard gateway"}, {"envKey", envKey}}},
		}
		if !s.Token {
			ops = append(ops, op{path: []string{"env", envKey}, value: Placeholder, ifAbsent: true})
		}
		ops = append(ops,
			op{path: []string{"security", "auth", "selectedType"}, value: "openai", key: true},
			op{path: []string{"model", "name"}, value: s.model(), key: true},
		)
		return []fileSpec{{path: filepath.Join(s.Home, ".qwen", "settings.json"), format: formatJSON, ops: ops}}
	},
	notes: func(s *Setup) []string {
		if s.Token {
			return []string{"qwen-code reads the key from " + TokenEnv + " (envKey): export it where you run qwen."}
		}
		return nil
	},
}

// continueDev: Continue (the VS Code / JetBrains extension) reads
// ~/.continue/config.yaml (CONTINUE_GLOBAL_DIR moves the folder); a model
// is an item of "models" with provider openai, apiBase (with /v1),
// apiKey and roles. A config.yaml needs name, version and schema. When
// only the older config.json exists connect edits that (its "models" list,
// "title" instead of "name"), since a new config.yaml would replace it.
// Secrets come from ${{ secrets.NAME }}, looked up in ~/.continue/.env.
// Sources: docs.continue.dev "config.yaml Reference", "OpenAI" provider
// page (OpenAI-compatible apiBase), "Migrating to YAML".
var continueDev = &toolDef{
	Tool: Tool{ID: "continue", Name: "Continue", Description: "the Continue IDE extension: a Switchyard model in ~/.continue/config.yaml"},
	files: func(s *Setup) []fileSpec {
		dir := s.env("CONTINUE_GLOBAL_DIR")
		if dir == "" {
			dir = filepath.Join(s.Home, ".continue")
		}
		key := Placeholder
		if s.Token {
			key = "${{ secrets." + TokenEnv + " }}"
		}
		yamlPath, jsonPath := filepath.Join(dir, "config.yaml"), filepath.Join(dir, "config.json")
		_, yerr := os.Stat(yamlPath)
		if _, jerr := os.Stat(jsonPath); yerr != nil && jerr == nil {
			return []fileSpec{{path: jsonPath, format: formatJSON, ops: []op{{
				path: []string{"models"}, key: true, match: obj{{"title", "Switchyard"}},
				value: obj{{"title", "Switchyard"}, {"provider", "openai"}, {"model", s.model()}, {"apiBase", s.v1()}, {"apiKey", key}},
			}}}}
		}
		return []fileSpec{{path: yamlPath, format: formatYAML,
			template: "name: Local Config\nversion: 1.0.0\nschema: v1\n",
			ops: []op{{
				path: []string{"models"}, key: true, match: obj{{"name", "Switchyard"}},
				value: obj{{"name", "Switchyard"}, {"provider", "openai"}, {"model", s.model()}, {"apiBase", s.v1()},
					{"apiKey", key}, {"roles", []string{"chat", "edit", "apply"}}},
			}}}}
	},
	others: func(s *Setup) []fileSpec {
		dir := s.env("CONTINUE_GLOBAL_DIR")
		if dir == "" {
			dir = filepath.Join(s.Home, ".continue")
		}
		return []fileSpec{
			{path: filepath.Join(dir, "config.yaml"), format: formatYAML},
			{path: filepath.Join(dir, "config.json"), format: formatJSON},
		}
	},
	notes: func(s *Setup) []string {
		if s.Token {
			return []string{"Put " + TokenEnv + "=<the token> into ~/.continue/.env: Continue reads ${{ secrets." + TokenEnv + " }} from there."}
		}
		return []string{"Pick \"Switchyard\" in Continue's model list."}
	},
}

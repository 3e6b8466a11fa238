// Package e2e drives the real agent CLIs that Switchyard's users run —
// Codex CLI (npm @openai/codex, OpenAI Responses API) and Gemini CLI (npm
// @google/gemini-cli, Gemini API) — end to end, each with a tool call round
// trip: the scripted model first asks the CLI to run its own tool, the CLI
// runs it and sends the result back, and the model answers with a random
// final marker that the CLI must print.
//
// Three kinds of tests live here:
//
//   - TestCodexHarnessDirect and TestGeminiHarnessDirect run each CLI
//     straight at a fake server speaking its own protocol (fake Responses,
//     fake Gemini). They prove the harness, the client settings and the
//     scripted exchange, and with -update they rewrite the captured request
//     fixtures in testdata/ (golden inputs for the converters).
//
//   - TestCodexThroughGateway and TestGeminiThroughGateway build the
//     switchyard binary, run `switchyard serve` in front of a fake
//     Anthropic-format and a fake OpenAI-format upstream (streaming and
//     not), and run the CLI through it. Until the gateway has the route
//     (POST /v1/responses, POST /v1beta/models/{model}:streamGenerateContent)
//     they skip, and only when the gateway answers "404 no route".
//
//   - TestConnectCodex, TestConnectClaudeCode (Claude Code, npm
//     @anthropic-ai/claude-code), TestConnectGemini and
//     TestConnectGeminiDirect run `switchyard connect TOOL` in a throwaway
//     HOME and then the CLI with nothing but the files connect wrote, then
//     `connect --status` and `connect --undo` (which must restore the
//     user's file byte for byte).
//
// The CLIs are installed at pinned versions by scripts/install-clients.sh
// into .cache/clients (or found in $SWITCHYARD_CLIENTS_BIN). When they are
// missing the tests skip with a message; under CI=true that is a failure.
// Every client runs with a throwaway HOME holding the settings the test
// writes, so nothing of the developer's own configuration is used, and no
// client talks to anything but loopback servers. e2e/CLIENTS.md records what
// each CLI sends and needs.
package e2e

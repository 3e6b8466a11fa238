// Package convert translates between the Anthropic Messages protocol and
// the hub, OpenAI Chat Completions (docs/conversion.md). It holds what
// every leg of that conversion shares, and the parts that are plain
// mappings:
//
//   - the shared mappings: stop and finish reasons, usage, upstream errors
//     and their statuses in either protocol, tool ids and arguments (with
//     the repair of truncated JSON), model families;
//   - requests from Anthropic clients into the hub (RequestAToO);
//   - non-streaming answers both ways (ResponseAToO, ResponseOToA);
//   - the prompt-token estimate (count_tokens, message_start).
//
// Two larger pieces live in packages below it, which import it (never the
// reverse): anthropicreq builds an Anthropic request from a hub request,
// with the Messages API's rules for turns, thinking, caching and
// response_format; streamconv holds the two stream state machines.
//
// Everything here is pure: no I/O, no gin, no clocks other than values
// passed in. The rules implement docs/conversion.md; each test vector of
// that spec is a golden test under testdata/.
package convert

import "switchyard/gateway/protocol"

// The adapter contract lives in package protocol; these aliases keep the
// converters' signatures short.
type (
	RequestOptions = protocol.RequestOptions
	Error          = protocol.Error
	ToolNames      = protocol.ToolNames
)

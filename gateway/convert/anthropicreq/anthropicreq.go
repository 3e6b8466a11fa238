// Package anthropicreq builds an Anthropic Messages request from a hub
// (OpenAI Chat Completions) request: the hub -> Anthropic leg of a request
// for an Anthropic-format backend (docs/conversion.md §1.1 and §1.3).
//
// It is the largest and strictest piece of the Anthropic conversion,
// because the Messages API accepts less than Chat does: a valid turn
// sequence (system hoisted, tool results answering the previous turn's
// calls, no empty blocks, no trailing whitespace in a prefill), signed
// thinking for a tool loop, at most four cache breakpoints, the model's
// output limit, media it can take, and response_format as a forced tool or
// an instruction (Notes). The mappings it shares with the rest of the
// conversion (tool ids and arguments, model families) are in package
// convert, which it imports; the answer's way back is there too, and the
// streams are in package streamconv.
//
// Pure, like package convert: no I/O.
package anthropicreq

import "switchyard/gateway/protocol"

// The adapter contract lives in package protocol; these aliases keep the
// converters' signatures short.
type (
	RequestOptions = protocol.RequestOptions
	Error          = protocol.Error
)

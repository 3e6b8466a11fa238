// Package streamconv holds the two stream converters between Anthropic
// Messages and the hub, OpenAI Chat Completions (docs/conversion.md §3):
// AToOStream turns an Anthropic upstream's events into chat.completion
// chunks, OToAStream turns chunks into Anthropic events. Each is a state
// machine that takes one upstream SSE event and appends the client's wire
// bytes to a buffer; they read events with package jscan and write JSON by
// hand, since they run once per event.
//
// The mappings they share with the non-streaming conversion (stop and
// finish reasons, usage, upstream errors, tool ids and arguments) come
// from package convert. Pure: no I/O, no clocks other than values passed
// in (StreamOptions.Created).
package streamconv

import "switchyard/gateway/protocol"

// The adapter contract lives in package protocol; these aliases keep the
// converters' signatures short.
type (
	StreamOptions   = protocol.StreamOptions
	Step            = protocol.Step
	StreamError     = protocol.StreamError
	StreamConverter = protocol.StreamConverter
)

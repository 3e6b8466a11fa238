package responsesstream

import (
	"bytes"
	"os"
	"testing"

	"switchyard/gateway/convert/streamconv"
	"switchyard/gateway/protocol"
	"switchyard/gateway/protocol/protocoltest"
	"switchyard/gateway/responses/responsesconv"
)

// BenchmarkFromHubStream: a hub stream (text, reasoning, a tool call)
// into Responses events.
func BenchmarkFromHubStream(b *testing.B) {
	evs := protocoltest.Events(b, readFile(b, "testdata/stream/03-reasoning-text-tool.in.sse"))
	protocoltest.Bench(b, evs, func() protocol.StreamConverter {
		return NewFromHubStream(protocol.StreamOptions{ClientModel: "m"}, responsesconv.Notes{})
	})
}

// BenchmarkChainAnthropicToResponses: an Anthropic upstream stream
// (thinking, text, a tool call, usage) through the hub into Responses
// events: the path a Codex request to AnyRouter takes.
func BenchmarkChainAnthropicToResponses(b *testing.B) {
	evs := protocoltest.Events(b, readFile(b, "../../convert/streamconv/testdata/stream/50-a2o-claude-thinking-tool-use.in.sse"))
	protocoltest.Bench(b, evs, func() protocol.StreamConverter {
		return protocol.Chain(streamconv.NewAToOStream(protocol.StreamOptions{IncludeUsage: true}),
			NewFromHubStream(protocol.StreamOptions{ClientModel: "m"}, responsesconv.Notes{}))
	})
}

// BenchmarkChainAnthropicToResponsesLong: a long Anthropic text stream
// (200 deltas), where the per-stream costs are spread thin.
func BenchmarkChainAnthropicToResponsesLong(b *testing.B) {
	var in bytes.Buffer
	in.WriteString("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}\n\n")
	in.WriteString("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n")
	for range 200 {
		in.WriteString("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"some words of text \"}}\n\n")
	}
	in.WriteString("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n")
	in.WriteString("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":400}}\n\n")
	in.WriteString("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")
	f, err := os.CreateTemp(b.TempDir(), "*.sse")
	if err != nil {
		b.Fatal(err)
	}
	f.Write(in.Bytes())
	f.Close()
	evs := protocoltest.Events(b, readFile(b, f.Name()))
	protocoltest.Bench(b, evs, func() protocol.StreamConverter {
		return protocol.Chain(streamconv.NewAToOStream(protocol.StreamOptions{IncludeUsage: true}),
			NewFromHubStream(protocol.StreamOptions{ClientModel: "m"}, responsesconv.Notes{}))
	})
}

// BenchmarkToHubStream: a Responses backend's stream (reasoning, parallel
// calls) into hub chunks.
func BenchmarkToHubStream(b *testing.B) {
	evs := protocoltest.Events(b, readFile(b, "testdata/tohub/02-reasoning-parallel-tools.in.sse"))
	protocoltest.Bench(b, evs, func() protocol.StreamConverter {
		return NewToHubStream(protocol.StreamOptions{IncludeUsage: true})
	})
}

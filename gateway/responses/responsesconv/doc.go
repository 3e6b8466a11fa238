// Package responsesconv converts OpenAI Responses API requests and
// responses to and from the hub, OpenAI Chat Completions (package
// switchyard/gateway/openai), as package protocol describes. The wire
// types are package responses'; the stream converters are package
// responsesstream, which builds on this one.
//
// A Responses client reaches a Chat or Anthropic backend as
//
//	Responses request → RequestToHub → hub → (backend adapter) → upstream
//	upstream response → (backend adapter) → hub → ResponseFromHub → Responses object
//	upstream stream → (backend adapter) → hub chunks → responsesstream.NewFromHubStream → Responses events
//
// and a Chat or Anthropic client reaches a `format: responses` backend
// the other way round, through RequestFromHub, ResponseToHub and
// responsesstream.NewToHubStream. Tools that are not plain functions
// (custom/freeform tools, tools in a namespace, local_shell) travel
// through the hub as functions and are restored on the way back with the
// Notes RequestToHub returned (Notes.Client, CustomInput,
// ShellArgsToAction).
//
// The gateway is stateless: `store` is accepted and nothing is stored, and
// `previous_response_id` is refused with a 400 naming the field (clients
// such as Codex CLI send the whole conversation every turn). What a Chat
// backend cannot run (hosted tools such as web_search, reasoning items
// with encrypted content) is dropped and listed in Notes, so the gateway
// can say so once per request.
//
// Everything here is pure: no I/O, no clocks, no net/http.
package responsesconv

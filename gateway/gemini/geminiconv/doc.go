// Package geminiconv converts Gemini API requests and responses to and
// from the hub, the OpenAI Chat Completions form of package
// switchyard/gateway/openai: RequestToHub and ResponseFromHub for a Gemini
// client, RequestFromHub and ResponseToHub for a Gemini backend, with the
// finish-reason and usage mappings both ways (FinishToHub, FinishFromHub,
// UsageToHub, UsageFromHub) and the JSON Schema dialect conversion
// (SchemaToJSON, SchemaFromJSON). The wire types are package gemini's; the
// stream converters are package geministream, which builds on this one.
//
// Everything here is pure: no I/O, no clocks, no net/http.
package geminiconv

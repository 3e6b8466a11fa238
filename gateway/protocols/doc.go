// Package protocols is the gateway's protocol layer: the registry of
// client protocols (Chat Completions, Anthropic Messages, Responses,
// Gemini) and backend formats, the client request as read and bounded
// (Inbound), the plan of one attempt in protocol terms (Prepare →
// Exchange: upstream body, path, headers, and the converters back), and
// errors in each protocol's own shape (Error, WriteError, For).
//
// It knows HTTP requests and responses but not the server: no gin, no
// routing decisions, no timers. The gateway's attempt loop asks it what
// to send and how to read the answer; the converters it wires together
// are the pure packages (convert, responses, gemini, passthrough).
package protocols

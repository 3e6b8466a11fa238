// Package route decides where a request goes: the candidate backends in
// priority order whose model rule matches, the (base URL, key) endpoint
// pairs inside each backend with the active pair first, what each failure
// means (Classify), what to do next (Decide), per-pair cooldowns, and the
// failover events that record every fall from one endpoint to another.
//
// It knows nothing of HTTP servers or protocols: the gateway runs the
// attempts and reports each outcome back through Plan.Next.
package route

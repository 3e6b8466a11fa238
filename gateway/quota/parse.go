package quota

import (
	"context"
	"encoding/json"
	"math"
)

// unlimitedUSD is what new-api and one-api answer as hard_limit_usd for a
// token with unlimited quota (amount = 100000000).
const unlimitedUSD = 1e8

// newAPI reads new-api's billing pair: the subscription's hard_limit_usd
// is the key's total (remaining + used, in USD when the relay shows
// currency), the usage's total_usage what was spent, in cents.
func (s *Store) newAPI(ctx context.Context, t Target) (Balance, error) {
	base := root(t.BaseURL)
	body, err := s.get(ctx, t, base+"/v1/dashboard/billing/subscription")
	if err != nil {
		return Balance{}, err
	}
	var sub struct {
		Object      string   `json:"object"`
		Hard        *float64 `json:"hard_limit_usd"`
		SystemHard  *float64 `json:"system_hard_limit_usd"`
		AccessUntil int64    `json:"access_until"`
		Error       any      `json:"error"`
	}
	if err := json.Unmarshal(body, &sub); err != nil || sub.Error != nil || sub.Hard == nil && sub.SystemHard == nil {
		return Balance{}, fetchError("the subscription answer is not new-api's (no hard_limit_usd)")
	}
	limit := 0.0
	if sub.Hard != nil {
		limit = *sub.Hard
	} else {
		limit = *sub.SystemHard
	}
	b := Balance{Unit: USD, Limit: limit, Until: max(sub.AccessUntil, 0)}
	if limit >= unlimitedUSD {
		b.Unlimited = true
	}
	body, err = s.get(ctx, t, base+"/v1/dashboard/billing/usage")
	if err != nil {
		return Balance{}, err
	}
	var use struct {
		Total *float64 `json:"total_usage"`
		Error any      `json:"error"`
	}
	if err := json.Unmarshal(body, &use); err != nil || use.Error != nil || use.Total == nil {
		return Balance{}, fetchError("the usage answer is not new-api's (no total_usage)")
	}
	b.Used = round2(*use.Total / 100)
	if b.Unlimited {
		b.Limit, b.Remaining = 0, 0
	} else {
		b.Remaining = round2(max(limit-b.Used, 0))
	}
	return b, nil
}

// copilot reads copilot-api's /usage (GitHub's copilot_internal/user):
// the premium_interactions snapshot's entitlement and remaining requests.
func (s *Store) copilot(ctx context.Context, t Target) (Balance, error) {
	body, err := s.get(ctx, t, root(t.BaseURL)+"/usage")
	if err != nil {
		return Balance{}, err
	}
	var u struct {
		Snapshots *struct {
			Premium *struct {
				Entitlement float64 `json:"entitlement"`
				Remaining   float64 `json:"remaining"`
				Unlimited   bool    `json:"unlimited"`
			} `json:"premium_interactions"`
		} `json:"quota_snapshots"`
	}
	if err := json.Unmarshal(body, &u); err != nil || u.Snapshots == nil || u.Snapshots.Premium == nil {
		return Balance{}, fetchError("the usage answer has no premium_interactions quota")
	}
	p := u.Snapshots.Premium
	if p.Unlimited {
		return Balance{Unit: Requests, Unlimited: true}, nil
	}
	return Balance{Unit: Requests, Limit: p.Entitlement, Remaining: max(p.Remaining, 0), Used: max(p.Entitlement-p.Remaining, 0)}, nil
}

// round2 rounds to cents: total_usage is a float of cents.
func round2(x float64) float64 { return math.Round(x*100) / 100 }

//go:build darwin && !cgo

package tray

import (
	"context"
	"fmt"
	"log/slog"
)

// Run returns ErrNoTray at once: the macOS tray needs cgo (Cocoa), and this
// binary was built without it. The caller keeps serving without a tray.
func Run(ctx context.Context, c Controller, log *slog.Logger) error {
	return fmt.Errorf("%w: this macOS build has no cgo (build with CGO_ENABLED=1)", ErrNoTray)
}

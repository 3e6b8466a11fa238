package main

import (
	"fmt"
	"os"
)

// runApp is the desktop app: the gateway plus the tray icon.
func runApp(args []string) int {
	fmt.Fprintln(os.Stderr, "switchyard: the tray app is not built yet; running the gateway headless")
	return runServe(args)
}

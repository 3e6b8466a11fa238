//go:build windows

package main

import (
	"os"

	"golang.org/x/sys/windows"
)

// The release build links with -H windowsgui so a double-click opens no
// console window; then a subcommand typed in cmd.exe or PowerShell would
// print nothing. Attach to the parent's console when there is one and
// point the standard streams at it.
func init() {
	if len(os.Args) < 2 {
		return // the tray app: no console wanted
	}
	const attachParentProcess = ^uint32(0) // ATTACH_PARENT_PROCESS (DWORD)-1
	proc := windows.NewLazySystemDLL("kernel32.dll").NewProc("AttachConsole")
	if r, _, _ := proc.Call(uintptr(attachParentProcess)); r == 0 {
		return // no parent console (double-click, or output redirected)
	}
	// Only streams without a valid handle are replaced: a redirected
	// stream (a pipe or a file) keeps working as it is.
	if out, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0); err == nil {
		if _, err := os.Stdout.Stat(); err != nil {
			os.Stdout = out
		}
		if _, err := os.Stderr.Stat(); err != nil {
			os.Stderr = out
		}
	}
	if in, err := os.OpenFile("CONIN$", os.O_RDWR, 0); err == nil {
		if _, err := os.Stdin.Stat(); err != nil {
			os.Stdin = in
		}
	}
}

package notify

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// command shows a notification by running a program (PowerShell on
// Windows, osascript on macOS). Title and body reach it in environment
// variables, never in its script, so no text can inject code.
type command struct {
	log  *slog.Logger
	name string
	argv []string

	mu     sync.Mutex
	failed bool
}

// toastScript shows a Windows toast through the WinRT API, as
// PowerShell's own application id (a toast needs a registered one).
const toastScript = `$ErrorActionPreference='Stop';` +
	`[Windows.UI.Notifications.ToastNotificationManager, Windows.UI.Notifications, ContentType = WindowsRuntime] > $null;` +
	`$x = [Windows.UI.Notifications.ToastNotificationManager]::GetTemplateContent([Windows.UI.Notifications.ToastTemplateType]::ToastText02);` +
	`$t = $x.GetElementsByTagName('text');` +
	`$t.Item(0).AppendChild($x.CreateTextNode($env:SWITCHYARD_NOTIFY_TITLE)) > $null;` +
	`$t.Item(1).AppendChild($x.CreateTextNode($env:SWITCHYARD_NOTIFY_BODY)) > $null;` +
	`$id = '{1AC14E77-02E7-4E5D-B744-2EB1AE5198B7}\WindowsPowerShell\v1.0\powershell.exe';` +
	`[Windows.UI.Notifications.ToastNotificationManager]::CreateToastNotifier($id).Show([Windows.UI.Notifications.ToastNotification]::new($x))`

var (
	toastArgv     = []string{"powershell.exe", "-NoProfile", "-NonInteractive", "-WindowStyle", "Hidden", "-Command", toastScript}
	osascriptArgv = []string{"osascript", "-e", `display notification (system attribute "SWITCHYARD_NOTIFY_BODY") with title (system attribute "SWITCHYARD_NOTIFY_TITLE")`}
)

func (c *command) Notify(title, body string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.argv[0], c.argv[1:]...)
	cmd.Env = append(os.Environ(), "SWITCHYARD_NOTIFY_TITLE="+oneLine(title), "SWITCHYARD_NOTIFY_BODY="+body)
	out, err := cmd.CombinedOutput()
	if err == nil {
		c.failed = false
		return
	}
	if !c.failed {
		c.failed = true
		c.log.Info("desktop notifications unavailable; the notification is dropped", "via", c.name, "reason", err.Error(), "output", strings.TrimSpace(string(out)))
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

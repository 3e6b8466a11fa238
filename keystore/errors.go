package keystore

import (
	"errors"
	"net"
	"os/exec"
	"runtime"
	"strings"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

// classify maps a go-keyring error to this package's errors: ErrNotFound,
// ErrTooBig, or an *UnavailableError with a hint for everything else (the
// keychain is missing, unreachable or locked). backendID, when not empty,
// names the environment variable the hint suggests.
func classify(err error, backendID string) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return ErrTooBig
	}
	var ue *UnavailableError
	if errors.As(err, &ue) {
		return err
	}
	return &UnavailableError{Err: err, Hint: hintFor(err, runtime.GOOS) + "; " + envHint(backendID)}
}

// hintFor says what the user can do about err on goos, without the
// environment-variable fallback that every hint ends with.
func hintFor(err error, goos string) string {
	msg := err.Error()
	var (
		dbusErr  dbus.Error
		dbusPtr  *dbus.Error
		opErr    *net.OpError
		execErr  *exec.Error
		dbusName string
	)
	if errors.As(err, &dbusErr) {
		dbusName = dbusErr.Name
	} else if errors.As(err, &dbusPtr) && dbusPtr != nil {
		dbusName = dbusPtr.Name
	}
	const secretService = "install and start a Secret Service such as gnome-keyring or KeePassXC, and unlock it"
	switch {
	case errors.Is(err, keyring.ErrUnsupportedPlatform):
		return "switchyard has no keychain support on " + goos
	case dbusName == "org.freedesktop.DBus.Error.ServiceUnknown" ||
		strings.Contains(msg, "was not provided by any .service files"):
		return "no Secret Service is running on the D-Bus session bus: " + secretService
	case errors.As(err, &execErr) || strings.Contains(msg, "dbus-launch"):
		return "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set): run from a desktop session, " +
			"or start one with dbus-run-session, then " + secretService
	case errors.As(err, &opErr):
		return "cannot reach the D-Bus session bus (is DBUS_SESSION_BUS_ADDRESS stale?): run from a desktop session, " +
			"or start one with dbus-run-session, then " + secretService
	case strings.Contains(msg, "failed to unlock correct collection"):
		return "the keychain is locked or has no login/default keyring, and no unlock prompt could be shown: " +
			"unlock it (e.g. in Passwords and Keys / seahorse, or KeePassXC) and retry"
	}
	switch goos {
	case "darwin":
		return "unlock the login keychain (Keychain Access) and retry"
	case "windows":
		return "check that Windows Credential Manager is available to this user"
	default:
		return secretService
	}
}

// envHint names the environment variable that supplies keys without the
// keychain.
func envHint(backendID string) string {
	if backendID == "" {
		return "meanwhile set ID_API_KEYS=… (e.g. ANYROUTER_API_KEYS=…) in the environment"
	}
	return "meanwhile set " + strings.ToUpper(strings.ReplaceAll(backendID, "-", "_")) + "_API_KEYS=… (ID_API_KEYS) in the environment"
}

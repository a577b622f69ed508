package lookup

import (
	"crypto/sha256"
	"encoding/hex"
)

// ForgottenRef names a forgotten customer without naming them: the hex
// SHA-256 of the Cognito id. The tombstone's key and every audit line of an erasure use it.
func ForgottenRef(cognitoID string) string {
	h := sha256.Sum256([]byte(cognitoID))
	return hex.EncodeToString(h[:])
}

-- Sign-in attempts as one counter per scope, reserved before the password is checked: a burst of
-- concurrent guesses is counted as it arrives, not after each guess has been verified. A right
-- password gives its attempt back. Replaces the log of failures, which was read before and
-- written after the check.
CREATE TABLE sign_in_attempts (
    scope    TEXT PRIMARY KEY,
    attempts INTEGER NOT NULL,
    last_at  TEXT NOT NULL
);

DROP TABLE sign_in_failures;

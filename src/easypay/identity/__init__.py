"""Identity: sign-up, sign-in sessions, the payment PIN, friends, operators."""

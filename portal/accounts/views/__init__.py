"""Account pages, by concern. Each view parses input, calls a service and renders; the session's
own state goes through session_state and the steps of signing in through sign_in."""

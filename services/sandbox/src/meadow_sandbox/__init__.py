"""Stand-ins for the OMDb and Resend HTTP APIs, so Meadow runs offline."""

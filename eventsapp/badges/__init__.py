"""QR badges (PNG and PDF, batch printing) and check-in at the door."""

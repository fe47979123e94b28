"""The GitHub Actions pipeline's helpers: the cicd stack bootstrap, the smoke test, the expiry check, the summary."""

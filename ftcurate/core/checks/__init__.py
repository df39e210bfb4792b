"""Quality checks. One module per check; all share the contract in `ftcurate.core.checks.base`."""

"""Who may see what: accounts, sign-in, the viewer every query takes, and the audit log."""

"""E-mail as a channel of the desk: mailboxes read over IMAP, replies and thread updates over SMTP
(docs/email.md)."""

"""The bad-input corpus: what users (and forged clients) send that the bot must answer clearly."""

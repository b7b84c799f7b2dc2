"""Account helpers (test data: undocumented on purpose)."""


def fetch_account_balance(account_id, registry):
    entry = registry.lookup(account_id)
    return entry.balance


class AccountStore:
    def __init__(self, path):
        self.path = path

    def update_account_owner(self, account, value):
        account.owner = value
        self.save(account)

    def documented(self, x):
        """Already documented."""
        return x

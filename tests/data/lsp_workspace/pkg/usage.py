from pkg.accounts import AccountStore, fetch_account_balance


def report(registry):
    balance = fetch_account_balance(1, registry)
    store = AccountStore("db")
    store.update_account_owner(balance, "me")
    return balance

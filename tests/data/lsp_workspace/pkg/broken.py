def count_order_total(records, value):
    matches = [r for r in records if r.total == value]
    return len(matches)


def broken(a, b:
    return (


def format_user_name(user):
    text = str(user.name)
    return text.strip()

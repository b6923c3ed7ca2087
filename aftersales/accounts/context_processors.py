from aftersales.accounts.roles import Role


def roles(request):
    user = getattr(request, "user", None)
    user_roles = user.roles if user is not None and user.is_authenticated else frozenset()
    return {"user_roles": {role.value for role in user_roles}, "Role": Role}

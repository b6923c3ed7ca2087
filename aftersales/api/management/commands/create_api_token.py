from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from aftersales.api.models import ApiToken
from aftersales.api.tokens import create_token
from aftersales.core.errors import DomainError


class Command(BaseCommand):
    help = "Make an API token for a user and print its key (shown this once only)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="API")
        parser.add_argument("--scope", choices=ApiToken.Scope.values, default=ApiToken.Scope.READ)

    def handle(self, *args, username, name, scope, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user {username!r}.") from None
        try:
            new = create_token(user=user, name=name, scope=scope)
        except DomainError as error:
            raise CommandError(str(error.message)) from None
        self.stdout.write(new.key)

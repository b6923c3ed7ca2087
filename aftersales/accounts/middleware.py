from django.conf import settings
from django.utils import translation

LANGUAGE_COOKIE = "aftersales_language"


class UserLanguageMiddleware:
    """Chinese by default whatever the browser says; a user's own choice wins.

    Order: the logged-in user's language, then the language cookie (for the login page),
    then LANGUAGE_CODE. The browser's Accept-Language is deliberately ignored.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = settings.LANGUAGE_CODE
        user = getattr(request, "user", None)
        cookie = request.COOKIES.get(LANGUAGE_COOKIE)
        if user is not None and user.is_authenticated and user.language in self.supported:
            language = user.language
        elif cookie in self.supported:
            language = cookie
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response

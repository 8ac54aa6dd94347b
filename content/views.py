"""The advice library's own views: search and robots.txt. Pages themselves are served by Wagtail."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.http import require_GET, require_http_methods

from content import selectors
from content.forms import SearchForm

# Signed-in areas and addresses that only make sense to a signed-in person: search engines
# are asked to leave them alone (and to keep them out of results).
ROBOTS_DISALLOWED = [
    "/notes/",
    "/accounts/",
    "/account",
    "/admin/",
    "/django-admin/",
    "/home/",
    "/start/",
    "/exit/",
    "/session/",
    "/documents/",
    "/advice/search/",
]


# POST, not GET: the words someone searched for stay out of the address bar, the browser's
# history, the server's access log and any Referer, since they can be as telling as a page.
@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.POST if request.method == "POST" else None)
    results = None
    if form.is_bound and form.is_valid():
        results = selectors.pages_search(query=form.cleaned_data["q"])
    response = render(
        request,
        "content/search.html",
        {"form": form, "results": results, "results_limit": selectors.SEARCH_RESULTS_LIMIT},
    )
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    return response


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOWED)]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('content:sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")

from django.contrib.syndication.views import Feed
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from . import board
from .filters import SORT, PostingFilter, active_filters, filter_errors
from .models import Posting

FEED_SIZE = 50
TITLE = gettext_lazy("银行招聘岗位：最新发布")
# The feed lists the newest postings whatever the listing's page, page size
# or sort: those parameters do not make another feed.
_NOT_A_FILTER = ("page", "per_page", "sort")


def _filter_query(filterset):
    """The filter's parameters, normalised, as a query string ("" for none)."""
    query = filterset.query()
    for name in _NOT_A_FILTER:
        query.pop(name, None)
    return query.urlencode()


class InvalidFilter(Exception):
    def __init__(self, messages):
        self.messages = messages
        super().__init__("; ".join(str(message) for message in messages))


class LatestPostingsFeed(Feed):
    """Newest open postings as Atom; takes the listing's filters (?province=新疆).

    A filtered feed is a feed of its own: its title names the filters, its
    rel="self" link is its own URL and its alternate link is the listing of
    the same filter.
    """

    feed_type = Atom1Feed
    subtitle = gettext_lazy("按发布日期排列的最新开放岗位")
    description_template = "postings/includes/job_posting_description.html"

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except InvalidFilter as error:
            # The same messages as the listing's, on the site's 400 page.
            context = {"errors": error.messages}
            return render(request, "400.html", context, status=400)

    def get_object(self, request):
        filterset = PostingFilter(request.GET, queryset=Posting.objects.open_now())
        if not filterset.is_valid():
            raise InvalidFilter(filter_errors(filterset))
        return filterset

    def title(self, filterset):
        chips = active_filters(filterset)
        if not chips:
            return str(TITLE)
        named = pgettext("between filters", "；").join(
            _("%(label)s：%(value)s") % {"label": chip.label, "value": chip.value}
            for chip in chips
        )
        return _("%(title)s（%(filters)s）") % {"title": TITLE, "filters": named}

    def link(self, filterset):
        query = _filter_query(filterset)
        return reverse("postings:posting_list") + (f"?{query}" if query else "")

    def feed_url(self, filterset):
        query = _filter_query(filterset)
        return reverse("postings:posting_feed") + (f"?{query}" if query else "")

    def items(self, filterset):
        # Newest first, from the board: the feed's own order, whatever sort
        # the listing's link carried.
        ids = board.current().page(
            filterset, timezone.localdate(), sort=SORT.NEWEST, offset=0, limit=FEED_SIZE
        )
        postings = Posting.objects.select_related(
            "employer", "institution", "department"
        ).prefetch_related("duties", "requirements")
        found = postings.in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]

    def get_context_data(self, **kwargs):
        # The description template is the JSON-LD's, which names it posting.
        return {**super().get_context_data(**kwargs), "posting": kwargs["item"]}

    def item_title(self, posting):
        organisation = posting.employer.name
        if posting.institution_id != posting.employer_id:
            organisation += f" {posting.institution.name}"
        return f"{posting.title} · {organisation}"

    def item_pubdate(self, posting):
        return posting.created_at

    def item_updateddate(self, posting):
        return posting.updated_at

    def item_author_name(self, posting):
        return posting.employer.name

    def item_categories(self, posting):
        return [c for c in (posting.category, posting.grade) if c]

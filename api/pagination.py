from django.core.paginator import InvalidPage
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination


class Pages(PageNumberPagination):
    """`?page=2`, and `?page_size=` up to `max_page_size`; each answer links to the next page."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500

    def page_of(self, queryset, request):
        """The page's slice of `queryset`, still a queryset (`paginate_queryset` makes it a
        list), for a caller that fetches more with it, as the register's rows do."""
        self.request = request
        paginator = self.django_paginator_class(queryset, self.get_page_size(request))
        page_number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(page_number)
        except InvalidPage as exc:
            message = self.invalid_page_message.format(page_number=page_number, message=str(exc))
            raise NotFound(message) from None
        return self.page.object_list

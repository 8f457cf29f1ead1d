from repairs.views.quotes import urlpatterns as quote_urls
from repairs.views.tickets import urlpatterns as ticket_urls
from repairs.views.warranty import urlpatterns as warranty_urls

urlpatterns = [*ticket_urls]
urlpatterns += [*quote_urls, *warranty_urls]  # quotes helper: quotes, approvals, warranty claims

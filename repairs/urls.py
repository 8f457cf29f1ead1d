from repairs.views.payments import urlpatterns as payment_urls
from repairs.views.quotes import urlpatterns as quote_urls
from repairs.views.tickets import urlpatterns as ticket_urls
from repairs.views.warranty import urlpatterns as warranty_urls

urlpatterns = [*ticket_urls, *quote_urls, *warranty_urls, *payment_urls]

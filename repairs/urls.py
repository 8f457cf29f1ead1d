from repairs.views.payments import urlpatterns as payment_urls  # rpay: record-cash, refund
from repairs.views.tickets import urlpatterns as ticket_urls

urlpatterns = [*ticket_urls]
urlpatterns += payment_urls  # rpay: record-cash, refund

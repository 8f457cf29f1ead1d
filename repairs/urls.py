from repairs.views.tickets import urlpatterns as ticket_urls

urlpatterns = [*ticket_urls]

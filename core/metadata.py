from django.http import Http404
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.metadata import SimpleMetadata
from rest_framework.request import clone_request


class Metadata(SimpleMetadata):
    """
    DRF's answer to OPTIONS, made unable to fail: the `actions` (the fields a POST or PUT takes)
    are described from the view's serializer without looking anything up, so a nested route whose
    parent does not exist (`products/0/reviews`) still answers 200. A view that picks its
    serializer per request, with no `serializer_class`, lists no actions.
    """

    def determine_actions(self, request, view):
        actions = {}
        for method in {"PUT", "POST"} & set(view.allowed_methods):
            view.request = clone_request(request, method)
            try:
                view.check_permissions(view.request)
                serializer = view.get_serializer()
            except (APIException, PermissionDenied, Http404):
                continue
            except AssertionError:  # GenericAPIView's "include a `serializer_class` attribute"
                continue
            finally:
                view.request = request
            actions[method] = self.get_serializer_info(serializer)
        return actions

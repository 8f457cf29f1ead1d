from rest_framework import renderers


class JSONRenderer(renderers.JSONRenderer):
    """
    DRF's JSON renderer (UTF-8 text), falling back to ASCII escapes when the data holds a lone
    surrogate, which UTF-8 cannot carry: an error message quoting a client's hostile input
    ("\\ud800" is not a valid choice) is still answered, as valid JSON, instead of failing.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            return _AsciiJSONRenderer().render(data, accepted_media_type, renderer_context)


class _AsciiJSONRenderer(renderers.JSONRenderer):
    ensure_ascii = True

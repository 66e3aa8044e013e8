"""The project's one app view and a few more for webcycle's integration tests."""
import hashlib

from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt


def index(request):
    return HttpResponse("Hello from Django\n", content_type="text/plain")


def info(request):
    return JsonResponse({
        "method": request.method,
        "path": request.path,
        "path_info": request.path_info,
        "script_name": request.META.get("SCRIPT_NAME"),
        "query": {k: request.GET.getlist(k) for k in sorted(request.GET)},
        "is_secure": request.is_secure(),
        "host": request.get_host(),
    })


@csrf_exempt
def echo(request):
    if request.method != "POST":
        return HttpResponse("POST only\n", status=405, content_type="text/plain")
    files = {name: {"name": f.name, "size": f.size,
                    "sha256": hashlib.sha256(f.read()).hexdigest()}
             for name, f in request.FILES.items()}
    return JsonResponse({"fields": {k: request.POST.getlist(k) for k in sorted(request.POST)},
                         "files": files})


def stream(request):
    return StreamingHttpResponse((f"row {i}\n" for i in range(5)), content_type="text/plain")


def go(request):
    return HttpResponseRedirect("/hello/")


def missing(request):
    raise Http404("no such thing")


def error(request):
    raise RuntimeError("django-boom")

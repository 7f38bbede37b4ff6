"""The serving side: the WSGI stack (router, CORS, request log, admin routes) and the servers that run it."""

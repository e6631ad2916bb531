// /api/docs/: Swagger UI (shipped in Django Ninja's wheel, served from our static files) on the
// API's OpenAPI document. A file, not an inline script, so the Content-Security-Policy holds.
"use strict";

(function () {
  const root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") return;
  const csrfToken = root.dataset.csrfToken;
  window.SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    dom_id: "#swagger-ui",
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    // Nothing leaves this server: no online validator badge.
    validatorUrl: null,
    // "Try it out" without a token uses the browser's session, whose writes need the CSRF token.
    requestInterceptor: (request) => {
      if (csrfToken) request.headers["X-CSRFToken"] = csrfToken;
      return request;
    },
  });
})();

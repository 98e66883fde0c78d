// The OpenAPI page from the package's own copy of Swagger UI: nothing loads from elsewhere.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  window.SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});

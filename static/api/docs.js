// The API's docs page: Swagger UI on our own schema. Loaded as a file, not
// inline, so the page runs under the site's script-src 'self'.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    domNode: root,
    deepLinking: true,
    // Swagger UI would otherwise send the schema to swagger.io's validator.
    validatorUrl: null,
    defaultModelsExpandDepth: 0,
    displayRequestDuration: true,
  });
})();

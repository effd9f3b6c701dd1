// Progressive enhancement for the listing: filters and sort apply on change.
// Without JavaScript the forms' submit buttons do the same.
document.addEventListener("DOMContentLoaded", () => {
  document.documentElement.classList.add("js");
  const filters = document.getElementById("filter-form");
  if (filters) {
    filters.addEventListener("change", (event) => {
      // Number inputs submit on change (blur or Enter), not on every keystroke.
      if (event.target.matches("input[type=checkbox], select")) filters.requestSubmit();
    });
  }
  const sort = document.getElementById("id_sort");
  if (sort) sort.addEventListener("change", () => sort.form.requestSubmit());

  // A field left empty (不限, no age) is no filter: leave it out of the URL
  // rather than send "education=&age=". The server redirects such URLs too.
  for (const form of document.querySelectorAll("form[method=get]")) {
    form.addEventListener("formdata", (event) => {
      const entries = [...event.formData.entries()];
      for (const name of new Set(entries.map(([key]) => key))) event.formData.delete(name);
      for (const [name, value] of entries) {
        if (typeof value !== "string" || value.trim() !== "") event.formData.append(name, value);
      }
    });
  }
});

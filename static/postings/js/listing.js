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
});

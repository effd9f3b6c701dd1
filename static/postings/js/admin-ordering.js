// Reordering the rows of an ordered inline (duties, requirements, work
// locations): drag a row by its handle, or move it with ↑ ↓. The rows are
// then numbered 1, 2, 3 … in the order shown, in their 顺序 fields, which the
// server saves. A new row left unnumbered is put last by the server.
"use strict";
{
  const ROWS = "tr.form-row:not(.empty-form)";

  // A row counts once it holds something: an existing item, or a new one
  // typed into. An empty new row keeps its empty number (and is not saved).
  const inUse = (row) => {
    const id = row.querySelector("td.original input[name$='-id']");
    if (id && id.value) return true;
    return [...row.querySelectorAll("textarea, input[type=text], select")].some(
      (field) => !field.closest(".field-position") && field.value.trim() !== ""
    );
  };

  const renumber = (body) => {
    let number = 0;
    for (const row of body.querySelectorAll(ROWS)) {
      const field = row.querySelector(".field-position input");
      if (field && inUse(row)) field.value = ++number;
    }
  };

  const sibling = (row, direction) => {
    let next = direction < 0 ? row.previousElementSibling : row.nextElementSibling;
    while (next && !next.matches(ROWS)) {
      next = direction < 0 ? next.previousElementSibling : next.nextElementSibling;
    }
    return next;
  };

  const button = (className, label, text) => {
    const element = document.createElement("button");
    element.type = "button";
    element.className = className;
    element.title = label;
    element.setAttribute("aria-label", label);
    element.textContent = text;
    return element;
  };

  const addControls = (row) => {
    const cell = row.querySelector(".field-position");
    if (!cell || cell.querySelector(".item-order")) return;
    const controls = document.createElement("span");
    controls.className = "item-order";
    const handle = button("item-drag", "拖动调整顺序", "⠿");
    handle.draggable = true;
    controls.append(handle, button("item-up", "上移", "↑"), button("item-down", "下移", "↓"));
    cell.append(controls);
  };

  let dragged = null;

  const enhance = (group) => {
    const body = group.querySelector("tbody");
    if (!body) return;
    body.querySelectorAll(ROWS).forEach(addControls);

    body.addEventListener("click", (event) => {
      const control = event.target.closest(".item-up, .item-down");
      if (!control) return;
      const row = control.closest("tr");
      const up = control.classList.contains("item-up");
      const other = sibling(row, up ? -1 : 1);
      if (!other) return;
      body.insertBefore(up ? row : other, up ? other : row);
      renumber(body);
      control.focus();
    });

    body.addEventListener("dragstart", (event) => {
      if (!event.target.closest || !event.target.closest(".item-drag")) return;
      dragged = event.target.closest("tr");
      dragged.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", "");
    });
    body.addEventListener("dragover", (event) => {
      const target = event.target.closest && event.target.closest(ROWS);
      if (!dragged || !target || !body.contains(dragged)) return;
      event.preventDefault();
      if (target === dragged) return;
      const box = target.getBoundingClientRect();
      const after = event.clientY > box.top + box.height / 2;
      body.insertBefore(dragged, after ? target.nextElementSibling : target);
    });
    body.addEventListener("drop", (event) => {
      if (dragged) event.preventDefault();
    });
    body.addEventListener("dragend", () => {
      if (!dragged) return;
      dragged.classList.remove("dragging");
      dragged = null;
      renumber(body);
    });
  };

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll(".ordered-items").forEach((fieldset) => {
      enhance(fieldset.closest(".inline-group") || fieldset);
    });
  });
  // A row added with "添加另一个" gets the controls too.
  document.addEventListener("formset:added", (event) => {
    if (event.target.closest(".ordered-items")) addControls(event.target);
  });
}

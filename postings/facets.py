"""Facet counts as the listing shows them: for each filter with counts, its
options and how many postings each would show, given every *other* active
filter (the board counts them: postings.board)."""

from dataclasses import dataclass

from .models import Education

FACET_LIMIT = 30
# Options a facet box shows before "更多": the rest open below it, so no box
# scrolls inside the page (an inner scroll cuts its last row in half).
FACET_SHOWN = 8


@dataclass(frozen=True)
class FacetOption:
    value: str  # what the link carries
    count: int
    selected: bool
    label: str = ""  # what the page shows, when not the value itself

    @property
    def shown(self):
        return self.label or self.value


@dataclass(frozen=True)
class FacetGroup:
    name: str
    label: str
    options: list

    @property
    def first_options(self):
        return self.options[:FACET_SHOWN]

    @property
    def more_options(self):
        return self.options[FACET_SHOWN:]

    @property
    def more_selected(self):
        """A ticked option among the rest keeps them open, in sight."""
        return any(option.selected for option in self.more_options)


@dataclass(frozen=True)
class Facets:
    groups: list
    education: list


def _group(filterset, name, counts):
    """Options by count, the selected ones always present (and removable)."""
    selected = filterset.form.cleaned_data.get(name) or []
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:FACET_LIMIT]
    options = [FacetOption(value, count, value in selected) for value, count in ranked]
    shown = {option.value for option in options}
    options += [FacetOption(value, 0, True) for value in selected if value not in shown]
    return FacetGroup(name, str(filterset.filters[name].label), options)


def _education(filterset, per_floor):
    """Cumulative: a candidate with a degree may apply wherever the floor
    is at or below it, or unstated."""
    selected = filterset.form.cleaned_data.get("education") or []
    options, running = [], per_floor.get(None, 0)
    # The link carries the level's Chinese name in every language ("本科");
    # the page shows its label in the page's language.
    for value, label in Education.choices:
        running += per_floor.get(value, 0)
        options.append(
            FacetOption(
                Education.parameter_of(value), running, value in selected, label
            )
        )
    return options


def facets(filterset, counts):
    """The listing's facets from the board's counts (filter name -> counts)."""
    groups = [
        _group(filterset, name, counts[name])
        for name in filterset.filters
        if name in counts and name != "education"
    ]
    return Facets(groups, _education(filterset, counts.get("education", {})))

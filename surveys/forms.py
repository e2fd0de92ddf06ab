from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.models import Question, QuestionKind
from surveys.services import LONG_TEXT_MAX, SHORT_TEXT_MAX

# The database column is a 32-bit integer.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def _field_for(question: Question, *, required: bool) -> forms.Field:
    common = {
        "label": question.text,
        "help_text": question.help_text,
        "required": required,
        "error_messages": {"required": _("Please answer this question.")},
    }
    kind = question.kind
    if kind in (QuestionKind.LIKERT, QuestionKind.SCALE):
        return forms.TypedChoiceField(
            choices=[(str(value), label) for value, label in question.point_labels()],
            coerce=int,
            empty_value=None,
            widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            **common,
        )
    if kind == QuestionKind.SINGLE:
        return forms.ChoiceField(
            choices=question.choice_list(),
            widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            **common,
        )
    if kind == QuestionKind.MULTIPLE:
        return forms.MultipleChoiceField(
            choices=question.choice_list(),
            widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
            **common,
        )
    if kind == QuestionKind.NUMBER:
        low = question.min_value if question.min_value is not None else INT_MIN
        high = question.max_value if question.max_value is not None else INT_MAX
        return forms.IntegerField(
            min_value=low,
            max_value=high,
            widget=forms.NumberInput(
                attrs={"class": "form-control", "step": 1, "inputmode": "numeric"}
            ),
            **common,
        )
    if kind == QuestionKind.SHORT_TEXT:
        return forms.CharField(
            max_length=SHORT_TEXT_MAX,
            widget=forms.TextInput(attrs={"class": "form-control"}),
            **common,
        )
    return forms.CharField(
        max_length=LONG_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
        **common,
    )


class SurveyResponseForm(forms.Form):
    """One field per question, named by its key. A draft (`final=False`) may leave required
    questions empty; a submission may not."""

    prefix = "q"

    def __init__(self, *args, questions: list[Question], final: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[question.key] = _field_for(
                question, required=final and question.is_required
            )

    def answers(self) -> dict[str, object]:
        """Cleaned answers by question key, empty ones left out."""
        return {
            key: value
            for key, value in self.cleaned_data.items()
            if value not in (None, "", [], ())
        }

    def rows(self) -> list[tuple[Question, forms.BoundField]]:
        return [(question, self[question.key]) for question in self.questions]

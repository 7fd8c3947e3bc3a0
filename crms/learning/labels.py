"""The label of a declaration for learning, defined once (SQL over ``d``, declarations_declaration).

A declaration is labelled when its imported history says what its control found, or else when
a control result was recorded on it in the workbench: irregular when one of them is positive
with the figures' definition (``crms.core.figures.POSITIVE_SQL``: an irregularity or a
seizure). Unlabelled declarations (never controlled) are NULL: they neither train a model nor
count in anyone's behaviour.
"""

from __future__ import annotations

from crms.core.figures import POSITIVE_SQL

LABEL_SQL = f"""COALESCE(
    (SELECT hl.irregularity_found::int FROM learning_historylabel hl
      JOIN declarations_declarationversion lv ON lv.id = hl.version_id
      WHERE hl.declaration_id = d.id ORDER BY lv.version DESC LIMIT 1),
    (SELECT CASE WHEN count(*) FILTER (WHERE {POSITIVE_SQL}) > 0 THEN 1 ELSE 0 END
      FROM workbench_controlresult r WHERE r.declaration_id = d.id HAVING count(*) > 0))"""  # noqa: S608 - fixed fragments

"""Per-prediction feature contributions by decision path, precomputed per leaf (for the reasons of a score).

LightGBM's exact TreeSHAP (``pred_contrib``) costs about 2 ms for one filing with 150 trees, the
whole latency budget of issue 16. The decision-path attribution (Saabas; the "treeinterpreter"
method) gives each split's change of the node value to the feature it splits on. The path to a
leaf is fixed, so each leaf's contribution vector is computed once when the model is loaded, and a
prediction's contributions are the sum of its leaves' vectors (LightGBM's ``pred_leaf`` finds the
leaves as fast as it predicts). Like SHAP it is additive: bias + contributions = the raw score.
"""

from __future__ import annotations

import lightgbm as lgb
import numpy as np


class PathContributions:
    def __init__(self, booster: lgb.Booster):
        dump = booster.dump_model()
        self.features = len(dump["feature_names"])
        trees = dump["tree_info"]
        self.offsets = np.zeros(len(trees), dtype=np.int64)
        vectors: list[np.ndarray] = []
        self.bias = 0.0
        for index, tree in enumerate(trees):
            self.offsets[index] = len(vectors)
            root = tree["tree_structure"]
            leaves: dict[int, np.ndarray] = {}
            if "leaf_value" in root:  # a single-leaf tree: all bias
                self.bias += float(root["leaf_value"])
                leaves[0] = np.zeros(self.features)
            else:
                self.bias += float(root["internal_value"])
                self._walk(root, np.zeros(self.features), leaves)
            vectors.extend(leaves[leaf] for leaf in range(len(leaves)))
        self.table = np.vstack(vectors) if vectors else np.zeros((0, self.features))
        self.leaf_values = np.asarray(
            [value for tree in trees for value in _leaf_values(tree["tree_structure"])], dtype=np.float64
        )
        objective = str(dump.get("objective", "")).split()
        binary = objective[:1] == ["binary"] and objective[1:2] and not dump.get("average_output")
        # "binary sigmoid:1", boosted (not a random forest, whose trees average): the only kind the platform
        # trains; anything else scores through LightGBM
        self.sigmoid = float(objective[1].split(":")[1]) if binary else None

    def _walk(self, node: dict, path: np.ndarray, leaves: dict[int, np.ndarray]) -> None:
        stack = [(node, path)]
        while stack:
            current, so_far = stack.pop()
            for side in ("left_child", "right_child"):
                child = current[side]
                value = child["leaf_value"] if "leaf_value" in child else child["internal_value"]
                step = so_far.copy()
                step[current["split_feature"]] += float(value) - float(current["internal_value"])
                if "leaf_index" in child:
                    leaves[int(child["leaf_index"])] = step
                else:
                    stack.append((child, step))

    def scores(self, leaf_indices: np.ndarray) -> np.ndarray | None:
        """The model's scores from the same leaves (a binary model's sigmoid of the summed leaf values), so
        one LightGBM call serves both score and reasons (0.25 ms less per filing); None for another objective."""
        if self.sigmoid is None:
            return None
        raw = self.leaf_values[self.offsets[np.newaxis, :] + leaf_indices.astype(np.int64)].sum(axis=1)
        return 1.0 / (1.0 + np.exp(-self.sigmoid * raw))

    def of(self, leaf_indices: np.ndarray) -> np.ndarray:
        """Contributions (rows x features) from ``booster.predict(X, pred_leaf=True)``."""
        rows = self.offsets[np.newaxis, :] + leaf_indices.astype(np.int64)
        return self.table[rows].sum(axis=1)


def _leaf_values(root: dict) -> list[float]:
    """A tree's leaf values by leaf index."""
    if "leaf_value" in root and "leaf_index" not in root:
        return [float(root["leaf_value"])]
    values: dict[int, float] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if "leaf_index" in node:
            values[int(node["leaf_index"])] = float(node["leaf_value"])
        else:
            stack.extend((node["left_child"], node["right_child"]))
    return [values[index] for index in range(len(values))]
